"""Single archive records: parse and render the text of one record in each layout of the corpus.

The user's corpus holds one UTF-8 text file per article, named ``NNN_HHHHHHHHHHHHHHHH.txt``,
in one of four layouts:

``markdown`` (the default for new records)::

    <empty line>
    # {title}
    <empty line>
    Published at: **{ISO 8601 with offset}**
    <empty line>
    Author: **{author}**
    <empty line>
    Original: [{outlet short name}]({url})
    <empty line>
    <empty line>
    {body: one paragraph per line}
    <final newline>

  Each header line is optional (a record without a date has no ``Published at`` line); the
  reader accepts them in any order. A day-only date is written as ``YYYY-MM-DD``; a record
  with no title has a bare ``#`` line.

``dated``::

     date {YYYY-MM-DD} {first line, the title by convention}
    <empty line>
    {paragraph}
    <empty line>
    {paragraph}

  One leading space, no trailing newline. The body is everything after the empty line that
  follows the first line, verbatim. Some legacy records have no such empty line (the page
  text goes on right below the first line); the body is then everything after the first line
  and ``Record.gap_after_title`` is ``False``, so that they re-render byte for byte. A dated
  record always has a day (an undated first line could not be told from raw text):
  :func:`render_article` raises ``ValueError`` for ``dated`` without a publication date, and
  the archive pipeline writes such an article as ``markdown`` instead.

``page`` (legacy, read only in production): empty lines, the title, the day as
``DD.MM.YYYY``, empty lines, paragraphs separated by empty lines and a last line
``Адрес страницы: <{url}>``, no trailing newline.

``raw`` (legacy, read only): page text without any header; all of it is the body.

Reading is lenient and never raises: text is read with universal newlines (CRLF and lone CR
become LF) and leading byte-order marks are dropped, so no field ever holds ``"\\r"``; anything
that is not clearly one of the structured layouts is ``raw``. Rendering is exact and strict:
for every record :func:`render_record` accepts, ``parse_record(render_record(r))`` gives the
same fields back, and for a canonical text ``render_record(parse_record(text)) == text``.
:func:`render_record` raises ``ValueError`` rather than drop a field the layout cannot hold.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePath
from urllib.parse import urlsplit

LAYOUTS = ("markdown", "dated", "page", "raw")
RECORD_NAME = re.compile(r"^(\d{3,})_([0-9a-f]{16})\.txt$", re.ASCII)

_HASH = re.compile(r"[0-9a-f]{16}")
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)
_DATED_FIRST_LINE = re.compile(r" date (\d{4}-\d{2}-\d{2})(?: (.*))?", re.ASCII)
_MD_TITLE = re.compile(r"#(?: (.*))?")
_MD_HEADERS = {  # key: (prefix, suffix) around the value of a markdown header line
    "published": ("Published at: **", "**"),
    "author": ("Author: **", "**"),
    "original": ("Original: [", ")"),
}
_PAGE_DAY = re.compile(r"(\d{2})\.(\d{2})\.(\d{4})[ \t]*", re.ASCII)
_PAGE_ADDRESS = ("Адрес страницы: <", ">")


@dataclass
class Record:
    """One archive record: its layout, the fields the layout holds, and its body text.

    ``body`` is the body as the layout stores it: one paragraph per line for ``markdown``,
    paragraphs separated by blank lines for ``dated`` and ``page``, the whole text for ``raw``.
    ``number`` and ``hash`` come from the file name; they are not part of the text.
    ``outlet_name`` is the label of the markdown ``Original`` line. ``gap_after_title`` is a
    ``dated`` layout detail: whether an empty line separates the first line from the body
    (the canonical form; some legacy records, like the corpus' record 000, have none); the
    other layouts ignore it and it takes no part in comparisons. An empty ``outlet_name``
    reads back as ``None``.
    """

    layout: str
    title: str | None = None
    published: datetime | date | None = None
    author: str | None = None
    url: str | None = None
    body: str = ""
    number: int | None = None
    hash: str | None = None
    outlet_name: str | None = None
    gap_after_title: bool = field(default=True, compare=False)

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise ValueError(f"unknown record layout {self.layout!r}; expected one of {LAYOUTS}")

    def paragraphs(self) -> list[str]:
        """The body's non-empty paragraphs, stripped.

        ``markdown`` keeps one paragraph per line. The other layouts separate paragraphs by
        blank lines; the lines of one block (legacy page text such as breadcrumbs or a ticker)
        are joined with a single space.
        """
        if self.layout == "markdown":
            return [line.strip() for line in self.body.split("\n") if line.strip()]
        paragraphs: list[str] = []
        block: list[str] = []
        for line in [*self.body.split("\n"), ""]:
            if line.strip():
                block.append(line.strip())
            elif block:
                paragraphs.append(" ".join(block))
                block = []
        return paragraphs

    def to_json(self) -> dict:
        """The record as a JSON-ready dict (``published`` as an ISO 8601 string)."""
        return {
            "layout": self.layout,
            "number": self.number,
            "hash": self.hash,
            "title": self.title,
            "published": self.published.isoformat() if self.published is not None else None,
            "author": self.author,
            "url": self.url,
            "body": self.body,
        }


# ---------------------------------------------------------------------------------------------
# File names and hashes


def url_hash(canonical_url: str) -> str:
    """The record hash for a URL: the first 16 hex digits of SHA-256 of its UTF-8 bytes."""
    return hashlib.sha256(canonical_url.encode("utf-8")).hexdigest()[:16]


def record_name(number: int, url_hash: str) -> str:
    """The file name of record ``number`` with hash ``url_hash``, e.g. ``005_0123456789abcdef.txt``."""
    if number < 0:
        raise ValueError(f"record number must not be negative, got {number}")
    if not _HASH.fullmatch(url_hash):
        raise ValueError(f"record hash must be 16 lowercase hex digits, got {url_hash!r}")
    return f"{number:03d}_{url_hash}.txt"


def parse_record_name(name: str) -> tuple[int, str] | None:
    """``(number, hash)`` from a record file name, or ``None`` when the name is not a record's."""
    match = RECORD_NAME.match(name)
    if match is None:
        return None
    return int(match.group(1)), match.group(2)


# ---------------------------------------------------------------------------------------------
# Reading


def read_record(path: Path) -> Record:
    """Read the record at ``path`` (UTF-8; invalid bytes are replaced), number and hash from its name."""
    text = Path(path).read_bytes().decode("utf-8", errors="replace")
    return parse_record(text, Path(path).name)


def parse_record(text: str, name: str | None = None) -> Record:
    """Parse the text of one record, detecting its layout; never raises.

    ``name`` (a file name or path) fills ``number`` and ``hash`` when it follows the
    record-name rule.
    """
    text = _normalize_text(text)
    record = _parse_markdown(text) or _parse_dated(text) or _parse_page(text) or Record("raw", body=text)
    if name is not None:
        parsed_name = parse_record_name(PurePath(name).name)
        if parsed_name is not None:
            record.number, record.hash = parsed_name
    return record


def detect_layout(text: str) -> str:
    """The layout :func:`parse_record` finds in ``text``."""
    return parse_record(text).layout


def _normalize_text(text: str) -> str:
    """Drop leading byte-order marks and turn CRLF and lone CR into LF."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _parse_iso(value: str) -> datetime | date | None:
    """A day (``YYYY-MM-DD``) or a datetime (offset kept) from ISO 8601 text; ``None`` if invalid."""
    value = value.strip()
    try:
        if _ISO_DAY.fullmatch(value):
            return date.fromisoformat(value)
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _parse_markdown(text: str) -> Record | None:
    """A ``markdown`` record, or ``None`` when the text does not start with its header."""
    lines = text.split("\n")
    start = 0
    while start < len(lines) and lines[start] == "":
        start += 1
    title_match = _MD_TITLE.fullmatch(lines[start]) if start < len(lines) else None
    if title_match is None:
        return None
    headers: dict[str, str] = {}
    last = start
    while True:  # header lines follow each other after one blank line (or none)
        nxt = last + 2 if last + 1 < len(lines) and lines[last + 1] == "" else last + 1
        found = _match_md_header(lines[nxt]) if nxt < len(lines) else None
        if found is None or found[0] in headers:
            break
        headers[found[0]] = found[1]
        last = nxt
    if last + 2 < len(lines) and lines[last + 1] == "" and lines[last + 2] == "":
        body_start = last + 3
        if not headers and start != 1:
            return None
    elif headers:
        body_start = last + 2 if last + 1 < len(lines) and lines[last + 1] == "" else last + 1
    else:
        return None
    body_lines = lines[body_start:]
    if body_lines and body_lines[-1] == "":
        body_lines.pop()
    record = Record("markdown", title=title_match.group(1), body="\n".join(body_lines))
    if "published" in headers:
        record.published = _parse_iso(headers["published"])
    if "author" in headers:
        record.author = headers["author"]
    if "original" in headers:
        label, _, url = headers["original"].rpartition("](")
        record.outlet_name = label or None
        record.url = url
    return record


def _match_md_header(line: str) -> tuple[str, str] | None:
    """Which markdown header ``line`` is, with its value; ``None`` for any other line."""
    for key, (prefix, suffix) in _MD_HEADERS.items():
        value = _between(line, prefix, suffix)
        if value is not None and (key != "original" or "](" in value):
            return key, value
    return None


def _between(line: str, prefix: str, suffix: str) -> str | None:
    """The text of ``line`` between ``prefix`` and ``suffix`` (trailing blanks allowed), else ``None``."""
    line = line.rstrip(" \t")
    if len(line) >= len(prefix) + len(suffix) and line.startswith(prefix) and line.endswith(suffix):
        return line[len(prefix) : len(line) - len(suffix)]
    return None


def _parse_dated(text: str) -> Record | None:
    """A ``dated`` record, or ``None`` when the first line is not `` date YYYY-MM-DD …``."""
    first, separator, rest = text.partition("\n")
    match = _DATED_FIRST_LINE.fullmatch(first)
    if match is None:
        return None
    day = _parse_iso(match.group(1))
    if not isinstance(day, date):
        return None
    gap = not separator or rest.startswith("\n")
    body = rest[1:] if rest.startswith("\n") else rest
    return Record("dated", title=match.group(2), published=day, body=body, gap_after_title=gap)


def _parse_page(text: str) -> Record | None:
    """A ``page`` record, or ``None`` without its title, ``DD.MM.YYYY`` line and address line."""
    lines = text.split("\n")
    title_at = 0
    while title_at < len(lines) and lines[title_at] == "":
        title_at += 1
    day_at = title_at + 1
    while day_at < len(lines) and lines[day_at] == "":
        day_at += 1
    address_at = len(lines) - 1
    while address_at > day_at and lines[address_at] == "":
        address_at -= 1
    if address_at <= day_at or not lines[title_at].strip():
        return None
    day_match = _PAGE_DAY.fullmatch(lines[day_at])
    url = _between(lines[address_at], *_PAGE_ADDRESS)
    if day_match is None or url is None:
        return None
    try:
        day = date(int(day_match.group(3)), int(day_match.group(2)), int(day_match.group(1)))
    except ValueError:
        return None
    middle = "\n".join(lines[day_at + 1 : address_at])
    if len(middle) >= 4 and middle.startswith("\n\n\n") and middle.endswith("\n"):
        body = middle[3:-1]
    else:
        body = middle.strip("\n")
    return Record("page", title=lines[title_at], published=day, url=url, body=body)


# ---------------------------------------------------------------------------------------------
# Writing


def render_record(record: Record) -> str:
    """The text of ``record`` in ``record.layout``.

    Raises ``ValueError`` when the record cannot be written in its layout without loss: a
    field the layout has no place for, a line break inside a one-line field, a ``"\\r"``
    anywhere, a missing date for ``dated``/``page``, or a ``raw`` body that would read back
    as another layout.
    """
    _check_no_cr(record)
    renderers = {
        "markdown": _render_markdown,
        "dated": _render_dated,
        "page": _render_page,
        "raw": _render_raw,
    }
    return renderers[record.layout](record)


def render_article(
    layout: str = "markdown",
    *,
    title: str | None,
    published: datetime | date | None,
    author: str | None,
    url: str | None,
    outlet_name: str | None,
    paragraphs: list[str],
) -> str:
    """The text of a new record for an extracted article, in ``markdown`` or ``dated``.

    ``paragraphs`` are the body paragraphs; line breaks inside a paragraph or the title become
    a space and empty paragraphs are dropped. ``markdown`` needs an offset-aware datetime (or
    a day) when ``published`` is given; ``author`` should already be the outlet's agency name
    when the page names no person, and the ``Original`` label defaults to the URL's host.
    ``dated`` keeps the day of ``published`` (in its own offset) and has no place for author
    or URL (the archive index keeps them); it raises ``ValueError`` without ``published``, so
    the archive pipeline writes such articles as ``markdown`` instead. ``page`` and ``raw`` are
    legacy layouts and are never written for new articles (``ValueError``).
    """
    clean_title = (_one_line(title) if title is not None else None) or None
    body_paragraphs = [p for p in (_one_line(p) for p in paragraphs) if p]
    if layout == "markdown":
        if isinstance(published, datetime) and published.utcoffset() is None:
            raise ValueError("markdown records need an offset-aware publication time")
        label = None
        if url is not None:
            label = _one_line(outlet_name) if outlet_name else _url_label(url)
        record = Record(
            "markdown",
            title=clean_title,
            published=published,
            author=_one_line(author) if author is not None else None,
            url=_one_line(url) if url is not None else None,
            outlet_name=label or None,
            body="\n".join(body_paragraphs),
        )
    elif layout == "dated":
        if published is None:
            raise ValueError("dated records need a publication date; write the article as markdown")
        day = published.date() if isinstance(published, datetime) else published
        record = Record("dated", title=clean_title, published=day, body="\n\n".join(body_paragraphs))
    else:
        raise ValueError(f"new articles are written as 'markdown' or 'dated', not {layout!r}")
    return render_record(record)


def _render_markdown(record: Record) -> str:
    """``markdown``: header lines for the fields present, two blank lines, body, final newline."""
    if record.url is None and record.outlet_name is not None:
        raise ValueError("a markdown record names its outlet only in the Original line, which needs a URL")
    _check_one_line(record, "title", "author", "url", "outlet_name")
    if record.url is not None and "](" in record.url:
        raise ValueError(f"a markdown record's URL cannot contain '](': {record.url!r}")
    parts = ["", "#" if record.title is None else f"# {record.title}", ""]
    if record.published is not None:
        parts += [f"Published at: **{record.published.isoformat()}**", ""]
    if record.author is not None:
        parts += [f"Author: **{record.author}**", ""]
    if record.url is not None:
        parts += [f"Original: [{record.outlet_name or ''}]({record.url})", ""]
    return "\n".join([*parts, "", record.body, ""])


def _render_dated(record: Record) -> str:
    """``dated``: `` date YYYY-MM-DD {title}``, a blank line and the body; no final newline."""
    _check_unheld(record, "author", "url", "outlet_name")
    _check_one_line(record, "title")
    day = _require_day(record)
    first = f" date {day.isoformat()}" + ("" if record.title is None else f" {record.title}")
    if not record.gap_after_title:
        if record.body.startswith("\n"):
            raise ValueError("a dated body right below the first line cannot start with an empty line")
        return f"{first}\n{record.body}"
    return first if record.body == "" else f"{first}\n\n{record.body}"


def _render_page(record: Record) -> str:
    """``page``: title, ``DD.MM.YYYY``, body and the ``Адрес страницы`` line."""
    _check_unheld(record, "author", "outlet_name")
    _check_one_line(record, "title", "url")
    day = _require_day(record)
    if record.title is None or not record.title.strip():
        raise ValueError("page records need a title")
    if record.url is None:
        raise ValueError("page records need a URL")
    stamp = f"{day.day:02d}.{day.month:02d}.{day.year:04d}"
    address = f"{_PAGE_ADDRESS[0]}{record.url}{_PAGE_ADDRESS[1]}"
    return f"\n\n{record.title}\n\n{stamp}\n\n\n\n{record.body}\n\n{address}"


def _render_raw(record: Record) -> str:
    """``raw``: the body itself, provided it does not read back as another layout."""
    _check_unheld(record, "title", "published", "author", "url", "outlet_name")
    if record.body.startswith("\ufeff"):
        raise ValueError("a raw body cannot start with a byte-order mark")
    layout = detect_layout(record.body)
    if layout != "raw":
        raise ValueError(f"this raw body would read back as a {layout} record")
    return record.body


def _require_day(record: Record) -> date:
    """The record's day; ``ValueError`` when it has none or has a time the layout cannot hold."""
    if record.published is None:
        raise ValueError(f"{record.layout} records need a publication date")
    if isinstance(record.published, datetime):
        raise ValueError(f"{record.layout} records hold a day, not a time: pass a date")
    return record.published


def _check_unheld(record: Record, *fields: str) -> None:
    """``ValueError`` when one of ``fields`` is set although the layout cannot hold it."""
    unheld = [name for name in fields if getattr(record, name) is not None]
    if unheld:
        raise ValueError(f"{record.layout} records have no place for {', '.join(unheld)}")


def _check_one_line(record: Record, *fields: str) -> None:
    """``ValueError`` when one of ``fields`` contains a line break."""
    for name in fields:
        value = getattr(record, name)
        if value is not None and "\n" in value:
            raise ValueError(f"{name} must be a single line: {value!r}")


def _check_no_cr(record: Record) -> None:
    """``ValueError`` for a ``"\\r"`` in any text field: reading turns it into a line break."""
    for name in ("title", "author", "url", "outlet_name", "body"):
        value = getattr(record, name)
        if value is not None and "\r" in value:
            raise ValueError(f"{name} must not contain '\\r'")


def _one_line(text: str) -> str:
    """``text`` with each line break (and the blanks around it) turned into one space, stripped."""
    return " ".join(part for part in (line.strip() for line in text.splitlines()) if part)


def _url_label(url: str | None) -> str | None:
    """A short outlet label from a URL: its host without ``www.``."""
    try:
        host = urlsplit(url).hostname if url else None
    except ValueError:
        return None
    return (host.removeprefix("www.") or None) if host else None
