"""A crawl of a misbehaving site on 127.0.0.1 (tests/faultsite.py) with the ``site`` spider: every
article that can be fetched is archived exactly once and as the site wrote it, nothing corrupt or
partial is archived, bad input is bounded and counted, and the raw archive it leaves can be
replayed and rebuilt into the same records."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from faultsite import FaultSite
from support import ROOT, CrawlRun, crawl_command, crawl_env, run_crawl

from newscrawl import settings
from newscrawl.archive.records import RECORD_NAME, read_record
from newscrawl.archiving import Archiver
from newscrawl.cli import main as cli_main
from newscrawl.warc import warc_files

CRAWL_SETTINGS = {"EXTRACTION_PROCESSES": 2, "EXTRACTION_TIMEOUT": 2, "EXTRACTION_KILL_GRACE": 3,
                  "RETRY_TIMES": 2, "DOWNLOAD_TIMEOUT": 20}


def archived(folder: Path) -> dict[str, list]:
    """Records of a folder by title (a list, to see duplicates)."""
    found: dict[str, list] = {}
    for path in sorted(folder.iterdir()):
        if RECORD_NAME.match(path.name):
            record = read_record(path)
            found.setdefault(record.title, []).append(record)
    return found


def assert_text_matches(paragraphs: list[str], story) -> None:
    """A record's text is the story's; of a page with broken markup, the story's paragraphs in order
    with at most a quarter lost (markup can hide a block, never invent one)."""
    if "malformed" not in story.faults:
        assert paragraphs == story.body
        return
    remaining = iter(story.body)
    assert all(p in remaining for p in paragraphs), "text that is not the story's, or out of order"
    assert len(paragraphs) >= 0.75 * len(story.body)


def assert_archive_is_the_truth(folder: Path, site: FaultSite) -> None:
    """Every fetchable article exactly once, with its title, date, author and text; nothing else."""
    truth = site.truth_by_title()
    records = archived(folder)
    assert set(records) == set(truth)
    for title, copies in records.items():
        assert len(copies) == 1, f"archived {len(copies)} times: {title}"
        record = copies[0]
        story = next((s for s in truth[title] if record.url.endswith(s.path)), None)
        assert story is not None, f"{record.url} is none of the pages of {title!r}"
        assert_text_matches(record.paragraphs(), story)
        assert record.published == story.published
        assert record.author == story.author
        assert "\ufffd" not in record.title + record.body and "<" not in record.body


@pytest.fixture(scope="module")
def faulty_crawl(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    with FaultSite(16, bad_pages=True) as site:
        run = run_crawl("site", root / "run", archive=root / "archive",
                        args={"start": site.base + "/", "timezone": "Europe/Moscow"},
                        settings={**CRAWL_SETTINGS, "RAW_ARCHIVE_DIR": root / "raw"})
        yield site, run, root


def test_every_fetchable_article_is_archived_once_as_the_site_wrote_it(faulty_crawl):
    site, run, root = faulty_crawl
    assert run.returncode == 0, run.log[-3000:]
    assert_archive_is_the_truth(root / "archive", site)


def test_transient_errors_and_cut_connections_are_retried(faulty_crawl):
    _, run, _ = faulty_crawl
    assert run.stat("retry/reason_count/500 Internal Server Error") == 2
    assert run.stat("retry/reason_count/scrapy.exceptions.ResponseDataLossError") >= 2


def test_truncated_page_is_refused_and_counted(faulty_crawl):
    site, run, root = faulty_crawl
    assert run.stat("newscrawl/skipped/truncated_page") == 1
    truncated = next(s for s in site.stories if "truncated" in s.faults)
    assert truncated.title not in archived(root / "archive")


def test_reprint_and_tracking_urls_do_not_make_second_records(faulty_crawl):
    _, run, _ = faulty_crawl
    assert run.stat("newscrawl/duplicates/body") == 1  # the reprint
    assert run.stat("newscrawl/archived") == len(archived_names(faulty_crawl))


def archived_names(faulty_crawl) -> list[str]:
    return [p.name for p in (faulty_crawl[2] / "archive").iterdir() if RECORD_NAME.match(p.name)]


def test_bad_input_is_bounded_and_counted(faulty_crawl):
    _, run, _ = faulty_crawl
    assert run.stat("newscrawl/skipped/binary_page") == 1
    assert run.stat("newscrawl/extraction/timeouts") == 1  # the runaway page, stopped after EXTRACTION_TIMEOUT
    assert run.stat("newscrawl/skipped/extraction_failed") == 1
    assert run.stat("newscrawl/failed/articles") == 1  # the 50 MB page, cut off at DOWNLOAD_MAXSIZE
    assert "52428800 bytes which is larger than download max size (16777216)" in run.log


def test_record_names_never_depend_on_page_content(faulty_crawl):
    _, _, root = faulty_crawl
    folder = root / "archive"
    assert all(RECORD_NAME.match(p.name) or p.name == ".newscrawl" for p in folder.iterdir())
    assert sorted(p.name for p in root.iterdir()) == ["archive", "raw", "run"]  # nothing written outside
    escape = next(r for copies in archived(folder).values() for r in copies if "escape" in (r.title or ""))
    assert escape.title.startswith("../../../../tmp/escape")


def test_index_agrees_with_the_folder(faulty_crawl):
    _, _, root = faulty_crawl
    archive = Archiver.open(root / "archive")
    assert archive.index.names() == archive.folder.scan().records


def test_raw_archive_holds_every_fetched_response(faulty_crawl):
    _, run, root = faulty_crawl
    files = warc_files(root / "raw")
    assert files and all(f.name.startswith("site-") and f.name.endswith(".warc.gz") for f in files)
    assert run.stat("newscrawl/raw_archive/responses") >= run.stat("newscrawl/archived")


def test_replaying_the_raw_archive_gives_the_same_records(faulty_crawl, tmp_path):
    site, _, root = faulty_crawl
    replay: CrawlRun = run_crawl("site", tmp_path / "run", archive=tmp_path / "archive", replay=root / "raw",
                                 args={"start": site.base + "/", "timezone": "Europe/Moscow"},
                                 settings={**CRAWL_SETTINGS, "RAW_ARCHIVE_DIR": tmp_path / "raw"})
    assert replay.returncode == 0, replay.log[-3000:]
    assert_archive_is_the_truth(tmp_path / "archive", site)
    assert replay.stat("newscrawl/raw_archive/responses") == 0  # replayed responses are not stored again


def test_rebuild_from_the_raw_archive_gives_the_same_records(faulty_crawl, tmp_path, capsys):
    site, _, root = faulty_crawl
    assert cli_main(["archive", "rebuild", "--archive", str(tmp_path), "--raw", str(root / "raw"),
                     "--timezone", "Europe/Moscow", "--timeout", "2", "--json"]) == 0
    assert_archive_is_the_truth(tmp_path, site)
    assert '"duplicates": 1' in capsys.readouterr().out  # the reprint


# -- a disk that fills up
def test_a_crawl_on_a_full_disk_stops_saying_why_and_the_next_crawl_archives_every_article(tmp_path):
    """The first crawl cannot write a record: it stops with the reason, its health check fails, and it
    leaves no watermark past what it could not write; the next incremental crawl (space freed) fetches
    and archives every article. Its watermark stays below the page that was cut short, so a later
    crawl fetches that one again. The records keep the offset the pages state, not the spider's zone."""
    archive = tmp_path / "archive"
    with FaultSite(8) as site:
        args = {"start": site.base + "/", "timezone": "Asia/Almaty"}
        full = run_crawl("site", tmp_path / "full", archive=archive, args=args, settings={
            **CRAWL_SETTINGS, "EXTENSIONS": json.dumps({**settings.EXTENSIONS, "tests.fulldisk.FullDisk": 0})})
        freed = run_crawl("site", tmp_path / "freed", archive=archive, args=args, settings=CRAWL_SETTINGS)
    assert full.report["reason"] == "archive_write_failed: no space left on device", full.log[-3000:]
    assert full.stat("newscrawl/archive/write_errors/no_space_left_on_device") >= 1
    health = full.report["health"]
    assert {"finish_reason", "archive_writes"} <= set(health["failed"])
    assert freed.returncode == 0 and freed.report["reason"] == "finished", freed.log[-3000:]
    assert_archive_is_the_truth(archive, site)
    assert all(r.published.utcoffset() == timedelta(hours=3) for copies in archived(archive).values() for r in copies)
    texts = [p.read_text(encoding="utf-8") for p in archive.iterdir() if RECORD_NAME.match(p.name)]
    assert texts and all(re.search(r"^Published at: \*\*\S+T\S+\+03:00\*\*$", t, re.MULTILINE) for t in texts)
    truncated = next(s for s in site.stories if "truncated" in s.faults)
    state = Archiver.open(archive).index.get_state("site:127.0.0.1", "newest/all")
    assert state is not None and datetime.fromisoformat(state) < truncated.published


