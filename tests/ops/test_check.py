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
from newscrawl.ops.check import BROKEN, DEGRADED, WORKS, judge
from newscrawl.ops.schedule import load_schedule
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
    feed = next(line for line in lines if line.endswith(" https://total.kz/rss"))
    assert feed.split()[:5] == ["own", "200", "feed", "ru", "1"]
    assert next(line for line in lines if line.endswith("https://total.kz/ru/news")).split()[:2] == ["own", "404"]
    assert any(line.split()[:3] == ["standard", "404", "robots.txt"] for line in lines)
    assert "    layout post; language ru; published 2025-02-11T09:05:17+05:00; missing: nothing" in lines
    assert not list(tmp_path.glob("archive*"))  # the check archives nothing


def test_json_output_and_saved_responses(tmp_path, working_site):
    save = tmp_path / "saved"
    run = check("totalkz", "--json", "--save", str(save), "-s", f"REPLAY={working_site}", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["exit_status"] == 0
    [outlet] = result["outlets"]
    assert outlet["spider"] == "totalkz" and outlet["verdict"] == WORKS
    feed = next(r for r in outlet["routes"] if r["url"] == "https://total.kz/rss")
    assert (feed["status"], feed["kind"], feed["origin"], feed["links"]) == (200, "feed", "own", 1)
    assert feed["newest"].startswith(NOW.astimezone().date().isoformat()[:4])
    [read] = outlet["articles"]
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


def test_an_outlet_in_an_unknown_layout_is_degraded_with_exit_status_3(tmp_path):
    page = article("totalkz/articles/news_rewrite")  # markup no Total.kz layout documents
    warc = write_site_warc(tmp_path / "degraded.warc.gz", [totalkz_feed(page.url), page])
    run = check("totalkz", "-s", f"REPLAY={warc}", cwd=tmp_path)
    assert run.returncode == 3, run.stdout + run.stderr
    assert run.stdout.splitlines()[0] == "totalkz: DEGRADED — 1 of 1 articles in no known layout"
    assert "    layout NONE; language ru;" in run.stdout


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
    (["totalkz", "-s", "REPLAY=missing.warc.gz"], "newscrawl check: -s REPLAY=missing.warc.gz: no WARC file or folder"),
])
def test_wrong_use_is_a_one_line_error_with_exit_status_2(tmp_path, args, message):
    run = check(*args, cwd=tmp_path)
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr


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
    run = run_crawl("totalkz", tmp_path / "check", archive=archive, replay=site, settings=job.settings)
    assert run.returncode == 0, run.log[-2000:]
    assert run.stats["newscrawl/check/verdict"] == WORKS  # it read the new article ...
    after = archive_snapshot(archive)
    assert sorted(after[0]) == sorted(before[0])
    assert after == before  # ... and archived nothing, moved no watermark
