"""``newscrawl status``: per outlet, the last crawl, its result and health checks, and how the
archive grows; from the reports folder and the archive index (read-only)."""

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


def _int(stats: Mapping[str, Any], key: str) -> int:
    return int(stats.get(key, 0) or 0)


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
                   drift_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Per outlet: the last run, counts over the recent runs, the archive's growth, and the pages in no
    known layout kept in ``drift_dir``."""
    growth = archive_growth(index_path, now)
    drift = drift_counts(drift_dir) if drift_dir else {}
    names = sorted(set(spiders) | set(reported_spiders(reports_dir)) | {o for o in growth if o != "-"})
    outlets = {}
    for name in names:
        recent = [run_summary(r) for r in recent_reports(reports_dir, name, limit=runs)]
        outlets[name] = {
            "last_run": recent[-1] if recent else None,
            "recent_runs": len(recent),
            "recent_healthy": sum(r["health"] == "passed" for r in recent),
            "recent_unhealthy": sum(r["health"] == "failed" for r in recent),
            "recent_unfinished": sum(r["reason"] != "finished" for r in recent),
            "archived_in_recent_runs": sum(r["archived"] for r in recent),
            "topic_in_recent_runs": topic_counts(recent),
            "archive": growth.get(name, {"records": 0, "last_day": 0, "last_week": 0}),
            "unknown_layout_pages": drift.get(name, 0) if drift_dir else None,
        }
    return {"reports_dir": str(reports_dir), "index": str(index_path), "outlets": outlets,
            "unattributed_records": growth.get("-", {}).get("records", 0)}


def topic_counts(runs: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, int]]:
    """Per topic the runs kept to: the articles they kept and skipped."""
    counts: dict[str, dict[str, int]] = {}
    for run in runs:
        if run.get("topic"):
            topic = counts.setdefault(run["topic"], {"kept": 0, "skipped": 0})
            topic["kept"] += run["topic_kept"]
            topic["skipped"] += run["topic_skipped"]
    return counts


def render_status(status: Mapping[str, Any]) -> str:
    """The status as text."""
    lines = []
    for name, outlet in status["outlets"].items():
        growth, last = outlet["archive"], outlet["last_run"]
        lines.append(f"{name}")
        if last is None:
            lines.append("  last run:  none reported")
        else:
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
    if not status["outlets"]:
        lines.append(f"no crawl reports in {status['reports_dir']} and no records in {status['index']}")
    if status.get("unattributed_records"):
        lines.append(f"(and {status['unattributed_records']} records of no known outlet)")
    return "\n".join(lines)
