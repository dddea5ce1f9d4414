"""``newscrawl check [SPIDER…]``: what works at each outlet, probed live (or through ``-s REPLAY=``).

Each spider runs a short crawl in check mode (``CHECK``; ``newscrawl.extensions.probe`` records it): its
own discovery routes and the standard ones (``DISCOVERY_STANDARD_ROUTES = "always"``), one listing page
each, at most N articles per edition, into a throw-away archive (``CHECK`` implies one: the
archive, its index and the watermarks stay as they were). The command then shows, per spider and
edition, each route (URL, HTTP status, kind, article links, newest entry) and each article read (layout,
where each field came from, missing fields, language and date), and a verdict per outlet:

- ``works``: every edition found and read articles with complete fields in a known layout, through its
  own routes;
- ``degraded``: articles were read, but an edition found none, fields are missing, a page matched no
  known layout, or only the standard routes found articles;
- ``broken``: no article was read.

``--json`` prints ``{"outlets": [{spider, verdict, reasons, finish_reason, editions: [{edition, routes,
articles}], other_routes, stats}], "exit_status"}``: a route read for several editions is shown under each,
with the article links and newest entry of that edition.

Exit status: 0 when every outlet works, 1 when one is broken, 3 when none is broken but one is
degraded (2: the command was used wrongly). ``--save DIR`` keeps every response the check read as WARC
(fixtures), whether fetched live or replayed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from newscrawl.commandline import add_command
from newscrawl.extensions.probe import BROKEN, DEGRADED, WORKS

EXIT_BROKEN, EXIT_DEGRADED = 1, 3
#: seconds one spider's check may take
CHECK_TIMEOUT = 300


def check_settings(output: Path, workdir: Path, articles: int, save: str | None) -> dict[str, Any]:
    """The settings of a check crawl (the user's ``-s`` come after and win)."""
    return {
        "CHECK": True, "CHECK_OUTPUT": output, "MAX_ARTICLES_PER_EDITION": articles,
        "DISCOVERY_STANDARD_ROUTES": "always", "INCREMENTAL_MAX_PAGES": 1, "DISCOVERY_MAX_SITEMAPS": 3,
        "ITEM_PIPELINES": "{}", "SPIDERMON_ENABLED": False, "REPORTS_DIR": workdir / "reports",
        "CRAWL_REPORT": "", "EXTRACTION_PROCESSES": 0, "RAW_ARCHIVE_DIR": save or "", "RAW_ARCHIVE_REPLAYED": True,
        "DRIFT_DIR": "",
        "CLOSESPIDER_TIMEOUT": CHECK_TIMEOUT - 30, "LOG_LEVEL": "INFO",
    }


def run_spider_check(spider: str, *, articles: int, settings: Sequence[str], save: str | None,
                     workdir: Path) -> dict[str, Any]:
    """Run one spider's check crawl (``scrapy crawl`` in a subprocess) and return what it saw."""
    output = workdir / f"{spider}.json"
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider]
    for name, value in check_settings(output, workdir / spider, articles, save).items():
        cmd += ["-s", f"{name}={value}"]
    for setting in settings:
        cmd += ["-s", setting]
    env = {**os.environ, "SCRAPY_SETTINGS_MODULE": os.environ.get("SCRAPY_SETTINGS_MODULE", "newscrawl.settings")}
    log = workdir / f"{spider}.log"
    try:
        with open(log, "wb") as fh:
            proc = subprocess.run(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, timeout=CHECK_TIMEOUT)
    except subprocess.TimeoutExpired:
        return {"spider": spider, "verdict": BROKEN, "reasons": [f"the check crawl took over {CHECK_TIMEOUT}s"],
                "routes": [], "articles": []}
    if not output.is_file():
        last = [line for line in log.read_text(encoding="utf-8", errors="replace").splitlines() if line.strip()]
        why = last[-1] if last else f"exit status {proc.returncode}"
        return {"spider": spider, "verdict": BROKEN, "reasons": [f"the check crawl failed: {why}"],
                "routes": [], "articles": []}
    return json.loads(output.read_text(encoding="utf-8"))


