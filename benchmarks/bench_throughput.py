"""Throughput of a whole crawl: fetch, extract, tag, dedupe and archive N articles of a local site.

The site is the shared synthetic news site (``../shared/tools/perf/mocksite.py``, served on
127.0.0.1 only, stopping by itself); the crawl is ``scrapy crawl site`` with the project's
settings, as a user runs it. For each N the benchmark reports articles archived per second
(over the crawl's own elapsed time, and over the wall time including start-up), CPU seconds per
page (crawler and its extraction workers), and the peak resident memory of the crawler and its
workers together (sampled from /proc).

    python benchmarks/bench_throughput.py                     # N = 1000, 4000, 16000
    python benchmarks/bench_throughput.py --n 4000 --raw      # with the raw archive (WARC) on
    python benchmarks/bench_throughput.py --n 1000 -s EXTRACTION_PROCESSES=0   # any setting

Results are printed as a table and written as JSON to ``benchmarks/results/throughput.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MOCKSITE = ROOT.parent / "shared" / "tools" / "perf" / "mocksite.py"


def tree_rss(pid: int) -> int:
    """Resident memory (bytes) of a process and all its descendants, from /proc."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        try:
            with open(f"/proc/{current}/status") as fh:
                total += next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmRSS:"))
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    stack.extend(int(c) for c in fh.read().split())
        except (OSError, StopIteration, ValueError):
            continue
    return total


class PeakMemory(threading.Thread):
    """Samples the resident memory of a process tree until stopped; keeps the peak."""

    def __init__(self, pid: int, every: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.every, self.peak = pid, every, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every):
            self.peak = max(self.peak, tree_rss(self.pid))


def start_site(n: int, workdir: Path, max_seconds: int) -> tuple[subprocess.Popen, str]:
    """The mocksite server for ``n`` articles, pre-rendered; its base URL."""
    port_file = workdir / "port"
    server = subprocess.Popen([sys.executable, str(MOCKSITE), "serve", "--n", str(n), "--prewarm", "--port", "0",
                               "--port-file", str(port_file), "--max-seconds", str(max_seconds)],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    line = server.stdout.readline()
    if not line.startswith("READY"):
        server.kill()
        raise RuntimeError(f"mocksite did not start: {line}")
    return server, line.split()[1]


def crawl(n: int, settings: dict[str, str], raw: bool) -> dict[str, object]:
    """One benchmark run for ``n`` articles."""
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:
        workdir = Path(tmp)
        server, base = start_site(n, workdir, max_seconds=max(600, n // 10))
        report = workdir / "report.json"
        cmd = [sys.executable, "-m", "scrapy", "crawl", "site", "-a", f"start={base}/",
               "-s", f"ARCHIVE_DIR={workdir / 'archive'}", "-s", f"CRAWL_REPORT={report}", "-s", "LOG_LEVEL=WARNING",
               "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_DELAY=0", "-s", "ROBOTSTXT_OBEY=False",
               # a local site takes more at once than an outlet should be asked to
               "-s", "CONCURRENT_REQUESTS=32", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=32",
               "-s", "TELNETCONSOLE_ENABLED=False"]
        if raw:
            cmd += ["-s", f"RAW_ARCHIVE_DIR={workdir / 'raw'}"]
        for key, value in settings.items():
            cmd += ["-s", f"{key}={value}"]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)
        sampler = PeakMemory(proc.pid)
        sampler.start()
        _, log = proc.communicate()
        wall = time.perf_counter() - started
        sampler.done.set()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the crawler and its workers, not the server
        server.terminate()
        server.wait()
        if proc.returncode != 0 or not report.exists():
            raise RuntimeError(f"crawl failed ({proc.returncode}): {log[-2000:]}")
        stats = json.loads(report.read_text())["stats"]
        archived = int(stats.get("newscrawl/archived", 0))
        elapsed = float(stats["elapsed_time_seconds"])
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        raw_bytes = sum(p.stat().st_size for p in (workdir / "raw").glob("*")) if raw else 0
        return {"n": n, "archived": archived, "crawl_s": round(elapsed, 2), "wall_s": round(wall, 2),
                "pages_per_s": round(archived / elapsed, 1), "pages_per_s_wall": round(archived / wall, 1),
                "cpu_ms_per_page": round(1000 * cpu / max(archived, 1), 2),
                "peak_rss_mb": round(sampler.peak / 2**20, 1), "raw_archive_mb": round(raw_bytes / 2**20, 1),
                "settings": settings, "raw": raw}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, nargs="+", default=[1000, 4000, 16000], help="articles per run")
    parser.add_argument("--raw", action="store_true", help="keep the raw archive (WARC) too")
    parser.add_argument("-s", "--set", action="append", default=[], metavar="NAME=VALUE", help="a Scrapy setting")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "throughput.json")
    args = parser.parse_args()
    if not MOCKSITE.exists():
        print(f"the shared synthetic site is missing: {MOCKSITE}", file=sys.stderr)
        return 2
    settings = dict(item.split("=", 1) for item in args.set)
    results = []
    print(f"{'N':>6} {'archived':>8} {'crawl s':>8} {'pages/s':>8} {'wall p/s':>8} {'CPU ms/p':>8} {'peak MB':>8}")
    for n in args.n:
        row = crawl(n, settings, args.raw)
        results.append(row)
        print(f"{row['n']:>6} {row['archived']:>8} {row['crawl_s']:>8} {row['pages_per_s']:>8} "
              f"{row['pages_per_s_wall']:>8} {row['cpu_ms_per_page']:>8} {row['peak_rss_mb']:>8}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"cores": os.cpu_count(), "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
