"""docs/adding-an-outlet.md, followed once by the letter: its code blocks make the outlet ``example`` in
a copy of the project, which the fixture suite, the spider loader, a replay crawl and the schedule
check then accept."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import ROOT, SitePage, crawl_env, write_site_warc

GUIDE = ROOT / "docs" / "adding-an-outlet.md"
URL = "https://news.example.org/en/news/20250815-1402/new-bus-routes-48213"

#: a page in the 2024 layout the guide's facts describe, with the boilerplate around the article
PAGE = """<!-- Hand-written fixture in the structure of news.example.org's 2024 article page (article.story), \
as the guide describes it; not a saved page. -->
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Astana to open twelve new bus routes | Example News</title>
<link rel="canonical" href="{url}">
</head><body>
<nav><a href="/en/">Home</a> <a href="/en/news/">News</a> <a href="/ru/">Русский</a></nav>
<article class="story">
<h1>Astana to open twelve new bus routes</h1>
<time class="story__date" datetime="2025-08-15T14:02:00+05:00">14:02, 15 August 2025</time>
<span class="story__author">Aliya Nurlanova</span>
<p class="story__lead">The new routes will link the left-bank districts with the business centre.</p>
<div class="story__text">
<p>ASTANA. EXAMPLE NEWS – Twelve new bus routes will open in the capital by the end of the year, the city's \
transport office said.</p>
<figure><img src="/img/bus.jpg"><figcaption>Photo: press service</figcaption></figure>
<div class="story__related">Read also: Trams return to the old town</div>
<div class="story__share">Share</div>
</div>
<div class="story__tags"><a href="/en/tags/transport">Transport</a> <a href="/en/tags/astana">Astana</a></div>
</article>
<footer>© Example News</footer>
</body></html>
"""


def blocks(language: str) -> list[str]:
    """The guide's code blocks in one language, in order."""
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A copy of the project with the outlet ``example`` added as the guide says."""
    copy = tmp_path_factory.mktemp("project")
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    for name in files.split("\n"):
        if name and (ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, copy / name)
    facts, spider = (b for b in blocks("python") if "OUTLET = Example(" in b or "class ExampleSpider" in b)
    (copy / "newscrawl" / "outlets" / "example.py").write_text(facts, encoding="utf-8")
    (copy / "newscrawl" / "spiders" / "example.py").write_text(spider, encoding="utf-8")
    articles = copy / "tests" / "fixtures" / "example" / "articles"
    articles.mkdir(parents=True)
    (articles / "en_2024.html").write_text(PAGE.format(url=URL), encoding="utf-8")
    expected = next(b for b in blocks("json") if '"outlet": "example"' in b)
    (articles / "en_2024.expected.json").write_text(expected, encoding="utf-8")
    job = next(b for b in blocks("toml") if "[jobs.example]" in b)
    with open(copy / "schedule.toml", "a", encoding="utf-8") as fh:
        fh.write("\n" + job)
    return copy


def run(project: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**crawl_env(), "PYTHONPATH": str(project)}
    return subprocess.run([sys.executable, *args], cwd=project, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_the_guides_outlet_passes_the_fixture_suite(project):
    result = run(project, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/outlets/test_fixture_pages.py",
                 "-k", "example")
    assert result.returncode == 0, result.stdout[-3000:]
    assert re.search(r"\b(\d+) passed", result.stdout) and "failed" not in result.stdout


def test_the_guides_spider_is_found_and_its_outlet_registered(project):
    code = ("from newscrawl.outlets import get_outlet; from scrapy.spiderloader import SpiderLoader; "
            "from scrapy.utils.project import get_project_settings; "
            "cls = SpiderLoader.from_settings(get_project_settings()).load('example'); "
            "print(cls.outlet is get_outlet('example'), get_outlet('example').short_name)")
    result = run(project, "-c", code)
    assert result.stdout.strip() == "True Example News", result.stderr[-2000:]


def test_the_guides_spider_archives_its_page_in_a_replay_crawl(project, tmp_path):
    warc = write_site_warc(tmp_path / "site.warc.gz", [SitePage(URL, PAGE.format(url=URL).encode())])
    report = tmp_path / "report.json"
    result = run(project, "-m", "scrapy", "crawl", "example", "-a", f"url={URL}", "-s", f"REPLAY={warc}",
                 "-s", f"ARCHIVE_DIR={tmp_path / 'archive'}", "-s", f"CRAWL_REPORT={report}",
                 "-s", "EXTRACTION_PROCESSES=0")
    assert result.returncode == 0, result.stderr[-3000:]
    assert json.loads(report.read_text(encoding="utf-8"))["stats"]["newscrawl/archived/example"] == 1
    record = next((tmp_path / "archive").glob("*.txt")).read_text(encoding="utf-8")
    assert "Original: [Example News](" + URL + ")" in record
    assert "Author: **Aliya Nurlanova**" in record


def test_the_guides_schedule_job_passes_the_check(project):
    result = run(project, "-m", "newscrawl.cli", "schedule", "--check")
    assert result.returncode == 0, result.stderr[-2000:]
    assert any(line.startswith("example ") for line in result.stdout.splitlines()[1:])
