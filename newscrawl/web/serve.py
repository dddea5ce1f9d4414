"""``newscrawl serve``: Datasette over the archive's index, read-only, on 127.0.0.1 by default.

The index is opened read-only (``mode=ro``, not ``immutable``: crawls keep writing into a live
archive, and what they add shows on the next page load), no write connection can be made, and no
canned query writes. Binding to any other address needs credentials (HTTP basic authentication
through datasette-auth-passwords), as Scrapyd's does.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).with_name("templates")
DATABASE = "archive"
#: the tables a reader of the archive has no use for
HIDDEN_TABLES = ("url_keys", "fingerprints", "neardup_signatures", "neardup_bands", "crawl_state", "meta",
                 "records_fts", "off_topic")
USERNAME_ENV, PASSWORD_ENV, PASSWORD_HASH_ENV = ("NEWSCRAWL_WEB_USERNAME", "NEWSCRAWL_WEB_PASSWORD",
                                                 "NEWSCRAWL_WEB_PASSWORD_HASH")
SETTINGS = {
    "default_page_size": 20,
    "max_returned_rows": 1000,
    "sql_time_limit_ms": 3000,
    "facet_time_limit_ms": 1000,
    "suggest_facets": False,
    "allow_download": False,  # the index file itself is not for download
}


def is_loopback(host: str) -> bool:
    """Whether ``host`` is reachable only from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def credentials_from_env() -> tuple[str, str] | None:
    """``(username, password hash)`` from the environment (the password in clear, hashed here, or its
    hash as ``datasette hash-password`` prints it), or None when no username is set."""
    username = os.environ.get(USERNAME_ENV, "").strip()
    if not username:
        return None
    password_hash = os.environ.get(PASSWORD_HASH_ENV, "").strip()
    if not password_hash:
        password = os.environ.get(PASSWORD_ENV, "")
        if not password:
            raise ValueError(f"{USERNAME_ENV} is set but neither {PASSWORD_ENV} nor {PASSWORD_HASH_ENV} is")
        from datasette_auth_passwords.utils import hash_password

        password_hash = hash_password(password)
    return username, password_hash


def metadata(archive_dir: Path, reports_dir: Path, credentials: tuple[str, str] | None) -> dict[str, Any]:
    """Datasette's metadata: what it shows of the index and how (facets, order, hidden tables), the
    plugin's folders, and the credentials when there are some."""
    tables: dict[str, Any] = {
        "records": {
            "description": "One row per record. Search with the box (word forms found; \"phrases\", AND, OR, NOT);"
                           " narrow by outlet, language and month with the facets.",
            "facets": ["outlet", "language", "month"],
            "sort_desc": "published",
            "label_column": "title",
        },
        "duplicates": {
            "description": "Articles crawls refused as duplicates of a record (duplicate_of).",
            "facets": ["kind", "outlet"],
            "sort_desc": "id",
        },
    }
    tables.update({name: {"hidden": True} for name in HIDDEN_TABLES})
    data: dict[str, Any] = {
        "title": "newscrawl archive",
        "description_html": '<a href="/-/search">Search the records</a> · <a href="/archive/records">Browse them</a>'
                            ' · <a href="/-/stories">Stories</a> · <a href="/-/charts">Charts</a>',
        "databases": {DATABASE: {"tables": tables}},
        "plugins": {"newscrawl": {"archive_dir": str(archive_dir), "reports_dir": str(reports_dir)}},
    }
    if credentials is not None:
        username, _ = credentials
        data["plugins"]["datasette-auth-passwords"] = {
            f"{username}_password_hash": {"$env": PASSWORD_HASH_ENV},
            "http_basic_auth": True,
        }
        data["allow"] = {"id": username}
    return data


