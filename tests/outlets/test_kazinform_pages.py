"""Kazinform article pages of every layout and edition give the expected items (fixtures are
hand-written in the outlet's page structure; see tests/fixtures/kazinform/articles/README.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from newscrawl.extract.fields import extract_article
from newscrawl.extract.html import decode_html

ARTICLES = Path(__file__).resolve().parents[1] / "fixtures" / "kazinform" / "articles"
CASES = sorted(p.name.removesuffix(".expected.json") for p in ARTICLES.glob("*.expected.json"))


def extracted(name: str) -> tuple[dict, dict]:
    expected = json.loads((ARTICLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    html = decode_html((ARTICLES / f"{name}.html").read_bytes())
    return extract_article(html, expected["url"]), expected


@pytest.mark.parametrize("name", CASES)
def test_body_is_exactly_the_article_paragraphs(name):
    got, expected = extracted(name)
    assert got["body"].split("\n") == expected["body"]


@pytest.mark.parametrize("name", CASES)
def test_related_news_embeds_ads_and_widgets_never_reach_the_body(name):
    got, expected = extracted(name)
    for junk in expected["body_must_not_contain"]:
        assert junk not in got["body"], junk


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("field", ["title", "author", "published", "language", "tags", "canonical_url",
                                   "edition", "outlet"])
def test_fields_match_the_expected_item(name, field):
    got, expected = extracted(name)
    want = expected[field]
    if field == "author" and want is None:
        want = {"ru": "МИА «Казинформ»", "kz": "ҚазАқпарат"}.get(expected["edition"], "Kazinform")
    assert got[field] == want


@pytest.mark.parametrize("name", CASES)
def test_layout_is_recognised(name):
    got, expected = extracted(name)
    assert (got["layout"] or "fallback") == expected["layout"]
