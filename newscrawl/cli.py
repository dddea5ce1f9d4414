"""newscrawl: what the crawler does, for saved pages and for the archive.

    newscrawl extract PAGE.html… [--url URL]    extraction and tagging of saved pages, as JSON lines
    newscrawl archive read FILE…                 records as JSON lines (every layout)
    newscrawl archive import DIR                 bring a folder of existing records into the archive
    newscrawl archive reindex                    rebuild the index from the records
    newscrawl archive stats [--plot FILE.png]    records per outlet, language and month (outlet × month table)
    newscrawl archive search QUERY               full-text search, newest first (filters: outlet, language, dates)
    newscrawl archive export --format F          one row per record: jsonl, csv or parquet
    newscrawl archive stories [--since D]        reports of one event across outlets and languages
    newscrawl archive rebuild [--raw DIR]        re-extract records from the raw archive (WARC files)
    newscrawl archive consume --redis URL        archive what the nodes of distributed crawls send
    newscrawl schedule [--once]                  submit the crawls of schedule.toml to Scrapyd when due
    newscrawl status                             a line per outlet: last crawl, health, growth, next due
    newscrawl serve [--port N]                   read-only web view: search, facets, records, charts
    newscrawl check [SPIDER…] [--articles N]     what works at each outlet: routes, articles, verdict
    newscrawl spiders                            the spiders, their arguments and editions

Crawls themselves run with `scrapy crawl <spider>` (or, on a server, in Scrapyd).
"""

from __future__ import annotations

import argparse
import gzip
import logging
import os
import sqlite3
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from newscrawl import settings
from newscrawl.archive import search as fulltext
from newscrawl.archive.records import parse_record
from newscrawl.archive.store import STATE_DIR
from newscrawl.archive_commands import register as register_archive_commands
from newscrawl.archiving import Archiver
from newscrawl.commandline import (
    USAGE_ERROR,
    add_command,
    default_archive_dir,
    existing_archive,
    fail,
    print_json,
    progress_bar,
    project_setting,
    project_settings,
    writable,
)
from newscrawl.ops.check import register as register_check_command
from newscrawl.web.serve import register as register_serve_command

logger = logging.getLogger("newscrawl")


def open_archive(path: str | None) -> Archiver:
    """The archive at ``path`` (default: the project's), its index reconciled with the folder."""
    archiver = Archiver.open(path or default_archive_dir())
    archiver.archive.reconcile()
    return archiver


# -- commands
def read_page(page: str) -> bytes:
    """The bytes of a saved page: a file, a ``.gz`` file, or standard input (``-``)."""
    body = sys.stdin.buffer.read() if page == "-" else Path(page).read_bytes()
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    return body


def not_html(body: bytes) -> str | None:
    """Why a saved "page" is no HTML page (a PDF, an image, other binary data), None when it may be one."""
    from newscrawl.extract.html import decode_html, looks_binary

    if body.startswith(b"%PDF-"):
        return "a PDF, not an HTML page"
    if looks_binary(decode_html(body)):
        return "binary data, not an HTML page"
    if b"<" not in body[:65536]:
        return "text without HTML markup"
    return None


def cmd_extract(args: argparse.Namespace) -> int:
    from newscrawl.reading import extract_article

    urls = args.url or []
    if len(urls) > 1 and len(urls) != len(args.pages):
        raise fail("extract", "give one --url per page, or one for a single page")
    status = 0
    for i, page in enumerate(args.pages):
        try:
            body = read_page(page)
        except (OSError, EOFError) as exc:
            logger.error("cannot read %s: %s", page, exc)
            status = 1
            continue
        problem = not_html(body)
        if problem:
            logger.error("%s: %s; nothing extracted", page, problem)
            status = 1
            continue
        url = urls[i] if len(urls) > 1 else (urls[0] if urls else None)
        result = extract_article(body, url)
        if not url and not result.get("outlet"):
            logger.warning("%s: no outlet known for this page (no --url, no canonical link): read as a site without"
                           " outlet rules; give --url URL for the outlet's own reading", page)
        result.pop("text", None)
        result.pop("date", None)
        result["file"] = page
        print_json(result)
    return status


def cmd_archive_read(args: argparse.Namespace) -> int:
    status = 0
    for file in args.files:
        try:
            body = Path(file).read_bytes()
        except OSError as exc:
            logger.error("cannot read %s: %s", file, exc)
            status = 1
            continue
        problem = not_a_record(body)
        if problem:
            logger.error("%s is not a record: %s", file, problem)
            status = 1
            continue
        print_json(parse_record(body.decode("utf-8"), file).to_json())
    return status