def exit_status(reports: Sequence[Mapping[str, Any]]) -> int:
    verdicts = {r["verdict"] for r in reports}
    return EXIT_BROKEN if BROKEN in verdicts else EXIT_DEGRADED if DEGRADED in verdicts else 0


#: what a route says under an edition, in this order
ROUTE_FIELDS = ("url", "origin", "kind", "status", "links", "generic_links", "newest")


def edition_route(route: Mapping[str, Any], edition: str | None) -> dict[str, Any]:
    """A route as seen by one edition: its article links and newest entry of that edition (the route's
    own figures when it noted none per edition)."""
    seen = {name: route.get(name) for name in ROUTE_FIELDS}
    per_edition = route.get("by_edition") or {}
    if edition is not None and per_edition:
        mine = per_edition.get(edition, {})
        seen.update(links=mine.get("links", 0), newest=mine.get("newest"),
                    generic_links=route.get("generic_links") if mine.get("links") else 0)
    seen["links"] = seen["links"] or 0
    return seen


def route_order(route: Mapping[str, Any]) -> tuple[bool, str]:
    return route.get("origin") != "own", route["url"]


def outlet_view(report: Mapping[str, Any]) -> dict[str, Any]:
    """One outlet's check as shown (text and ``--json``): its verdict, then per edition each discovery
    route (own and standard) and each article read; routes tied to no edition apart."""
    names = list(report.get("editions") or [])
    names += sorted({a.get("edition") for a in report.get("articles", []) if a.get("edition") not in names},
                    key=str)
    routes = sorted(report.get("routes", []), key=route_order)
    editions = [{"edition": name,
                 "routes": [edition_route(r, name) for r in routes if name in (r.get("editions") or [])],
                 "articles": [a for a in report.get("articles", []) if a.get("edition") == name]}
                for name in names]
    return {"spider": report["spider"], "verdict": report["verdict"], "reasons": report["reasons"],
            "finish_reason": report.get("finish_reason"), "editions": editions,
            "other_routes": [edition_route(r, None) for r in routes if not r.get("editions")],
            "stats": report.get("stats", {})}


def render_routes(routes: Sequence[Mapping[str, Any]], indent: str) -> list[str]:
    """A table of routes; the status column widens to fit a failure's name (``CannotResolveHostError``)."""
    width = max([7, *(len(str(r.get("status") or "-")) + 1 for r in routes)])
    lines = [f"{indent}{'route':<9} {'status':<{width}} {'kind':<13} {'links':>5}  {'newest':<25} url"]
    for r in routes:
        links = f"{r['links']}" + (f" ({r['generic_links']} generic)" if r.get("generic_links") else "")
        lines.append(f"{indent}{r.get('origin') or '-':<9} {r.get('status') or '-'!s:<{width}} "
                     f"{r.get('kind') or '-':<13} {links:>5}  {r.get('newest') or '-':<25} {r['url']}")
    return lines


def render(views: Sequence[Mapping[str, Any]]) -> str:
    """The check as text: per spider its verdict, then per edition its routes and the articles read."""
    lines = []
    for view in views:
        lines.append(f"{view['spider']}: {view['verdict'].upper()} — {'; '.join(view['reasons'])}")
        for edition in view["editions"]:
            read = edition["articles"]
            answered = sum(1 for r in edition["routes"] if r.get("status") == 200)
            lines.append(f"  edition {edition['edition'] or '-'}: {len(read) or 'no'} article{'s' * (len(read) != 1)}"
                         f" read; {answered} of {len(edition['routes'])} routes answered")
            if edition["routes"]:
                lines += render_routes(edition["routes"], "    ")
            for a in read:
                sources = ", ".join(f"{k}: {v}" for k, v in sorted(a.get("sources", {}).items()))
                lines.append(f"    article {a['url']}")
                lines.append(f"      layout {a.get('layout') or 'NONE'}; language {a.get('language') or '-'}; "
                             f"published {a.get('published') or '-'}; missing: {', '.join(a['missing']) or 'nothing'}")
                if sources:
                    lines.append(f"      fields from {sources}")
        if view["other_routes"]:
            lines.append("  routes not tied to one edition")
            lines += render_routes(view["other_routes"], "    ")
    return "\n".join(lines)


