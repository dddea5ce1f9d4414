"""The archive loses nothing and holds nothing twice: clashing numbers, special files, a damaged index,
a lossless reindex, imports beside a crawl and duplicate decisions taken under the folder's lock."""

import os
import sqlite3
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from newscrawl.archive import DuplicateRecord
from newscrawl.archive.index import ArchiveIndex
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
