"""Write a screenshot of the ``lstmlab serve`` page (for the README) with headless Chromium.

    .venv/bin/python docs/screenshot.py runs/<sentiment-run> [--out docs/serve.png]

Starts ``lstmlab serve RUN`` on a free loopback port, types a review, presses Analyse,
clicks the most active unit, and saves the page. Needs selenium and Debian's chromium +
chromium-driver (the test extra and ``.ci/run`` install them).
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

REVIEW = (
    "A moving, funny film: the cast is brilliant, although the ending drags a little "
    "and the music is too loud."
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(port: int, server: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("the server exited")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", help="run folders; the first one is shown")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "serve.png")
    parser.add_argument("--text", default=REVIEW)
    args = parser.parse_args()

    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.wait import WebDriverWait

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "lstmlab", "serve", *args.runs, "--port", str(port)]
    )
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for argument in ("--headless=new", "--no-sandbox", "--window-size=1250,1650"):
        options.add_argument(argument)
    driver = None
    try:
        wait_until_up(port, server)
        driver = webdriver.Chrome(
            options=options,
            service=webdriver.ChromeService(executable_path=shutil.which("chromedriver")),
        )
        driver.get(f"http://127.0.0.1:{port}/")
        wait = WebDriverWait(driver, 120)
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-ready"))
        driver.find_element(By.ID, "text").send_keys(args.text)
        driver.find_element(By.ID, "go").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#heatmap td.cell"))
        cells = driver.find_elements(By.CSS_SELECTOR, "#heatmap td.cell")
        webdriver.ActionChains(driver).move_to_element(cells[len(cells) // 3]).perform()
        driver.find_element(By.CSS_SELECTOR, "#heatmap th.unit").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#unit-matches li"))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(args.out))
        print(f"screenshot written to {args.out}")
    finally:
        if driver is not None:
            driver.quit()
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
