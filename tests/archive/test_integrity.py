"""The archive loses nothing and holds nothing twice: clashing numbers, special files, a damaged index,
a lossless reindex, imports beside a crawl and duplicate decisions taken under the folder's lock."""

import multiprocessing
import os
import sqlite3
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from newscrawl.archive import DuplicateRecord
from newscrawl.archive.index import ArchiveIndex
from newscrawl.archive.store import ArchiveFolder
from newscrawl.archiving import Archiver
from newscrawl.items import Article

ALMATY = ZoneInfo("Asia/Almaty")


def article(n: int, **kw) -> Article:
    base = dict(url=f"https://www.inform.kz/ru/novost-{n}-{0xa00000 + n:06x}", outlet="kazinform", edition="ru",
                title=f"Заголовок новости номер {n}", published=datetime(2025, 8, 15, 14, 2, tzinfo=ALMATY),
                language="ru", body=f"АСТАНА. KAZINFORM – Новость {n} о разном {n * 7} раз.\nЕё второй абзац {n}.")
    base.update(kw)
    return Article(**base)


def test_two_record_files_with_one_number_are_both_indexed_reported_and_new_numbers_go_past(tmp_path):
    (tmp_path / "007_00000000000000aa.txt").write_text(" date 2020-01-02 One\n\nFirst body.", encoding="utf-8")
    (tmp_path / "007_00000000000000bb.txt").write_text(" date 2020-01-03 Two\n\nSecond body.", encoding="utf-8")
    archive = Archiver.open(tmp_path)
    report = archive.reconcile()
    assert report.clashes and "007_00000000000000aa.txt" in str(report.clashes)
    assert set(archive.index.names()) == {"007_00000000000000aa.txt", "007_00000000000000bb.txt"}
    assert archive.add(article(1)).number == 8


def test_symlinks_and_fifos_named_like_records_are_skipped_and_reported_never_followed(tmp_path):
    secret = tmp_path.parent / f"{tmp_path.name}-outside.txt"
    secret.write_text(" date 2020-01-02 Outside\n\nNot a record of this archive.", encoding="utf-8")
    (tmp_path / "003_00000000000000aa.txt").symlink_to(secret)
    os.mkfifo(tmp_path / "004_00000000000000bb.txt")
    archive = Archiver.open(tmp_path)
    report = archive.reconcile()  # would block forever if it opened the FIFO
    assert {name for name, _ in report.skipped} == {"003_00000000000000aa.txt", "004_00000000000000bb.txt"}
    assert archive.index.names() == {}


