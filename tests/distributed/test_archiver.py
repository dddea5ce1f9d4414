"""The archiver: every article of the stream archived once, duplicates (URL, tracking parameters,
body, reprint, within a batch) refused and remembered, spider state kept in the index, entries it
cannot archive set aside, one archiver per stream; and after a crash, anywhere in a batch, nothing
lost and nothing archived twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
from datetime import datetime, timedelta, timezone

import pytest
import redis
from linksite import page_body
from nodes import consume_command, run_archiver, wait_until
from support import ROOT, crawl_env

from newscrawl.archive.records import RECORD_NAME
from newscrawl.archiving import Archiver
from newscrawl.distributed.archiver import ArchiverBusy, ArchiverLock, StreamArchiver
from newscrawl.distributed.connection import ARCHIVED_KEY, FAILED_ITEMS_KEY, ITEMS_KEY
from newscrawl.distributed.messages import article_message, state_message
from newscrawl.distributed.published import PublishedIndex
from newscrawl.items import Article

FETCHED = datetime(2024, 5, 20, 12, 0, tzinfo=timezone.utc)


def article(i: int, *, url: str | None = None, body: str | None = None) -> Article:
    return Article(url=url or f"https://news.example/{i}.html", outlet="example", title=f"Статья {i}",
                   body=body or page_body(i), language="ru",
                   published=datetime(2024, 5, 1, tzinfo=timezone.utc) + timedelta(hours=i),
                   fetched_at=FETCHED + timedelta(seconds=i))


def reprint_of(i: int) -> str:
    """The text of article ``i`` as another outlet prints it: a dateline and an edited last sentence."""
    first, *rest = page_body(i).split("\n")
    return "\n".join([f"АСТАНА. KAZINFORM – {first}", *rest[:-1], rest[-1].replace(".", " сообщили в ведомстве.")])


def send(client: redis.Redis, *articles: Article) -> None:
    for a in articles:
        client.xadd(ITEMS_KEY, article_message(a, spider="example", node="test"))


def records(folder) -> dict[int, str]:
    return {int(p.name.split("_")[0]): p.name for p in folder.iterdir() if RECORD_NAME.match(p.name)}


@pytest.fixture
def client(redis_url):
    with redis.Redis.from_url(redis_url, decode_responses=True) as c:
        yield c


@pytest.fixture
def archiver(tmp_path):
    archiver = Archiver.open(tmp_path / "archive", fsync=False)
    yield archiver
    archiver.close()


@pytest.fixture
def archive(archiver):
    return archiver.archive


def consume(client, archiver, **kwargs):
    consumer = StreamArchiver(client, archiver, block=0.1, **kwargs)
    consumer.prepare()
    return consumer.run(idle_exit=0.3)


def test_every_article_is_archived_once_and_duplicates_and_reprints_are_refused(client, archiver, archive):
    send(client, *(article(i) for i in range(10)))
    send(client,
         article(100, url="https://news.example/3.html?utm_source=feed"),  # the URL of 3, tracked
         article(101, body=page_body(4)),  # the text of 4 under another URL
         article(102, body=reprint_of(5)))  # a reprint of 5
    report = consume(client, archiver, batch_max=4)
    assert report.archived == 10
    assert report.duplicates == {"url": 1, "body": 1, "reprint": 1}
    assert sorted(archive.read(name).title for name in archive.index.names()) == \
        sorted(f"Статья {i}" for i in range(10))
    kinds = {d["url"]: d["kind"] for n in archive.index.names().values() for d in archive.index.duplicates_of(n)}
    assert kinds == {"https://news.example/3.html?utm_source=feed": "url", "https://news.example/101.html": "body",
                     "https://news.example/102.html": "reprint"}
    assert client.xlen(ITEMS_KEY) == 0
    assert client.xpending(ITEMS_KEY, "archiver")["pending"] == 0


def test_duplicates_within_one_batch_are_refused(client, archiver):
    send(client, article(1), article(2, url="https://news.example/1.html"), article(3, body=page_body(1)),
         article(4, body=reprint_of(1)))
    report = consume(client, archiver, batch_max=10)
    assert (report.archived, report.batches) == (1, 1)
    assert report.duplicates == {"url": 1, "body": 1, "reprint": 1}


def test_archived_url_keys_and_spider_state_are_published_for_the_nodes(client, archiver, archive):
    published = PublishedIndex(client)
    published.set_state("example", "newest/ru", "2024-05-20T10:00:00+03:00")
    send(client, article(1))
    consume(client, archiver)
    number = archive.index.find_url(["news.example/1.html"])
    assert number is not None
    assert published.find_url(["news.example/1.html", "news.example/none.html"]) == number
    assert published.find_url(["news.example/none.html"]) is None
    assert archive.index.get_state("example", "newest/ru") == "2024-05-20T10:00:00+03:00"
    client.delete(ARCHIVED_KEY)
    client.delete("newscrawl:state:example")
    consume(client, archiver)  # a restarted archiver publishes the whole index again
    assert published.find_url(["news.example/1.html"]) == number
    assert published.get_state("example", "newest/ru") == "2024-05-20T10:00:00+03:00"


def test_entries_that_cannot_be_archived_are_set_aside_with_the_reason(client, archiver, archive):
    client.xadd(ITEMS_KEY, {"kind": "article", "format": "1", "article": "{not json"})
    client.xadd(ITEMS_KEY, {"kind": "article", "format": "99", "article": "{}"})
    client.xadd(ITEMS_KEY, state_message("example", "k", "v"))
    report = consume(client, archiver)
    assert (report.failed, report.states, report.archived) == (2, 1, 0)
    aside = [fields for _, fields in client.xrange(FAILED_ITEMS_KEY)]
    assert [f["article"] for f in aside] == ["{not json", "{}"]
    assert all(f["error"] for f in aside)


def test_a_second_archiver_of_the_same_stream_is_refused(client):
    ArchiverLock(client, ITEMS_KEY).acquire()
    client.set(f"newscrawl:archiver:{ITEMS_KEY}", "another-machine:1")
    with pytest.raises(ArchiverBusy, match="another-machine:1"):
        ArchiverLock(client, ITEMS_KEY).acquire()


class _KilledBeforeAcknowledging(StreamArchiver):
    """An archiver that dies right after its index commit, before it acknowledges the batch."""

    def _acknowledge(self, ids):
        raise SystemExit("killed")


def test_a_batch_committed_but_not_acknowledged_is_not_archived_again(client, archiver, archive):
    send(client, article(1), article(2), article(3, url="https://news.example/1.html"))
    dying = _KilledBeforeAcknowledging(client, archiver, block=0.1)
    dying.prepare()
    with pytest.raises(SystemExit):
        dying.run(idle_exit=0.3)
    dying.lock.release()
    before = records(archive.root)
    assert len(before) == 2 and client.xpending(ITEMS_KEY, "archiver")["pending"] == 3
    report = consume(client, archiver)
    assert report.already_archived == 3 and report.archived == 0
    assert records(archive.root) == before
    assert archive.index.stats()["duplicates_refused"] == 1  # the duplicate remembered once
    assert client.xpending(ITEMS_KEY, "archiver")["pending"] == 0


def story_of(title: str) -> int:
    """The story an archived test article tells: its own, or the one it copies or reprints."""
    return int(title.split()[-1]) % 1000


def test_archivers_killed_at_random_moments_lose_and_duplicate_nothing(tmp_path, redis_url, client):
    rng = random.Random(20240520)
    originals = [article(i) for i in range(240)]
    copies = [article(1000 + i, url=originals[i].url + "?utm_medium=rss", body=originals[i].body)
              for i in range(0, 240, 7)]
    reprints = [article(2000 + i, body=reprint_of(i)) for i in range(3, 240, 11)]
    mixed = originals + copies + reprints
    rng.shuffle(mixed)  # a copy or a reprint may come before its original: then it is the one archived
    send(client, *mixed)
    folder = tmp_path / "archive"
    index = folder / ".newscrawl" / "index.sqlite"
    for kill in range(3):
        proc = subprocess.Popen(consume_command(redis_url, folder, "--batch", "8"), cwd=ROOT, env=crawl_env(),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        target = (kill + 1) * 50 + rng.randrange(20)
        assert wait_until(lambda t=target: index.exists() and len(records(folder)) >= t, timeout=120)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    run_archiver(redis_url, folder)
    archive = Archiver.open(folder).archive
    try:
        stories = sorted(story_of(archive.read(name).title) for name in archive.index.names())
        assert stories == list(range(len(originals)))  # each story once: no copy, no reprint, none lost
        assert sorted(records(folder)) == sorted(archive.index.names().values())  # no number reused, all indexed
    finally:
        archive.close()
    assert client.xlen(ITEMS_KEY) == 0
