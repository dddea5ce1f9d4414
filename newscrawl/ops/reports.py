"""The folder of crawl reports (``REPORTS_DIR``): where each job's JSON report goes, and reading
them back (for the health checks' learned baselines and for ``newscrawl status``).

A server installation points ``REPORTS_DIR`` (env ``NEWSCRAWL_REPORTS_DIR``) at a persistent
folder; every crawl then writes ``REPORTS_DIR/<spider>/<time>_<job>.json``.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

def read_report(path: Path) -> dict[str, Any] | None:
    """One report, with its file as ``"_path"``; None (logged) when it cannot be read."""
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        logger.warning("unreadable crawl report %s: %s", path, exc)
        return None
    if not isinstance(report, dict) or "spider" not in report:
        return None
    report["_path"] = str(path)
    return report


def reported_spiders(reports_dir: str | os.PathLike[str]) -> list[str]:
    """The spiders that have a folder of reports."""
    root = Path(reports_dir)
    return sorted(p.name for p in root.iterdir() if p.is_dir()) if root.is_dir() else []


def recent_reports(reports_dir: str | os.PathLike[str], spider: str, limit: int | None = None) -> list[dict[str, Any]]:
    """The latest reports of a spider (``REPORTS_DIR/<spider>/*.json``, whose names start with the
    time), oldest first; at most ``limit`` files are read."""
    folder = Path(reports_dir) / spider
    if not folder.is_dir():
        return []
    files = sorted((p for p in folder.glob("*.json") if p.is_file()), key=lambda p: p.name)
    if limit is not None:
        files = files[-limit:]
    reports = [r for r in map(read_report, files) if r is not None and r.get("spider") == spider]
    return sorted(reports, key=lambda r: (str(r.get("written_at") or ""), r["_path"]))


def _given(value: Any) -> bool:
    return value not in (None, "", "None", [], ())


def crawl_kind(arguments: Mapping[str, Any]) -> str:
    """``check`` (a probe of the outlet, ``CHECK``), ``urls`` (just given pages), ``backfill`` (``since``)
    or ``incremental``."""
    if arguments.get("check") in (True, "True", "true", "1"):
        return "check"
    if _given(arguments.get("urls")):
        return "urls"
    if _given(arguments.get("since")):
        return "backfill"
    return "incremental"


def baseline_key(arguments: Mapping[str, Any]) -> str:
    """Which earlier crawls a crawl compares with: same kind, same editions (``incremental ru,kz``)."""
    editions = arguments.get("editions")
    if isinstance(editions, str):
        editions = [e.strip() for e in editions.split(",")]
    chosen = ",".join(sorted(str(e) for e in editions or [] if str(e).strip()))
    return f"{crawl_kind(arguments)} {chosen or 'all'}"


