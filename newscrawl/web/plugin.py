"""The Datasette plugin of the web view (registered by :func:`newscrawl.web.serve.build_datasette`).

- ``_search``, ``_since`` and ``_until`` on the ``records`` table: the archive's own search
  (:func:`newscrawl.archive.search.fts_query`: folding and word forms as ``archive search`` has them)
  and publication days, next to Datasette's facets, filters, sorting and JSON/CSV;
- a snippet with the matches marked beside each record found;
- a record's page: its facts, its story (a link), the duplicates crawls refused, and its text as
  archived (the file);
- ``/-/search``: the search form; ``/-/charts``: records per outlet per month, crawls' health;
- ``/-/stories``: the stories of more than one record, newest first; ``/-/stories/<id>``: a story's
  page, its records (outlet, language, date, title, a link to each record's page) and why each joined.
"""

from __future__ import annotations

import asyncio
import io
import json
import sqlite3
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import markupsafe
from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils.asgi import BadRequest, Response

from newscrawl.archive import stories
from newscrawl.archive.records import RECORD_NAME
from newscrawl.archive.search import FTS_TABLE, NUMBER_MASK, SearchFilters, SearchQueryError, fts_query, snippets_of
from newscrawl.archive_commands import parse_period

DATABASE, TABLE = "archive", "records"
#: the columns the search results show (the record number, its key, always comes first)
RESULT_COLUMNS = ("name", "outlet", "language", "published", "title")
#: how snippets mark a match before HTML escaping (characters no record holds)
_MARK_START, _MARK_END = "\x02", "\x03"
RUNS_PER_OUTLET = 30
#: how many stories the stories page lists
STORIES_LISTED = 100


def _config(datasette: Any) -> dict[str, str]:
    return datasette.plugin_config("newscrawl") or {}


@hookimpl
def prepare_connection(conn: sqlite3.Connection, database: str) -> None:
    """The index's connections refuse every write, whatever the SQL (they are ``mode=ro`` already)."""
    if database == DATABASE:
        conn.execute("PRAGMA query_only = 1")


@hookimpl(trylast=True)  # after Datasette's own search filter, so that the search box shows
def filters_from_request(request: Any, database: str, table: str) -> FilterArguments | None:
    """``_search`` (the archive's search), ``_since`` and ``_until`` (days) on the records table."""
    if database != DATABASE or table != TABLE:
        return None
    query = (request.args.get("_search") or "").strip()
    clauses: list[str] = []
    params: dict[str, Any] = {}
    described: list[str] = []
    if query:
        try:
            params["newscrawl_match"] = fts_query(query)
        except SearchQueryError as exc:
            raise BadRequest(str(exc)) from None
        clauses.append(f"number IN (SELECT rowid & {NUMBER_MASK} FROM {FTS_TABLE}"
                       f" WHERE {FTS_TABLE} MATCH :newscrawl_match)")
        described.append(f"search matches “{query}”")
    try:
        since = parse_period(request.args["_since"], end=False) if request.args.get("_since") else None
        until = parse_period(request.args["_until"], end=True) if request.args.get("_until") else None
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    dates, values = SearchFilters(since=since, until=until).where(alias=TABLE)
    for i, (clause, value) in enumerate(zip(dates, values, strict=True)):
        clauses.append(clause.replace("?", f":newscrawl_day{i}"))
        params[f"newscrawl_day{i}"] = value
    if since:
        described.append(f"published since {since}")
    if until:
        described.append(f"published until {until}")
    return FilterArguments(clauses, params, described, {"supports_search": True, "search": query})


