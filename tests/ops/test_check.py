"""``newscrawl check`` over replayed outlets that work, that are degraded (layout unknown) and that are broken
(nothing found): its table, its JSON and its exit status; and the command used wrongly."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest
from support import FIXTURES, ROOT, SitePage, crawl_env, run_crawl, write_site_warc

from newscrawl.archive.index import ArchiveIndex
from newscrawl.extensions.probe import BROKEN, DEGRADED, WORKS, judge
from newscrawl.ops.check import outlet_view, render
from newscrawl.ops.schedule import load_schedule
from newscrawl.outlets import mosru
from newscrawl.warc import WarcLookup

NOW = datetime.now(timezone.utc).replace(microsecond=0)


def article(case: str) -> SitePage:
    url = json.loads((FIXTURES / f"{case}.expected.json").read_text(encoding="utf-8"))["url"]
    return SitePage(url, (FIXTURES / f"{case}.html").read_bytes())


def totalkz_feed(*urls: str) -> SitePage:
    items = "".join(f"<item><title>T</title><link>{u}</link><pubDate>{format_datetime(NOW)}</pubDate></item>"
                    for u in urls)
    return SitePage("https://total.kz/rss", f'<?xml version="1.0"?><rss version="2.0"><channel>{items}'
                    "</channel></rss>".encode(), content_type="application/rss+xml")


def check(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "newscrawl.cli", "check", *args], cwd=cwd, env=crawl_env(),
                          capture_output=True, text=True, timeout=600)


@pytest.fixture
def working_site(tmp_path) -> Path:
    """Total.kz whose own feed lists an article in a known layout."""
    page = article("totalkz/articles/post_2025_agency")
    return write_site_warc(tmp_path / "works.warc.gz", [totalkz_feed(page.url), page])


def test_an_outlet_whose_routes_and_pages_work_passes_with_exit_status_0(tmp_path, working_site):
    run = check("totalkz", "--articles", "2", "-s", f"REPLAY={working_site}", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "totalkz: WORKS — 1 articles read"
    assert lines[1].startswith("  edition ru: 1 article read; ")  # the routes and articles of each edition
    feed = next(line for line in lines if line.endswith(" https://total.kz/rss"))
    assert feed.startswith("    own ") and feed.split()[:4] == ["own", "200", "feed", "1"]
    assert next(line for line in lines if line.endswith("https://total.kz/ru/news")).split()[:2] == ["own", "404"]
    assert any(line.split()[:3] == ["standard", "404", "robots.txt"] for line in lines)
    assert "      layout post; language ru; published 2025-02-11T09:05:17+05:00; missing: nothing" in lines
    assert lines[-1] == "1 outlet checked: 1 works (exit status 0)"
    assert not list(tmp_path.glob("archive*"))  # the check archives nothing


def test_json_output_groups_routes_and_articles_under_each_edition(tmp_path, working_site):
    run = check("totalkz", "--json", "-s", f"REPLAY={working_site}", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["exit_status"] == 0
    [outlet] = result["outlets"]
    assert outlet["spider"] == "totalkz" and outlet["verdict"] == WORKS
    [edition] = outlet["editions"]
    assert edition["edition"] == "ru" and outlet["other_routes"] == []
    feed = next(r for r in edition["routes"] if r["url"] == "https://total.kz/rss")
    assert (feed["status"], feed["kind"], feed["origin"], feed["links"]) == (200, "feed", "own", 1)
    assert feed["newest"].startswith(NOW.astimezone().date().isoformat()[:4])
    [read] = edition["articles"]
    assert read["layout"] == "post" and read["missing"] == [] and read["sources"]["title"] == "selector"



def test_save_keeps_what_a_replayed_check_read_and_the_saved_folder_replays_the_same_check(tmp_path, working_site):
    save = tmp_path / "saved"
    run = check("totalkz", "--save", str(save), "-s", f"REPLAY={working_site}", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    saved = WarcLookup(save)
    page = article("totalkz/articles/post_2025_agency")
    feed, read = saved.find("GET", "https://total.kz/rss"), saved.find("GET", page.url)
    assert feed is not None and feed.status == 200 and b"<rss" in feed.body
    assert read is not None and read.article and read.body == page.body
    assert saved.find("GET", "https://total.kz/robots.txt") is None  # replay's made-up 404s are not kept
    again = check("totalkz", "-s", f"REPLAY={save}", cwd=tmp_path)
    assert (again.returncode, again.stdout.splitlines()[0]) == (0, run.stdout.splitlines()[0])


def test_mosru_api_route_is_shown_under_its_edition(tmp_path):
    fix = FIXTURES / "mosru" / "api"
    api = SitePage(mosru.list_url(1), (fix / "newsfeed_page1.json").read_bytes(),
                   content_type="application/json; charset=utf-8")
    page = SitePage(mosru.article_url(164551073), (FIXTURES / "mosru/articles/item_164551073.html").read_bytes())
    warc = write_site_warc(tmp_path / "mosru.warc.gz", [api, page])  # one item of the API's is read from its page
    run = check("mosru", "--json", "--articles", "2", "-s", f"REPLAY={warc}", cwd=tmp_path)
    [outlet] = json.loads(run.stdout)["outlets"]
    [edition] = outlet["editions"]
    route = next(r for r in edition["routes"] if r["url"] == mosru.list_url(1))
    assert edition["edition"] == "ru" and (route["kind"], route["origin"], route["status"]) == ("API", "own", 200)
    assert route["links"] > 0 and route["newest"].startswith("2025-03-12")
    assert len(edition["articles"]) == 2 and outlet["other_routes"] == []


def test_an_outlet_in_an_unknown_layout_is_degraded_with_exit_status_3(tmp_path):
    page = article("totalkz/articles/news_rewrite")  # markup no Total.kz layout documents
    warc = write_site_warc(tmp_path / "degraded.warc.gz", [totalkz_feed(page.url), page])
    run = check("totalkz", "-s", f"REPLAY={warc}", cwd=tmp_path)
    assert run.returncode == 3, run.stdout + run.stderr
    assert run.stdout.splitlines()[0] == "totalkz: DEGRADED — 1 of 1 articles in no known layout"
    assert run.stdout.splitlines()[-1] == "1 outlet checked: 1 degraded (exit status 3)"
    assert "      layout NONE; language ru;" in run.stdout


def test_an_outlet_where_nothing_is_found_is_broken_with_exit_status_1(tmp_path, working_site):
    run = check("mosds", "totalkz", "--json", "-s", f"REPLAY={working_site}", cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    verdicts = {o["spider"]: (o["verdict"], o["reasons"]) for o in json.loads(run.stdout)["outlets"]}
    assert verdicts["totalkz"][0] == WORKS
    assert verdicts["mosds"] == (BROKEN, ["no discovery route listed an article (0 of 4 routes answered)"])


@pytest.mark.parametrize("args, message", [
    (["nosuch"], "newscrawl check: unknown spider nosuch (spiders: kazinform, mfakz, mosds, mosru, qazaqtv, totalkz)"),
    (["totalkz", "-s", "REPLAY"], "newscrawl check: -s 'REPLAY': expected NAME=VALUE"),
    (["--articles", "0"], "argument --articles: must be 1 or more"),
    (["totalkz", "-s", "REPLAY=missing.warc.gz"], "newscrawl check: -s REPLAY=missing.warc.gz: no such file or folder"),
    (["totalkz", "-s", "REPLAY=notes.txt"], "newscrawl check: -s REPLAY=notes.txt: not a WARC file"),
    (["totalkz", "-s", "INCREMENTAL_MAX_PAGES=abc"], "newscrawl check: -s INCREMENTAL_MAX_PAGES='abc': not an integer"),
    (["totalkz", "--save", "notes.txt"], "newscrawl check: --save notes.txt: cannot make the folder"),
])
def test_wrong_use_is_a_one_line_error_with_exit_status_2(tmp_path, args, message):
    (tmp_path / "notes.txt").write_text("not a WARC file")
    run = check(*args, cwd=tmp_path)
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr
    assert "checking" not in run.stderr  # refused before any check crawl


def test_each_edition_shows_every_route_read_for_it_with_its_own_links_and_articles():
    sitemap = {"url": "https://www.inform.kz/sitemap.xml", "origin": "own", "kind": "sitemap", "status": 200,
               "editions": ["kz", "ru"], "links": 5, "generic_links": 0, "newest": "2025-11-23T15:00:00+05:00",
               "by_edition": {"ru": {"links": 5, "newest": "2025-11-23T15:00:00+05:00"}}}
    robots = {"url": "https://www.inform.kz/robots.txt", "origin": "standard", "kind": "robots.txt", "status": 404,
              "editions": [], "links": 0}
    read = {"url": "https://www.inform.kz/ru/article/3725092", "edition": "ru", "layout": "ru2025", "missing": []}
    view = outlet_view({"spider": "kazinform", "verdict": DEGRADED, "reasons": ["edition kz: no article read"],
                        "editions": ["ru", "kz"], "routes": [sitemap, robots], "articles": [read]})
    ru, kz = view["editions"]
    assert (ru["edition"], kz["edition"]) == ("ru", "kz")
    assert [(r["url"], r["links"]) for r in ru["routes"]] == [(sitemap["url"], 5)]
    assert [(r["url"], r["links"], r["newest"]) for r in kz["routes"]] == [(sitemap["url"], 0, None)]
    assert (ru["articles"], kz["articles"]) == ([read], [])
    assert [r["url"] for r in view["other_routes"]] == [robots["url"]]
    text = render([view]).splitlines()
    assert text[:4] == ["kazinform: DEGRADED — edition kz: no article read",
                        "  edition ru: 1 article read; 1 of 1 routes answered",
                        "    route     status  kind          links  newest                    url",
                        "    own       200     sitemap           5  2025-11-23T15:00:00+05:00 "
                        "https://www.inform.kz/sitemap.xml"]
    assert "  edition kz: no articles read; 1 of 1 routes answered" in text
    assert text[-3] == "  routes not tied to one edition"


def test_verdicts_name_their_reasons():
    article_ok = {"edition": "ru", "layout": "post", "missing": []}
    own = {"origin": "own", "links": 3, "status": 200}
    assert judge({"editions": ["ru"], "has_layouts": True, "routes": [own], "articles": [article_ok]}) == (
        WORKS, ["1 articles read"])
    verdict, reasons = judge({"editions": ["ru", "kz"], "has_layouts": True,
                              "routes": [{**own, "origin": "standard"}],
                              "articles": [{**article_ok, "missing": ["published"]}]})
    assert verdict == DEGRADED and reasons == [
        "edition kz: no article read", "1 of 1 articles lack published",
        "only the standard routes found articles (the outlet's own routes found none)"]
    assert judge({"routes": [own], "articles": []}) == (BROKEN, ["3 article links found, no article read"])



def archive_snapshot(archive: Path) -> tuple[dict[str, bytes], list[tuple]]:
    """The archive's files (less its index) and the crawl state its index keeps."""
    files = {str(p.relative_to(archive)): p.read_bytes() for p in sorted(archive.rglob("*"))
             if p.is_file() and ".newscrawl" not in p.parts}
    index = ArchiveIndex(archive / ".newscrawl" / "index.sqlite", read_only=True)
    try:
        state = index.db.execute("SELECT spider, key, value FROM crawl_state ORDER BY spider, key").fetchall()
    finally:
        index.close()
    return files, state


