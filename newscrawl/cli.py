"""The ``newscrawl`` command: what the crawler does, for saved pages and for the archive.

    newscrawl extract PAGE.html… [--url URL]    extraction and tagging of saved pages, as JSON lines
    newscrawl archive read FILE…                 records as JSON lines (every layout)
    newscrawl archive import DIR                 bring a folder of existing records into the archive
    newscrawl archive reindex                    rebuild the index from the records
    newscrawl archive stats [--plot FILE.png]    records per outlet, language and month (outlet × month table)
    newscrawl archive search QUERY               full-text search, newest first (filters: outlet, language, dates)
    newscrawl archive export --format F          one row per record: jsonl, csv or parquet
    newscrawl archive rebuild [--raw DIR]        re-extract records from the raw archive (WARC files)
    newscrawl archive consume --redis URL        archive what the nodes of distributed crawls send
    newscrawl schedule [--once]                  submit the crawls of schedule.toml to Scrapyd when due
    newscrawl status                             per outlet: last crawl, its health checks, archive growth
    newscrawl serve [--port N]                   read-only web view: search, facets, records, charts

Crawls themselves run with ``scrapy crawl <spider>`` (or, on a server, in Scrapyd).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from newscrawl import settings
from newscrawl.archive import search as fulltext
from newscrawl.archive.records import read_record
from newscrawl.archive_commands import register as register_archive_commands
from newscrawl.archiving import Archiver
from newscrawl.web.serve import register as register_serve_command

logger = logging.getLogger("newscrawl")


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


def default_archive_dir() -> str:
    """The archive folder of the project settings (``ARCHIVE_DIR``), else ``archive``."""
    return os.environ.get("NEWSCRAWL_ARCHIVE_DIR") or _project_setting("ARCHIVE_DIR") or "archive"


def _project_setting(name: str) -> Any:
    try:
        from scrapy.utils.project import get_project_settings

        return get_project_settings().get(name)
    except Exception:  # no project around: defaults apply
        return None


def open_archive(path: str | None) -> Archiver:
    """The archive at ``path`` (default: the project's), its index reconciled with the folder."""
    archiver = Archiver.open(path or default_archive_dir())
    archiver.archive.reconcile()
    return archiver


# -- commands
def cmd_extract(args: argparse.Namespace) -> int:
    from newscrawl.reading import extract_article

    urls = args.url or []
    if len(urls) > 1 and len(urls) != len(args.pages):
        raise SystemExit("newscrawl extract: give one --url per page, or one for a single page")
    status = 0
    for i, page in enumerate(args.pages):
        try:
            body = Path(page).read_bytes()
        except OSError as exc:
            logger.error("cannot read %s: %s", page, exc)
            status = 1
            continue
        url = urls[i] if len(urls) > 1 else (urls[0] if urls else None)
        result = extract_article(body, url)
        result.pop("text", None)
        result.pop("date", None)
        result["file"] = page
        _print_json(result)
    return status


def cmd_archive_read(args: argparse.Namespace) -> int:
    status = 0
    for file in args.files:
        try:
            _print_json(read_record(Path(file)).to_json())
        except OSError as exc:
            logger.error("cannot read %s: %s", file, exc)
            status = 1
    return status


def cmd_archive_import(args: argparse.Namespace) -> int:
    source = Path(args.dir)
    if not source.is_dir():
        raise SystemExit(f"newscrawl archive import: {source} is not a folder")
    archive = open_archive(args.archive).archive
    imported = archive.import_records(sorted(p for p in source.iterdir() if p.is_file()))
    report = archive.reconcile()
    clashes = [f"{name} (number taken by {holder})" for name, holder in imported.clashes]
    _print_json({"copied": len(imported.copied), "already_present": len(imported.already_present),
                 "clashes": clashes, "indexed": len(report.imported), "records": report.records})
    for clash in clashes:
        logger.error("not imported, its number is taken and records are never renamed: %s (import a corpus before "
                     "the first crawl, or into a fresh folder)", clash)
    return 1 if clashes else 0


def cmd_archive_reindex(args: argparse.Namespace) -> int:
    archive = Archiver.open(args.archive or default_archive_dir()).archive
    report = archive.rebuild_index()
    fulltext.optimize(archive.index.db)  # full-text search: its index merged into one segment
    _print_json({"records": report.records, "indexed": report.indexed, "carried_over": report.carried,
                 "derived": [f"{name}: {what}" for name, what in report.derived], "unreadable": report.unreadable,
                 "number_clashes": report.clashes, "skipped": [f"{name} ({what})" for name, what in report.skipped],
                 "damaged_index_moved_to": report.damaged_index})
    return 1 if report.unreadable else 0


def default_raw_dir() -> str | None:
    """The raw archive folder of the project settings (``RAW_ARCHIVE_DIR``)."""
    return os.environ.get("NEWSCRAWL_RAW_ARCHIVE_DIR") or _project_setting("RAW_ARCHIVE_DIR")


def cmd_archive_rebuild(args: argparse.Namespace) -> int:
    from newscrawl.rebuild import rebuild

    raw = args.raw or default_raw_dir()
    if not raw:
        raise SystemExit("newscrawl archive rebuild: give --raw DIR (or set RAW_ARCHIVE_DIR)")
    archiver = open_archive(args.archive)
    report = rebuild(archiver, raw, rewrite=args.rewrite, timezone_name=args.timezone, processes=args.processes,
                     timeout=args.timeout)
    result = report.to_json()
    if not args.list:
        result["added"], result["rewritten"] = len(report.added), len(report.rewritten)
    _print_json(result)
    return 0


def cmd_archive_stats(args: argparse.Namespace) -> int:
    from newscrawl.charts import outlet_month_table, plot_records_per_month

    stats = open_archive(args.archive).archive.stats()
    if args.plot:  # a chart for people who would rather look than read (newscrawl.charts)
        try:
            plot_records_per_month(stats["outlet_months"], args.plot)
        except (OSError, RuntimeError, ValueError) as exc:
            raise SystemExit(f"newscrawl archive stats: cannot draw {args.plot}: {exc}") from None
    if args.json:
        _print_json(stats)
        return 0
    print(f"records: {stats['records']}  (duplicates refused by crawls: {stats['duplicates_refused']})")
    for title, key in (("outlet", "outlets"), ("language", "languages")):
        print(f"\nper {title}:")
        for name, n in stats[key].items():
            print(f"  {name:<14} {n:>8}")
    print("\nper month and outlet:")
    print(outlet_month_table(stats["outlet_months"]))
    return 0


def cmd_archive_consume(args: argparse.Namespace) -> int:
    try:
        from newscrawl.distributed.archiver import ArchiverBusy, consume
        from newscrawl.distributed.connection import RedisUnavailable
    except ImportError as exc:
        raise SystemExit(f"newscrawl archive consume: {exc.name} is missing: "
                         "pip install 'newscrawl[distributed]'") from None

    url = args.redis or os.environ.get("NEWSCRAWL_REDIS_URL") or _project_setting("REDIS_URL")
    if not url:
        raise SystemExit("newscrawl archive consume: give --redis URL (or set NEWSCRAWL_REDIS_URL)")
    for name, value in (("--batch", args.batch), ("--max-items", args.max_items), ("--idle-exit", args.idle_exit)):
        if value is not None and value <= 0:
            raise SystemExit(f"newscrawl archive consume: {name} must be above 0, not {value}")
    archive = Path(args.archive or default_archive_dir())
    if archive.exists() and not archive.is_dir():
        raise SystemExit(f"newscrawl archive consume: {archive} is not a folder")
    logging.getLogger("newscrawl").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    try:
        report = consume(url, str(archive), batch=args.batch, idle_exit=args.idle_exit, max_items=args.max_items)
    except (RedisUnavailable, ArchiverBusy, ValueError) as exc:  # ValueError: a URL that is not Redis's
        raise SystemExit(f"newscrawl archive consume: {exc}") from None
    except OSError as exc:
        raise SystemExit(f"newscrawl archive consume: cannot open the archive {archive}: {exc}") from None
    _print_json(report.to_json())
    return 0


# -- running on a server
def cmd_schedule(args: argparse.Namespace) -> int:
    from newscrawl.ops.schedule import ScheduleError, Scheduler, client_for, load_schedule

    logging.getLogger("newscrawl").setLevel(logging.DEBUG if args.verbose else logging.INFO)
    try:
        schedule = load_schedule(args.schedule)
    except ScheduleError as exc:
        raise SystemExit(f"newscrawl schedule: {exc}") from None
    if args.project:
        schedule = replace(schedule, project=args.project)
    if args.poll is not None:
        schedule = replace(schedule, poll=args.poll)
    if not schedule.jobs:
        raise SystemExit(f"newscrawl schedule: {args.schedule} has no [jobs.NAME]")
    if args.check:
        scheduler = Scheduler(schedule, client=None, state_path=None)  # type: ignore[arg-type]
        for job in schedule.jobs:
            _print_json({"job": job.name, "spider": job.spider, "when": job.trigger.describe(),
                         "next_due": scheduler.states[job.name].next_due.isoformat(), "args": job.args,
                         "settings": job.settings})
        return 0
    state = args.state or os.environ.get("NEWSCRAWL_SCHEDULE_STATE") or schedule.state or "schedule-state.json"
    client = client_for(schedule, url=args.url)
    logger.info("scheduling %d jobs on Scrapyd %s, project %s; state in %s", len(schedule.jobs), client.url,
                schedule.project, state)
    scheduler = Scheduler(schedule, client, state_path=state)
    try:
        scheduler.run(once=args.once, duration=args.duration, max_submissions=args.max_submissions)
    except KeyboardInterrupt:
        logger.info("scheduler interrupted")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from newscrawl.ops.status import collect_status, default_index_path, render_status
    from newscrawl.outlets import all_outlets

    reports = args.reports or os.environ.get("NEWSCRAWL_REPORTS_DIR") or _project_setting("REPORTS_DIR") or "reports"
    archive = args.archive or default_archive_dir()
    index = default_index_path(archive, os.environ.get("NEWSCRAWL_ARCHIVE_INDEX") or _project_setting("ARCHIVE_INDEX"))
    status = collect_status(reports, index, runs=args.runs, spiders=list(all_outlets()))
    if args.json:
        _print_json(status)
    else:
        print(render_status(status))
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="newscrawl", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("extract", help="extract and tag saved article pages, one JSON object per page")
    p.add_argument("pages", nargs="+", metavar="PAGE.html")
    p.add_argument("--url", action="append", help="the page's URL (else its canonical link); once per page")
    p.set_defaults(func=cmd_extract)

    archive = sub.add_parser("archive", help="read and maintain the archive")
    asub = archive.add_subparsers(dest="archive_command", required=True)
    p = asub.add_parser("read", help="print records as JSON, one object per record")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_archive_read)
    for name, func, helptext in (("import", cmd_archive_import, "copy a folder of existing records into the archive"),
                                 ("reindex", cmd_archive_reindex, "rebuild the index from the records"),
                                 ("stats", cmd_archive_stats, "records per outlet, language and month")):
        p = asub.add_parser(name, help=helptext)
        p.add_argument("--archive", help="the archive folder (default: the project's ARCHIVE_DIR)")
        if name == "import":
            p.add_argument("dir", metavar="DIR")
        if name == "stats":
            p.add_argument("--json", action="store_true", help="print JSON")
            p.add_argument("--plot", metavar="FILE.png", help="also draw records per outlet per month as a PNG")
        p.set_defaults(func=func)
    p = asub.add_parser("rebuild", help="re-extract records from the raw archive's WARC files")
    p.add_argument("--archive", help="the archive folder (default: the project's ARCHIVE_DIR)")
    p.add_argument("--raw", help="a WARC file or folder (default: the project's RAW_ARCHIVE_DIR)")
    p.add_argument("--rewrite", action="store_true",
                   help="also rewrite records the archive holds, in place (number, hash and name kept)")
    p.add_argument("--timezone", default="UTC", help="zone of undated-offset times on sites without a module")
    p.add_argument("--processes", type=int, default=-1, help="extraction processes (-1: one per core)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds one page may take to extract")
    p.add_argument("--list", action="store_true", help="list the records added and rewritten, not just count them")
    p.set_defaults(func=cmd_archive_rebuild)
    register_archive_commands(asub)  # search and export (newscrawl.archive_commands)
    p = asub.add_parser("consume", help="archive the articles nodes of distributed crawls send through Redis")
    p.add_argument("--redis", help="the Redis server, redis://host:6379/0 (default: env NEWSCRAWL_REDIS_URL)")
    p.add_argument("--archive", help="the archive folder (default: the project's ARCHIVE_DIR)")
    p.add_argument("--batch", type=int, default=settings.REDIS_ARCHIVER_BATCH,
                   help=f"articles archived together at most (default {settings.REDIS_ARCHIVER_BATCH})")
    p.add_argument("--idle-exit", type=float, metavar="SECONDS", help="stop once nothing came for this long")
    p.add_argument("--max-items", type=int, metavar="N", help="stop after taking N entries")
    p.set_defaults(func=cmd_archive_consume)

    # -- running on a server
    p = sub.add_parser("schedule", help="submit the crawls of a schedule file to Scrapyd when they are due")
    p.add_argument("--schedule", default=os.environ.get("NEWSCRAWL_SCHEDULE", "schedule.toml"),
                   help="the schedule file (default: env NEWSCRAWL_SCHEDULE, else schedule.toml)")
    p.add_argument("--state", help="where the scheduler keeps the next due times (default: env"
                   " NEWSCRAWL_SCHEDULE_STATE, the file's [scheduler] state, else schedule-state.json)")
    p.add_argument("--url", help="Scrapyd's URL (default: the file's [scrapyd] url); credentials from env"
                   " NEWSCRAWL_SCRAPYD_USERNAME and NEWSCRAWL_SCRAPYD_PASSWORD")
    p.add_argument("--project", help="the Scrapyd project (default: the file's, else newscrawl)")
    p.add_argument("--poll", type=float, help="seconds between checks while a due job waits (default 30)")
    p.add_argument("--check", action="store_true", help="check the file and print each job's next due time")
    p.add_argument("--once", action="store_true", help="check once, submit what is due, and stop")
    p.add_argument("--duration", type=float, metavar="SECONDS", help="stop after this long")
    p.add_argument("--max-submissions", type=int, metavar="N", help="stop after submitting N jobs")
    p.set_defaults(func=cmd_schedule)

    p = sub.add_parser("status", help="per outlet: the last crawl, its health checks, the archive's growth")
    p.add_argument("--reports", help="the reports folder (default: the project's REPORTS_DIR)")
    p.add_argument("--archive", help="the archive folder (default: the project's ARCHIVE_DIR)")
    p.add_argument("--runs", type=int, default=20, help="recent runs to count per outlet (default 20)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_status)
    register_serve_command(sub)  # the web view (newscrawl.web)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``newscrawl`` command."""
    args = build_parser().parse_args(argv)
    # the scheduler and the archiver run for months: their log lines carry the time
    stamp = "%(asctime)s " if args.command == "schedule" or getattr(args, "archive_command", None) == "consume" else ""
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format=stamp + "newscrawl: %(levelname)s: %(message)s")
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
