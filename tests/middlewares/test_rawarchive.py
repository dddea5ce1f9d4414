import errno
import os
import random

import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse, Response
from support import project_crawler

from newscrawl.middlewares.rawarchive import RawArchiveMiddleware, RawArchiveRedirectMiddleware, RawArchiveWriter
from newscrawl.ops.health import HealthPolicy, evaluate
from newscrawl.warc import WarcLookup, warc_files

PAGE = "<html><body><p>Текст новости</p></body></html>".encode()


def middlewares(tmp_path, max_bytes=10**9):
    crawler = project_crawler(RAW_ARCHIVE_DIR=str(tmp_path / "raw"), RAW_ARCHIVE_MAX_BYTES=max_bytes)
    return RawArchiveMiddleware.from_crawler(crawler), RawArchiveRedirectMiddleware.from_crawler(crawler), crawler


def page(url, body=PAGE, status=200, flags=None, headers=None, meta=None):
    request = Request(url, meta=meta or {})
    return request, HtmlResponse(url, status=status, body=body, request=request, flags=flags or [],
                                 headers=headers or {"Content-Type": "text/html; charset=utf-8"})


def test_raw_archive_is_off_without_the_setting():
    with pytest.raises(NotConfigured):
        RawArchiveMiddleware.from_crawler(project_crawler(RAW_ARCHIVE_DIR=None))


def test_fetched_responses_are_kept_and_found_again(tmp_path):
    mw, _, crawler = middlewares(tmp_path)
    request, response = page("https://news.example.org/a.html", meta={"newscrawl_article": True})
    assert mw.process_response(request, response) is response
    mw.writer.close()
    stored = WarcLookup(tmp_path / "raw").find("GET", "https://news.example.org/a.html")
    assert stored.body == PAGE and stored.status == 200 and stored.article
    assert crawler.stats.get_value("newscrawl/raw_archive/responses") == 1


def test_both_middlewares_share_one_writer_and_split_redirects(tmp_path):
    mw, redirects, _ = middlewares(tmp_path)
    assert mw.writer is redirects.writer
    moved = Response("https://news.example.org/old", status=301, headers={"Location": "/new"})
    request = Request("https://news.example.org/old")
    mw.process_response(request, moved)
    assert mw.writer.exchanges == 0
    redirects.process_response(request, moved)
    redirects.process_response(*page("https://news.example.org/new"))
    assert mw.writer.exchanges == 1


def test_replayed_responses_are_not_written_again(tmp_path):
    mw, _, _ = middlewares(tmp_path)
    mw.process_response(*page("https://news.example.org/a.html", flags=["replay"]))
    assert mw.writer.exchanges == 0 and not warc_files(tmp_path / "raw")


def test_files_are_rotated_by_size(tmp_path):
    mw, _, _ = middlewares(tmp_path, max_bytes=2000)
    for i in range(6):
        mw.process_response(*page(f"https://news.example.org/{i}.html", body=random.Random(i).randbytes(1500)))
    mw.writer.close()
    files = warc_files(tmp_path / "raw")
    assert len(files) >= 3 and all(f.name.endswith(".warc.gz") for f in files)
    assert len(WarcLookup(tmp_path / "raw")) == 6


def test_a_file_cut_short_by_a_killed_crawl_keeps_the_exchanges_before_the_cut(tmp_path):
    writer = RawArchiveWriter(tmp_path, "site")
    bodies = [random.Random(i).randbytes(20000) for i in range(5)]  # incompressible: the cut falls in the last
    for i, body in enumerate(bodies):
        writer.write(f"https://news.example.org/{i}.html", 200, [("Content-Type", "text/html")], body)
    writer.close()
    path = writer.files[0]
    data = path.read_bytes()
    path.write_bytes(data[: len(data) - 5000])
    lookup = WarcLookup(path)
    assert len(lookup) == 4
    assert [r.body for r in lookup.iter_responses()] == bodies[:4]


def test_a_raw_archive_that_cannot_be_written_counts_why_and_fails_the_health_check(tmp_path, monkeypatch):
    mw, _, crawler = middlewares(tmp_path)

    def disk_full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(RawArchiveWriter, "write", disk_full)
    request, response = page("https://news.example.org/a.html")
    assert mw.process_response(request, response) is response  # the crawl goes on
    stats = crawler.stats.get_stats()
    assert stats["newscrawl/raw_archive/errors"] == 1
    assert stats["newscrawl/raw_archive/errors/no_space_left_on_device"] == 1
    check = next(c for c in evaluate(stats, HealthPolicy()) if c.name == "archive_writes")
    assert check.failed and "1 responses not written to the raw archive (no space left on device 1)" in check.message
