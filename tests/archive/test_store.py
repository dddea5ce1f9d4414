import multiprocessing
import os
import subprocess
import sys

from newscrawl.archive.records import parse_record_name
from newscrawl.archive.store import TEMP_PREFIX, ArchiveFolder


def test_records_take_consecutive_numbers_after_the_highest_in_the_folder(tmp_path):
    (tmp_path / "007_0123456789abcdef.txt").write_text("legacy")
    folder = ArchiveFolder(tmp_path)
    folder.sync_counter(folder.scan().highest)
    assert folder.create("a" * 16, "one", fsync=False) == (8, "008_aaaaaaaaaaaaaaaa.txt")
    assert folder.create("b" * 16, "two", fsync=False)[0] == 9
    assert (tmp_path / "009_bbbbbbbbbbbbbbbb.txt").read_text() == "two"


def test_numbers_grow_past_999_without_padding_beyond_three_digits(tmp_path):
    (tmp_path / "999_0123456789abcdef.txt").write_text("x")
    folder = ArchiveFolder(tmp_path)
    folder.sync_counter(999)
    assert folder.create("c" * 16, "y", fsync=False)[1] == "1000_cccccccccccccccc.txt"


def test_a_number_taken_and_then_lost_is_never_reused(tmp_path):
    folder = ArchiveFolder(tmp_path)
    number, name = folder.create("a" * 16, "x", fsync=False)
    (tmp_path / name).unlink()  # e.g. a user removed it
    assert folder.create("a" * 16, "y", fsync=False)[0] == number + 1


def test_writing_leaves_no_temporary_files_and_scan_ignores_them(tmp_path):
    folder = ArchiveFolder(tmp_path)
    folder.create("a" * 16, "x", fsync=False)
    (tmp_path / f"{TEMP_PREFIX}killed.part").write_text("half a rec")
    assert list(folder.scan().records) == ["000_aaaaaaaaaaaaaaaa.txt"]
    assert folder.remove_stale_temp_files() == 1
    assert sorted(os.listdir(tmp_path)) == [".newscrawl", "000_aaaaaaaaaaaaaaaa.txt"]


def _write_many(root: str, worker: int, count: int) -> None:
    folder = ArchiveFolder(root)
    for i in range(count):
        folder.create(f"{worker:08x}{i:08x}", f"worker {worker} record {i}\n", fsync=False)


def test_concurrent_writers_in_one_folder_never_take_the_same_number(tmp_path):
    ArchiveFolder(tmp_path)
    procs = [multiprocessing.get_context("spawn").Process(target=_write_many, args=(str(tmp_path), w, 40))
             for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    names = [n for n in os.listdir(tmp_path) if parse_record_name(n)]
    numbers = sorted(parse_record_name(n)[0] for n in names)
    assert len(names) == 160
    assert numbers == list(range(160))
    for name in names:
        assert (tmp_path / name).read_text().startswith("worker ")


def test_records_written_together_take_consecutive_numbers_in_their_order(tmp_path):
    folder = ArchiveFolder(tmp_path)
    folder.create("0" * 16, "before", fsync=False)
    created = folder.create_many([(f"{i:016x}", f"record {i}") for i in range(5)], fsync=True)
    assert [number for number, _ in created] == [1, 2, 3, 4, 5]
    assert [(tmp_path / name).read_text() for _, name in created] == [f"record {i}" for i in range(5)]
    assert folder.create("f" * 16, "after", fsync=False)[0] == 6
    assert not list(folder.stale_temp_files())


def test_a_name_already_in_the_folder_is_skipped_and_the_batch_goes_on_after_it(tmp_path):
    folder = ArchiveFolder(tmp_path)
    (tmp_path / f"001_{'b' * 16}.txt").write_text("put there by hand, counter not raised")
    created = folder.create_many([("a" * 16, "x"), ("b" * 16, "y"), ("c" * 16, "z")], fsync=False)
    assert [number for number, _ in created] == [0, 2, 3]
    assert (tmp_path / f"001_{'b' * 16}.txt").read_text().startswith("put there by hand")
    assert folder.create("d" * 16, "w", fsync=False)[0] == 4


def test_records_of_a_batch_are_readable_by_all_like_single_ones(tmp_path):
    folder = ArchiveFolder(tmp_path)
    (_, name), = folder.create_many([("a" * 16, "x")], fsync=False)
    assert (tmp_path / name).stat().st_mode & 0o777 == 0o644


def test_temporary_files_of_a_crawl_writing_right_now_are_left_alone(tmp_path):
    folder = ArchiveFolder(tmp_path)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    (tmp_path / f"{TEMP_PREFIX}{os.getpid()}-abc.part").write_text("being written by a live crawl")
    (tmp_path / f"{TEMP_PREFIX}{dead}-def.part").write_text("left by a killed crawl")
    assert folder.remove_stale_temp_files() == 1
    assert [p.name for p in tmp_path.glob(f"{TEMP_PREFIX}*")] == [f"{TEMP_PREFIX}{os.getpid()}-abc.part"]


def test_an_old_temporary_file_is_stale_even_if_its_process_id_is_alive_again(tmp_path):
    folder = ArchiveFolder(tmp_path)
    old = tmp_path / f"{TEMP_PREFIX}{os.getpid()}-old.part"
    old.write_text("from long ago")
    os.utime(old, (0, 0))
    assert folder.remove_stale_temp_files() == 1
