"""The web view through Datasette's own client: search with facets and snippets, a record's page,
charts, and an index that cannot be written."""

from __future__ import annotations

import asyncio
import base64
import re
import sqlite3
from urllib.parse import quote

import markupsafe
import pytest
from web.webarchive import make_archive

from newscrawl.web.serve import PASSWORD_HASH_ENV, build_datasette, credentials_from_env


@pytest.fixture
def site(tmp_path):
    archive = make_archive(tmp_path / "archive", tmp_path / "reports")
    archive.close()
    return build_datasette(archive.index.path, archive.root, tmp_path / "reports"), archive


def fetch(datasette, *paths: str, **kwargs) -> list:
    """GET each path (in one event loop, Datasette started first)."""
    async def scenario():
        await datasette.invoke_startup()
        return [await datasette.client.get(path, **kwargs) for path in paths]

    return asyncio.run(scenario())


def test_the_search_form_leads_to_the_records_found_with_facets_and_marked_snippets(site):
    datasette, _ = site
    form, found = fetch(datasette, "/-/search?q=" + quote("Бабакумаров") + "&outlet=&language=ru",
                        "/-/search")
    assert form.status_code == 302
    target = form.headers["location"]
    assert target.startswith("/archive/records?_search=") and "language=ru" in target and "outlet=" not in target
    (page,) = fetch(datasette, target)
    html = page.text
    assert page.status_code == 200 and "2 rows" in html and "search matches “Бабакумаров”" in html
    assert "Ержан <mark>Бабакумаров</mark>" in html and "<mark>Бабакумарова</mark>" in html
    assert re.search(r'id="facet-outlet"', html) and re.search(r'id="facet-month"', html)
    assert html.index("002_") < html.index("001_")  # newest first
    assert '<select id="outlet" name="outlet"><option value="">any</option>' in found.text


def test_since_and_until_and_the_json_api(site):
    datasette, _ = site
    (page,) = fetch(datasette, "/archive/records.json?_shape=array&_search=" + quote("Алматы") + "&_since=2024-02"
                    "&_until=2024-03-31&_col=title")
    assert [row["title"] for row in page.json()] == ["Алматыда жаңа саябақ", "Меморандум подписан"]


@pytest.mark.parametrize(("args", "message"), [("_search=" + quote("(Алматы"), "fts5: syntax error"),
                                               ("_since=2024-13", "not a date")])
def test_wrong_search_inputs_are_shown_as_errors(site, args, message):
    datasette, _ = site
    (page,) = fetch(datasette, f"/archive/records?{args}")
    assert page.status_code == 400 and message in page.text


def test_a_record_page_shows_its_facts_refused_duplicates_and_text_as_archived(site):
    datasette, archive = site
    (page,) = fetch(datasette, "/archive/records/1")
    html = page.text
    name = next(name for name, number in archive.folder.scan().records.items() if number == 1)
    text = archive.folder.path(name).read_text(encoding="utf-8")
    assert "Аким встретился с делегацией" in html and "https://example.kz/kazinform/news/1" in html
    assert "2024-06-01T08:00:00+05:00" in html  # fetch time
    assert "https://other.kz/copy-of-1" in html and "0.97" in html  # the duplicate refused
    assert str(markupsafe.escape(text)) in html  # the file's text, verbatim


def test_charts_are_pngs_and_the_page_names_the_last_crawls(site):
    datasette, _ = site
    page, records, health = fetch(datasette, "/-/charts", "/-/charts/records-per-month.png",
                                  "/-/charts/crawl-health.png")
    assert page.status_code == 200 and "kazinform" in page.text and "item_count" in page.text
    for png in (records, health):
        assert png.headers["content-type"] == "image/png" and png.content.startswith(b"\x89PNG\r\n\x1a\n")


def test_the_index_cannot_be_written_through_the_web_view(site):
    datasette, archive = site
    (page,) = fetch(datasette, "/archive?sql=" + quote("delete from records"))
    assert page.status_code == 400
    db = datasette.get_database("archive")

    async def write():
        await db.execute_write("DELETE FROM records")

    with pytest.raises(PermissionError):
        asyncio.run(write())
    connection = db.connect()
    with pytest.raises(sqlite3.OperationalError, match="readonly database"):
        connection.execute("DELETE FROM records")
    assert sqlite3.connect(archive.index.path).execute("SELECT COUNT(*) FROM records").fetchone()[0] == 4


def test_with_credentials_every_page_needs_them(site, tmp_path, monkeypatch):
    _, archive = site
    monkeypatch.setenv("NEWSCRAWL_WEB_USERNAME", "reader")
    monkeypatch.setenv("NEWSCRAWL_WEB_PASSWORD", "s3cret")
    monkeypatch.delenv(PASSWORD_HASH_ENV, raising=False)
    datasette = build_datasette(archive.index.path, archive.root, tmp_path / "reports", credentials_from_env())
    good = "Basic " + base64.b64encode(b"reader:s3cret").decode()
    bad = "Basic " + base64.b64encode(b"reader:wrong").decode()
    (anonymous,) = fetch(datasette, "/archive/records")
    (wrong,) = fetch(datasette, "/archive/records", headers={"Authorization": bad})
    (right,) = fetch(datasette, "/archive/records", headers={"Authorization": good})
    assert (anonymous.status_code, wrong.status_code, right.status_code) == (401, 401, 200)


@pytest.fixture
def seeds_site(shared, tmp_path):
    """The web view of an archive holding the five seeds, imported as a user would."""
    from newscrawl.cli import main

    assert main(["archive", "import", str(shared / "seeds"), "--archive", str(tmp_path / "archive")]) == 0
    index = tmp_path / "archive" / ".newscrawl" / "index.sqlite"
    return build_datasette(index, tmp_path / "archive", tmp_path / "reports")


def test_a_story_page_lists_its_records_with_links_and_why_each_joined(seeds_site):
    story, listing, missing = fetch(seeds_site, "/-/stories/0", "/-/stories", "/-/stories/999")
    assert story.status_code == 200
    rows = re.findall(r'<tr class="newscrawl-story-record">(.*?)</tr>', story.text, re.S)
    assert len(rows) == 2
    assert 'href="/archive/records/0">000_' in rows[0] and 'href="/archive/records/1">001_' in rows[1]
    assert ">en<" in rows[0] and ">totalkz<" in rows[1] and ">ru<" in rows[1] and ">2019-11-05<" in rows[0]
    assert "started the story" in rows[0] and "with record 0: shares" in rows[1] and "4.7bln" in rows[1]
    assert "003_" not in story.text
    assert 'href="/-/stories/0"' in listing.text and missing.status_code == 404


def test_a_records_page_links_to_its_story(seeds_site):
    joined, alone = fetch(seeds_site, "/archive/records/1", "/archive/records/3")
    link = re.search(r'<dd class="newscrawl-story-link">(.*?)</dd>', joined.text, re.S).group(1)
    assert '<a href="/-/stories/0">story 0</a>' in link and "2 records" in link and "with record 0" in link
    assert '<a href="/-/stories/3">story 3</a>' in alone.text and "this record started it" in alone.text
