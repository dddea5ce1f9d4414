"""Crawls killed with SIGKILL at random moments and restarted: no partial record, no duplicate, no
number reused, the index brought in line with the folder, and the restarted crawls complete the set."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

from faultsite import FaultSite
from support import ROOT, crawl_command, crawl_env, crawl_result
from test_crawl_faults import archived, assert_archive_is_the_truth, assert_text_matches

from newscrawl.archive.records import RECORD_NAME
from newscrawl.archiving import Archiver

KILLS = 10
SETTINGS = {"EXTRACTION_PROCESSES": 2, "CONCURRENT_REQUESTS_PER_DOMAIN": 2}


def records_on_disk(folder: Path) -> dict[str, str]:
    """Record file name -> its text."""
    return {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir() if RECORD_NAME.match(p.name)}


def kill_at_random(cmd: list[str], after: float, log: Path) -> int:
    """Start a crawl, SIGKILL it (and its worker processes) ``after`` seconds later; its return code."""
    with open(log, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=crawl_env(), stdout=out, stderr=out, start_new_session=True)
        try:
            proc.wait(timeout=after)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        return proc.wait(timeout=60)


def assert_consistent(folder: Path, site: FaultSite, before: dict[str, str]) -> dict[str, str]:
    """Whole records of true articles, none twice, earlier records untouched; returns the records."""
    now = records_on_disk(folder)
    for name, text in before.items():
        assert now.get(name) == text, f"record {name} changed or vanished"
    numbers = [int(name.split("_")[0]) for name in now]
    assert len(numbers) == len(set(numbers))
    truth = site.truth_by_title()
    for title, copies in archived(folder).items():
        assert len(copies) == 1, f"archived twice: {title}"
        assert title in truth, f"a record of no article: {title!r}"
        story = next(s for s in truth[title] if copies[0].url.endswith(s.path))
        assert_text_matches(copies[0].paragraphs(), story)  # never a partial record
    return now


def test_crawls_killed_at_random_moments_lose_and_duplicate_nothing(tmp_path):
    rng = random.Random(20240520)
    archive = tmp_path / "archive"
    with FaultSite(300, delay=0.15) as site:
        args = {"start": site.base + "/", "timezone": "Europe/Moscow"}
        seen: dict[str, str] = {}
        killed_with_progress = 0
        for k in range(KILLS):
            cmd = crawl_command("site", tmp_path / f"run{k}", archive=archive, args=args, settings=SETTINGS)
            returncode = kill_at_random(cmd, rng.uniform(2.0, 7.0), tmp_path / f"run{k}.log")
            now = assert_consistent(archive, site, seen)
            killed_with_progress += returncode == -signal.SIGKILL and len(now) > len(seen)
            seen = now
        started = time.monotonic()
        cmd = crawl_command("site", tmp_path / "final", archive=archive, args=args, settings=SETTINGS)
        proc = subprocess.run(cmd, cwd=ROOT, env=crawl_env(), capture_output=True, text=True, timeout=300)
        final = crawl_result(tmp_path / "final", proc.returncode, proc.stderr)
    assert final.returncode == 0, final.log[-3000:]
    assert killed_with_progress >= 3, "the kills did not land while records were being written"
    assert_consistent(archive, site, seen)
    assert_archive_is_the_truth(archive, site)
    numbers = sorted(int(name.split("_")[0]) for name in records_on_disk(archive))
    counter = int((archive / ".newscrawl" / "last-number").read_text())
    assert counter >= numbers[-1]  # the next record takes a number never used before
    assert not list(archive.glob(".tmp-*")), "temporary files of killed crawls were not cleaned up"
    index = Archiver.open(archive).index
    assert index.names() == Archiver.open(archive).folder.scan().records
    assert final.stat("newscrawl/archive/records_at_start") == len(seen)
    assert time.monotonic() - started < 300
