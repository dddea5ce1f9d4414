"""Throughput of a whole crawl: fetch, extract, tag, dedupe and archive N articles of a local site.

The site is the shared synthetic news site (``../shared/tools/perf/mocksite.py``, served on
127.0.0.1 only, stopping by itself); the crawl is ``scrapy crawl site`` with the project's
settings, as a user runs it. For each N the benchmark reports articles archived per second
(over the crawl's own elapsed time, and over the wall time including start-up), CPU milliseconds
per page (in all, and split into the crawler process, its extraction workers and the site's server,
which shares the cores), and the peak resident memory of the crawler and its workers together and
of each side (sampled from /proc).

    python benchmarks/bench_throughput.py                     # N = 1000, 4000, 16000
    python benchmarks/bench_throughput.py --n 4000 --raw      # with the raw archive (WARC) on
    python benchmarks/bench_throughput.py --n 1000 -s EXTRACTION_PROCESSES=0   # any setting

Results are printed as a table and written as JSON to ``benchmarks/results/throughput.json``.

Run it on a quiet file system: ext4 without a journal (as on the development machine) skips inodes
freed in the last one to five minutes when it allocates new ones, one by one, so right after
thousands of files were deleted (a test run, a previous benchmark's clean-up) creating records costs
several times more. The benchmark itself deletes its archives only after its last run.
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


def _proc_status(pid: int, key: str) -> int:
    """A ``kB`` figure of ``/proc/<pid>/status`` in bytes (0 when the process is gone)."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith(key))
    except (OSError, StopIteration, ValueError):
        return 0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far, from ``/proc/<pid>/stat`` (0 when gone)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def descendants(pid: int) -> list[int]:
    """The processes a process started (its extraction workers), recursively."""
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as fh:
                    children = [int(c) for c in fh.read().split()]
                found.extend(children)
                stack.extend(children)
        except (OSError, ValueError):
            continue
    return found


class ProcessSampler(threading.Thread):
    """Samples a crawler and its worker processes until stopped: the peak resident memory of the
    whole tree, of the crawler alone and of the workers together, and the CPU time each process
    had used when last seen (a worker's last ``every`` seconds may be missed; the crawler's exact
    total comes from ``getrusage`` when it has ended)."""

    def __init__(self, pid: int, every: float = 0.2):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak = self.peak_crawler = self.peak_workers = 0
        self.worker_cpu: dict[int, float] = {}
        self.crawler_cpu = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every):
            crawler = _proc_status(self.pid, "VmRSS:")
            workers = descendants(self.pid)
            rss = [_proc_status(w, "VmRSS:") for w in workers]
            self.peak_crawler = max(self.peak_crawler, crawler)
            self.peak_workers = max(self.peak_workers, sum(rss))
            self.peak = max(self.peak, crawler + sum(rss))
            self.crawler_cpu = max(self.crawler_cpu, cpu_seconds(self.pid))
            for worker in workers:
                self.worker_cpu[worker] = max(self.worker_cpu.get(worker, 0.0), cpu_seconds(worker))


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


def crawl(n: int, settings: dict[str, str], raw: bool, workdir: Path) -> dict[str, object]:
    """One benchmark run for ``n`` articles, its archive and reports in ``workdir``."""
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
    sampler = ProcessSampler(proc.pid)
    sampler.start()
    server_cpu_before = cpu_seconds(server.pid)
    _, log = proc.communicate()
    wall = time.perf_counter() - started
    sampler.done.set()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the crawler and its workers, not the server
    server_cpu = cpu_seconds(server.pid) - server_cpu_before
    server.terminate()
    server.wait()
    if proc.returncode != 0 or not report.exists():
        raise RuntimeError(f"crawl failed ({proc.returncode}): {log[-2000:]}")
    stats = json.loads(report.read_text())["stats"]
    archived = int(stats.get("newscrawl/archived", 0))
    elapsed = float(stats["elapsed_time_seconds"])
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    workers_cpu = sum(sampler.worker_cpu.values())
    crawler_cpu = max(cpu - workers_cpu, sampler.crawler_cpu)  # workers' last moments count as crawler's
    per_page = 1000 / max(archived, 1)
    raw_bytes = sum(p.stat().st_size for p in (workdir / "raw").glob("*")) if raw else 0
    return {"n": n, "archived": archived, "crawl_s": round(elapsed, 2), "wall_s": round(wall, 2),
            "pages_per_s": round(archived / elapsed, 1), "pages_per_s_wall": round(archived / wall, 1),
            "cpu_ms_per_page": round(cpu * per_page, 2),
            "crawler_cpu_ms_per_page": round(crawler_cpu * per_page, 2),
            "workers_cpu_ms_per_page": round(workers_cpu * per_page, 2),
            "server_cpu_ms_per_page": round(server_cpu * per_page, 2),
            "peak_rss_mb": round(sampler.peak / 2**20, 1),
            "peak_crawler_rss_mb": round(sampler.peak_crawler / 2**20, 1),
            "peak_workers_rss_mb": round(sampler.peak_workers / 2**20, 1),
            "raw_archive_mb": round(raw_bytes / 2**20, 1),
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
    print(f"{'N':>6} {'archived':>8} {'crawl s':>8} {'pages/s':>8} {'wall p/s':>8} {'CPU ms/p':>8} "
          f"{'crawler':>8} {'workers':>8} {'server':>8} {'peak MB':>8} {'crawler':>8} {'workers':>8}")
    # every run's archive is kept until all runs are over: ext4 without a journal scans past recently
    # freed inodes when it allocates one, so deleting one run's thousands of records would make the
    # next run's file creations measure that clean-up (a crawl on a server deletes nothing)
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:
        for i, n in enumerate(args.n):
            workdir = Path(tmp) / f"run-{i}"
            workdir.mkdir()
            row = crawl(n, settings, args.raw, workdir)
            results.append(row)
            print(f"{row['n']:>6} {row['archived']:>8} {row['crawl_s']:>8} {row['pages_per_s']:>8} "
                  f"{row['pages_per_s_wall']:>8} {row['cpu_ms_per_page']:>8} {row['crawler_cpu_ms_per_page']:>8} "
                  f"{row['workers_cpu_ms_per_page']:>8} {row['server_cpu_ms_per_page']:>8} {row['peak_rss_mb']:>8} "
                  f"{row['peak_crawler_rss_mb']:>8} {row['peak_workers_rss_mb']:>8}", flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"cores": os.cpu_count(), "results": results}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
