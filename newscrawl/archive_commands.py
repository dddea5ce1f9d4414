"""The commands that use the archive: ``newscrawl archive search``, ``export`` and ``stories``
(``newscrawl/cli.py`` registers them with :func:`register`).

Both read the index as the last crawl, import or ``archive reindex`` left it (they do not scan the
folder), and print a one-line error for a wrong input: a query FTS5 cannot run, an unknown format,
a folder that does not exist, a date that is not one.
"""

from __future__ import annotations

import argparse
import calendar
import json
import logging
import re
import sqlite3
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

from newscrawl.archive import Archive
from newscrawl.archive import stories as story_index
from newscrawl.archive.search import SearchFilters, SearchQueryError, search
from newscrawl.commandline import existing_archive

logger = logging.getLogger(__name__)

_PERIOD = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", re.ASCII)
#: how a terminal shows a match (bold, reversed); elsewhere the snippet marks it ``[like this]``
TERMINAL_MARKS = ("\x1b[1;7m", "\x1b[0m")


def parse_period(value: str, *, end: bool) -> date:
    """A day from ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``: the period's first day, or with ``end`` its
    last. ``ValueError`` for anything else."""
    match = _PERIOD.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"not a date (YYYY-MM-DD, YYYY-MM or YYYY): {value!r}")
    year, month, day = int(match.group(1)), match.group(2), match.group(3)
    try:
        if day is not None:
            return date(year, int(month), int(day))
        if month is not None:
            return date(year, int(month), calendar.monthrange(year, int(month))[1] if end else 1)
        return date(year, 12, 31) if end else date(year, 1, 1)
    except (ValueError, calendar.IllegalMonthError):
        raise ValueError(f"not a date (YYYY-MM-DD, YYYY-MM or YYYY): {value!r}") from None


def open_for_reading(path: str | None, command: str) -> Archive:
    """The archive at ``path`` (default: the project's), its full-text table complete; an error
    (``SystemExit`` with one line) when the folder does not exist or cannot be opened."""

    folder = existing_archive(path, command)
    try:
        archive = Archive(folder)
        filled = archive.complete_fulltext()
    except (OSError, sqlite3.Error) as exc:
        raise SystemExit(f"newscrawl {command}: cannot open the archive in {folder}: {exc}") from None
    if filled:
        logger.warning("indexed the text of %d records for search (once, for an index made before search)", filled)
    try:
        assigned = story_index.ensure_complete(archive.index, archive.root)
    except (OSError, sqlite3.Error) as exc:
        raise SystemExit(f"newscrawl {command}: cannot assign stories in {folder}: {exc}") from None
    if assigned:
        logger.warning("assigned %d records to stories (once, for an index made before stories)", assigned)
    return archive


def filters_from(args: argparse.Namespace, archive: Archive, command: str) -> SearchFilters:
    """The filters of the command line, checked: dates are dates, the outlet and language are in the archive."""
    try:
        since = parse_period(args.since, end=False) if args.since else None
        until = parse_period(args.until, end=True) if args.until else None
    except ValueError as exc:
        raise SystemExit(f"newscrawl {command}: {exc}") from None
    if since and until and since > until:
        raise SystemExit(f"newscrawl {command}: --since {since} is after --until {until}")
    for column, value, what in (("outlet", args.outlet, "outlet"), ("language", args.language, "language")):
        if value and archive.index.db.execute(f"SELECT 1 FROM records WHERE {column} = ? LIMIT 1",
                                              (value,)).fetchone() is None:
            present = [v for (v,) in archive.index.db.execute(
                f"SELECT DISTINCT {column} FROM records WHERE {column} IS NOT NULL ORDER BY 1")]
            raise SystemExit(f"newscrawl {command}: no records of {what} {value!r}"
                             f" (in the archive: {', '.join(present) or 'none'})")
    return SearchFilters(outlet=args.outlet, language=args.language, since=since, until=until)