def summary_line(views: Sequence[Mapping[str, Any]], status: int) -> str:
    """The last line of the text output: how many outlets got each verdict, and the exit status."""
    counts = {verdict: sum(1 for v in views if v["verdict"] == verdict) for verdict in (WORKS, DEGRADED, BROKEN)}
    said = ", ".join(f"{n} {verdict}" for verdict, n in counts.items() if n)
    return f"{len(views)} outlet{'s' * (len(views) != 1)} checked: {said} (exit status {status})"


def wrong_setting(given: Sequence[str]) -> str | None:
    """Why the ``-s NAME=VALUE`` settings cannot be used (checked as ``scrapy crawl`` would), or None."""
    from scrapy.settings import Settings

    from newscrawl.setting_checks import SettingError, check_settings

    settings = Settings()
    settings.setmodule(os.environ.get("SCRAPY_SETTINGS_MODULE", "newscrawl.settings"), priority="project")
    for setting in given:
        name, value = setting.split("=", 1)
        settings.set(name, value, priority="cmdline")
    try:
        check_settings(settings)
    except SettingError as error:
        return str(error)
    return None


def unusable_folder(save: str) -> str | None:
    """Why ``--save DIR`` cannot be written to (after making the folder), or None."""
    try:
        Path(save).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        return f"--save {save}: cannot make the folder ({error.strerror or error})"
    return None if os.access(save, os.W_OK) else f"--save {save}: the folder cannot be written to"


def cmd_check(args: argparse.Namespace) -> int:
    from newscrawl.outlets import all_outlets

    known = sorted(all_outlets())
    chosen = args.spiders or known
    unknown = [s for s in chosen if s not in known]
    if unknown:
        sys.stderr.write(f"newscrawl check: unknown spider {', '.join(unknown)} (spiders: {', '.join(known)})\n")
        return 2
    bad = [s for s in args.setting if "=" not in s or not s.split("=", 1)[0]]
    if bad:
        sys.stderr.write(f"newscrawl check: -s {bad[0]!r}: expected NAME=VALUE\n")
        return 2
    wrong = wrong_setting(args.setting) or (unusable_folder(args.save) if args.save else None)
    if wrong:
        sys.stderr.write(f"newscrawl check: {wrong}\n")
        return 2
    with tempfile.TemporaryDirectory(prefix="newscrawl-check-") as tmp:
        reports = []
        for spider in dict.fromkeys(chosen):
            if not args.json:
                sys.stderr.write(f"checking {spider}…\n")
            reports.append(run_spider_check(spider, articles=args.articles, settings=args.setting,
                                            save=str(Path(args.save).resolve()) if args.save else None,
                                            workdir=Path(tmp)))
    views = [outlet_view(report) for report in reports]
    if args.json:
        sys.stdout.write(json.dumps({"outlets": views, "exit_status": exit_status(reports)}, ensure_ascii=False,
                                    default=str) + "\n")
    else:
        print(render(views))
        print(summary_line(views, exit_status(reports)))
    return exit_status(reports)


def positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def register(commands: argparse._SubParsersAction) -> None:
    """Add ``check`` to ``newscrawl``."""
    p = add_command(commands, "check", "probe outlets (live, or -s REPLAY=): routes, articles, a verdict each;"
                    " exit status 0 all work, 3 some degraded, 1 some broken")
    p.add_argument("spiders", nargs="*", metavar="SPIDER", help="the spiders to check (default: every outlet's)")
    p.add_argument("--articles", type=positive, default=3, metavar="N", help="articles to read per edition (3)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--save", metavar="DIR",
                   help="keep every response the check read (live or replayed) in WARC files in DIR")
    p.add_argument("-s", "--set", dest="setting", action="append", default=[], metavar="NAME=VALUE",
                   help="a Scrapy setting for the check crawls (e.g. -s REPLAY=site.warc.gz)")
    p.set_defaults(func=cmd_check)
