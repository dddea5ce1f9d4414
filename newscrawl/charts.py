"""Tables and charts of the archive and its crawls: the outlet × month table of ``archive stats``,
records per outlet per month and recent crawls' health per outlet as PNG (matplotlib, drawn without
a display: figures are made directly, never through pyplot's global state)."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import IO, Any

UNKNOWN = "-"
HEALTH_COLOURS = {"passed": "#2e7d32", "failed": "#c62828"}
OTHER_COLOUR = "#9e9e9e"


def outlet_month_table(outlet_months: Mapping[str, Mapping[str, int]]) -> str:
    """Records per month (rows, oldest first) and outlet (columns), with totals; ``-``: no date or outlet."""
    outlets = sorted(outlet_months, key=lambda o: (o == UNKNOWN, o))
    months = sorted({m for per in outlet_months.values() for m in per}, key=lambda m: (m == UNKNOWN, m))
    if not outlets:
        return "(no records)"
    header = ["month", *outlets, "all"]
    rows = []
    for month in months:
        counts = [outlet_months[o].get(month, 0) for o in outlets]
        rows.append([month, *map(str, counts), str(sum(counts))])
    totals = [sum(outlet_months[o].values()) for o in outlets]
    rows.append(["all", *map(str, totals), str(sum(totals))])
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [" ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row))
             for row in [header, *rows]]
    return "\n".join(lines)


def _figure(width: float, height: float) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise RuntimeError("charts need matplotlib: pip install 'newscrawl[plot]'") from None
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def plot_records_per_month(outlet_months: Mapping[str, Mapping[str, int]], output: str | os.PathLike[str] | IO[bytes]
                           ) -> None:
    """A PNG of records per month, one stacked colour per outlet (records without a date are counted
    in the title, not drawn)."""
    outlets = sorted(outlet_months, key=lambda o: (o == UNKNOWN, o))
    months = sorted({m for per in outlet_months.values() for m in per if m != UNKNOWN})
    undated = sum(per.get(UNKNOWN, 0) for per in outlet_months.values())
    figure = _figure(max(6.0, min(20.0, 2 + 0.25 * len(months))), 4.5)
    axes = figure.add_subplot()
    bottoms = [0] * len(months)
    positions = range(len(months))
    for outlet in outlets:
        counts = [outlet_months[outlet].get(m, 0) for m in months]
        if any(counts):
            axes.bar(positions, counts, bottom=bottoms, label="no outlet" if outlet == UNKNOWN else outlet)
            bottoms = [b + c for b, c in zip(bottoms, counts, strict=True)]
    step = max(1, len(months) // 24)
    axes.set_xticks(list(positions)[::step], months[::step], rotation=60, ha="right", fontsize=8)
    axes.set_ylabel("records")
    axes.yaxis.get_major_locator().set_params(integer=True)
    title = "Records per outlet per month"
    if undated:
        title += f" ({undated} without a date not shown)"
    axes.set_title(title)
    if months:
        axes.legend(fontsize=8, loc="upper left")
    else:
        axes.text(0.5, 0.5, "no dated records", ha="center", va="center", transform=axes.transAxes)
    figure.savefig(output, format="png")


def plot_crawl_health(runs: Mapping[str, Sequence[Mapping[str, Any]]], output: str | os.PathLike[str] | IO[bytes]
                      ) -> None:
    """A PNG of recent crawls per outlet over time: one dot per run, green when its health checks
    passed, red when they failed, grey when unknown; a cross for a crawl that did not finish. ``runs``:
    per outlet, the run summaries of ``newscrawl status`` (``finished``, ``health``, ``reason``, ``archived``)."""
    outlets = sorted(runs)
    figure = _figure(9.0, max(2.5, 0.6 * len(outlets) + 1.5))
    axes = figure.add_subplot()
    drawn = False
    for row, outlet in enumerate(outlets):
        for run in runs[outlet]:
            when = _time(run.get("finished") or run.get("started"))
            if when is None:
                continue
            colour = HEALTH_COLOURS.get(str(run.get("health")), OTHER_COLOUR)
            finished = run.get("reason") == "finished"
            size = 30 + min(200, 2 * int(run.get("archived") or 0))
            axes.scatter([when], [row], s=size, c=colour, marker="o" if finished else "X", alpha=0.8)
            drawn = True
    axes.set_yticks(range(len(outlets)), outlets)
    axes.set_ylim(-0.7, max(0.7, len(outlets) - 0.3))
    axes.set_title("Recent crawls per outlet: green passed, red failed, grey unknown; × not finished;"
                   " size: articles archived", fontsize=9)
    if drawn:
        figure.autofmt_xdate()
    else:
        axes.text(0.5, 0.5, "no crawl reports", ha="center", va="center", transform=axes.transAxes)
    figure.savefig(output, format="png")


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    text = str(value)
    for parse in (datetime.fromisoformat, lambda t: datetime.strptime(t, "%Y%m%dT%H%M%SZ")):
        try:
            when = parse(text)
        except ValueError:
            continue
        return when.astimezone(timezone.utc).replace(tzinfo=None) if when.tzinfo else when  # one axis: UTC
    return None
