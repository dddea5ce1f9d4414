"""Membership of a distributed crawl: beginning, joining and resuming a crawl, dead nodes' requests
served again with their priority, waiting for other nodes, one discovery per crawl, leaving."""

from __future__ import annotations

import time

from scrapy import Request

from newscrawl.distributed.frontier import ReliablePriorityQueue


def queue_of(node) -> ReliablePriorityQueue:
    spider = node.crawler.spider
    return ReliablePriorityQueue(node.server, spider, node.keys.frontier)


def test_the_first_node_begins_the_crawl_and_the_next_joins_it(make_node):
    first, second = make_node(), make_node()
    first.join(first.crawler.spider)
    second.join(second.crawler.spider)
    assert (first.began, second.began) == (True, False)
    assert first.keys == second.keys
    assert set(first.server.zrange(first.keys.nodes, 0, -1)) == {first.id.encode(), second.id.encode()}


def test_a_crawl_whose_nodes_were_killed_is_resumed_not_begun_again(make_node):
    killed = make_node(timeout=1)
    killed.join(killed.crawler.spider)
    queue_of(killed).push(Request("http://127.0.0.1/left"))
    killed.server.sadd(killed.keys.dupefilter, "seen")
    time.sleep(1.2)  # no heartbeat: dead
    later = make_node(timeout=1)
    later.join(later.crawler.spider)
    assert later.began is False
    assert later.server.zcard(later.keys.frontier) == 1
    assert later.server.sismember(later.keys.dupefilter, "seen")


def test_requests_of_a_dead_node_are_served_again_with_their_priority(make_node):
    dead, alive = make_node(timeout=1), make_node(timeout=1)
    dead.join(dead.crawler.spider)
    alive.join(alive.crawler.spider)
    queue = queue_of(dead)
    for url, priority in (("http://127.0.0.1/a", 5), ("http://127.0.0.1/b", 1), ("http://127.0.0.1/c", 3)):
        queue.push(Request(url, priority=priority))
    taken = [queue.pop().url, queue.pop().url]
    assert taken == ["http://127.0.0.1/a", "http://127.0.0.1/c"]
    assert alive.beat() == 0  # still alive: nothing to take over
    time.sleep(1.2)
    assert alive.beat() == 2
    assert alive.crawler.stats.get_value("frontier/recovered") == 2
    again = queue_of(alive)
    assert [again.pop().url for _ in range(3)] == ["http://127.0.0.1/a", "http://127.0.0.1/c", "http://127.0.0.1/b"]
    assert dead.id.encode() not in alive.server.zrange(alive.keys.nodes, 0, -1)


def test_a_node_waits_while_other_nodes_hold_requests(make_node):
    busy, idle = make_node(), make_node()
    busy.join(busy.crawler.spider)
    idle.join(idle.crawler.spider)
    queue = queue_of(busy)
    queue.push(Request("http://127.0.0.1/only"))
    assert idle.pending_elsewhere() == 1 and busy.pending_elsewhere() == 1  # queued
    request = queue.pop()
    assert idle.pending_elsewhere() == 1  # in flight with the other node: its callback may bring more
    assert busy.pending_elsewhere() == 0  # its own requests in flight are its engine's business
    queue.ack([request])
    assert idle.pending_elsewhere() == 0


def test_discovery_runs_once_and_is_taken_over_from_a_node_that_died_running_it(make_node):
    first, second = make_node(timeout=1), make_node(timeout=1)
    first.join(first.crawler.spider)
    second.join(second.crawler.spider)
    assert first.claim_start() is True
    assert second.claim_start() is False
    time.sleep(1.2)  # the first dies before its discovery is done
    second.beat()  # the second lives on
    assert second.claim_start() is True
    second.start_done()
    third = make_node(timeout=1)
    third.join(third.crawler.spider)
    assert third.claim_start() is False


def test_a_node_leaving_puts_back_what_it_holds_and_the_last_one_clears_a_finished_crawl(make_node):
    first, second = make_node(), make_node()
    first.join(first.crawler.spider)
    second.join(second.crawler.spider)
    first.claim_start()
    first.start_done()
    queue = queue_of(first)
    queue.push(Request("http://127.0.0.1/unfinished"))
    first.server.sadd(first.keys.dupefilter, "fingerprint")
    queue.pop()
    assert first.leave() == (1, False)  # put back; the crawl goes on
    assert second.server.zcard(second.keys.frontier) == 1
    queue_of(second).pop()
    queue_of(second).server.delete(second.keys.inflight(second.id))  # done with it
    assert second.leave() == (0, True)
    assert not second.server.exists(second.keys.dupefilter, second.keys.start, second.keys.nodes)
    newcomer = make_node()
    newcomer.join(newcomer.crawler.spider)
    assert newcomer.began is True
