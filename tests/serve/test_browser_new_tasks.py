"""The page in headless Chromium for the classify task (n classes) and the tagger (spans)."""

from __future__ import annotations

import pytest

pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.webdriver.common.by import By
from test_browser import analyse, browser, wait  # noqa: F401 (browser: a fixture)
from test_new_tasks import app, server  # noqa: F401 (fixtures: the two runs served)


def test_the_page_shows_n_classes_and_spans(browser, server):  # noqa: F811
    browser.get(server + "/")
    wait(browser).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready"))
    analyse(browser, "classify", "we saw the goal today")
    label = wait(browser).until(lambda d: d.find_element(By.ID, "label"))
    assert label.text.startswith("b (p = ")
    shares = browser.find_element(By.CSS_SELECTOR, "#panel .muted").text
    assert all(f"p({name})" in shares for name in "abc")
    analyse(browser, "tagger", "we met Ada in Gent")
    marks = wait(browser).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#spans mark.span"))
    assert [
        (m.get_attribute("data-type"), m.find_element(By.TAG_NAME, "sub").text) for m in marks
    ] == [
        ("PER", "PER"),
        ("LOC", "LOC"),
    ]
    assert [m.text.removesuffix(m.get_attribute("data-type")) for m in marks] == ["Ada", "Gent"]
