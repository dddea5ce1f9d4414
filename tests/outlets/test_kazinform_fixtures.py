"""Sanity checks of the hand-written Kazinform article fixtures themselves (no parser is tested here).

Each ``tests/fixtures/kazinform/articles/<name>.html`` has a ``<name>.expected.json`` that is the
extraction contract for the spider; these tests make sure the contract is consistent with its page.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import lxml.html
import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "kazinform" / "articles"
ALMATY = ZoneInfo("Asia/Almaty")

MARKER_START = "<!-- Hand-written fixture in the structure of "
MARKER_END = " as documented in OUTLETS.md; not a saved page. -->"
REQUIRED_KEYS = {
    "url",
    "canonical_url",
    "outlet",
    "edition",
    "title",
    "author",
    "published",
    "language",
    "tags",
    "body",
    "body_must_not_contain",
    "layout",
    "notes",
}
LANGUAGE_OF_EDITION = {"ru": "ru", "kz": "kk", "qz": "kk", "en": "en"}
LAYOUTS = {"2023", "a2019", "lenta2022", "amp2022", "fallback"}
HOSTS = ("www.inform.kz", "lenta.inform.kz", "qz.inform.kz", "en.inform.kz", "qazinform.com")
# "АСТАНА. KAZINFORM – ", "АСТАНА. 15 июня. КАЗИНФОРМ - ", "ПЕТРОПАВЛ. ҚазАқпарат – ", "ASTANA.KAZINFORM - ",
# "KOSTANAY-ASTANA. KAZINFORM – ", and without a dash "SHYMKENT. KAZINFORM "
DATELINE = re.compile(
    r"^[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ-]+(?: [A-ZА-ЯЁӘҒҚҢӨҰҮҺІ-]+)*\.\s?(?:\d{1,2} [а-яё]+\. )?"
    r"(?:KAZINFORM|КАЗИНФОРМ|ҚазАқпарат)(?: [–—-])? "
)
NON_VISIBLE_TAGS = ("script", "style", "noscript", "template")


def _with_class(name: str, tag: str = "*") -> str:
    """XPath for elements that carry the CSS class ``name`` (a whole class token)."""
    return f"//{tag}[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"


# Selectors that OUTLETS.md documents for each layout (XPath); every page of a layout must match them.
LAYOUT_SELECTORS = {
    "2023": ["//h1", _with_class("article__description") + "//p", _with_class("article__body-text")],
    "a2019": [
        _with_class("article_title", "div"),
        _with_class("date_public_art", "div"),
        _with_class("article_news_body", "div"),
        _with_class("keyword_art", "div"),
        _with_class("name_p", "p"),
    ],
    "lenta2022": [
        "//div[contains(@class,'article_container')]//article//h1",
        "//div[contains(@class,'article_container')]//div//div[contains(@class,'article_body')]",
        "//div[contains(@class,'article_container')]//div[contains(@class,'block-date_social_icon')]"
        "//div[contains(@class,'date_article')]",
    ],
    "amp2022": ["//link[@rel='canonical']", "//script[contains(@src,'cdn.ampproject.org')]"],
    "fallback": [],
}
# The documented article-body selectors; a page must match its own layout's one only, a fallback page none.
BODY_SELECTORS = {
    "2023": _with_class("article__body-text"),
    "a2019": _with_class("article_news_body", "div"),
    "lenta2022": LAYOUT_SELECTORS["lenta2022"][1],
}

PAGES = sorted(FIXTURES.glob("*.html"))
PAGE_IDS = [page.stem for page in PAGES]


def _expected_path(page: Path) -> Path:
    """Return the path of the expected-output JSON that belongs to ``page``."""
    return page.with_name(f"{page.stem}.expected.json")


def _expected(page: Path) -> dict[str, Any]:
    """Load the expected-output JSON of ``page``."""
    return json.loads(_expected_path(page).read_text(encoding="utf-8"))


def _normalize(text: str) -> str:
    """Collapse all whitespace (including no-break spaces) to single spaces."""
    return " ".join(text.split())


def _html(page: Path) -> str:
    """Decode the page with the encoding its expected JSON names (UTF-8 unless told)."""
    return page.read_bytes().decode(_expected(page).get("encoding", "utf-8"))


@cache
def _page_text(page: Path, visible_only: bool) -> str:
    """Text of the parsed page, whitespace-normalized; without scripts/styles when ``visible_only``."""
    root = lxml.html.document_fromstring(_html(page))
    if visible_only:
        for element in list(root.iter(*NON_VISIBLE_TAGS)):
            element.drop_tree()
    return _normalize(root.text_content())


def _canonical_link(page: Path) -> str | None:
    """The href of the page's ``link rel=canonical``, if it has one."""
    root = lxml.html.document_fromstring(_html(page))
    hrefs = root.xpath("//link[@rel='canonical']/@href")
    return str(hrefs[0]) if hrefs else None


