"""A full disk for test crawls: with the extension ``tests.fulldisk.FullDisk`` enabled, every record
write of the crawl fails with ``ENOSPC``, as on a disk with no space left."""

from __future__ import annotations

import errno
import os

from newscrawl.archive.store import ArchiveFolder


def no_space_left(folder: ArchiveFolder, texts, *, fsync: bool = True):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class FullDisk:
    """Makes the crawl's record writes fail (its process only)."""

    @classmethod
    def from_crawler(cls, crawler) -> FullDisk:
        ArchiveFolder.write_temps = no_space_left  # type: ignore[method-assign]
        return cls()
