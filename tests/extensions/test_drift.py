"""Pages in no known layout: read all the same, and kept as WARC with the reason when ``DRIFT_DIR`` is set."""

from __future__ import annotations

import json

from support import FIXTURES, SitePage, run_crawl, write_site_warc
from warcio.archiveiterator import ArchiveIterator

from newscrawl.extensions.drift import drift_counts
from newscrawl.warc import DRIFT_HEADER, warc_files

CASE = FIXTURES / "totalkz" / "articles" / "news_rewrite"  # markup no Total.kz layout documents
KNOWN = FIXTURES / "totalkz" / "articles" / "post_2025_agency"


def page_of(case) -> SitePage:
    url = json.loads(case.with_suffix(".expected.json").read_text(encoding="utf-8"))["url"]
    return SitePage(url, case.with_suffix(".html").read_bytes())


def test_a_page_in_no_known_layout_is_archived_and_kept_with_the_reason(tmp_path):
    unknown, known = page_of(CASE), page_of(KNOWN)
    warc = write_site_warc(tmp_path / "site.warc.gz", [unknown, known])
    drift = tmp_path / "drift"
    run = run_crawl("totalkz", tmp_path / "run", archive=tmp_path / "archive", replay=warc,
                    args={"url": f"{unknown.url},{known.url}"}, settings={"DRIFT_DIR": drift})
    assert run.returncode == 0, run.log
    assert {item["url"] for item in run.items} == {unknown.url, known.url}
    assert run.stat("newscrawl/drift/pages") == 1
    files = warc_files(drift / "totalkz")
    with open(files[0], "rb") as fh:
        kept = [r for r in ArchiveIterator(fh) if r.rec_type == "response"]
    assert [r.rec_headers.get_header("WARC-Target-URI") for r in kept] == [unknown.url]
    reason = kept[0].rec_headers.get_header(DRIFT_HEADER)
    assert reason.startswith("no totalkz layout matched (") and "body from" in reason
    assert drift_counts(drift) == {"totalkz": 1}


def test_without_drift_dir_such_pages_are_only_counted(tmp_path):
    warc = write_site_warc(tmp_path / "site.warc.gz", [page_of(CASE)])
    run = run_crawl("totalkz", tmp_path / "run", archive=tmp_path / "archive", replay=warc,
                    args={"url": page_of(CASE).url})
    assert len(run.items) == 1 and run.stat("newscrawl/drift/pages") == 1
    assert "no totalkz layout matched" in run.log
