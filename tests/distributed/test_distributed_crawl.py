"""A distributed crawl as users run it: two ``site`` spider nodes (``scrapy crawl site -s REDIS_URL=…``)
and one archiver (``newscrawl archive consume``) crawl the misbehaving site (tests/faultsite.py:
transient 500s, cut connections, redirect chains, tracking-parameter copies, reprints, broken markup)
into one archive. Every fetchable article is archived exactly once, no reprint, no record number used
twice; the same when a node and the archiver are killed with SIGKILL halfway and restarted."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
from pathlib import Path

import redis
from faultsite import FaultSite
from nodes import consume_command, in_flight, run_archiver, wait_until
from support import ROOT, crawl_command, crawl_env
from test_crawl_faults import assert_archive_is_the_truth

from newscrawl.archive.records import RECORD_NAME
from newscrawl.archiving import Archiver
from newscrawl.distributed.archiver import GROUP
from newscrawl.distributed.connection import ITEMS_KEY

#: seconds a test node waits without a heartbeat before it serves a dead node's requests again
NODE_TIMEOUT = 3
NODE_SETTINGS = {"EXTRACTION_PROCESSES": 0, "RETRY_TIMES": 2, "DOWNLOAD_TIMEOUT": 20,
                 "CONCURRENT_REQUESTS_PER_DOMAIN": 4, "REDIS_NODE_TIMEOUT": NODE_TIMEOUT,
                 "SPIDERMON_ENABLED": False, "TELNETCONSOLE_ENABLED": False}
#: seconds the site takes per article while a node restarts
SLOW = 3.0
#: seconds any one process of a test may run
PROCESS_TIMEOUT = 240


class Process:
    """A node or the archiver, started in its own session (SIGKILL reaches all it started)."""

    def __init__(self, cmd: list[str], log: Path):
        self.log_path = log
        with open(log, "wb") as out:
            self.popen = subprocess.Popen(cmd, cwd=ROOT, env=crawl_env(), stdout=out, stderr=subprocess.STDOUT,
                                          start_new_session=True)

    @property
    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait(self, timeout: float = PROCESS_TIMEOUT) -> int:
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(timeout=30)

    def stop(self) -> int:
        """SIGTERM: an archiver finishes its batch and exits."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGTERM)
        return self.wait(timeout=60)


def start_node(site: FaultSite, redis_url: str, workdir: Path) -> Process:
    cmd = crawl_command("site", workdir, archive=workdir / "no-archive-on-a-node",
                        args={"start": site.base + "/", "timezone": "Europe/Moscow"},
                        settings={**NODE_SETTINGS, "REDIS_URL": redis_url})
    return Process(cmd, workdir / "node.log")


def join_while_slow(site: FaultSite, redis_url: str, workdir: Path) -> Process:
    """Start a node while the site answers slowly, so that the crawl cannot end before it joins."""
    delay, site.delay = site.delay, SLOW
    try:
        node = start_node(site, redis_url, workdir)
        assert wait_until(lambda: "joined the distributed crawl" in node.log, timeout=60), node.log[-3000:]
    finally:
        site.delay = delay
    return node


def start_archiver(redis_url: str, archive: Path, log: Path) -> Process:
    return Process(consume_command(redis_url, archive, "--batch", "4"), log)


def node_stats(workdir: Path) -> dict:
    report = workdir / "report.json"
    return json.loads(report.read_text())["stats"] if report.exists() else {}


def records(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if RECORD_NAME.match(p.name)] if folder.is_dir() else []


def assert_one_archive_exactly(folder: Path, site: FaultSite, redis_url: str) -> None:
    """Every fetchable article once (no copy, no reprint, whole text), no number twice, all indexed,
    and nothing left in the stream."""
    assert_archive_is_the_truth(folder, site)
    numbers = [int(name.split("_")[0]) for name in records(folder)]
    assert len(numbers) == len(set(numbers))
    archiver = Archiver.open(folder)
    try:
        assert archiver.index.names() == archiver.folder.scan().records
    finally:
        archiver.close()
    with redis.Redis.from_url(redis_url, decode_responses=True) as client:
        assert client.xlen(ITEMS_KEY) == 0
        assert client.xpending(ITEMS_KEY, GROUP)["pending"] == 0
        assert client.xlen(f"{ITEMS_KEY}:failed") == 0


def test_two_nodes_and_the_archiver_archive_the_misbehaving_site_exactly_once(tmp_path, redis_url):
    archive = tmp_path / "archive"
    with FaultSite(24, delay=0.05) as site:
        archiver = start_archiver(redis_url, archive, tmp_path / "archiver.log")
        first = start_node(site, redis_url, tmp_path / "a")
        assert wait_until(lambda: "began the distributed crawl" in first.log, timeout=60), first.log[-3000:]
        nodes = [first, join_while_slow(site, redis_url, tmp_path / "b")]
        codes = [node.wait() for node in nodes]
        assert codes == [0, 0], nodes[0].log[-3000:] + nodes[1].log[-3000:]
        assert archiver.stop() == 0, archiver.log[-3000:]
    run_archiver(redis_url, archive)  # what the stopped archiver had not taken yet
    assert_one_archive_exactly(archive, site, redis_url)
    discovered = [node_stats(tmp_path / name).get("frontier/discovery/here", 0) for name in ("a", "b")]
    assert sorted(discovered) == [0, 1]  # one discovery for the crawl
    fetched = [node_stats(tmp_path / name).get("downloader/request_count", 0) for name in ("a", "b")]
    assert all(fetched)  # both nodes did their share


def test_a_node_and_the_archiver_killed_halfway_and_restarted_lose_and_duplicate_nothing(tmp_path, redis_url):
    archive = tmp_path / "archive"
    with FaultSite(60, delay=0.15) as site:
        archiver = start_archiver(redis_url, archive, tmp_path / "archiver-1.log")
        steady = start_node(site, redis_url, tmp_path / "a")
        assert wait_until(lambda: "began the distributed crawl" in steady.log, timeout=60), steady.log[-3000:]
        doomed = join_while_slow(site, redis_url, tmp_path / "b")
        with redis.Redis.from_url(redis_url) as client:  # killed with requests in flight, records archived
            assert wait_until(lambda: in_flight(client, doomed.log) > 0 and len(records(archive)) >= 10,
                              timeout=PROCESS_TIMEOUT), doomed.log[-3000:] + archiver.log[-3000:]
        doomed.kill()
        archiver.kill()
        restarted = join_while_slow(site, redis_url, tmp_path / "b2")
        archiver = start_archiver(redis_url, archive, tmp_path / "archiver-2.log")
        codes = [steady.wait(), restarted.wait()]
        assert codes == [0, 0], steady.log[-3000:] + restarted.log[-3000:]
        assert archiver.stop() == 0, archiver.log[-3000:]
    run_archiver(redis_url, archive)
    assert_one_archive_exactly(archive, site, redis_url)
    served_again = sum(node_stats(tmp_path / name).get("frontier/recovered", 0) for name in ("a", "b2"))
    assert served_again >= 1  # the killed node's requests in flight were served again