def not_a_record(body: bytes) -> str | None:
    """Why a file cannot be a record (records are UTF-8 text), None when it can."""
    if body.startswith(b"%PDF-"):
        return "a PDF"
    if b"\x00" in body[:8192]:
        return "binary data"
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        return f"not UTF-8 text (byte {exc.start})"
    return None


def cmd_archive_import(args: argparse.Namespace) -> int:
    source = Path(args.dir)
    if not source.is_dir():
        raise fail("archive import", f"{source} is not a folder")
    archive = open_archive(args.archive).archive
    files = sorted(p for p in source.iterdir() if p.is_file())
    copied = already = 0
    clashes: list[str] = []
    with progress_bar(len(files), "importing", "files") as bar:
        for start in range(0, len(files), IMPORT_CHUNK):
            chunk = files[start:start + IMPORT_CHUNK]
            imported = archive.import_records(chunk)
            copied, already = copied + len(imported.copied), already + len(imported.already_present)
            clashes += [f"{name} (number taken by {holder})" for name, holder in imported.clashes]
            bar.update(len(chunk))
    report = archive.reconcile()
    for clash in clashes:
        logger.error("not imported, its number is taken and records are never renamed: %s (import a corpus before "
                     "the first crawl, or into a fresh folder)", clash)
    result = {"copied": copied, "already_present": already, "clashes": clashes, "indexed": len(report.imported),
              "records": report.records}
    if args.json:
        print_json(result)
    else:
        print(f"imported {copied} records from {source} ({already} already present, {len(clashes)} refused:"
              f" number taken); the archive holds {report.records} records", file=sys.stderr)
    return 1 if clashes else 0


#: files imported per step of the progress bar
IMPORT_CHUNK = 200


def cmd_archive_reindex(args: argparse.Namespace) -> int:
    folder = existing_archive(args.archive, "archive reindex")
    archive = Archiver.open(folder).archive
    with progress_bar(None, "reindexing", "records") as bar:
        report = archive.rebuild_index(progress=bar.update)
    fulltext.optimize(archive.index.db)  # full-text search: its index merged into one segment
    result = {"records": report.records, "indexed": report.indexed, "carried_over": report.carried,
              "derived": [f"{name}: {what}" for name, what in report.derived], "unreadable": report.unreadable,
              "number_clashes": report.clashes, "skipped": [f"{name} ({what})" for name, what in report.skipped],
              "damaged_index_moved_to": report.damaged_index}
    if args.json:
        print_json(result)
    else:
        print(f"reindexed {report.indexed} of {report.records} records in {folder}"
              f" ({len(report.unreadable)} unreadable, {len(report.derived)} facts derived,"
              f" {len(report.skipped)} files skipped)", file=sys.stderr)
    return 1 if report.unreadable else 0


def default_raw_dir() -> str | None:
    """The raw archive folder of the project settings (``RAW_ARCHIVE_DIR``)."""
    return os.environ.get("NEWSCRAWL_RAW_ARCHIVE_DIR") or project_setting("RAW_ARCHIVE_DIR")


def cmd_archive_rebuild(args: argparse.Namespace) -> int:
    from newscrawl.rebuild import rebuild
    from newscrawl.setting_checks import SettingError, check_warc_path

    raw = args.raw or default_raw_dir()
    if not raw:
        raise fail("archive rebuild", "give --raw DIR (or set RAW_ARCHIVE_DIR)")
    try:
        check_warc_path("--raw", raw)
    except SettingError as exc:
        raise fail("archive rebuild", str(exc)) from None
    topic = rebuild_topic(args)
    archiver = open_archive(args.archive)
    with progress_bar(None, "rebuilding", "pages") as bar:
        report = rebuild(archiver, raw, rewrite=args.rewrite, timezone_name=args.timezone, processes=args.processes,
                         timeout=args.timeout, progress=bar.update, topic=topic)
    result = report.to_json()
    if not args.list:
        result["added"], result["rewritten"] = len(report.added), len(report.rewritten)
    if args.json:
        print_json(result)
    else:
        print(f"rebuilt from {report.responses} stored responses: {report.articles} articles, {len(report.added)}"
              f" records added, {len(report.rewritten)} rewritten"
              f"{f', {report.off_topic} off the topic {report.topic}' if report.topic else ''};"
              f" {archiver.archive.root}", file=sys.stderr)
    return 0


