"""The shared frontier: two node processes share a crawl and fetch each page once; a node killed with
SIGKILL loses no request (its requests in flight are served again) and the archive gets every page
exactly once; requests taken are acknowledged only once done, put back otherwise."""

from __future__ import annotations

import pytest
import redis
from linksite import LinkSite, page_path, page_title
from nodes import in_flight, run_archiver, start_node, wait_until
from scrapy import Request

from newscrawl.archive import Archive
from newscrawl.distributed.frontier import RedisDupeFilter, ReliablePriorityQueue

PAGES = 150
SETTINGS = {"CONCURRENT_REQUESTS": 4}


def all_pages(site: LinkSite) -> set[str]:
    return {page_path(i) for i in range(site.pages)}


def archived_titles(folder) -> list[str]:
    archive = Archive(folder)
    try:
        return [archive.read(name).title for name in archive.index.names()]
    finally:
        archive.close()


def test_two_nodes_share_the_crawl_and_fetch_each_page_once(tmp_path, redis_url):
    with LinkSite(PAGES, delay=0.05) as site:
        start = site.base + page_path(0)
        nodes = [start_node(redis_url, start, tmp_path / name, **SETTINGS) for name in ("a", "b")]
        assert [node.wait(timeout=180) for node in nodes] == [0, 0], nodes[0].log[-3000:] + nodes[1].log[-3000:]
        fetched = site.fetched()
    assert set(fetched) == all_pages(site)
    assert set(fetched.values()) == {1}
    done = [node.stats.get("downloader/request_count", 0) for node in nodes]
    assert all(done) and sum(done) == PAGES  # both worked, nothing twice
    assert sorted(node.stats.get("frontier/discovery/here", 0) for node in nodes) == [0, 1]
    report = run_archiver(redis_url, tmp_path / "archive")
    assert report["archived"] == PAGES
    assert sorted(archived_titles(tmp_path / "archive")) == sorted(page_title(i) for i in range(PAGES))


def test_a_node_killed_halfway_loses_no_request_and_nothing_is_archived_twice(tmp_path, redis_url):
    with LinkSite(PAGES, delay=0.15) as site:
        start = site.base + page_path(0)
        site.pause()  # both nodes in the crawl before it can end
        first = start_node(redis_url, start, tmp_path / "a", **SETTINGS)
        doomed = start_node(redis_url, start, tmp_path / "b", **SETTINGS)
        assert wait_until(lambda: all("the distributed crawl" in node.log for node in (first, doomed)), timeout=60)
        site.resume()
        with redis.Redis.from_url(redis_url) as client:  # killed with requests in flight
            assert wait_until(lambda: in_flight(client, doomed.log) > 0 and sum(site.fetched().values()) >= PAGES // 2,
                              timeout=120), doomed.log[-3000:]
        site.pause()  # the crawl cannot end before the restarted node joins it
        doomed.kill()
        restarted = start_node(redis_url, start, tmp_path / "b2", **SETTINGS)
        assert wait_until(lambda: "joined the distributed crawl" in restarted.log, timeout=60), restarted.log[-3000:]
        site.resume()
        codes = [first.wait(timeout=180), restarted.wait(timeout=180)]
        assert codes == [0, 0], first.log[-3000:] + restarted.log[-3000:]
        fetched = site.fetched()
    assert set(fetched) == all_pages(site)  # a lost request would lose every page below it
    recovered = sum(node.stats.get("frontier/recovered", 0) for node in (first, restarted))
    assert recovered >= 1
    assert sum(fetched.values()) - PAGES <= recovered  # only what the dead node held was fetched again
    report = run_archiver(redis_url, tmp_path / "archive")
    assert report["archived"] == PAGES
    titles = archived_titles(tmp_path / "archive")
    assert sorted(titles) == sorted(page_title(i) for i in range(PAGES))