def test_a_scheduled_check_job_leaves_the_archive_and_its_crawl_state_unchanged(tmp_path, working_site):
    archive = tmp_path / "archive"
    first = run_crawl("totalkz", tmp_path / "crawl", archive=archive, replay=working_site)
    assert first.returncode == 0, first.log[-2000:]
    before = archive_snapshot(archive)
    assert before[0] and before[1]  # a record and a watermark to keep
    newer = article("totalkz/articles/post_2021_person")
    site = write_site_warc(tmp_path / "newer.warc.gz", [totalkz_feed(newer.url), newer])
    [job] = [j for j in load_schedule(ROOT / "schedule.toml").jobs if j.name == "check-totalkz"]
    raw = tmp_path / "raw"  # a server's raw archive, named in the environment
    run = run_crawl("totalkz", tmp_path / "check", archive=archive, replay=site, settings=job.settings,
                    env={"NEWSCRAWL_RAW_ARCHIVE_DIR": str(raw)})
    assert run.returncode == 0, run.log[-2000:]
    assert run.stats["newscrawl/check/verdict"] == WORKS  # it read the new article ...
    assert not raw.exists()  # ... kept no response in the raw archive ...
    after = archive_snapshot(archive)
    assert sorted(after[0]) == sorted(before[0])
    assert after == before  # ... and archived nothing, moved no watermark