def rebuild_topic(args: argparse.Namespace) -> Any:
    """The topic a rebuild keeps to (``--topic``, else the project's ``ARCHIVE_TOPIC``; ``--topic ''``:
    none), as a matcher; a topic that cannot be used is a one-line error."""
    from newscrawl.archive.topics import TopicError, TopicMatcher, resolve_topic

    value = args.topic if args.topic is not None else (os.environ.get("NEWSCRAWL_ARCHIVE_TOPIC")
                                                       or project_setting("ARCHIVE_TOPIC"))
    topics_file = args.topics_file or os.environ.get("NEWSCRAWL_TOPICS_FILE") or project_setting(
        "ARCHIVE_TOPICS_FILE") or "topics.toml"
    try:
        topic = resolve_topic(value, topics_file)
    except TopicError as exc:
        raise fail("archive rebuild", str(exc).replace("ARCHIVE_TOPIC ", "--topic ", 1)) from None
    return TopicMatcher(topic) if topic else None


def cmd_archive_stats(args: argparse.Namespace) -> int:
    from newscrawl.charts import outlet_month_table, plot_records_per_month

    folder = existing_archive(args.archive, "archive stats")
    # a user who may only read the archive gets the index as it is, opened read-only
    stats = open_archive(str(folder)).archive.stats() if writable(folder) else read_only_stats(folder)
    if args.plot:  # a chart for people who would rather look than read (newscrawl.charts)
        try:
            plot_records_per_month(stats["outlet_months"], args.plot)
        except (OSError, RuntimeError, ValueError) as exc:
            raise SystemExit(f"newscrawl archive stats: cannot draw {args.plot}: {exc}") from None
    if args.json:
        print_json(stats)
        return 0
    print(f"records: {stats['records']}  (duplicates refused by crawls: {stats['duplicates_refused']})")
    for title, key in (("outlet", "outlets"), ("language", "languages")):
        print(f"\nper {title}:")
        for name, n in stats[key].items():
            print(f"  {name:<14} {n:>8}")
    print("\nper month and outlet:")
    print(outlet_month_table(stats["outlet_months"]))
    return 0


def read_only_stats(folder: Path) -> dict[str, Any]:
    """The stats of an archive this user may not change, from its index opened read-only."""
    from newscrawl.archive.index import ArchiveIndex

    index_path = Path(os.environ.get("NEWSCRAWL_ARCHIVE_INDEX") or folder / STATE_DIR / "index.sqlite")
    try:
        index = ArchiveIndex(index_path, read_only=True)
    except (OSError, sqlite3.Error) as exc:
        raise fail("archive stats", f"cannot read the index of {folder}: {exc}", 1) from None
    try:
        return index.stats()
    finally:
        index.close()


def cmd_archive_consume(args: argparse.Namespace) -> int:
    try:
        from newscrawl.distributed.archiver import ArchiverBusy, consume
        from newscrawl.distributed.connection import RedisUnavailable
    except ImportError as exc:
        raise SystemExit(f"newscrawl archive consume: {exc.name} is missing: "
                         "pip install 'newscrawl[distributed]'") from None

    url = args.redis or os.environ.get("NEWSCRAWL_REDIS_URL") or project_setting("REDIS_URL")
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
    print_json(report.to_json())
    return 0


# -- running on a server
def cmd_schedule(args: argparse.Namespace) -> int:
    from newscrawl.ops.schedule import ScheduleError, Scheduler, check_poll, client_for, load_schedule, state_path_of

    quiet = args.check and not args.verbose  # --check prints its findings only
    logging.getLogger("newscrawl").setLevel(logging.DEBUG if args.verbose else
                                            logging.WARNING if quiet else logging.INFO)
    try:
        schedule = load_schedule(args.schedule)
    except ScheduleError as exc:
        raise fail("schedule", str(exc)) from None
    if args.poll is not None:
        try:
            schedule = replace(schedule, poll=check_poll(args.poll))
        except ScheduleError as exc:
            raise fail("schedule", f"--poll: {exc}") from None
    if args.project:
        schedule = replace(schedule, project=args.project)
    if not schedule.jobs:
        raise fail("schedule", f"{args.schedule} has no [jobs.NAME]")
    state = state_path_of(schedule, args.state)
    if args.check:
        return check_schedule(schedule, state, args.json)
    client = client_for(schedule, url=args.url)
    logger.info("scheduling %d jobs on Scrapyd %s, project %s; state in %s", len(schedule.jobs), client.url,
                schedule.project, state)
    scheduler = Scheduler(schedule, client, state_path=state)
    try:
        scheduler.run(once=args.once, duration=args.duration, max_submissions=args.max_submissions)
    except KeyboardInterrupt:
        logger.info("scheduler interrupted")
    if args.once:
        stuck = [d for d in scheduler.last_decisions if d.hint]
        for decision in stuck:
            print(f"newscrawl schedule: job {decision.job} not submitted: {decision.reason}; {decision.hint}",
                  file=sys.stderr)
        return 1 if stuck else 0
    return 0