def _matches(page: Path, xpath: str) -> bool:
    """Whether ``xpath`` selects anything in the parsed page."""
    return bool(lxml.html.document_fromstring(_html(page)).xpath(xpath))


def test_fixture_folder_has_pages() -> None:
    assert len(PAGES) >= 12


def test_every_expected_json_has_its_page() -> None:
    orphans = [
        path.name
        for path in FIXTURES.glob("*.expected.json")
        if not path.with_name(path.name.removesuffix(".expected.json") + ".html").exists()
    ]
    assert orphans == []


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_page_has_expected_json_with_all_keys(page: Path) -> None:
    assert _expected_path(page).exists()
    assert REQUIRED_KEYS - _expected(page).keys() == set()


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_page_starts_with_hand_written_marker(page: Path) -> None:
    first_line = _html(page).split("\n", 1)[0]
    assert first_line.startswith(MARKER_START)
    assert first_line.endswith(MARKER_END)


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_expected_fields_have_valid_values(page: Path) -> None:
    expected = _expected(page)
    assert expected["outlet"] == "kazinform"
    assert expected["language"] == LANGUAGE_OF_EDITION[expected["edition"]]
    assert expected["layout"] in LAYOUTS
    for key in ("url", "canonical_url"):
        assert re.match(r"^https?://(?:" + "|".join(map(re.escape, HOSTS)) + ")/", expected[key])
    assert expected["title"] == _normalize(expected["title"]) != ""
    assert expected["author"] is None or expected["author"] == _normalize(expected["author"]) != ""
    assert all(tag == _normalize(tag) != "" and not tag.startswith("#") for tag in expected["tags"])
    assert expected["notes"].strip()


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_canonical_url_is_the_pages_canonical_link_or_its_url(page: Path) -> None:
    expected = _expected(page)
    assert expected["canonical_url"] == (_canonical_link(page) or expected["url"])


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_published_has_the_true_almaty_offset(page: Path) -> None:
    published = _expected(page)["published"]
    if published is None:
        return
    moment = datetime.fromisoformat(published)
    assert moment.utcoffset() is not None
    assert moment.utcoffset() == ALMATY.utcoffset(moment.replace(tzinfo=None))


def test_almaty_offset_switched_on_2024_03_01() -> None:
    assert ALMATY.utcoffset(datetime(2024, 2, 29, 12)).total_seconds() == 6 * 3600
    assert ALMATY.utcoffset(datetime(2024, 3, 1, 12)).total_seconds() == 5 * 3600


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_body_is_4_to_10_clean_paragraphs_with_a_dateline(page: Path) -> None:
    body = _expected(page)["body"]
    assert 4 <= len(body) <= 10
    assert all(paragraph == _normalize(paragraph) != "" for paragraph in body)
    assert any(DATELINE.match(paragraph) for paragraph in body[:2])


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_title_occurs_in_visible_page_text(page: Path) -> None:
    assert _expected(page)["title"] in _page_text(page, visible_only=True)


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_body_paragraphs_occur_in_visible_page_text_in_order(page: Path) -> None:
    text = _page_text(page, visible_only=True)
    position = 0
    for paragraph in _expected(page)["body"]:
        found = text.find(paragraph, position)
        assert found >= 0, f"not found (in order): {paragraph[:60]!r}"
        position = found + len(paragraph)


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_forbidden_texts_occur_in_page_but_not_in_body(page: Path) -> None:
    expected = _expected(page)
    text = _page_text(page, visible_only=False)
    assert expected["body_must_not_contain"]
    for forbidden in expected["body_must_not_contain"]:
        assert forbidden in text, f"not on the page: {forbidden!r}"
        assert not any(forbidden in paragraph for paragraph in expected["body"]), forbidden


@pytest.mark.parametrize("page", [p for p in PAGES if "encoding" in _expected(p)], ids=lambda p: p.stem)
def test_non_utf8_page_is_really_encoded_and_declares_its_charset(page: Path) -> None:
    raw = page.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert re.search(rb'<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">', raw)
    assert _expected(page)["encoding"] == "cp1251"


@pytest.mark.parametrize("page", PAGES, ids=PAGE_IDS)
def test_page_matches_the_documented_selectors_of_its_layout_only(page: Path) -> None:
    layout = _expected(page)["layout"]
    for xpath in LAYOUT_SELECTORS[layout]:
        assert _matches(page, xpath), xpath
    matching_bodies = {name for name, xpath in BODY_SELECTORS.items() if _matches(page, xpath)}
    assert matching_bodies == ({layout} & BODY_SELECTORS.keys())
