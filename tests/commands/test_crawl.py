"""``scrapy crawl`` as a user runs it: wrong arguments and settings end it before it starts (one
line, exit status 2, no traceback); a crawl that reaches no host says why in one line, counts each
page once in its error rate, and ends with a non-zero exit status."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest
from support import ROOT, crawl_env

SPIDERS = ["kazinform", "qazaqtv", "totalkz", "mosru", "mosds", "mfakz"]


def scrapy(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "scrapy", *args], cwd=ROOT, env=env or crawl_env(),
                          capture_output=True, text=True, timeout=timeout)


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize(("args", "expected"), [
    (["kazinform", "-a", "sinse=2020-01-01"],
     "scrapy crawl kazinform: -a sinse: kazinform takes no such argument (did you mean since?);"
     " it takes edition, since, until, url"),
    (["kazinform", "-a", "since=2020-13-01"], "scrapy crawl kazinform: -a since='2020-13-01': expected a date as"
     " YYYY-MM-DD"),
    (["totalkz", "-a", "since=2020-01-01", "-a", "until=2019-01-01"],
     "scrapy crawl totalkz: -a until=2019-01-01 is before since=2020-01-01"),
    (["kazinform", "-a", "edition=xx"], "scrapy crawl kazinform: -a edition: xx unknown; kazinform has ru, kz, qz, en"),
    (["mosru", "-a", "url=file:///etc/passwd"],
     "scrapy crawl mosru: -a url='file:///etc/passwd': not an http(s) URL; mosru fetches pages of www.mos.ru"),
    (["mosru", "-a", "url=https://total.kz/ru/news/a"],
     "scrapy crawl mosru: -a url='https://total.kz/ru/news/a': total.kz is not one of mosru's hosts (www.mos.ru)"
     " (other sites: scrapy crawl site -a start=URL)"),
    (["totalkz", "-s", "ARCHIVE_LAYOUT=foo"],
     "scrapy crawl totalkz: -s ARCHIVE_LAYOUT='foo': unknown layout; expected one of markdown, dated"),
    (["totalkz", "-s", "EXTRACTION_PROCESSES=abc"],
     "scrapy crawl totalkz: -s EXTRACTION_PROCESSES='abc': not an integer: -1 (one per core), 0 (in the crawl)"
     " or a count"),
    (["totalkz", "-s", "REPRINT_THRESHOLD=5"],
     "scrapy crawl totalkz: -s REPRINT_THRESHOLD='5': out of range; expected a similarity above 0 and at most 1,"
     " e.g. 0.5"),
    (["totalkz", "-s", "REPLAY=no/such/file.warc.gz"],
     "scrapy crawl totalkz: -s REPLAY=no/such/file.warc.gz: no such file or folder; expected a WARC file or a folder"
     " of them"),
    (["kazinform", "-s", "ARCHIVE_TOPIC=побратим* AND"],
     "scrapy crawl kazinform: -s ARCHIVE_TOPIC='побратим* AND': cannot search for 'побратим* AND': fts5: syntax"
     " error near \"\""),
    (["kazinform", "-s", "ARCHIVE_TOPIC=twin-citys"],
     "scrapy crawl kazinform: -s ARCHIVE_TOPIC='twin-citys': no topic of that name in topics.toml (it names"
     " twin-cities)"),
    (["kazinform", "-s", "ARCHIVE_TOPIC=twin-cities", "-s", "ARCHIVE_TOPICS_FILE=no/such/topics.toml"],
     "scrapy crawl kazinform: -s ARCHIVE_TOPIC='twin-cities': no topics file no/such/topics.toml to name it"
     " (ARCHIVE_TOPICS_FILE); give a query or a topics file"),
    (["totalkz", "-s", "REPLAY=pyproject.toml"],
     "scrapy crawl totalkz: -s REPLAY=pyproject.toml: not a WARC file (expected a name ending in .warc, .warc.gz),"
     " nor a folder of them"),
    (["totalkz", "-s", "REDIS_URL=redis://127.0.0.1:1/0"],  # a node of a distributed crawl, its Redis not there
     "scrapy crawl totalkz: -s REDIS_URL: Redis at redis://127.0.0.1:1/0 does not answer: Error 111 connecting to"
     " 127.0.0.1:1. Connection refused."),
    (["totalkz", "-s", "REDIS_URL=http://127.0.0.1:6379"],
     "scrapy crawl totalkz: -s REDIS_URL: Redis URL must specify one of the following schemes (redis://, rediss://,"
     " unix://)"),
])
def test_wrong_arguments_and_settings_end_the_crawl_before_it_starts(tmp_path, args, expected):
    result = scrapy("crawl", *args, "-s", f"ARCHIVE_DIR={tmp_path / 'archive'}")
    assert result.returncode == 2
    assert result.stderr.rstrip().splitlines() == [expected]  # that line alone: nothing was started to log
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "archive").exists()  # nothing was started


@pytest.fixture(scope="module")
def unreachable_crawls(tmp_path_factory) -> dict[str, tuple[subprocess.CompletedProcess, dict]]:
    """Every outlet spider crawled while no host answers: all traffic goes through a proxy on a closed
    port of 127.0.0.1 (connection refused)."""
    import json

    proxy = f"http://127.0.0.1:{closed_port()}"
    env = {**crawl_env(), "http_proxy": proxy, "https_proxy": proxy}
    env.pop("no_proxy", None)
    env.pop("NO_PROXY", None)
    runs = {}
    for spider in SPIDERS:
        work = tmp_path_factory.mktemp(spider)
        result = scrapy("crawl", spider, "-s", f"ARCHIVE_DIR={work / 'archive'}", "-s",
                        f"CRAWL_REPORT={work / 'report.json'}", "-s", "RETRY_TIMES=1", "-s", "DOWNLOAD_DELAY=0",
                        "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "ARCHIVE_FSYNC=False", "-s", "EXTRACTION_PROCESSES=0",
                        env=env)
        runs[spider] = (result, json.loads((work / "report.json").read_text(encoding="utf-8")))
    return runs


@pytest.mark.parametrize("spider", SPIDERS)
def test_a_crawl_that_reaches_no_host_says_why_and_exits_non_zero(unreachable_crawls, spider):
    result, report = unreachable_crawls[spider]
    log = result.stderr
    assert result.returncode == 1
    robots = [line for line in log.splitlines() if "robots.txt of" in line]
    assert len([line for line in robots if "WARNING" in line]) == 1
    assert "connection refused" in robots[0] and "Error downloading" not in log
    closing = [line for line in log.splitlines() if "no outlet host could be reached" in line]
    assert len(closing) == 1 and "(connection refused)" in closing[0]
    stats = report["stats"]
    pages = stats["newscrawl/pages"]
    assert pages >= 1 and stats["newscrawl/pages/failed"] == pages
    error_rate = next(c for c in report["health"]["checks"] if c["name"] == "error_rate")
    assert error_rate["message"].startswith(f"{pages} of {pages} pages failed, 100.0%")
    assert f"crawl of {spider} ended (finished)" in log and f"{pages} pages failed; records in" in log


@pytest.mark.parametrize("spider", SPIDERS)
def test_a_crawl_that_reaches_no_host_is_short_no_line_per_page_and_no_traceback(unreachable_crawls, spider):
    log = unreachable_crawls[spider][0].stderr
    assert "Gave up retrying" not in log  # Scrapy's line per page given up on
    assert "not fetched: http" not in log  # the spider's line per failed page (DEBUG for a host that never answered)
    assert "Traceback" not in log and "[Spidermon]" not in log  # Spidermon's report, a traceback per failed check
    errors = [line.split(" ERROR: ", 1)[1] for line in log.splitlines() if " ERROR: " in line]
    assert [e.split(":")[0] for e in errors] == ["no outlet host could be reached", "HEALTH ALERT"]
    warnings = [line.split(" WARNING: ", 1)[1] for line in log.splitlines() if " WARNING: " in line]
    assert len(warnings) <= 3, warnings  # robots.txt, and the spider's turns to other routes (API to feed, standard)



@pytest.mark.parametrize("command", [["check"], ["parse", "https://total.kz/ru/news/a"]])
def test_scrapy_check_and_parse_refuse_a_replay_that_is_not_there(command):
    result = scrapy(*command, "-s", "REPLAY=no/such/file.warc.gz")
    assert result.returncode == 2
    assert result.stderr.rstrip().splitlines() == [
        f"scrapy {command[0]}: -s REPLAY=no/such/file.warc.gz: no such file or folder; expected a WARC file or a"
        " folder of them"]
