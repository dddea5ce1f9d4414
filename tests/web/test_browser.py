"""The web view in a real browser: headless Chromium (Debian's, driven through its chromedriver by
Selenium) loads ``newscrawl serve``, runs a search and opens a record. Skipped when Chromium or its
driver is not installed (.ci/run installs both)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from web.webarchive import make_archive

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(not (CHROMIUM and CHROMEDRIVER),
                                reason="needs Debian's chromium and chromium-driver (apt-get install chromium"
                                       " chromium-driver; .ci/run installs them)")
WAIT = 20.0  # seconds for the server to answer and for a page to load


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    """``newscrawl serve`` of the small test archive; stopped after the test."""
    make_archive(tmp_path / "archive", tmp_path / "reports").close()
    with serving(tmp_path / "archive", tmp_path / "reports") as base:
        yield base


@pytest.fixture
def seeds_server(shared, tmp_path):
    """``newscrawl serve`` of an archive holding the five seeds, imported as a user would."""
    subprocess.run([sys.executable, "-m", "newscrawl.cli", "archive", "import", str(shared / "seeds"), "--archive",
                    str(tmp_path / "archive")], check=True, capture_output=True, timeout=120)
    with serving(tmp_path / "archive", tmp_path / "reports") as base:
        yield base


@contextmanager
def serving(archive: Path, reports: Path) -> Iterator[str]:
    """``newscrawl serve`` on a free port of 127.0.0.1, as a user starts it; its address."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSCRAWL_WEB_")}
    process = subprocess.Popen([sys.executable, "-m", "newscrawl.cli", "serve", "--port", str(port), "--archive",
                                str(archive), "--reports", str(reports)],
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + WAIT
    try:
        while True:
            try:
                with urllib.request.urlopen(base + "/-/search", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"newscrawl serve did not start: {process.stdout.read() if process.stdout else ''}")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def browser(tmp_path):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'profile'}", "--window-size=1280,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT)
    yield driver
    driver.quit()


def test_a_search_in_the_browser_finds_the_records_and_opens_one(server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(server + "/-/search")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Search the archive"
    browser.find_element(By.ID, "q").send_keys("Бабакумаров")
    browser.find_element(By.CSS_SELECTOR, "form.newscrawl-search input[type=submit]").click()
    WebDriverWait(browser, WAIT).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR,
                                                                                        "tr.newscrawl-record")))
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.newscrawl-record")
    assert [row.find_element(By.CSS_SELECTOR, "td.col-title").text for row in rows] == [
        "Меморандум подписан", "Аким встретился с делегацией"]  # newest first
    marks = [mark.text for mark in browser.find_elements(By.CSS_SELECTOR, "td.newscrawl-snippet mark")]
    assert marks == ["Бабакумарова", "Бабакумаров"]
    outlets = browser.find_element(By.ID, "facet-outlet").text
    assert "kazinform" in outlets and "totalkz" in outlets and "qazaqtv" not in outlets

    rows[1].find_element(By.CSS_SELECTOR, "td.col-number a").click()
    WebDriverWait(browser, WAIT).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR,
                                                                                        "pre.newscrawl-text")))
    assert browser.find_element(By.CSS_SELECTOR, "h1.newscrawl-title").text == "Аким встретился с делегацией"
    assert browser.find_element(By.CSS_SELECTOR, "dd.newscrawl-canonical-url").text == \
        "https://example.kz/kazinform/news/1"
    text = browser.find_element(By.CSS_SELECTOR, "pre.newscrawl-text").text
    assert "# Аким встретился с делегацией" in text and "Ержан Бабакумаров принял делегацию" in text
    assert "https://other.kz/copy-of-1" in browser.find_element(By.CSS_SELECTOR, "table.newscrawl-duplicates").text


def test_the_charts_page_shows_both_charts(server, browser):
    from selenium.webdriver.common.by import By

    browser.get(server + "/-/charts")
    deadline = time.monotonic() + WAIT
    while True:
        widths = [browser.execute_script("return arguments[0].complete ? arguments[0].naturalWidth : 0", image)
                  for image in browser.find_elements(By.CSS_SELECTOR, "img.newscrawl-chart")]
        if (len(widths) == 2 and all(widths)) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert len(widths) == 2 and all(width >= 600 for width in widths)
    assert "kazinform" in browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns").text



def test_a_records_page_links_to_its_story_whose_page_lists_both_reports_of_the_meeting(seeds_server, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(seeds_server + "/archive/records/1")
    link = browser.find_element(By.CSS_SELECTOR, "dd.newscrawl-story-link a")
    assert link.text == "story 0"
    link.click()
    WebDriverWait(browser, WAIT).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR,
                                                                                        "table.newscrawl-story")))
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.newscrawl-story-record")
    assert [row.find_element(By.CSS_SELECTOR, "td.col-name").text[:4] for row in rows] == ["000_", "001_"]
    assert [row.find_element(By.CSS_SELECTOR, "td.col-language").text for row in rows] == ["en", "ru"]
    assert rows[1].find_element(By.CSS_SELECTOR, "td.col-title").text == \
        "Укреплять отношения с Санкт-Петербургом договорились в Алматы"
    assert "Бабакумаров" in rows[1].find_element(By.CSS_SELECTOR, "td.col-why").text
    rows[0].find_element(By.CSS_SELECTOR, "td.col-name a").click()  # back to a record's page
    WebDriverWait(browser, WAIT).until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR,
                                                                                        "h1.newscrawl-title")))
    assert browser.current_url.endswith("/archive/records/0")
    assert "this record started it" in browser.find_element(By.CSS_SELECTOR, "dd.newscrawl-story-link").text