def test_a_scheduled_check_job_of_a_broken_outlet_fails_the_outlet_check_and_alerts(tmp_path):
    nothing = write_site_warc(tmp_path / "nothing.warc.gz", [SitePage("https://total.kz/rss", b"gone", status=410)])
    [job] = [j for j in load_schedule(ROOT / "schedule.toml").jobs if j.name == "check-totalkz"]
    run = run_crawl("totalkz", tmp_path / "check", archive=tmp_path / "archive", replay=nothing,
                    settings=job.settings)
    outlet_check = next(c for c in run.report["health"]["checks"] if c["name"] == "outlet_check")
    assert outlet_check["status"] == "failed" and "the outlet broken" in outlet_check["message"]
    assert "HEALTH ALERT" in run.log and "outlet_check" in run.log


def test_a_route_that_failed_shows_why_and_the_table_stays_aligned():
    failed = {"url": "https://total.kz/rss", "origin": "own", "kind": "feed", "status": "CannotResolveHostError",
              "editions": ["ru"], "links": 0}
    view = outlet_view({"spider": "totalkz", "verdict": BROKEN, "reasons": ["no article"], "editions": ["ru"],
                        "routes": [failed, {**failed, "url": "https://total.kz/ru/news", "status": 404}],
                        "articles": []})
    header, *rows = render([view]).splitlines()[2:]
    assert rows[0].split()[:3] == ["own", "CannotResolveHostError", "feed"]
    assert {row.index("feed") for row in rows} == {header.index("kind")}