def test_a_crawl_stopped_with_its_frontier_on_disk_resumes_and_archives_the_rest_once(tmp_path):
    """``-s JOBDIR=DIR`` (Scrapy's disk queues), as the README offers for one machine: a crawl stopped
    after a few articles leaves its frontier on disk, and the same command again archives every other
    article of the site, none twice, without fetching the first ones again."""
    job = {**CRAWL_SETTINGS, "JOBDIR": tmp_path / "job"}
    with FaultSite(16) as site:
        args = {"start": site.base + "/", "timezone": "Europe/Moscow"}
        first = run_crawl("site", tmp_path / "first", archive=tmp_path / "archive", args=args,
                          settings={**job, "CLOSESPIDER_ITEMCOUNT": 4, "CONCURRENT_REQUESTS": 1})
        assert first.report["reason"] == "closespider_itemcount", first.log[-3000:]
        stopped_at = len(archived(tmp_path / "archive"))
        assert 4 <= stopped_at < len(site.truth_by_title())
        assert first.stat("scheduler/enqueued/disk") > first.stat("scheduler/dequeued/disk")  # left on disk
        second = run_crawl("site", tmp_path / "second", archive=tmp_path / "archive", args=args, settings=job)
        assert second.returncode == 0, second.log[-3000:]
        assert second.stat("scheduler/dequeued/disk") >= len(site.truth_by_title()) - stopped_at
        assert second.stat("newscrawl/skipped/already_archived") == 0  # the first run's pages are not asked again
        assert_archive_is_the_truth(tmp_path / "archive", site)