def check_schedule(schedule: Any, state: Path, as_json: bool = False) -> int:
    """``schedule --check``: each job as written, with its next due time (from the state file when the
    scheduler has one); exit status 1 when a job names a spider or arguments this project cannot run."""
    from newscrawl.ops.schedule import Scheduler, job_problems

    scheduler = Scheduler(schedule, client=None, state_path=state, read_only=True)  # type: ignore[arg-type]
    jobs = [{"job": job.name, "spider": job.spider, "when": job.trigger.as_written(),
             "next_due": scheduler.states[job.name].next_due.isoformat(), "args": job.args, "settings": job.settings}
            for job in schedule.jobs]
    if as_json:
        for job in jobs:
            print_json(job)
    else:
        width = max([len("JOB"), *(len(job["job"]) for job in jobs)])
        print(f"{'JOB':<{width}}  {'SPIDER':<10} {'WHEN':<24} {'NEXT DUE (UTC)':<17} ARGUMENTS AND SETTINGS")
        for job in jobs:
            due = datetime.fromisoformat(job["next_due"]).astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M")
            given = [f"-a {k}={v}" for k, v in job["args"].items()]
            given += [f"-s {k}={v}" for k, v in job["settings"].items()]
            print(f"{job['job']:<{width}}  {job['spider']:<10} {job['when']:<24} {due:<17} {' '.join(given)}".rstrip())
    problems = job_problems(schedule)
    for problem in problems:
        print(f"newscrawl schedule: {problem}", file=sys.stderr)
    return 1 if problems else 0


def cmd_status(args: argparse.Namespace) -> int:
    from newscrawl.ops.status import collect_status, default_index_path, render_status
    from newscrawl.outlets import all_outlets

    reports = args.reports or os.environ.get("NEWSCRAWL_REPORTS_DIR") or project_setting("REPORTS_DIR") or "reports"
    archive = str(existing_archive(args.archive, "status"))
    index = default_index_path(archive, os.environ.get("NEWSCRAWL_ARCHIVE_INDEX") or project_setting("ARCHIVE_INDEX"))
    drift = os.environ.get("NEWSCRAWL_DRIFT_DIR") or project_setting("DRIFT_DIR")
    schedule = status_schedule(args)
    next_due, unreported = {}, {}
    if schedule is not None:
        next_due = scheduled_due_times(schedule, args.state)
        unreported = jobs_without_report(schedule, args.scrapyd, reports)
    status = collect_status(reports, index, runs=args.runs, spiders=list(all_outlets()), drift_dir=drift,
                            next_due=next_due, unreported=unreported,
                            scheduled=[job.spider for job in schedule.jobs] if schedule else ())
    if args.json:
        print_json(status)
    else:
        print(render_status(status, verbose=args.verbose))
    return 1 if status["needs_attention"] else 0


def status_schedule(args: argparse.Namespace) -> Any:
    """The schedule ``status`` compares with: ``--schedule``, env ``NEWSCRAWL_SCHEDULE``, else
    ``schedule.toml`` when there is one (None without)."""
    from newscrawl.ops.schedule import ScheduleError, load_schedule

    path = args.schedule or os.environ.get("NEWSCRAWL_SCHEDULE")
    if path is None and not Path("schedule.toml").is_file():
        return None
    try:
        schedule = load_schedule(path or "schedule.toml")
    except ScheduleError as exc:
        raise fail("status", str(exc)) from None
    return replace(schedule, project=args.project) if args.project else schedule


def scheduled_due_times(schedule: Any, state: str | None) -> dict[str, Any]:
    """Per spider, the next due time in the scheduler's state file ({} when the scheduler never ran)."""
    from newscrawl.ops.schedule import load_state, next_due_by_spider, state_path_of

    path = state_path_of(schedule, state)
    if state and not path.is_file():
        raise fail("status", f"--state {state}: no such file")
    return next_due_by_spider(schedule, load_state(path)) if path.is_file() else {}


