"""``newscrawl status``: per outlet, the last crawl, its result and health checks, how the archive
grows and when the scheduler runs it next; from the reports folder, the archive index (read-only),
the scheduler's state file and Scrapyd's list of finished jobs (those that ended without a report).

By default one line per outlet; ``--verbose`` adds each run's checks and alerts. An outlet whose
last run was unhealthy or failed, or whose next due time passed long ago, *needs attention*: the
command then exits with status 1, so that a monitor can run it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from newscrawl.archive.index import ArchiveIndex
from newscrawl.archive.store import STATE_DIR
from newscrawl.extensions.drift import drift_counts
from newscrawl.ops.reports import crawl_kind, recent_reports, reported_spiders
from newscrawl.stats import items_extracted

#: the spider whose records carry their site's host as outlet
SITE_SPIDER = "site"
#: how long after its due time a job that was not submitted counts as overdue
DEFAULT_GRACE = timedelta(hours=1)
#: Scrapyd log lines shown of a job that ended without a report
LOG_TAIL_LINES = 5


def _int(stats: Mapping[str, Any], key: str) -> int:
    return int(stats.get(key, 0) or 0)


def moment(value: Any) -> datetime | None:
    """A time as reports and Scrapyd write it (ISO 8601, ``20250815T100000Z``; no zone = local), UTC."""
    if isinstance(value, datetime):
        parsed = value
    elif value:
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            try:
                parsed = datetime.strptime(text.rstrip("Z"), "%Y%m%dT%H%M%S").replace(tzinfo=timezone.utc)
            except ValueError:
                return None
    else:
        return None
    return (parsed if parsed.tzinfo else parsed.astimezone()).astimezone(timezone.utc)


def run_summary(report: Mapping[str, Any]) -> dict[str, Any]:
    """What ``status`` shows of one crawl report."""
    stats = report.get("stats", {})
    health = report.get("health") or {}
    started, finished = stats.get("start_time"), stats.get("finish_time")
    seconds = stats.get("elapsed_time_seconds")
    return {
        "job": report.get("job"), "started": started, "finished": finished or report.get("written_at"),
        "seconds": round(float(seconds), 1) if seconds is not None else None,
        "reason": report.get("reason"), "kind": crawl_kind(report.get("arguments", {})),
        "pages": _int(stats, "response_received_count"), "items": items_extracted(stats),
        "archived": _int(stats, "newscrawl/archived"), "duplicates": _int(stats, "newscrawl/duplicates"),
        "records_at_end": stats.get("newscrawl/archive/records_at_end"),
        "topic": stats.get("newscrawl/topic"), "topic_kept": _int(stats, "newscrawl/topic/kept"),
        "topic_skipped": _int(stats, "newscrawl/topic/skipped"),
        "health": health.get("status", "unknown"), "failed_checks": health.get("failed", []),
        "checks": health.get("checks", []), "alerts": health.get("alerts", {}), "report": report.get("_path"),
    }


def unreported_run(job: Mapping[str, Any], log_tail: Sequence[str]) -> dict[str, Any]:
    """A Scrapyd job that ended without writing a report (bad arguments, a crash at start): a failed run."""
    return {
        "job": job.get("id"), "started": job.get("start_time"), "finished": job.get("end_time"), "seconds": None,
        "reason": "ended without a report", "kind": "-", "pages": 0, "items": 0, "archived": 0, "duplicates": 0,
        "records_at_end": None, "health": "failed", "failed_checks": ["no_report"], "checks": [], "alerts": {},
        "report": None, "log_tail": list(log_tail),
    }


def reported_job_ids(reports_dir: str | os.PathLike[str], spider: str) -> set[str]:
    """The jobs of a spider that wrote a report (``<time>_<job>.json``)."""
    folder = Path(reports_dir) / spider
    return {p.stem.split("_", 1)[1] for p in folder.glob("*_*.json")} if folder.is_dir() else set()


def archive_growth(index_path: Path, now: datetime | None = None) -> dict[str, dict[str, int]]:
    """Per outlet: records in the index, and those fetched in the last day and the last 7 days."""
    if not index_path.is_file():
        return {}
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    index = ArchiveIndex(index_path, read_only=True)
    try:
        return index.growth((now - timedelta(days=1)).isoformat(), (now - timedelta(days=7)).isoformat())
    finally:
        index.close()


def default_index_path(archive_dir: str | os.PathLike[str], index: str | None = None) -> Path:
    """The archive's index (``ARCHIVE_INDEX``, else ``ARCHIVE_DIR/.newscrawl/index.sqlite``)."""
    return Path(index) if index else Path(archive_dir) / STATE_DIR / "index.sqlite"