def test_requests_whose_articles_redis_refused_are_served_again_not_acknowledged(tmp_path, redis_url, redis_server):
    client = redis_server.client()
    client.execute_command("ACL", "SETUSER", "noxadd", "on", ">secret", "~*", "&*", "+@all", "-xadd")
    refused_url = redis_url.replace("redis://", "redis://noxadd:secret@")
    with LinkSite(7, delay=0.05) as site:
        node = start_node(refused_url, site.base + page_path(0), tmp_path / "a", CLOSESPIDER_TIMEOUT=4, **SETTINGS)
        assert node.wait(timeout=120) == 0, node.log[-3000:]
        fetched = site.fetched()
    assert node.stats.get("frontier/served_again", 0) >= len(fetched)
    keys = [k for k in client.keys("newscrawl:links:*")]
    assert client.zcard("newscrawl:links:requests") == len(fetched)  # every request back in the frontier
    assert not any(":inflight:" in k for k in keys)
    assert client.xlen("newscrawl:items") == 0
    client.execute_command("ACL", "DELUSER", "noxadd")


# -- the queue and the duplicate filter
def test_a_taken_request_stays_in_redis_until_it_is_acknowledged_or_put_back(make_node):
    node = make_node()
    node.join(node.crawler.spider)
    queue = ReliablePriorityQueue(node.server, node.crawler.spider, node.keys.frontier)
    queue.push(Request("http://127.0.0.1/a"))
    queue.push(Request("http://127.0.0.1/b"))
    a, b = queue.pop(), queue.pop()
    assert node.server.zcard(node.keys.frontier) == 0
    assert node.server.zcard(node.keys.inflight(node.id)) == 2
    queue.ack([a])
    queue.release([b])
    assert node.server.zcard(node.keys.inflight(node.id)) == 0
    assert queue.pop().url == "http://127.0.0.1/b"
    assert queue.pop() is None


def test_a_request_the_spider_cannot_run_is_set_aside_not_lost(make_node):
    node = make_node()
    node.join(node.crawler.spider)
    queue = ReliablePriorityQueue(node.server, node.crawler.spider, node.keys.frontier)
    node.server.zadd(node.keys.frontier, {b"not a pickled request": 0})
    queue.push(Request("http://127.0.0.1/fine"))
    assert queue.pop().url == "http://127.0.0.1/fine"
    assert node.server.lrange(queue.undecodable_key, 0, -1) == [b"not a pickled request"]
    assert node.crawler.stats.get_value("frontier/undecodable") == 1


def test_the_duplicate_filter_uses_the_crawls_fingerprinter_and_outlives_a_node(make_node):
    node = make_node()
    node.join(node.crawler.spider)
    dupefilter = RedisDupeFilter.from_spider(node.crawler.spider)
    request = Request("http://127.0.0.1/page?b=2&a=1#top")
    assert dupefilter.request_fingerprint(request) == node.crawler.request_fingerprinter.fingerprint(request).hex()
    assert dupefilter.request_seen(request) is False
    assert dupefilter.request_seen(Request("http://127.0.0.1/page?a=1&b=2")) is True
    dupefilter.close("finished")
    assert node.server.scard(node.keys.dupefilter) == 1


def test_requests_come_back_with_their_spider_callbacks_and_others_are_refused(make_node):
    node = make_node()
    spider = node.crawler.spider
    node.join(spider)
    queue = ReliablePriorityQueue(node.server, spider, node.keys.frontier)
    queue.push(Request("http://127.0.0.1/a", callback=spider.parse, errback=spider.parse, cb_kwargs={"edition": "ru"},
                       meta={"listed": "2024-05-20"}))
    taken = queue.pop()
    assert (taken.callback, taken.errback) == (spider.parse, spider.parse)
    assert (taken.cb_kwargs, taken.meta["listed"]) == ({"edition": "ru"}, "2024-05-20")
    with pytest.raises(ValueError, match="not a method of the spider"):
        queue.push(Request("http://127.0.0.1/b", callback=lambda response: None))