def build_datasette(index_path: Path, archive_dir: Path, reports_dir: Path,
                    credentials: tuple[str, str] | None = None) -> Any:
    """The Datasette instance of the web view (its plugin registered, the index attached read-only as
    ``archive``)."""
    from datasette.app import Datasette
    from datasette.database import Database
    from datasette.plugins import pm

    from newscrawl.web import plugin

    class ReadOnlyDatabase(Database):
        """The index, read through ``mode=ro`` connections only: asking for a write connection fails."""

        def connect(self, write: bool = False) -> Any:
            if write:
                raise PermissionError("the archive's web view never writes to the index")
            return super().connect(write=False)

    if not pm.is_registered(plugin):
        pm.register(plugin, name="newscrawl")
    if credentials is not None:
        os.environ[PASSWORD_HASH_ENV] = credentials[1]  # read by datasette-auth-passwords through "$env"
    datasette = Datasette(metadata=metadata(archive_dir, reports_dir, credentials), template_dir=str(TEMPLATES),
                          settings=SETTINGS)
    datasette.remove_database("_memory")
    datasette.add_database(ReadOnlyDatabase(datasette, path=str(index_path), is_mutable=True), name=DATABASE,
                           route=DATABASE)
    return datasette


def cmd_serve(args: argparse.Namespace) -> int:
    """Start the web view."""
    from newscrawl.archive_commands import open_for_reading
    from newscrawl.commandline import project_setting

    if not 0 < args.port < 65536:
        raise SystemExit(f"newscrawl serve: --port must be between 1 and 65535, not {args.port}")
    try:
        credentials = credentials_from_env()
    except ValueError as exc:
        raise SystemExit(f"newscrawl serve: {exc}") from None
    if credentials is None and not is_loopback(args.host):
        raise SystemExit(f"newscrawl serve: serving on {args.host} needs credentials: set {USERNAME_ENV} and"
                         f" {PASSWORD_ENV} (or {PASSWORD_HASH_ENV}); see docs/search.md")
    try:
        import datasette
        import uvicorn
    except ImportError:
        raise SystemExit("newscrawl serve: the web view needs its extra: pip install 'newscrawl[web]'") from None
    archive = open_for_reading(args.archive, "serve")
    index_path, archive_dir = archive.index.path.resolve(), archive.root.resolve()
    archive.close()
    reports = Path(args.reports or os.environ.get("NEWSCRAWL_REPORTS_DIR") or project_setting("REPORTS_DIR")
                   or "reports").resolve()
    _check_port_free(args.host, args.port)
    datasette = build_datasette(index_path, archive_dir, reports, credentials)
    asyncio.run(datasette.invoke_startup())
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"newscrawl: serving {archive_dir} read-only on http://{shown}:{args.port}/"
          f"{' (basic authentication)' if credentials else ''}; Ctrl-C stops", flush=True)
    uvicorn.run(datasette.app(), host=args.host, port=args.port, log_level="warning", lifespan="on")
    return 0


def _check_port_free(host: str, port: int) -> None:
    """A one-line error, before Datasette starts, when the address cannot be bound."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise SystemExit(f"newscrawl serve: cannot listen on {host}:{port}: {exc.strerror or exc}") from None


def register(commands: argparse._SubParsersAction, add_command: Callable[..., argparse.ArgumentParser] | None = None,
             ) -> None:
    """Add ``serve`` to ``newscrawl`` (through ``add_command(commands, name, help)`` when given)."""
    helptext = "read-only web view of the archive: search, facets, records, charts"
    p = add_command(commands, "serve", helptext) if add_command else commands.add_parser("serve", help=helptext)
    p.add_argument("--port", type=int, default=8001, help="the port (default 8001)")
    p.add_argument("--host", default="127.0.0.1",
                   help="the address to listen on (default 127.0.0.1; any other needs credentials, see docs)")
    p.add_argument("--archive", help="the archive folder (default: the project's ARCHIVE_DIR)")
    p.add_argument("--reports", help="the crawl reports folder, for the health chart (default: REPORTS_DIR)")
    p.set_defaults(func=cmd_serve)