def collect_status(reports_dir: str | os.PathLike[str], index_path: Path, *, runs: int = 20,
                   spiders: Sequence[str] = (), now: datetime | None = None,
                   drift_dir: str | os.PathLike[str] | None = None,
                   next_due: Mapping[str, datetime] | None = None,
                   unreported: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
                   scheduled: Sequence[str] = (), grace: timedelta = DEFAULT_GRACE) -> dict[str, Any]:
    """Per outlet: the last run, counts over the recent runs, the archive's growth, the pages in no
    known layout kept in ``drift_dir``, the next due time (``next_due``, per spider, from the
    scheduler's state) and the failed runs that wrote no report (``unreported``, per spider, from
    ``unreported_run``); ``scheduled`` the spiders of the schedule file. Records of outlets that are no
    spider's go to the ``site`` spider's hosts."""
    now = (now or datetime.now(timezone.utc)).astimezone(timezone.utc)
    growth = archive_growth(index_path, now)
    drift = drift_counts(drift_dir) if drift_dir else {}
    next_due = next_due or {}
    unreported = unreported or {}
    names = set(spiders) | set(reported_spiders(reports_dir)) | set(next_due) | set(unreported)
    site_hosts = {o: g["records"] for o, g in growth.items() if o != "-" and o not in names}
    if site_hosts:
        names.add(SITE_SPIDER)
    outlets = {}
    for name in sorted(names):
        recent = [run_summary(r) for r in recent_reports(reports_dir, name, limit=runs)]
        recent += list(unreported.get(name, ()))
        recent.sort(key=lambda r: moment(r["finished"]) or datetime.min.replace(tzinfo=timezone.utc))
        recent = recent[-runs:]
        last = recent[-1] if recent else None
        if name == SITE_SPIDER:
            archive = {key: sum(g[key] for o, g in growth.items() if o in site_hosts)
                       for key in ("records", "last_day", "last_week")}
        else:
            archive = growth.get(name, {"records": 0, "last_day": 0, "last_week": 0})
        due = next_due.get(name)
        problems = []
        if last is not None and last["health"] == "failed":
            problems.append("failed: no report" if last["report"] is None and last.get("log_tail") is not None
                            else "unhealthy: " + ", ".join(last["failed_checks"] or ["failed"]))
        if due is not None and due + grace < now:
            problems.append(f"overdue by {age(now - due)}")
        outlets[name] = {
            "last_run": last,
            "last_run_age_seconds": _age_seconds(last, now),
            "recent_runs": len(recent),
            "recent_healthy": sum(r["health"] == "passed" for r in recent),
            "recent_unhealthy": sum(r["health"] == "failed" for r in recent),
            "recent_unfinished": sum(r["reason"] != "finished" for r in recent),
            "archived_in_recent_runs": sum(r["archived"] for r in recent),
            "topic_in_recent_runs": topic_counts(recent),
            "archive": archive,
            "hosts": dict(sorted(site_hosts.items())) if name == SITE_SPIDER else None,
            "unknown_layout_pages": drift.get(name, 0) if drift_dir else None,
            "next_due": due.isoformat() if due else None,
            "scheduled": name in scheduled or name in next_due,
            "problems": problems,
        }
    return {"reports_dir": str(reports_dir), "index": str(index_path), "now": now.isoformat(), "outlets": outlets,
            "unattributed_records": growth.get("-", {}).get("records", 0),
            "needs_attention": sorted(n for n, o in outlets.items() if o["problems"])}


