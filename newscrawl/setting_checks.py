"""newscrawl's own settings, checked before a crawl starts: a value that cannot be used is one line
naming the setting and what it takes (``ARCHIVE_LAYOUT=foo``, ``EXTRACTION_PROCESSES=abc``), not a
traceback in the middle of a crawl."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from scrapy.settings import BaseSettings

from newscrawl.archive.topics import TopicError, resolve_topic
from newscrawl.archiving import WRITABLE_LAYOUTS
from newscrawl.warc import WARC_SUFFIXES, warc_files


class SettingError(ValueError):
    """A newscrawl setting that cannot be used."""


def _number(kind: Callable[[Any], Any], minimum: float | None = None, maximum: float | None = None,
            *, above: float | None = None, what: str = "") -> Callable[[str, Any], None]:
    def check(name: str, value: Any) -> None:
        accepted = what or ("an integer" if kind is int else "a number")
        try:
            number = kind(value)
            if isinstance(value, float) and kind is int and value != int(value):
                raise ValueError
        except (TypeError, ValueError):
            raise SettingError(f"-s {name}={value!r}: not {accepted}") from None
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum) \
                or (above is not None and number <= above):
            raise SettingError(f"-s {name}={value!r}: out of range; expected {accepted}")
    return check


def _layout(name: str, value: Any) -> None:
    if value not in WRITABLE_LAYOUTS:
        raise SettingError(f"-s {name}={value!r}: unknown layout; expected one of {', '.join(WRITABLE_LAYOUTS)}")


def check_warc_path(name: str, value: Any) -> None:
    """A WARC file or a folder holding WARC files (``REPLAY``, ``--raw``)."""
    if not value:
        return
    path = Path(str(value))
    if not path.exists():
        raise SettingError(f"{flag(name)}{value}: no such file or folder; expected a WARC file or a folder of them")
    if path.is_file() and not path.name.endswith(WARC_SUFFIXES):
        raise SettingError(f"{flag(name)}{value}: not a WARC file (expected a name ending in"
                           f" {', '.join(WARC_SUFFIXES)}), nor a folder of them")
    if path.is_dir() and not warc_files(path):
        raise SettingError(f"{flag(name)}{value}: the folder holds no WARC files ({', '.join(WARC_SUFFIXES)})")


def flag(name: str) -> str:
    """How a value was given: ``-s NAME=`` for a setting, ``--option `` for a command's option."""
    return f"{name} " if name.startswith("--") else f"-s {name}="


#: the settings checked, and how
CHECKS: dict[str, Callable[[str, Any], None]] = {
    "ARCHIVE_LAYOUT": _layout,
    "REPRINT_THRESHOLD": _number(float, above=0, maximum=1, what="a similarity above 0 and at most 1, e.g. 0.5"),
    "EXTRACTION_PROCESSES": _number(int, -1, what="an integer: -1 (one per core), 0 (in the crawl) or a count"),
    "EXTRACTION_TIMEOUT": _number(float, above=0, what="seconds, more than 0"),
    "EXTRACTION_KILL_GRACE": _number(float, 0, what="seconds, 0 or more"),
    "EXTRACTION_TASKS_PER_WORKER": _number(int, 0, what="an integer, 0 (never replaced) or more"),
    "ARCHIVE_BATCH_MAX": _number(int, 1, what="an integer, 1 or more"),
    "ARCHIVE_BATCH_WAIT": _number(float, 0, what="seconds, 0 or more"),
    "INCREMENTAL_MAX_PAGES": _number(int, 1, what="an integer, 1 or more"),
    "BACKFILL_MAX_PAGES": _number(int, 1, what="an integer, 1 or more"),
    "RAW_ARCHIVE_MAX_BYTES": _number(int, 1, what="a size in bytes, 1 or more"),
    "DISCOVERY_FIRST_CRAWL_UNDATED": _number(int, 0, what="an integer, 0 (no limit) or more"),
    "DISCOVERY_MAX_SITEMAPS": _number(int, 0, what="an integer, 0 (all) or more"),
    "MAX_ARTICLES_PER_EDITION": _number(int, 0, what="an integer, 0 (no limit) or more"),
    "HEALTH_MIN_EXTRACTION_RATE": _number(float, 0, 1, what="a share from 0 to 1"),
    "HEALTH_MAX_ERROR_RATE": _number(float, 0, 1, what="a share from 0 to 1"),
    "HEALTH_MAX_RETRY_RATE": _number(float, 0, what="a rate, 0 or more"),
    "HEALTH_MAX_DUPLICATE_RATE": _number(float, 0, 1, what="a share from 0 to 1"),
    "REPLAY": check_warc_path,
}


def check_topic(settings: BaseSettings) -> None:
    """``ARCHIVE_TOPIC``: a query that can be searched for, or a topic the topics file names."""
    try:
        resolve_topic(settings.get("ARCHIVE_TOPIC"), settings.get("ARCHIVE_TOPICS_FILE"))
    except TopicError as exc:
        problem = str(exc)
        if problem.startswith("ARCHIVE_TOPIC "):
            raise SettingError(f"-s ARCHIVE_TOPIC={problem.removeprefix('ARCHIVE_TOPIC ')}") from None
        raise SettingError(f"-s ARCHIVE_TOPICS_FILE={settings.get('ARCHIVE_TOPICS_FILE')}: {problem}") from None


def check_settings(settings: BaseSettings) -> None:
    """Raise :class:`SettingError` for the first newscrawl setting that cannot be used."""
    for name, check in CHECKS.items():
        value = settings.get(name)
        if value is not None:
            check(name, value)
    check_topic(settings)