@hookimpl
def extra_template_vars(database: str, table: str, view_name: str, request: Any, datasette: Any) -> dict[str, Any]:
    """Snippets for the rows of a search, and a record's facts, duplicates and text for its page."""
    if database != DATABASE or table != TABLE or request is None:
        return {}
    db = datasette.get_database(DATABASE)
    if view_name == "table":
        query = (request.args.get("_search") or "").strip()

        async def newscrawl_snippets(display_rows: Any) -> list[markupsafe.Markup]:
            numbers = [_row_number(row) for row in display_rows]
            if not query:
                return [markupsafe.Markup("")] * len(numbers)
            match = fts_query(query)
            found = await db.execute_fn(lambda conn: snippets_of(
                conn, match, [n for n in numbers if n is not None], marks=(_MARK_START, _MARK_END), tokens=32))
            return [_marked(found.get(n, "")) for n in numbers]

        return {"newscrawl_snippets": newscrawl_snippets}
    if view_name == "row":
        number = request.url_vars.get("pks", "")

        async def newscrawl_record() -> dict[str, Any]:
            return await _record_page(datasette, db, number)

        return {"newscrawl_record": newscrawl_record}
    return {}


def _row_number(row: Any) -> int | None:
    for cell in row:
        if cell.get("value_type") == "pk":
            try:
                return int(str(cell["raw"]))
            except ValueError:
                return None
    return None


def _marked(snippet: str) -> markupsafe.Markup:
    """A snippet as HTML: its text escaped, its matches in ``<mark>``."""
    text = str(markupsafe.escape(" ".join(snippet.split())))
    return markupsafe.Markup(text.replace(_MARK_START, "<mark>").replace(_MARK_END, "</mark>"))


async def _record_page(datasette: Any, db: Any, number: str) -> dict[str, Any]:
    """What a record's page shows beside its row: facts, refused duplicates, the file's text."""
    row = (await db.execute("SELECT name, title, outlet, edition, language, published, url, canonical_url,"
                            " fetched_at, layout, legacy FROM records WHERE number = ?", [number])).first()
    if row is None:
        return {}
    duplicates = [dict(r) for r in (await db.execute(
        "SELECT url, outlet, kind, similarity, seen_at FROM duplicates WHERE duplicate_of = ? ORDER BY id",
        [number])).rows]
    story = await db.execute_fn(lambda conn: _story_summary(conn, int(number)))
    text, problem = None, None
    folder = _config(datasette).get("archive_dir")
    if folder and RECORD_NAME.match(row["name"]):
        try:
            text = (Path(folder) / row["name"]).read_bytes().decode("utf-8", errors="replace")
        except OSError as exc:
            problem = f"the record file cannot be read: {exc.strerror or exc}"
    return {"facts": dict(row), "duplicates": duplicates, "text": text, "problem": problem, "story": story}


def _story_summary(conn: sqlite3.Connection, number: int) -> dict[str, Any] | None:
    """A record's story: its id, its size, and why the record joined it (None before stories are
    assigned)."""
    try:
        row = conn.execute("SELECT s.story, st.size, s.evidence FROM story_records s JOIN stories st ON st.id = s.story"
                           " WHERE s.number = ?", (number,)).fetchone()
    except sqlite3.OperationalError:  # an index made before stories, not yet assigned
        return None
    if row is None:
        return None
    link = stories.Link(**json.loads(row[2])) if row[2] else None
    return {"id": row[0], "size": row[1], "why": link.describe() if link else None}


# -- pages of their own
async def search_page(request: Any, datasette: Any) -> Response:
    """The search form; once filled in, the records table with the search and filters given."""
    chosen = {key: (request.args.get(key) or "").strip() for key in ("q", "outlet", "language", "since", "until")}
    if any(chosen.values()):
        args = [("_search", chosen["q"]), ("outlet", chosen["outlet"]), ("language", chosen["language"]),
                ("_since", chosen["since"]), ("_until", chosen["until"])]
        args = [(k, v) for k, v in args if v] + [("_col", c) for c in RESULT_COLUMNS]
        return Response.redirect(datasette.urls.table(DATABASE, TABLE) + "?" + urlencode(args))
    db = datasette.get_database(DATABASE)
    outlets = [r[0] for r in (await db.execute(
        "SELECT DISTINCT outlet FROM records WHERE outlet IS NOT NULL ORDER BY 1")).rows]
    languages = [r[0] for r in (await db.execute(
        "SELECT DISTINCT language FROM records WHERE language IS NOT NULL ORDER BY 1")).rows]
    return Response.html(await datasette.render_template(
        "newscrawl_search.html", {"outlets": outlets, "languages": languages}, request=request))