def topic_counts(runs: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """Per topic the runs kept to: the articles they kept and skipped."""
    counts: dict[str, dict[str, int]] = {}
    for run in runs:
        if run.get("topic"):
            topic = counts.setdefault(run["topic"], {"kept": 0, "skipped": 0})
            topic["kept"] += run["topic_kept"]
            topic["skipped"] += run["topic_skipped"]
    return counts


def _age_seconds(run: Mapping[str, Any] | None, now: datetime) -> float | None:
    finished = moment(run["finished"]) if run else None
    return round((now - finished).total_seconds()) if finished else None


def age(span: timedelta) -> str:
    """A span in its largest unit: ``45s``, ``12m``, ``5h``, ``3d``."""
    seconds = max(int(span.total_seconds()), 0)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _short_time(value: Any) -> str:
    when = moment(value)
    return when.strftime("%Y-%m-%d %H:%M") if when else "-"


def outlet_line(name: str, outlet: Mapping[str, Any], now: datetime, width: int) -> str:
    """One outlet at a glance."""
    last, growth = outlet["last_run"], outlet["archive"]
    if last is None:
        ran, health, articles = "never reported", "-", "-"
    else:
        seconds = outlet["last_run_age_seconds"]
        ran = f"{_short_time(last['finished'])} ({age(timedelta(seconds=seconds))} ago)" if seconds is not None \
            else "-"
        health = {"passed": "ok", "failed": "FAILED"}.get(last["health"], last["health"])
        if last["reason"] not in ("finished", None) and last["health"] != "failed":
            health = last["reason"]
        articles = str(last["items"])
    due = moment(outlet["next_due"])
    if due is None:
        next_due = "scheduler not run yet" if outlet.get("scheduled") else "not scheduled"
    elif due <= now:
        next_due = f"due {age(now - due)} ago"
    else:
        next_due = f"{due.strftime('%H:%M')} (in {age(due - now)})"
    line = (f"{name:<{width}}  {ran:<27} {health:<9} {articles:>8} {growth['records']:>8}"
            f" {'+' + str(growth['last_day']):>6} {'+' + str(growth['last_week']):>6}  {next_due}")
    if outlet.get("unknown_layout_pages"):
        line += f"; {outlet['unknown_layout_pages']} drift pages"
    for topic, counts in outlet.get("topic_in_recent_runs", {}).items():
        line += f"; topic {topic}: {counts['kept']} kept, {counts['skipped']} skipped"
    for topic, counts in outlet.get("topic_in_recent_runs", {}).items():
        line += f"; topic {topic}: {counts['kept']} kept, {counts['skipped']} skipped"
    if outlet.get("hosts"):
        line += "; hosts " + ", ".join(f"{host} ({n})" for host, n in outlet["hosts"].items())
    if outlet["problems"]:
        line += "  << " + "; ".join(outlet["problems"])
    return line


def render_status(status: Mapping[str, Any], *, verbose: bool = False) -> str:
    """The status as text: a line per outlet, then (``verbose``) each outlet's detail; the Scrapyd log
    of a run that ended without a report is always shown."""
    outlets = status["outlets"]
    if not outlets:
        return f"no crawl reports in {status['reports_dir']} and no records in {status['index']}"
    now = moment(status["now"]) or datetime.now(timezone.utc)
    width = max(len("OUTLET"), *map(len, outlets))
    lines = [f"{'OUTLET':<{width}}  {'LAST RUN':<27} {'HEALTH':<9} {'ARTICLES':>8} {'RECORDS':>8}"
             f" {'+1 DAY':>6} {'+7 DAYS':>6}  NEXT DUE"]
    for name, outlet in outlets.items():
        lines.append(outlet_line(name, outlet, now, width))
        last = outlet["last_run"]
        if last is not None and last.get("log_tail") is not None:
            tail = last["log_tail"][-(LOG_TAIL_LINES if not verbose else 3 * LOG_TAIL_LINES):]
            lines.append(f"    Scrapyd job {last['job']} ended without a report; its log ends:")
            lines += [f"    | {line}" for line in tail] or ["    | (empty)"]
        if verbose:
            lines += _detail(outlet)
    if status.get("unattributed_records"):
        lines.append(f"(and {status['unattributed_records']} records of no known outlet)")
    if status.get("needs_attention"):
        lines.append(f"needs attention: {', '.join(status['needs_attention'])}")
    return "\n".join(lines)


def _detail(outlet: Mapping[str, Any]) -> list[str]:
    growth, last = outlet["archive"], outlet["last_run"]
    lines = []
    if last is not None and last.get("log_tail") is None:
        took = f", {last['seconds']:g}s" if last["seconds"] is not None else ""
        lines.append(f"  last run:  {last['finished']} (job {last['job'] or '-'}, {last['kind']}{took}):"
                     f" {last['reason']}, health {last['health'].upper()}")
        lines.append(f"             {last['pages']} pages, {last['items']} articles, {last['archived']} archived,"
                     f" {last['duplicates']} duplicates")
        for check in last["checks"]:
            lines.append(f"    {check['status']:<8} {check['name']}: {check['message']}")
        for channel, outcome in last["alerts"].items():
            lines.append(f"    alert {channel}: {outcome}")
    lines.append(f"  recent:    {outlet['recent_runs']} runs, {outlet['recent_healthy']} healthy,"
                 f" {outlet['recent_unhealthy']} unhealthy, {outlet['recent_unfinished']} not finished;"
                 f" {outlet['archived_in_recent_runs']} articles archived")
    for topic, counts in outlet.get("topic_in_recent_runs", {}).items():
        lines.append(f"  topic:     {topic}: {counts['kept']} kept, {counts['skipped']} skipped in recent runs")
    lines.append(f"  archive:   {growth['records']} records; +{growth['last_day']} in the last day,"
                 f" +{growth['last_week']} in the last 7 days")
    if outlet.get("unknown_layout_pages") is not None:
        lines.append(f"  layouts:   {outlet['unknown_layout_pages']} pages in no known layout kept (DRIFT_DIR)")
    if outlet.get("next_due"):
        lines.append(f"  next due:  {outlet['next_due']}")
    return lines


def unreported_runs(client: Any, project: str, reports_dir: str | os.PathLike[str],
                    lines: int = 3 * LOG_TAIL_LINES) -> dict[str, list[dict[str, Any]]]:
    """Per spider: the jobs Scrapyd lists as finished that wrote no report, as failed runs with the
    end of their log (``client`` a ``ScrapydClient``)."""
    runs: dict[str, list[dict[str, Any]]] = {}
    reported: dict[str, set[str]] = {}
    for job in client.list_jobs(project).finished:
        spider = str(job.get("spider"))
        if spider not in reported:
            reported[spider] = reported_job_ids(reports_dir, spider)
        if str(job.get("id")) in reported[spider]:
            continue
        tail = client.log_tail(job["log_url"], lines) if job.get("log_url") else []
        runs.setdefault(spider, []).append(unreported_run(job, tail))
    return runs
