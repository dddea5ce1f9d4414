"""Nodes of a distributed crawl and its archiver, run as a user runs them (``scrapy runspider`` with
``REDIS_URL``, ``newscrawl archive consume``), each in a subprocess bounded in time."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
from support import ROOT, crawl_env

from newscrawl.distributed.connection import CrawlKeys

LINK_SPIDER = Path(__file__).resolve().parent / "linkspider.py"
#: seconds a test node waits without a heartbeat before it takes over a dead node's requests
NODE_TIMEOUT = 3


@dataclass
class Node:
    """A running node: its process, log and report."""

    process: subprocess.Popen[bytes]
    workdir: Path

    @property
    def log(self) -> str:
        return (self.workdir / "node.log").read_text(errors="replace")

    @property
    def stats(self) -> dict[str, Any]:
        report = self.workdir / "report.json"
        return json.loads(report.read_text())["stats"] if report.exists() else {}

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def kill(self) -> None:
        """SIGKILL the node and everything it started."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def start_node(redis_url: str, start: str, workdir: Path, **settings: Any) -> Node:
    """Start a node crawling the link site from ``start``."""
    workdir.mkdir(parents=True, exist_ok=True)
    cmd = [sys.executable, "-m", "scrapy", "runspider", str(LINK_SPIDER), "-a", f"start={start}",
           "-s", f"REDIS_URL={redis_url}", "-s", f"REDIS_NODE_TIMEOUT={NODE_TIMEOUT}",
           "-s", f"ARCHIVE_DIR={workdir / 'unused-archive'}", "-s", f"CRAWL_REPORT={workdir / 'report.json'}",
           "-s", f"REPORTS_DIR={workdir / 'reports'}", "-s", "LOG_LEVEL=INFO", "-s", "ROBOTSTXT_OBEY=False",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "EXTRACTION_PROCESSES=0",
           "-s", "SPIDERMON_ENABLED=False", "-s", "TELNETCONSOLE_ENABLED=False"]
    for key, value in settings.items():
        cmd += ["-s", f"{key}={value}"]
    with open(workdir / "node.log", "wb") as log:
        process = subprocess.Popen(cmd, cwd=ROOT, env=crawl_env(), stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    return Node(process, workdir)


def consume_command(redis_url: str, archive: Path, *args: str) -> list[str]:
    """The archiver's command line."""
    return [sys.executable, "-m", "newscrawl.cli", "archive", "consume", "--redis", redis_url,
            "--archive", str(archive), *args]


def run_archiver(redis_url: str, archive: Path, *args: str, timeout: float = 120) -> dict[str, Any]:
    """Run the archiver until the stream has been empty for 2 s; its report."""
    proc = subprocess.run(consume_command(redis_url, archive, "--idle-exit", "2", *args), cwd=ROOT, env=crawl_env(),
                          capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def in_flight(client: redis.Redis, log: str) -> int:
    """Requests a node (by its log) took from the frontier and has not finished; 0 before it joined."""
    joined = re.search(r"node (\S+) (?:joined|began) the distributed crawl '([^']+)'", log)
    return client.zcard(CrawlKeys.for_crawl(joined[2]).inflight(joined[1])) if joined else 0


def wait_until(condition, timeout: float, step: float = 0.05) -> bool:
    """Poll ``condition`` until it holds or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()