def add_filter_arguments(parser: argparse.ArgumentParser) -> None:
    """``--outlet``, ``--language``, ``--since``, ``--until`` and ``--archive``."""
    parser.add_argument("--outlet", help="only this outlet (e.g. kazinform)")
    parser.add_argument("--language", help="only this language (ru, kk, en)")
    parser.add_argument("--since", metavar="DATE", help="published on or after DATE (YYYY-MM-DD, YYYY-MM or YYYY)")
    parser.add_argument("--until", metavar="DATE", help="published on or before DATE (YYYY-MM-DD, YYYY-MM or YYYY)")
    parser.add_argument("--archive", help="the archive folder (default: the project's ARCHIVE_DIR)")


# -- archive search
def cmd_archive_search(args: argparse.Namespace) -> int:
    """Print the records matching a query, newest first."""
    if args.limit < 1 or args.offset < 0:
        raise SystemExit("newscrawl archive search: --limit must be at least 1 and --offset not negative")
    archive = open_for_reading(args.archive, "archive search")
    filters = filters_from(args, archive, "archive search")
    terminal = not args.json and sys.stdout.isatty()
    try:
        hits = search(archive.index.db, args.query, filters, limit=args.limit, offset=args.offset,
                      **({"marks": TERMINAL_MARKS} if terminal else {}))
    except SearchQueryError as exc:
        raise SystemExit(f"newscrawl archive search: {exc}") from None
    story_of = story_index.stories_of(archive.index.db, [hit.number for hit in hits])
    if args.by_story:  # each story's hits together, in the order of its newest hit
        order = {story: i for i, story in reversed(list(enumerate(story_of.get(h.number) for h in hits)))}
        hits.sort(key=lambda h: order.get(story_of.get(h.number), len(hits)))
    shown_story = None
    for hit in hits:
        hit.snippet = " ".join(hit.snippet.split())
        story = story_of.get(hit.number)
        if args.json:
            sys.stdout.write(json.dumps({**hit.to_json(), "story": story}, ensure_ascii=False) + "\n")
            continue
        if args.by_story and story != shown_story:
            print(f"story {story}:")
            shown_story = story
        day = (hit.published or "")[:10] or "-"
        print(f"{hit.name}  {hit.outlet or '-'}  {hit.language or '-'}  {day}  {hit.title or '(no title)'}")
        print(f"    {hit.snippet}")
    if not hits and not args.json:
        print("no matching records", file=sys.stderr)
    return 0


# -- archive stories
def cmd_archive_stories(args: argparse.Namespace) -> int:
    """Print stories newest first, each with its records and why each joined."""
    if args.limit < 1 or args.offset < 0 or args.min_records < 1:
        raise SystemExit("newscrawl archive stories: --limit and --min-records must be at least 1,"
                         " --offset not negative")
    archive = open_for_reading(args.archive, "archive stories")
    args.language = args.until = None
    filters = filters_from(args, archive, "archive stories")
    db = archive.index.db
    if args.record is not None:
        number = _record_number(archive, args.record)
        story = story_index.story_of(db, number)
        loaded = story_index.load_story(db, story) if story is not None else None
        found = [loaded] if loaded is not None else []
    else:
        found = story_index.list_stories(db, since=filters.since, outlet=filters.outlet, min_size=args.min_records,
                                         limit=args.limit, offset=args.offset)
    for story in found:
        if args.json:
            sys.stdout.write(json.dumps(story.to_json(), ensure_ascii=False) + "\n")
            continue
        span = story.first_day or "undated"
        if story.last_day and story.last_day != story.first_day:
            span += f" to {story.last_day}"
        print(f"story {story.id}  {span}  {len(story.records)} record(s)")
        for record in story.records:
            day = (record.published or "")[:10] or "-"
            print(f"  {record.name}  {record.outlet or '-'}  {record.language or '-'}  {day}"
                  f"  {record.title or '(no title)'}")
            if record.link is not None and args.why:
                print(f"      joined {record.link.describe()}")
    if not found and not args.json:
        print("no stories" + (" with more than one record" if args.min_records > 1 else ""), file=sys.stderr)
    return 0