def jobs_without_report(schedule: Any, url: str | None, reports: str) -> dict[str, list[dict[str, Any]]]:
    """The Scrapyd jobs that ended without a report; a note on standard error when Scrapyd cannot tell."""
    from newscrawl.ops.schedule import client_for
    from newscrawl.ops.scrapyd import ScrapydError, ScrapydUnavailable
    from newscrawl.ops.status import unreported_runs

    client = client_for(schedule, url=url, timeout=10)
    try:
        return unreported_runs(client, schedule.project, reports)
    except (ScrapydUnavailable, ScrapydError) as exc:
        print(f"newscrawl status: note: cannot list Scrapyd's jobs at {client.url} ({exc}); jobs that ended"
              " without a report are not shown", file=sys.stderr)
        return {}


def package_version() -> str:
    """newscrawl's version."""
    try:
        return version("newscrawl")
    except PackageNotFoundError:  # run from a checkout that is not installed
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="newscrawl", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    parser.add_argument("--version", action="version", version=f"newscrawl {package_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = add_command(sub, "extract", "extract and tag saved article pages, one JSON object per page")
    p.add_argument("pages", nargs="+", metavar="PAGE.html",
                   help="saved pages (.html, .html.gz; - reads standard input)")
    p.add_argument("--url", action="append", help="the page's URL (else its canonical link); once per page")
    p.set_defaults(func=cmd_extract)

    archive = add_command(sub, "archive", "read and maintain the archive")
    asub = archive.add_subparsers(dest="archive_command", metavar="COMMAND")
    archive.set_defaults(func=lambda args: print_help(archive))
    p = add_command(asub, "read", "print records as JSON, one object per record")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=cmd_archive_read)
    for name, func, helptext in (("import", cmd_archive_import, "copy a folder of existing records into the archive"),
                                 ("reindex", cmd_archive_reindex, "rebuild the index from the records"),
                                 ("stats", cmd_archive_stats, "records per outlet, language and month")):
        p = add_command(asub, name, helptext)
        p.add_argument("--archive", help="the archive folder (default: the project's ARCHIVE_DIR)")
        if name == "import":
            p.add_argument("dir", metavar="DIR")
        if name == "stats":
            p.add_argument("--plot", metavar="FILE.png", help="also draw records per outlet per month as a PNG")
        p.add_argument("--json", action="store_true", help="print JSON (else a summary; progress on standard error)")
        p.set_defaults(func=func)
    p = add_command(asub, "rebuild", "re-extract records from the raw archive's WARC files")
    p.add_argument("--archive", help="the archive folder (default: the project's ARCHIVE_DIR)")
    p.add_argument("--raw", help="a WARC file or folder (default: the project's RAW_ARCHIVE_DIR)")
    p.add_argument("--rewrite", action="store_true",
                   help="also rewrite records the archive holds, in place (number, hash and name kept)")
    p.add_argument("--timezone", default="UTC", help="zone of undated-offset times on sites without a module")
    p.add_argument("--processes", type=int, default=-1, help="extraction processes (-1: one per core)")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds one page may take to extract")
    p.add_argument("--topic", help="add only articles on this topic: a query in the search syntax or a name of the"
                                   " topics file (default: the project's ARCHIVE_TOPIC; '' for none)")
    p.add_argument("--topics-file", help="the file of named topics (default: the project's ARCHIVE_TOPICS_FILE)")
    p.add_argument("--list", action="store_true", help="list the records added and rewritten, not just count them")
    p.add_argument("--json", action="store_true", help="print the report as JSON (else a summary)")
    p.set_defaults(func=cmd_archive_rebuild)
    register_archive_commands(asub, add_command)  # search and export (newscrawl.archive_commands)
    p = add_command(asub, "consume", "archive the articles nodes of distributed crawls send through Redis")
    p.add_argument("--redis", help="the Redis server, redis://host:6379/0 (default: env NEWSCRAWL_REDIS_URL)")
    p.add_argument("--archive", help="the archive folder (default: the project's ARCHIVE_DIR)")
    p.add_argument("--batch", type=int, default=settings.REDIS_ARCHIVER_BATCH,
                   help=f"articles archived together at most (default {settings.REDIS_ARCHIVER_BATCH})")
    p.add_argument("--idle-exit", type=float, metavar="SECONDS", help="stop once nothing came for this long")
    p.add_argument("--max-items", type=int, metavar="N", help="stop after taking N entries")
    p.set_defaults(func=cmd_archive_consume)

    # -- running on a server
    p = add_command(sub, "schedule", "submit the crawls of a schedule file to Scrapyd when they are due")
    p.add_argument("--schedule", default=os.environ.get("NEWSCRAWL_SCHEDULE", "schedule.toml"),
                   help="the schedule file (default: env NEWSCRAWL_SCHEDULE, else schedule.toml)")
    p.add_argument("--state", help="where the scheduler keeps the next due times (default: env"
                   " NEWSCRAWL_SCHEDULE_STATE, the file's [scheduler] state, else schedule-state.json)")
    p.add_argument("--url", help="Scrapyd's URL (default: the file's [scrapyd] url); credentials from env"
                   " NEWSCRAWL_SCRAPYD_USERNAME and NEWSCRAWL_SCRAPYD_PASSWORD")
    p.add_argument("--project", help="the Scrapyd project (default: the file's, else newscrawl)")
    p.add_argument("--poll", type=float, help="seconds between checks while a due job waits (default 30)")
    p.add_argument("--check", action="store_true", help="check the file and print each job's next due time")
    p.add_argument("--json", action="store_true", help="with --check: one JSON object per job")
    p.add_argument("--once", action="store_true", help="check once, submit what is due, and stop")
    p.add_argument("--duration", type=float, metavar="SECONDS", help="stop after this long")
    p.add_argument("--max-submissions", type=int, metavar="N", help="stop after submitting N jobs")
    p.set_defaults(func=cmd_schedule)

    p = add_command(sub, "status", "a line per outlet: its last crawl and health, the archive's growth and the"
                    " next due time (-v: each crawl's checks); exit status 1 when an outlet is unhealthy or overdue")
    p.add_argument("--reports", help="the reports folder (default: the project's REPORTS_DIR)")
    p.add_argument("--archive", help="the archive folder (default: the project's ARCHIVE_DIR)")
    p.add_argument("--runs", type=int, default=20, help="recent runs to count per outlet (default 20)")
    p.add_argument("--schedule", help="the schedule file, for the next due times and Scrapyd (default: env"
                   " NEWSCRAWL_SCHEDULE, else schedule.toml when there is one)")
    p.add_argument("--state", help="the scheduler's state file (default: as newscrawl schedule)")
    p.add_argument("--scrapyd", metavar="URL", help="Scrapyd's URL (default: the schedule file's)")
    p.add_argument("--project", help="the Scrapyd project (default: the schedule file's)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_status)

    p = add_command(sub, "spiders", "the spiders, with their arguments and editions")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_spiders)
    register_serve_command(sub, add_command)  # the web view (newscrawl.web)
    register_check_command(sub)  # what works at each outlet (newscrawl.ops.check)
    return parser


