"""Redis addresses in logs without passwords, crawl names fit for keys, a clear error when Redis
does not answer, and the archiver's command's one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
from redisserver import free_port
from support import ROOT, crawl_env

from newscrawl.distributed.connection import CrawlKeys, RedisUnavailable, connect, safe_url


def test_passwords_never_reach_a_log_line():
    assert safe_url("redis://:s3cret@10.0.0.5:6379/0") == "redis://:***@10.0.0.5:6379/0"
    assert safe_url("rediss://crawler:s3cret@redis.lan:6380/2") == "rediss://crawler:***@redis.lan:6380/2"
    assert safe_url("redis://10.0.0.5:6379/0") == "redis://10.0.0.5:6379/0"


def test_crawl_names_become_safe_key_names():
    keys = CrawlKeys.for_crawl("kazinform since=2020-01-01 edition=ru,kz")
    assert keys.frontier == "newscrawl:kazinform_since=2020-01-01_edition=ru,kz:requests"
    assert keys.inflight("host:1:ab") == "newscrawl:kazinform_since=2020-01-01_edition=ru,kz:inflight:host:1:ab"


def test_a_redis_that_does_not_answer_is_a_clear_error():
    with pytest.raises(RedisUnavailable, match=r"Redis at redis://:\*\*\*@127.0.0.1:\d+/0 does not answer"):
        connect(f"redis://:pw@127.0.0.1:{free_port()}/0")


@pytest.mark.parametrize(("args", "message"), [
    ([], "give --redis URL"),
    (["--redis", "redis://127.0.0.1:{port}/0"], "does not answer"),
    (["--redis", "http://127.0.0.1:{port}/"], "redis://"),
    (["--redis", "redis://127.0.0.1:{port}/0", "--batch", "0"], "--batch must be above 0"),
    (["--redis", "redis://127.0.0.1:{port}/0", "--archive", "{file}"], "is not a folder"),
])
def test_the_archiver_command_fails_in_one_line(tmp_path, args, message):
    env = {k: v for k, v in crawl_env().items() if k != "NEWSCRAWL_REDIS_URL"}
    a_file = tmp_path / "records.txt"
    a_file.write_text("not a folder")
    command = [sys.executable, "-m", "newscrawl.cli", "archive", "consume", "--archive", str(tmp_path / "a"),
               *(a.format(port=free_port(), file=a_file) for a in args)]
    proc = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode != 0
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