async def stories_page(request: Any, datasette: Any) -> Response:
    """The stories of more than one record, newest first."""
    db = datasette.get_database(DATABASE)
    try:
        listed = await db.execute_fn(lambda conn: stories.list_stories(conn, min_size=2, limit=STORIES_LISTED))
    except sqlite3.OperationalError:
        listed = []
    return Response.html(await datasette.render_template(
        "newscrawl_stories.html", {"stories": listed, "records_url": datasette.urls.table(DATABASE, TABLE)},
        request=request))


async def story_page(request: Any, datasette: Any) -> Response:
    """One story: its records in publication order, each with why it joined."""
    number = int(request.url_vars["story"])
    db = datasette.get_database(DATABASE)
    try:
        story = await db.execute_fn(lambda conn: stories.load_story(conn, number))
    except sqlite3.OperationalError:
        story = None
    if story is None:
        return Response.html(await datasette.render_template(
            "newscrawl_story.html", {"story": None, "number": number}, request=request), status=404)
    return Response.html(await datasette.render_template(
        "newscrawl_story.html", {"story": story, "number": number,
                                 "records_url": datasette.urls.table(DATABASE, TABLE)}, request=request))


async def charts_page(request: Any, datasette: Any) -> Response:
    """The charts, and per outlet the last crawl's result in words."""
    runs = await asyncio.get_running_loop().run_in_executor(None, _recent_runs, _config(datasette).get("reports_dir"))
    last = {outlet: summaries[-1] for outlet, summaries in runs.items() if summaries}
    return Response.html(await datasette.render_template("newscrawl_charts.html", {"last_runs": last},
                                                         request=request))


async def records_chart(request: Any, datasette: Any) -> Response:
    """Records per outlet per month, as PNG."""
    from newscrawl.charts import plot_records_per_month

    rows = (await datasette.get_database(DATABASE).execute(
        "SELECT COALESCE(outlet, '-'), COALESCE(month, '-'), COUNT(*) FROM records GROUP BY 1, 2")).rows
    per_outlet: dict[str, dict[str, int]] = {}
    for outlet, month, count in rows:
        per_outlet.setdefault(outlet, {})[month] = count
    return await _png(plot_records_per_month, per_outlet)


async def health_chart(request: Any, datasette: Any) -> Response:
    """Recent crawls' health per outlet, as PNG."""
    from newscrawl.charts import plot_crawl_health

    runs = await asyncio.get_running_loop().run_in_executor(None, _recent_runs, _config(datasette).get("reports_dir"))
    return await _png(plot_crawl_health, runs)


async def _png(plot: Any, data: Any) -> Response:
    def draw() -> bytes:
        buffer = io.BytesIO()
        plot(data, buffer)
        return buffer.getvalue()

    png = await asyncio.get_running_loop().run_in_executor(None, draw)
    return Response(png, content_type="image/png", headers={"Cache-Control": "no-store"})


def _recent_runs(reports_dir: str | None) -> dict[str, list[dict[str, Any]]]:
    """Per spider with reports, its recent runs as ``newscrawl status`` summarises them."""
    from newscrawl.ops.reports import recent_reports, reported_spiders
    from newscrawl.ops.status import run_summary

    if not reports_dir:
        return {}
    return {spider: [run_summary(r) for r in recent_reports(reports_dir, spider, limit=RUNS_PER_OUTLET)]
            for spider in reported_spiders(reports_dir)}


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [
        (r"^/-/search$", search_page),
        (r"^/-/charts$", charts_page),
        (r"^/-/stories$", stories_page),
        (r"^/-/stories/(?P<story>[0-9]{1,18})$", story_page),
        (r"^/-/charts/records-per-month\.png$", records_chart),
        (r"^/-/charts/crawl-health\.png$", health_chart),
    ]


@hookimpl
def menu_links(datasette: Any) -> list[dict[str, str]]:
    return [{"href": datasette.urls.path("/-/search"), "label": "Search the records"},
            {"href": datasette.urls.path("/-/stories"), "label": "Stories"},
            {"href": datasette.urls.path("/-/charts"), "label": "Charts"}]
