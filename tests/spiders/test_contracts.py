"""``scrapy check`` and ``scrapy parse`` as a user runs them: every outlet spider's ``parse`` reads an
article page, and its contract (``@url`` a fixture page, ``@returns``, ``@scrapes``) holds, offline:
the pages come from a WARC of the fixture pages (``REPLAY``)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from scrapy.contracts import ContractsManager
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.misc import load_object
from scrapy.utils.project import get_project_settings
from support import FIXTURES, ROOT, SitePage, crawl_env, write_site_warc

from newscrawl.outlets import outlet_modules

SETTINGS = get_project_settings()
LOADER = SpiderLoader.from_settings(SETTINGS)
CONTRACTS = ContractsManager(load_object(c) for c in SETTINGS.getwithbase("SPIDER_CONTRACTS"))


def contract_url(spider: str) -> str:
    """The page the ``parse`` contract of a spider names (``@url``)."""
    match = re.search(r"@url (\S+)", LOADER.load(spider).parse.__doc__ or "")
    assert match, f"{spider}.parse has no contract"
    return match.group(1)


def fixture_page(url: str) -> tuple[Path, dict]:
    """The fixture article page whose expected item has this URL, and that item."""
    for expected in FIXTURES.glob("*/articles/*.expected.json"):
        item = json.loads(expected.read_text(encoding="utf-8"))
        if item.get("url") == url:
            return expected.with_name(expected.name.replace(".expected.json", ".html")), item
    raise AssertionError(f"no fixture page for {url}")


@pytest.fixture(scope="module")
def fixtures_warc(tmp_path_factory) -> Path:
    pages = [SitePage(url, fixture_page(url)[0].read_bytes()) for url in map(contract_url, outlet_modules())]
    return write_site_warc(tmp_path_factory.mktemp("contracts") / "fixtures.warc.gz", pages)


def scrapy(*args: str, workdir: Path) -> subprocess.CompletedProcess:
    """A Scrapy command in the project, its reports (were it to write any) going to ``workdir/reports``."""
    settings = ["-s", f"ARCHIVE_DIR={workdir / 'archive'}", "-s", "EXTRACTION_PROCESSES=0", "-s", "LOG_LEVEL=WARNING"]
    env = {**crawl_env(), "NEWSCRAWL_REPORTS_DIR": str(workdir / "reports")}
    result = subprocess.run([sys.executable, "-m", "scrapy", *args, *settings], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    # a look at a page or two is no crawl: no report, no health alert
    assert not (workdir / "reports").exists() and "HEALTH ALERT" not in result.stderr
    return result


def test_every_outlet_spider_has_a_parse_contract_on_a_fixture_page():
    for spider in outlet_modules():
        methods = CONTRACTS.tested_methods_from_spidercls(LOADER.load(spider))
        assert "parse" in methods, spider
        assert fixture_page(contract_url(spider))[1]["outlet"] == spider


def test_scrapy_check_runs_every_spiders_contracts_offline_and_they_pass(fixtures_warc, tmp_path):
    result = scrapy("check", "-s", f"REPLAY={fixtures_warc}", workdir=tmp_path)
    assert result.returncode == 0, result.stderr
    checks = sum(len(re.findall(r"^\s*@(?:returns|scrapes) ", LOADER.load(s).parse.__doc__, re.M))
                 for s in outlet_modules())  # each a test; @url only names the page
    assert checks >= 3 * len(outlet_modules())
    assert f"Ran {checks} contracts" in result.stderr
    assert result.stderr.rstrip().endswith("OK")


@pytest.mark.parametrize("spider", ["kazinform", "mosru"])
def test_scrapy_parse_prints_the_article_of_a_page(fixtures_warc, tmp_path, spider):
    url = contract_url(spider)
    result = scrapy("parse", "--spider", spider, url, "-s", f"REPLAY={fixtures_warc}", workdir=tmp_path)
    assert result.returncode == 0, result.stderr
    expected = fixture_page(url)[1]
    assert "NotImplementedError" not in result.stderr
    assert "# Scraped Items" in result.stdout
    assert f"'title': {expected['title']!r}" in result.stdout
    assert f"'url': '{url}'" in result.stdout


def test_scrapy_parse_of_a_page_that_is_not_there_says_so_and_takes_no_other_route(fixtures_warc, tmp_path):
    url = "https://www.inform.kz/ru/not-a-saved-page-1a2b3c"
    result = scrapy("parse", "--spider", "kazinform", url, "-s", f"REPLAY={fixtures_warc}", workdir=tmp_path)
    assert f"No response downloaded for: {url}" in result.stderr
    assert "trying the standard routes" not in result.stderr and "listing not fetched" not in result.stderr