def test_a_crawl_stopped_by_sigterm_is_reported_stopped_and_raises_no_alert(tmp_path):
    """SIGTERM halfway (as systemd or Scrapyd stop a job): the crawl closes cleanly, its report says
    it was stopped, no health check fails and no alert is raised, and what it archived stays."""
    with FaultSite(24, delay=0.3) as site:
        cmd = crawl_command("site", tmp_path / "run", archive=tmp_path / "archive",
                            args={"start": site.base + "/", "timezone": "Europe/Moscow"},
                            settings={**CRAWL_SETTINGS, "CONCURRENT_REQUESTS": 2, "HEALTH_MIN_ITEMS": 10})
        proc = subprocess.Popen(cmd, cwd=ROOT, env=crawl_env(), stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None and (
                not (tmp_path / "archive").is_dir() or len(archived(tmp_path / "archive")) < 2):
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        _, log = proc.communicate(timeout=120)
    report = json.loads((tmp_path / "run" / "report.json").read_text(encoding="utf-8"))
    assert report["reason"] == "shutdown", log[-3000:]
    assert report["health"]["status"] == "stopped" and report["health"]["failed"] == []
    assert "HEALTH ALERT" not in log and "Traceback" not in log
    assert "crawl of site was stopped" in log
    assert 2 <= len(archived(tmp_path / "archive")) < len(site.truth_by_title())