def print_help(parser: argparse.ArgumentParser) -> int:
    """Show a command's help (a command given without its subcommand)."""
    parser.print_help()
    return USAGE_ERROR


def cmd_spiders(args: argparse.Namespace) -> int:
    from scrapy.spiderloader import SpiderLoader

    loader = SpiderLoader.from_settings(project_settings())
    spiders = []
    for name in sorted(loader.list()):
        spidercls = loader.load(name)
        outlet = vars(spidercls).get("outlet") or next((vars(c)["outlet"] for c in spidercls.__mro__
                                                        if "outlet" in vars(c)), None)
        spiders.append({"spider": name, "description": (spidercls.__doc__ or "").strip().splitlines()[0].strip("`"),
                        "arguments": dict(getattr(spidercls, "spider_arguments", {})),
                        "editions": list(getattr(outlet, "editions", {}) or {}),
                        "first_year": getattr(outlet, "first_year", None)})
    if args.json:
        for spider in spiders:
            print_json(spider)
        return 0
    for spider in spiders:
        print(f"{spider['spider']}: {spider['description']}")
        if spider["editions"]:
            print(f"    editions: {', '.join(spider['editions'])}; archive from {spider['first_year']}")
        for name, what in spider["arguments"].items():
            print(f"    -a {name:<9} {what}")
    print("\nrun one with: scrapy crawl SPIDER [-a NAME=VALUE ...]")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``newscrawl`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "func", None) is None:  # bare newscrawl: what it can do
        parser.print_help()
        return USAGE_ERROR if argv else 0
    # the scheduler and the archiver run for months: their log lines carry the time
    stamp = "%(asctime)s " if args.command == "schedule" or getattr(args, "archive_command", None) == "consume" else ""
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING,
                        format=stamp + "newscrawl: %(levelname)s: %(message)s")
    try:
        return args.func(args)
    except BrokenPipeError:  # the reader went away (| head): stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
