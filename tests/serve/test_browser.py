"""The page in headless Chromium: type, press the button, read what the page shows.

Needs Debian's ``chromium`` and ``chromium-driver`` (``.ci/run`` installs them) and selenium;
without them these tests are skipped with the reason.
"""

from __future__ import annotations

import re
import shutil

import pytest

import lstmlab

webdriver = pytest.importorskip(
    "selenium.webdriver", reason="selenium is not installed: pip install -e '.[test]'"
)
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.select import Select  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402

REVIEW = "the acting was quite brilliant and the story really"
SENTENCE = "The zebra sat on the mat ."


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("no headless Chromium: apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1300,1000",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # CSP reports land there
    driver = webdriver.Chrome(
        options=options, service=webdriver.ChromeService(executable_path=driver_path)
    )
    yield driver
    driver.quit()


@pytest.fixture
def page(browser, live_server):
    browser.get(live_server + "/")
    wait(browser).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready"))
    return browser


def wait(driver, seconds: float = 30) -> WebDriverWait:
    return WebDriverWait(driver, seconds)


def analyse(driver, run: str, text: str) -> None:
    Select(driver.find_element(By.ID, "run")).select_by_value(run)
    box = driver.find_element(By.ID, "text")
    box.clear()
    box.send_keys(text)
    driver.find_element(By.ID, "go").click()


def rgb(colour: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", colour)[:3])


def test_review_label_evidence_heatmap_hover_and_unit_search(page, client):
    analyse(page, "sentiment", REVIEW)
    label = wait(page).until(EC.visibility_of_element_located((By.ID, "label")))
    expected = client.post("/api/runs/sentiment/predict", json={"text": REVIEW}).json()
    assert label.text == f"pos (p = {expected['probability']:.3f})"

    # Coloured words: one per token, the deciding word the reddest (red: a positive value,
    # as in the heatmap), each shade on one absolute scale, as the legend shows.
    words = page.find_elements(By.CSS_SELECTOR, "#evidence .word")
    assert [w.text for w in words] == REVIEW.split()
    colours = {w.text: rgb(w.value_of_css_property("background-color")) for w in words}
    red, green, blue = colours["brilliant"]
    assert red > green + 40 and red > blue + 40
    assert min(colours, key=lambda word: sum(colours[word])) == "brilliant"
    swatches = page.find_elements(By.CSS_SELECTOR, "#evidence-legend .swatch")
    shade = {w.text: rgb(w.value_of_css_property("background-color")) for w in swatches}
    assert shade["+0.50"] == rgb("rgb(178, 24, 43)") and shade["-0.50"] == rgb("rgb(33, 102, 172)")
    for word, value in zip(REVIEW.split(), expected["evidence"], strict=True):
        if value >= 0.5:
            assert colours[word] == shade["+0.50"]  # the same value, the same colour

    # The heatmap: 10 units x 9 tokens of the cell state, layer 0, forward.
    wait(page).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#heatmap td.cell")) == 90)
    inside = client.post("/api/runs/sentiment/inside", json={"text": REVIEW}).json()
    cell = page.find_elements(By.CSS_SELECTOR, "#heatmap td.cell")[13]  # row 1, token 4
    t, unit = int(cell.get_attribute("data-t")), int(cell.get_attribute("data-unit"))
    ActionChains(page).move_to_element(cell).perform()
    info = page.find_element(By.ID, "hover-info").text
    assert info == (
        f'token "{REVIEW.split()[t]}" (t={t}) · unit {unit} · '
        f"c = {inside['gates']['c'][t][unit]:.4f}"
    )

    # Another gate: the cells hold the forget gate's values, all in (0, 1).
    Select(page.find_element(By.ID, "gate")).select_by_value("f")
    values = [
        float(c.get_attribute("data-value"))
        for c in page.find_elements(By.CSS_SELECTOR, "#heatmap td.cell")
    ]
    assert len(values) == 90 and all(0 < v < 1 for v in values)
    assert sorted(values) == sorted(v for row in inside["gates"]["f"] for v in row)

    # Click a unit: the tokens of the validation sample where it is most active.
    page.find_element(By.CSS_SELECTOR, "#heatmap th.unit").click()
    wait(page).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#unit-matches li")) == 10)
    assert page.find_element(By.ID, "unit-title").text.startswith("Unit ")
    assert page.find_element(By.CSS_SELECTOR, "#unit-matches mark").text


def test_sentence_tags_with_unseen_words_marked(page, pos_run):
    analyse(page, "pos", SENTENCE)
    rows = wait(page).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#tags tr")[1:])
    expected = lstmlab.load(pos_run).tag(SENTENCE)
    shown = [tuple(row.find_elements(By.TAG_NAME, "td")[i].text for i in (0, 1)) for row in rows]
    assert shown == [(w + (" *" if w == "zebra" else ""), t) for w, t in expected]
    assert [r.get_attribute("class") for r in rows].count("unseen") == 1
    # The backward direction of a bidirectional tagger is one choice away.
    Select(page.find_element(By.ID, "direction")).select_by_value("bwd")
    wait(page).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#heatmap td.cell")) == 56)


def test_a_bad_request_shows_the_servers_message(page):
    analyse(page, "sentiment", "   ")
    error = wait(page).until(EC.visibility_of_element_located((By.ID, "error")))
    assert error.text == "text is empty"
    analyse(page, "sentiment", "a dull film")  # and the page still works
    wait(page).until(EC.text_to_be_present_in_element((By.ID, "label"), "neg"))
    assert not page.find_element(By.ID, "error").is_displayed()


def test_language_model_next_words_and_generation(page, client):
    analyse(page, "lm", "a dog ran in")
    rows = wait(page).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#next-words tr")[1:])
    expected = client.post("/api/runs/lm/predict", json={"text": "a dog ran in"}).json()
    assert [row.find_element(By.TAG_NAME, "td").text for row in rows] == [
        w["word"] for w in expected["next_words"]
    ]
    assert [o.text for o in Select(page.find_element(By.ID, "direction")).options] == ["forward"]
    temperature = page.find_element(By.ID, "temperature")
    temperature.clear()
    temperature.send_keys("0.5")
    page.find_element(By.ID, "generate").click()
    wait(page).until(EC.text_to_be_present_in_element((By.ID, "generated"), "▸"))
    generated = client.post(
        "/api/runs/lm/generate", json={"text": "a dog ran in", "temperature": 0.5}
    ).json()
    assert page.find_element(By.ID, "generated").text == (
        f"a dog ran in ▸ {' '.join(generated['words'])}"
    )


def test_the_page_works_under_its_content_security_policy(page):
    analyse(page, "sentiment", REVIEW)
    wait(page).until(EC.visibility_of_element_located((By.ID, "label")))
    wait(page).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#heatmap td.cell"))
    page.find_element(By.CSS_SELECTOR, "#heatmap th.unit").click()
    wait(page).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#unit-matches li"))
    refused = [
        entry["message"]
        for entry in page.get_log("browser")
        if "Content Security Policy" in entry["message"]
    ]
    assert refused == []
