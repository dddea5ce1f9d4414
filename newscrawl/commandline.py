"""What every ``newscrawl`` command shares: its errors and exit status, the project's settings and
archive folder, JSON output, progress bars, and how a subcommand is made (description, examples, ``-v``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from newscrawl.archive.store import STATE_DIR


def print_json(obj: Any) -> None:
    """One JSON object on a line of standard output."""
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")


#: the exit status of a command given a wrong input (a path that does not exist, a value it cannot use)
USAGE_ERROR = 2


def fail(command: str, message: str, status: int = USAGE_ERROR) -> SystemExit:
    """Print ``newscrawl COMMAND: MESSAGE`` on standard error; the ``SystemExit`` to raise with ``status``."""
    print(f"newscrawl {command}: {message}", file=sys.stderr)
    return SystemExit(status)


def existing_archive(path: str | None, command: str) -> Path:
    """The archive folder a command reads (default: the project's); an error when it does not exist,
    never a new empty archive."""
    folder = Path(path or default_archive_dir())
    if not folder.is_dir():
        raise fail(command, f"no archive folder at {folder} (give --archive DIR, or set ARCHIVE_DIR)")
    return folder


def writable(folder: Path) -> bool:
    """Whether this user may change the archive in ``folder`` (its folder and its state folder)."""
    state = folder / STATE_DIR
    return os.access(folder, os.W_OK) and (not state.exists() or os.access(state, os.W_OK))


def progress_bar(total: int | None, what: str, unit: str):
    """A progress bar on standard error (shown on a terminal only)."""
    from tqdm import tqdm

    return tqdm(total=total, desc=what, unit=unit, file=sys.stderr, disable=None, leave=False)


def default_archive_dir() -> str:
    """The archive folder of the project settings (``ARCHIVE_DIR``), else ``archive``."""
    return os.environ.get("NEWSCRAWL_ARCHIVE_DIR") or project_setting("ARCHIVE_DIR") or "archive"


def project_settings() -> Any:
    """The Scrapy project's settings: the project's around the working folder, else newscrawl's own."""
    from scrapy.utils.project import get_project_settings

    settings = get_project_settings()
    if not settings.getlist("SPIDER_MODULES"):  # no scrapy.cfg around: newscrawl's settings module
        settings.setmodule("newscrawl.settings", priority="project")
    return settings


def project_setting(name: str) -> Any:
    """One setting of the project (None when there is no project around)."""
    try:
        return project_settings().get(name)
    except Exception:  # no project around: defaults apply
        return None


#: each command's examples, shown at the end of its help
EXAMPLES = {
    "extract": """examples:
  newscrawl extract page.html --url https://www.inform.kz/ru/..._a4000412
  newscrawl extract saved/*.html.gz
  curl -s URL | newscrawl extract - --url URL""",
    "archive": """examples:
  newscrawl archive stats
  newscrawl archive search "энергетика" --outlet kazinform --since 2024
  newscrawl archive read archive/068_*.txt""",
    "read": """examples:
  newscrawl archive read archive/068_b0c75bd49c8fdaf4.txt
  newscrawl archive read archive/*.txt | head""",
    "import": """examples:
  newscrawl archive import ~/corpus --archive archive
  newscrawl archive import ~/corpus --json""",
    "reindex": """examples:
  newscrawl archive reindex
  newscrawl archive reindex --archive /srv/newscrawl/archive --json""",
    "stats": """examples:
  newscrawl archive stats
  newscrawl archive stats --json
  newscrawl archive stats --plot months.png""",
    "rebuild": """examples:
  newscrawl archive rebuild --raw raw/
  newscrawl archive rebuild --raw raw/2026-01.warc.gz --rewrite --list --json
  newscrawl archive rebuild --raw raw/ --topic twin-cities     # bring in what a narrower topic skipped""",
    "search": """examples:
  newscrawl archive search "нефть AND экспорт" --outlet kazinform
  newscrawl archive search 'title:президент' --since 2025-01 --json | head""",
    "export": """examples:
  newscrawl archive export --format csv -o records.csv
  newscrawl archive export --format parquet -o records.parquet --outlet totalkz""",
    "schedule": """examples:
  newscrawl schedule --check
  newscrawl schedule --check --json
  newscrawl schedule --once
  newscrawl schedule --schedule /etc/newscrawl/schedule.toml""",
    "status": """examples:
  newscrawl status
  newscrawl status --verbose
  newscrawl status --json
  newscrawl status --schedule /etc/newscrawl/schedule.toml --scrapyd http://127.0.0.1:6800/
  newscrawl status > /dev/null || echo "an outlet needs attention"
""",
    "serve": """examples:
  newscrawl serve
  newscrawl serve --port 8001 --archive /srv/newscrawl/archive""",
    "stories": """examples:
  newscrawl archive stories --since 2025-08-01 --min-records 2
  newscrawl archive stories --record 068 --why
  newscrawl archive stories --outlet qazaqtv --json""",
    "consume": """examples:
  newscrawl archive consume --redis redis://10.0.0.5:6379/0
  newscrawl archive consume --archive /srv/newscrawl/archive --idle-exit 60""",
    "check": """examples:
  newscrawl check                          # every outlet, live
  newscrawl check totalkz mosru --articles 5
  newscrawl check kazinform --json --save checks/
  newscrawl check totalkz -s REPLAY=raw/totalkz-20261201.warc.gz""",
    "spiders": """examples:
  newscrawl spiders
  newscrawl spiders --json""",
}


def add_command(sub: argparse._SubParsersAction, name: str, helptext: str, **kwargs: Any) -> argparse.ArgumentParser:
    """A subcommand with its description, its examples and ``-v`` (which works after the subcommand too)."""
    parser = sub.add_parser(name, help=helptext, description=helptext[:1].upper() + helptext[1:] + ".",
                            epilog=EXAMPLES.get(name), formatter_class=argparse.RawDescriptionHelpFormatter,
                            **kwargs)
    parser.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS, help="log more")
    return parser