def _record_number(archive: Archive, value: str) -> int:
    """A record given by its number or file name; an error when the index has no such record."""
    text = value.strip()
    entry = (archive.index.entries([text]).get(text) if not text.isdigit()
             else archive.index.entry(int(text)))
    if entry is None:
        raise SystemExit(f"newscrawl archive stories: no record {value!r} in the archive (a number or a file name)")
    return entry.number


# -- archive export
def cmd_archive_export(args: argparse.Namespace) -> int:
    """Write the (matching) records as JSON lines, CSV or Parquet."""
    from newscrawl.archive.export import FORMATS, export

    if args.format not in FORMATS:
        raise SystemExit(f"newscrawl archive export: unknown --format {args.format!r} (one of {', '.join(FORMATS)})")
    if args.output and not Path(args.output).resolve().parent.is_dir():
        raise SystemExit(f"newscrawl archive export: no folder for {args.output}")
    archive = open_for_reading(args.archive, "archive export")
    filters = filters_from(args, archive, "archive export")
    try:
        report = export(archive, args.format, args.output, filters, args.query)
    except (SearchQueryError, ValueError, RuntimeError) as exc:
        raise SystemExit(f"newscrawl archive export: {exc}") from None
    where = args.output or "standard output"
    skipped = f"; {report.unreadable} indexed records could not be read (see the log)" if report.unreadable else ""
    print(f"exported {report.rows} records to {where} ({args.format}){skipped}", file=sys.stderr)
    return 1 if report.unreadable else 0


def register(archive_commands: argparse._SubParsersAction,
             add_command: Callable[..., argparse.ArgumentParser] | None = None) -> None:
    """Add ``search`` and ``export`` to ``newscrawl archive`` (through ``add_command(commands, name, help)``
    when given)."""
    def command(name: str, helptext: str) -> argparse.ArgumentParser:
        if add_command is not None:
            return add_command(archive_commands, name, helptext)
        return archive_commands.add_parser(name, help=helptext)

    p = command("search", "full-text search: matching records, newest first")
    p.add_argument("query", metavar="QUERY", help='words (forms found), "a phrase", AND OR NOT ( ), title:word, word*')
    add_filter_arguments(p)
    p.add_argument("--limit", type=int, default=20, help="at most N records (default 20)")
    p.add_argument("--offset", type=int, default=0, help="skip the first N (the next page)")
    p.add_argument("--json", action="store_true", help="print JSON lines (each with its story)")
    p.add_argument("--by-story", action="store_true", help="group the hits by story")
    p.set_defaults(func=cmd_archive_search)

    p = command("stories", "stories: reports of one event across outlets and languages")
    p.add_argument("--since", metavar="DATE", help="stories with a record published on or after DATE")
    p.add_argument("--outlet", help="stories with a record of this outlet")
    p.add_argument("--record", metavar="N|FILE", help="only the story of this record (its number or file name)")
    p.add_argument("--min-records", type=int, default=1, help="stories of at least N records (default 1)")
    p.add_argument("--why", action="store_true", help="show why each record joined: shared names, amounts, days")
    p.add_argument("--limit", type=int, default=20, help="at most N stories (default 20)")
    p.add_argument("--offset", type=int, default=0, help="skip the first N (the next page)")
    p.add_argument("--json", action="store_true", help="print JSON lines, one story each, with the evidence")
    p.add_argument("--archive", help="the archive folder (default: the project's ARCHIVE_DIR)")
    p.set_defaults(func=cmd_archive_stories)

    p = command("export", "one row per record: JSON lines, CSV or Parquet")
    p.add_argument("--format", default="jsonl", metavar="jsonl|csv|parquet", help="the file format (default jsonl)")
    p.add_argument("-o", "--output", metavar="FILE", help="write to FILE (default: standard output; Parquet needs it)")
    p.add_argument("--query", help="only records matching this search (as for archive search)")
    add_filter_arguments(p)
    p.set_defaults(func=cmd_archive_export)
