"""Spider arguments are checked before a crawl: one line naming the argument and what it takes."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from support import FIXTURES

from newscrawl.outlets import all_outlets, get_outlet
from newscrawl.outlets.base import site_outlet
from newscrawl.spiders.arguments import CrawlArguments, SpiderArgumentError, check_names
from newscrawl.spiders.kazinform import KazinformSpider
from newscrawl.spiders.site import SiteSpider
from newscrawl.spiders.totalkz import TotalkzSpider


def test_every_outlet_has_a_first_year():
    for outlet in all_outlets().values():
        assert outlet.first_year and 1990 <= outlet.first_year <= date.today().year, outlet.name


@pytest.mark.parametrize("name", sorted(all_outlets()))
def test_no_outlets_first_year_is_later_than_an_article_of_it_that_the_tests_hold(name):
    years = [int(json.loads(p.read_text(encoding="utf-8"))["published"][:4])
             for p in (FIXTURES / name / "articles").glob("*.expected.json")
             if json.loads(p.read_text(encoding="utf-8")).get("published")]
    assert years and get_outlet(name).first_year <= min(years)


def test_a_since_before_the_outlets_first_year_walks_back_to_that_year_and_says_so():
    kazinform = get_outlet("kazinform")
    arguments = CrawlArguments.parse(kazinform, "kazinform", since="0001-01-01")
    assert arguments.since == date(kazinform.first_year, 1, 1)
    assert arguments.notes == [f"-a since=0001-01-01: kazinform's archive begins in {kazinform.first_year};"
                               f" walking back to {kazinform.first_year}-01-01 instead"]


def test_a_range_wholly_before_the_first_year_is_refused():
    with pytest.raises(SpiderArgumentError, match="is before 1997, the first year of kazinform's archive"):
        CrawlArguments.parse(get_outlet("kazinform"), "kazinform", since="1900-01-01", until="1901-01-01")


def test_a_since_in_the_future_is_refused():
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    with pytest.raises(SpiderArgumentError, match="is in the future"):
        CrawlArguments.parse(get_outlet("totalkz"), "totalkz", since=tomorrow)


@pytest.mark.parametrize(("url", "expected"), [
    ("file:///etc/passwd", "not an http(s) URL; kazinform fetches pages of inform.kz, qazinform.com"),
    ("ftp://www.inform.kz/a", "not an http(s) URL"),
    ("https://total.kz/ru/news/a", "total.kz is not one of kazinform's hosts (inform.kz, qazinform.com)"),
    ("https://127.0.0.1:8080/ru/a", "127.0.0.1 is not one of kazinform's hosts"),
])
def test_urls_must_be_http_pages_of_the_outlets_own_hosts(url, expected):
    with pytest.raises(SpiderArgumentError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        CrawlArguments.parse(get_outlet("kazinform"), "kazinform", url=url)


def test_urls_of_the_outlets_hosts_and_subdomains_are_accepted():
    urls = "https://www.inform.kz/ru/a_a1, https://en.inform.kz/news/b_a2/"
    arguments = CrawlArguments.parse(get_outlet("kazinform"), "kazinform", url=urls)
    assert arguments.urls == ["https://www.inform.kz/ru/a_a1", "https://en.inform.kz/news/b_a2/"]


def test_the_site_spider_fetches_only_pages_of_its_own_site():
    with pytest.raises(SpiderArgumentError, match=r"other.kz is not one of site's hosts \(example.kz\)$"):
        CrawlArguments.parse(site_outlet("example.kz"), "site", url="https://other.kz/a")
    with pytest.raises(SpiderArgumentError, match="not an http"):
        SiteSpider(start="https://example.kz/", url="file:///etc/passwd")


def test_a_misspelt_argument_name_is_refused_with_a_suggestion():
    with pytest.raises(SpiderArgumentError) as caught:
        KazinformSpider(sinse="2020-01-01")
    assert str(caught.value) == ("-a sinse: kazinform takes no such argument (did you mean since?);"
                                 " it takes edition, since, until, url")


def test_spiders_with_arguments_of_their_own_accept_them_and_scrapyds_job_passes():
    assert TotalkzSpider(section="politika", _job="abc").sections
    with pytest.raises(SpiderArgumentError, match="it takes edition, since, until, url, section"):
        TotalkzSpider(sektion="politika")
    with pytest.raises(SpiderArgumentError, match="did you mean timezone"):
        SiteSpider(start="https://example.kz/", timezon="UTC")


def test_check_names_lets_underscore_names_through():
    check_names(["_job", "since"], ["since"], "kazinform")