@pytest.mark.parametrize("damage", ["truncated", "overwritten"])
def test_a_damaged_index_is_moved_aside_and_rebuilt_from_the_records(tmp_path, damage):
    archive = Archiver.open(tmp_path)
    first = archive.add(article(1))
    archive.close()
    index = tmp_path / ".newscrawl" / "index.sqlite"
    data = index.read_bytes()
    index.write_bytes(data[:len(data) // 3] if damage == "truncated" else b"garbage" * 2000)
    reopened = Archiver.open(tmp_path)
    reopened.reconcile()
    assert reopened.index.names() == {first.name: first.number}
    assert list((tmp_path / ".newscrawl").glob("index.sqlite.damaged-*"))
    with pytest.raises(DuplicateRecord):
        reopened.add(article(1))


def test_reindex_keeps_fetch_times_and_the_outlet_of_site_records(tmp_path):
    archive = Archiver.open(tmp_path)
    site = archive.add(article(2, url="https://example.org/news/2025/08/a-story", outlet="example.org",
                               edition=None))
    before = archive.index.entries()[site.name]
    report = archive.archive.rebuild_index()
    after = archive.index.entries()[site.name]
    assert report.carried == 1 and report.derived == []
    assert after.fetched_at == before.fetched_at and after.outlet == "example.org"


def test_reindex_without_a_readable_old_index_derives_and_reports_what_it_could_not_recover(tmp_path):
    archive = Archiver.open(tmp_path)
    entry = archive.add(article(3))
    archive.close()
    (tmp_path / ".newscrawl" / "index.sqlite").write_bytes(b"not a database" * 500)
    rebuilt = Archiver.open(tmp_path)
    report = rebuilt.archive.rebuild_index()
    assert report.indexed == 1 and report.carried == 0
    assert [name for name, _ in report.derived] == [entry.name]
    assert rebuilt.index.entries()[entry.name].fetched_at


def test_an_imported_record_whose_number_is_taken_is_refused_not_copied_beside(tmp_path):
    archive = Archiver.open(tmp_path / "archive")
    taken = archive.add(article(4))
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    clash = legacy / f"{taken.number:03d}_00000000000000cc.txt"
    clash.write_text(" date 2019-11-05 Legacy\n\nA legacy body.", encoding="utf-8")
    report = archive.archive.import_records([clash])
    assert report.clashes and not report.copied
    assert sorted(p.name for p in (tmp_path / "archive").glob("*.txt")) == [taken.name]


def test_a_second_writer_with_the_same_story_is_refused_under_the_lock(tmp_path):
    """Two archivers on one folder (two crawls): the second copy's check runs against the index the
    first committed, so the story is archived once and the second is a counted duplicate."""
    one, two = Archiver.open(tmp_path), Archiver.open(tmp_path)
    first = one.add(article(5))
    same_text = article(5, url="https://www.inform.kz/ru/drugoy-adres-0b0b0b")
    result = two.add_many([same_text])[0]
    assert isinstance(result, DuplicateRecord) and result.number == first.number
    assert len(list(tmp_path.glob("*.txt"))) == 1


def test_index_opened_read_only_changes_nothing_in_the_archive(tmp_path):
    """What a user who can only read the archive needs: the index opened read-only, no record and no
    database file changed."""
    archive = Archiver.open(tmp_path)
    archive.add(article(6))
    archive.close()
    state = tmp_path / ".newscrawl"
    before = {p.name: p.read_bytes() for p in [state / "index.sqlite", state / "last-number"]}
    index = ArchiveIndex(state / "index.sqlite", read_only=True)
    assert index.stats()["records"] == 1
    assert {name: (state / name).read_bytes() for name in before} == before
    with pytest.raises(sqlite3.OperationalError):
        index.db.execute("DELETE FROM records")


def test_reading_a_damaged_index_in_place_is_a_database_error_not_a_crash_of_the_folder(tmp_path):
    (tmp_path / "index.sqlite").write_bytes(b"x" * 4096)
    with pytest.raises(sqlite3.DatabaseError):
        ArchiveIndex(tmp_path / "index.sqlite").entries()


# -- writers side by side, each in a process of its own (as crawls, imports and reindexes run)
FORK = multiprocessing.get_context("fork")
#: how long a test waits for a writer process at most
WRITER_TIMEOUT = 120


def _add_when_all_are_ready(root, story, ready, outcomes) -> None:
    archiver = Archiver.open(root, fsync=False)
    ready.wait(WRITER_TIMEOUT)
    result = archiver.add_many([story])[0]
    outcomes.put(f"duplicate of {result.number}" if isinstance(result, DuplicateRecord) else result.name)


def test_three_crawls_archiving_one_story_at_the_same_moment_archive_it_once(tmp_path):
    ready, outcomes = FORK.Barrier(3), FORK.Queue()
    copies = [article(7, url=f"https://www.inform.kz/ru/kopiya-{i}-0d0d{i:02x}") for i in range(3)]
    writers = [FORK.Process(target=_add_when_all_are_ready, args=(tmp_path, story, ready, outcomes))
               for story in copies]
    for writer in writers:
        writer.start()
    results = sorted(outcomes.get(timeout=WRITER_TIMEOUT) for _ in writers)
    for writer in writers:
        writer.join(WRITER_TIMEOUT)
    records = sorted(p.name for p in tmp_path.glob("*.txt"))
    assert len(records) == 1
    assert results == sorted([*records, f"duplicate of {int(records[0].split('_')[0])}",
                              f"duplicate of {int(records[0].split('_')[0])}"])


def _crawl(root, stories, started, refused) -> None:
    """A crawl's writes: one article after the other, each through the duplicate check."""
    archiver = Archiver.open(root, fsync=False)
    started.set()
    for story in stories:
        if isinstance(archiver.add_many([story])[0], DuplicateRecord):
            refused.put(story.url)


def test_an_import_during_a_crawl_never_gives_two_records_one_number(tmp_path):
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    files = []
    for n in range(40):
        files.append(legacy / f"{n:03d}_{n + 1:016x}.txt")
        files[-1].write_text(f" date 2019-11-05 Legacy story {n}\n\nA legacy body {n}.", encoding="utf-8")
    archive = Archiver.open(tmp_path / "archive", fsync=False)
    started, refused = FORK.Event(), FORK.Queue()
    crawl = FORK.Process(target=_crawl, args=(tmp_path / "archive", [article(100 + n) for n in range(40)],
                                              started, refused))
    crawl.start()
    started.wait(WRITER_TIMEOUT)
    outcomes = [archive.archive.import_records([path]) for path in files]
    crawl.join(WRITER_TIMEOUT)
    assert crawl.exitcode == 0
    scan = ArchiveFolder(tmp_path / "archive").scan()
    assert scan.clashes() == {}
    copied = [name for report in outcomes for name in report.copied]
    assert all(report.copied or report.clashes for report in outcomes)
    assert len(scan.records) == 40 + len(copied)
    assert set(copied) <= set(scan.records)


def test_a_crawl_deduplicating_while_reindex_runs_never_archives_a_duplicate(tmp_path):
    archive = Archiver.open(tmp_path, fsync=False)
    originals = [article(n) for n in range(20)]
    archive.add_many(originals)
    # the crawl meets every archived story again under another address, between new ones
    stories = [story for n in range(20) for story in (
        article(n, url=f"https://www.inform.kz/ru/perepechatka-{n}-0e{n:04x}"), article(200 + n))]
    started, refused = FORK.Event(), FORK.Queue()
    crawl = FORK.Process(target=_crawl, args=(tmp_path, stories, started, refused))
    crawl.start()
    started.wait(WRITER_TIMEOUT)
    reindexed, deadline = 0, time.monotonic() + WRITER_TIMEOUT
    while crawl.is_alive() and time.monotonic() < deadline:
        archive.archive.rebuild_index()
        reindexed += 1
    crawl.join(WRITER_TIMEOUT)
    assert crawl.exitcode == 0 and reindexed >= 1
    assert len(list(tmp_path.glob("*.txt"))) == 40
    assert sorted(refused.get(timeout=5) for _ in range(20)) == sorted(s.url for s in stories[::2])
    assert len(archive.index.names()) == 40


def test_a_duplicate_and_crawl_state_written_while_reindex_runs_are_kept(tmp_path, monkeypatch):
    archive = Archiver.open(tmp_path)
    first = archive.add(article(5))
    copy_state = ArchiveIndex.copy_state_from

    def copy_then_a_crawl_writes(fresh, live):
        copy_state(fresh, live)  # reindex has taken over the state; a crawl now refuses a duplicate
        live.add_duplicate("https://qazaqtv.com/ru/news/1", "qazaqtv", "reprint", first.number, 0.9)
        live.set_state("kazinform", "watermark:ru", "2025-08-15T14:02:00+05:00")
        live.db.commit()

    monkeypatch.setattr(ArchiveIndex, "copy_state_from", copy_then_a_crawl_writes)
    archive.archive.rebuild_index()
    assert [d["url"] for d in archive.index.duplicates_of(first.number)] == ["https://qazaqtv.com/ru/news/1"]
    assert archive.index.get_state("kazinform", "watermark:ru") == "2025-08-15T14:02:00+05:00"
    assert archive.index.names() == {first.name: first.number}


def test_articles_found_off_a_topic_survive_a_reindex(tmp_path):
    archive = Archiver.open(tmp_path)
    archive.add(article(5))
    archive.index.add_off_topic({"totalkz:123"}, "побратим*")
    archive.archive.rebuild_index()
    assert archive.index.is_off_topic({"totalkz:123"}, "побратим*")
