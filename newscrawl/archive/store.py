"""The archive folder: record files, their numbering, and atomic creation.

Records are ``NNN_HHHHHHHHHHHHHHHH.txt`` files directly in the folder. newscrawl's own state sits
in ``.newscrawl/`` beside them: a lock file, the last number handed out and the index. A record is
written to a hidden temporary file in the folder, flushed to disk, then linked to its final name,
so it appears whole or not at all; the number is taken under an exclusive lock, so crawls writing
into one folder at the same time never take the same number, and numbers are never reused.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from newscrawl.archive.records import parse_record_name, record_name

STATE_DIR = ".newscrawl"
TEMP_PREFIX = ".tmp-"


@dataclass
class FolderScan:
    """The record files of a folder, and what is named like a record but is none."""

    #: file name -> its sequence number
    records: dict[str, int] = field(default_factory=dict)
    #: ``(name, what it is)`` of symlinks, FIFOs and folders named like records
    skipped: list[tuple[str, str]] = field(default_factory=list)

    @property
    def highest(self) -> int:
        """The highest sequence number, -1 for none."""
        return max(self.records.values(), default=-1)

    def clashes(self) -> dict[int, list[str]]:
        """Numbers that more than one file carries (a hand rename, a copy from elsewhere)."""
        by_number: dict[int, list[str]] = {}
        for name, number in self.records.items():
            by_number.setdefault(number, []).append(name)
        return {n: sorted(names) for n, names in sorted(by_number.items()) if len(names) > 1}

    def by_number(self) -> dict[int, str]:
        """Number -> file name (of clashing files, the first by name)."""
        found: dict[int, str] = {}
        for name, number in sorted(self.records.items()):
            found.setdefault(number, name)
        return found


class ArchiveFolder:
    """A folder of records."""

    def __init__(self, root: str | os.PathLike[str]):
        self.root = Path(root)
        self.state_dir = self.root / STATE_DIR
        self.state_dir.mkdir(parents=True, exist_ok=True)
        self._lock_path = self.state_dir / "lock"
        self._counter_path = self.state_dir / "last-number"
        #: how deeply this process holds the folder's lock (0: not held)
        self._lock_depth = 0

    # -- reading
    def scan(self) -> FolderScan:
        """Every record file in the folder (regular files only: a symlink, FIFO or folder named like a
        record is skipped, never followed, and reported)."""
        scan = FolderScan()
        with os.scandir(self.root) as entries:
            for entry in entries:
                parsed = parse_record_name(entry.name)
                if not parsed:
                    continue
                if entry.is_file(follow_symlinks=False):
                    scan.records[entry.name] = parsed[0]
                else:
                    kind = "symlink" if entry.is_symlink() else "folder" if entry.is_dir() else "special file"
                    scan.skipped.append((entry.name, kind))
        return scan

    def path(self, name: str) -> Path:
        """The path of a record file."""
        return self.root / name

    def stale_temp_files(self) -> Iterator[Path]:
        """Temporary files left by a crawl that was killed while writing: not those of a crawl that is
        writing into the folder right now (its process is alive and the file is young)."""
        for entry in os.scandir(self.root):
            if entry.name.startswith(TEMP_PREFIX) and entry.is_file() and not _being_written(entry):
                yield Path(entry.path)

    # -- numbering
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the folder's exclusive lock (blocks other crawls' numbering while held); re-entrant
        within one folder object, so a step that needs the lock may run inside a held one."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        with open(self._lock_path, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            self._lock_depth = 1
            try:
                yield
            finally:
                self._lock_depth = 0
                fcntl.flock(fh, fcntl.LOCK_UN)

    def _read_counter(self) -> int:
        try:
            return int(self._counter_path.read_text().strip() or -1)
        except (FileNotFoundError, ValueError):
            return -1

    def _write_counter(self, value: int) -> None:
        """Overwrite the counter in place (under the lock; the value never goes down, so the new
        text covers the old): one small write, which a killed process makes whole or not at all,
        instead of a new file and a rename per record."""
        data = f"{value}\n".encode()
        fd = os.open(self._counter_path, os.O_WRONLY | os.O_CREAT, 0o644)
        try:
            os.pwrite(fd, data, 0)
            os.ftruncate(fd, len(data))
        finally:
            os.close(fd)

    def sync_counter(self, highest_in_folder: int) -> int:
        """Raise the last-number counter to the highest number in the folder; returns it."""
        with self.locked():
            value = max(self._read_counter(), highest_in_folder)
            self._write_counter(value)
            return value

    def remove_stale_temp_files(self) -> int:
        """Delete temporary files of killed crawls (never a record); returns how many."""
        removed = 0
        with self.locked():
            for path in self.stale_temp_files():
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    removed += 1
        return removed

    # -- writing
    def create(self, url_hash: str, text: str, *, fsync: bool = True) -> tuple[int, str]:
        """Write a new record with the next number; returns ``(number, file name)``."""
        return self.create_many([(url_hash, text)], fsync=fsync)[0]

    def create_many(self, records: Sequence[tuple[str, str]], *, fsync: bool = True) -> list[tuple[int, str]]:
        """Write new records ``(url hash, text)`` with the next numbers, in order; returns
        ``(number, file name)`` of each.

        Each text is written to a temporary file and flushed to disk before any number is taken, so
        the lock is held only for one counter update and the links; a crash at any point leaves each
        record either absent or whole, and at worst unused numbers. Several records at once share
        the lock, the counter update and the folder's flush.
        """
        temps = self.write_temps([text for _, text in records], fsync=fsync)
        try:
            with self.locked():
                numbering = self.numbering(len(records))
                created = [numbering.link(tmp, url_hash) for (url_hash, _), tmp in zip(records, temps, strict=True)]
            if fsync:
                self._sync_folder()
            return created
        finally:
            self.discard(temps)

    def write_temps(self, texts: Sequence[str], *, fsync: bool = True) -> list[Path]:
        """Each text in a temporary file of the folder, flushed to disk (before any number is taken)."""
        temps: list[Path] = []
        try:
            for text in texts:
                temps.append(self._write_temp(text, fsync))
        except BaseException:
            self.discard(temps)
            raise
        return temps

    def discard(self, temps: Sequence[Path]) -> None:
        """Remove temporary files (those linked as records stay as records)."""
        for tmp in temps:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def numbering(self, expected: int) -> Numbering:
        """Hand out the next numbers (the folder's lock must be held while it is used); ``expected``:
        how many records are about to be written, reserved together."""
        return Numbering(self, expected)

    def sync(self) -> None:
        """Flush the folder's entries (new names) to disk."""
        self._sync_folder()

    def replace(self, name: str, text: str, *, fsync: bool = True) -> None:
        """Replace a record's text atomically, keeping its name: the new text is written and flushed
        beside it, then renamed over it under the folder's lock."""
        tmp = self._write_temp(text, fsync)
        try:
            with self.locked():
                if not self.path(name).is_file():
                    raise FileNotFoundError(f"no record {name} in {self.root}")
                os.replace(tmp, self.path(name))
            if fsync:
                self._sync_folder()
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()

    def import_files(self, sources: Sequence[Path], *, fsync: bool = True) -> list[str]:
        """Copy record files into the folder under their own names, under the lock and past the number
        counter; for each, ``"copied"``, ``"same"`` (the folder holds it already) or the name of the
        record that holds its number (it is then not copied: records are never renamed)."""
        temps = [self._write_bytes_temp(source.read_bytes(), fsync) for source in sources]
        outcomes: list[str] = []
        try:
            with self.locked():
                taken = self.scan().by_number()
                highest = self._read_counter()
                for source, tmp in zip(sources, temps, strict=True):
                    number = parse_record_name(source.name)[0]  # type: ignore[index]
                    holder = taken.get(number)
                    if holder == source.name and self.path(holder).read_bytes() == tmp.read_bytes():
                        outcomes.append("same")
                    elif holder is not None or number <= highest:
                        outcomes.append(holder or f"number {number} (already handed out)")
                    else:
                        os.link(tmp, self.path(source.name))
                        taken[number] = source.name
                        outcomes.append("copied")
                if taken:
                    self._write_counter(max(highest, max(taken)))
            if fsync:
                self._sync_folder()
            return outcomes
        finally:
            for tmp in temps:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()

    def _sync_folder(self) -> None:
        dir_fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def _write_temp(self, text: str, fsync: bool) -> Path:
        return self._write_bytes_temp(text.encode("utf-8"), fsync)

    def _write_bytes_temp(self, data: bytes, fsync: bool) -> Path:
        """A hidden temporary file in the folder holding ``data``, readable by all."""
        fd, tmp_name = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-", suffix=".part", dir=self.root)
        try:
            data = memoryview(data)
            while data:
                data = data[os.write(fd, data):]
            os.fchmod(fd, 0o644)
            if fsync:
                os.fsync(fd)
        except BaseException:
            os.close(fd)
            os.unlink(tmp_name)
            raise
        os.close(fd)
        return Path(tmp_name)


class Numbering:
    """The next numbers of a folder, under its lock: numbers are reserved in the counter before the
    records appear, so a kill in between leaves a gap, never a number a later record could take again."""

    def __init__(self, folder: ArchiveFolder, expected: int):
        self.folder = folder
        self.remaining = max(1, expected)
        self.number = self.reserved = folder._read_counter()

    def link(self, tmp: Path, url_hash: str) -> tuple[int, str]:
        """Give a flushed temporary file the next number as its record name; returns ``(number, name)``."""
        while True:
            self.number += 1
            if self.number > self.reserved:
                self.reserved = self.number + self.remaining - 1
                self.folder._write_counter(self.reserved)
            name = record_name(self.number, url_hash)
            try:
                os.link(tmp, self.folder.root / name)
                self.remaining = max(1, self.remaining - 1)
                return self.number, name
            except FileExistsError:
                continue


#: a temporary file older than this is stale whoever made it (a record is written in milliseconds)
TEMP_FILE_MAX_AGE = 3600.0


def _being_written(entry: os.DirEntry) -> bool:
    """Whether a temporary file belongs to a live process (its name carries the writer's process id)
    and is young: another crawl writing into the same folder must not lose it."""
    pid = entry.name[len(TEMP_PREFIX):].split("-", 1)[0]
    if not pid.isdigit():
        return False
    try:
        if time.time() - entry.stat().st_mtime > TEMP_FILE_MAX_AGE:
            return False
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, FileNotFoundError):  # alive under another user; or just linked and removed
        return True
    return True
