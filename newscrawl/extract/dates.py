"""Publication dates shared by all outlets.

Three kinds of input are handled:

* machine-readable values (ISO 8601, RFC 822 ``pubDate``, ``YYYY-MM-DD HH:MM:SS``) from feeds, APIs,
  ``<meta>`` tags, JSON-LD and ``<time datetime>``: :func:`parse_machine_date`;
* dates as news pages print them, in Russian, Kazakh (Cyrillic and both Latin alphabets) and English,
  possibly inside surrounding text: :func:`parse_visible_date`;
* the page-level publication date of an arbitrary HTML page: :func:`extract_page_date`.

Outlet facts such as the time zone are passed in by the callers. A value without a UTC offset is local
time in that zone, and the zone's historical offset is attached with :mod:`zoneinfo` (Almaty was UTC+6
before 2024-03-01, Moscow UTC+4 in 2011-2014). A value with an offset is converted to the zone.
"""

from __future__ import annotations

import contextlib
import email.utils
import re
import unicodedata
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

import lxml.html

from newscrawl.extract.html import Page, html_tree, tagged, tree_of
from newscrawl.extract.jsonld import article_nodes, decode_json_values, first_string, jsonld_scripts

__all__ = [
    "explicit_offset",
    "extract_page_date",
    "machine_dates_from_html",
    "month_number",
    "parse_machine_date",
    "parse_machine_value",
    "parse_visible_date",
    "resolve_published",
    "to_zone",
]

MIN_YEAR = 1990
FUTURE_TOLERANCE = timedelta(days=1)
VISIBLE_SOURCE = "visible"
_RAW_DATE_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')


# <meta> keys (lower-cased name/property/itemprop values) in priority order, with their source names.
META_KEYS: tuple[tuple[str, str], ...] = (
    ("article:published_time", "meta:article:published_time"),
    ("datepublished", "meta:datePublished"),
    ("og:published_time", "meta:og:published_time"),
    ("dc.date.issued", "meta:DC.date.issued"),
    ("pubdate", "meta:pubdate"),
    ("sailthru.date", "meta:sailthru.date"),
    ("parsely-pub-date", "meta:parsely-pub-date"),
)

# ----------------------------------------------------------------------------------------- time zones


def as_zone(tz: str | tzinfo) -> tzinfo:
    """A ``tzinfo`` for an IANA name such as ``"Asia/Almaty"`` (or the ``tzinfo`` itself)."""
    return ZoneInfo(tz) if isinstance(tz, str) else tz


def to_zone(value: datetime, tz: str | tzinfo) -> datetime:
    """Attach ``tz`` to a naive local time, or convert an aware datetime to ``tz``."""
    zone = as_zone(tz)
    return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)


def is_plausible(value: datetime) -> bool:
    """Whether a publication date is sane: not before 1990 and not more than a day in the future."""
    if value.year < MIN_YEAR:
        return False
    now = datetime.now(value.tzinfo) if value.tzinfo else datetime.now()
    return value <= now + FUTURE_TOLERANCE


# ------------------------------------------------------------------------------------ machine values

_ISO_LIKE = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T\s]+(?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?:[.,]\d+)?)?"
    r"\s*(?P<off>Z|UTC|GMT|[+-]\d{2}(?::?\d{2})?)?$",
    re.I,
)


def _offset(text: str) -> tzinfo | None:
    """``tzinfo`` for ``Z``/``UTC``/``+06``/``+0600``/``-03:30``; None when ``text`` is empty."""
    if not text:
        return None
    if text.upper() in {"Z", "UTC", "GMT"}:
        return timezone.utc
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
    return timezone(sign * timedelta(minutes=minutes))


def _parse_iso_like(value: str) -> datetime | None:
    """ISO-ish values that :meth:`datetime.fromisoformat` rejects (space before the offset, nanoseconds)."""
    m = _ISO_LIKE.match(value)
    if not m:
        return None
    g = m.groupdict()
    try:
        return datetime(
            int(g["y"]),
            int(g["mo"]),
            int(g["d"]),
            int(g["h"] or 0),
            int(g["mi"] or 0),
            int(g["s"] or 0),
            tzinfo=_offset(g["off"] or ""),
        )
    except ValueError:
        return None


def parse_machine_value(value: str) -> datetime | None:
    """Parse a machine-readable date as given: aware with its own offset, or naive when it has none.

    Accepts ISO 8601 (``2019-11-05T10:31:00+06:00``, ``…Z``, date only), ``YYYY-MM-DD HH:MM:SS`` and
    RFC 822 (``Tue, 05 Nov 2019 11:49:00 +0600``). Returns None for anything else and for implausible
    dates (before 1990, or more than a day ahead).
    """
    text = (value or "").strip()
    if not text or len(text) > 64:
        return None
    parsed: datetime | None = None
    with contextlib.suppress(ValueError):
        parsed = datetime.fromisoformat(re.sub(r"[Zz]$", "+00:00", text))
    if parsed is None:
        parsed = _parse_iso_like(text)
    if parsed is None and re.search(r"[A-Za-z]{3}", text):
        with contextlib.suppress(TypeError, ValueError, IndexError):
            parsed = email.utils.parsedate_to_datetime(text)
    return parsed if parsed is not None and is_plausible(parsed) else None


def parse_machine_date(value: str, tz: str | tzinfo) -> datetime | None:
    """Parse a machine-readable date into an aware datetime in ``tz``.

    A value with an offset is converted to ``tz``; one without is local time in ``tz`` (historical
    offsets from zoneinfo). Date-only values give local midnight. Garbage gives None.
    """
    parsed = parse_machine_value(value)
    return to_zone(parsed, tz) if parsed is not None else None


# ------------------------------------------------------------------------------------ visible dates

_MONTH_KEYS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip

# Kazakh in Latin script, folded (see _fold): the 2018 acute alphabet (Qańtar, Naýryz, Sáýir,
# Qyrkúıek…), the 2021 alphabet (Qañtar, Nauryz, Säuır, Şılde, Qyrküiek, Qaraşa) and the 2017
# apostrophe alphabet (Qan'tar, Sa'uir…) all fold to these.
_KK_LATIN_MONTHS = {
    "qantar": 1, "aqpan": 2, "nauryz": 3, "sauir": 4, "mamyr": 5, "mausym": 6,
    "shilde": 7, "tamyz": 8, "qyrkuiek": 9, "qazan": 10, "qarasha": 11, "jeltoqsan": 12,
}  # fmt: skip
_KK_CYRILLIC = ("қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым",
                "шілде", "тамыз", "қыркүйек", "қазан", "қараша", "желтоқсан")  # fmt: skip
_FOLD_FIRST = str.maketrans({"ý": "u", "Ý": "u", "ı": "i", "ş": "sh", "Ş": "sh", "ç": "ch", "Ç": "ch"})


def _fold(word: str) -> str:
    """Lower-case Latin ``word`` without diacritics or apostrophes (``Qyrkúıek`` -> ``qyrkuiek``)."""
    decomposed = unicodedata.normalize("NFKD", word.translate(_FOLD_FIRST))
    return "".join(c for c in decomposed if c.isalpha() and not unicodedata.combining(c)).lower()


@lru_cache(maxsize=1)
def _month_table() -> dict[str, int]:
    """Month names and abbreviations of ru, kk and en (from dateparser's locale data) -> month number."""
    from dateparser.languages.loader import default_loader

    table: dict[str, int] = {}
    for lang in ("ru", "kk", "en"):
        info = default_loader.get_locale(lang).info
        for number, key in enumerate(_MONTH_KEYS, start=1):
            for name in info.get(key, []):
                table[name.lower()] = number
    return table


def month_number(word: str) -> int | None:
    """Month number of a Russian, Kazakh (Cyrillic or Latin) or English month name, any case."""
    word = word.rstrip(".")
    lowered = word.lower()
    return _month_table().get(lowered) or _KK_LATIN_MONTHS.get(_fold(lowered)) or None


_MONTH = r"(?P<mon>[^\W\d_](?:[^\W\d_]|['’ʼ]){2,11}\.?)"
_TIME_BEFORE = r"(?:(?P<h1>\d{1,2}):(?P<mi1>\d{2})(?::\d{2})?\s*[,|/\-–—]?\s*)?"
_TIME_AFTER = (
    r"(?:\s*(?:,|\||/|-|–|—|в|at|T)?\s*(?P<h2>\d{1,2}):(?P<mi2>\d{2})(?::(?P<s2>\d{2}))?"
    r"(?:\s*(?P<ampm>[ap])\.?\s?m\b\.?)?)?"
)
_YEAR_WORD = r"(?:\s*(?:г\.|года|год|г\b|ж\.|жылы|жыл\b))?"
_ORDINAL = r"(?:st|nd|rd|th|-?го|-?е)?"
# The date part of each visible pattern; each is wrapped in optional times before and after.
_DAY_MONTH_YEAR = (  # 05 Июнь 2025 | 13 апреля 2016 | 5th November 2019 | 1-го декабря 2020 г.
    r"(?<![\d.])(?P<d>\d{1,2})" + _ORDINAL + r"\s+" + _MONTH + r",?\s+(?P<y>\d{4})(?!\d)" + _YEAR_WORD
)
_MONTH_DAY_YEAR = (  # November 5, 2019 | Nov. 5th 2019
    r"\b" + _MONTH + r"\s+(?P<d>\d{1,2})" + _ORDINAL + r",?\s+(?P<y>\d{4})(?!\d)"
)
_KK_YEAR_DAY_MONTH = (  # 2020 жылғы 30 қаңтар | 2026 jylǵy 30 qańtar
    r"(?<!\d)(?P<y>\d{4})\s*(?:жылғы|ж\.|jylǵy|jylgy|jylğy|j\.)\s*(?P<d>\d{1,2})\s+" + _MONTH
)
_NUMERIC_DMY = (  # 15.11.2019 | 15.11.2019 г.
    r"(?<![\d.])(?P<d>\d{1,2})\.(?P<mo>\d{1,2})\.(?P<y>\d{4})(?![\d.]*\d)" + _YEAR_WORD
)
_ISO_DATE = r"(?<![\d-])(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})(?!\d)"  # 2019-11-15
_ISO_OFFSET = r"(?:(?:[.,]\d+)?(?P<off>Z|[+-]\d{2}:?\d{2})\b)?"  # 2019-11-15T14:30:00+06:00
_VISIBLE_PATTERNS = (
    *(
        re.compile(_TIME_BEFORE + core + _TIME_AFTER, re.I)
        for core in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR, _KK_YEAR_DAY_MONTH, _NUMERIC_DMY)
    ),
    re.compile(_ISO_DATE + _TIME_AFTER + _ISO_OFFSET, re.I),
)
_EXPLICIT_OFFSET = re.compile(r"\b(?:GMT|UTC)\s*(?P<off>[+\-−–]\s*\d{1,2}(?::?\d{2})?)?(?![\w:])", re.I)


def explicit_offset(text: str) -> tzinfo | None:
    """The offset a text states (``GMT +6``, ``UTC+5``, ``UTC-03:30``, bare ``GMT``), else None."""
    m = _EXPLICIT_OFFSET.search(text)
    if not m:
        return None
    raw = re.sub(r"\s", "", (m.group("off") or "").replace("−", "-").replace("–", "-"))
    if not raw:
        return timezone.utc
    sign, digits = raw[0], raw[1:].replace(":", "")
    hours, minutes = (digits, "0") if len(digits) <= 2 else (digits[:-2], digits[-2:])
    if int(hours) > 14 or int(minutes) >= 60:
        return None
    return _offset(f"{sign}{int(hours):02d}{int(minutes):02d}")


def _match_to_naive(m: re.Match[str]) -> datetime | None:
    """Build the naive datetime a visible-date regex match describes (None when invalid)."""
    g = m.groupdict()
    month = int(g["mo"]) if g.get("mo") else month_number(g.get("mon") or "")
    if not month:
        return None
    hour = g.get("h1") or g.get("h2")
    minute = g.get("mi1") or g.get("mi2")
    second = g.get("s2") if not g.get("h1") else None
    h = int(hour) if hour else 0
    if g.get("ampm") and not g.get("h1"):
        h = h % 12 + (12 if g["ampm"].lower() == "p" else 0)
    try:
        return datetime(int(g["y"]), month, int(g["d"]), h, int(minute or 0), int(second or 0))
    except ValueError:
        return None


def _regex_visible(text: str) -> tuple[datetime, tzinfo | None] | None:
    """The earliest date in ``text`` that one of the fast patterns recognises, with any ISO offset."""
    found: list[tuple[int, datetime, tzinfo | None]] = []
    for pattern in _VISIBLE_PATTERNS:
        for m in pattern.finditer(text):
            naive = _match_to_naive(m)
            if naive is not None and naive.year >= MIN_YEAR:
                found.append((m.start(), naive, _offset(m.groupdict().get("off") or "")))
                break
    if not found:
        return None
    _, naive, offset = min(found, key=lambda item: item[0])
    return naive, offset


_LATIN_WORD = re.compile(r"[A-Za-zÀ-ɏ'’ʼ]+")


def _latin_months_to_cyrillic(text: str) -> str:
    """Replace Kazakh-Latin month names by their Cyrillic forms, which dateparser knows."""

    def swap(m: re.Match[str]) -> str:
        number = _KK_LATIN_MONTHS.get(_fold(m.group(0)))
        return _KK_CYRILLIC[number - 1] if number else m.group(0)

    return _LATIN_WORD.sub(swap, text)


_DATEPARSER_SETTINGS = {
    "REQUIRE_PARTS": ["day", "month", "year"],
    "RETURN_AS_TIMEZONE_AWARE": False,
    "PREFER_DATES_FROM": "past",
    "DATE_ORDER": "DMY",
}


def _dateparser_visible(text: str) -> datetime | None:
    """Slow path: dateparser on the text (or a search in it), languages ru/kk/en, naive result."""
    import dateparser
    from dateparser.search import search_dates

    text = _EXPLICIT_OFFSET.sub(" ", _latin_months_to_cyrillic(text))[:500].strip()
    if not re.search(r"\d", text):
        return None
    langs = ["ru", "kk", "en"]
    parsed = None
    if len(text) <= 80:
        parsed = dateparser.parse(text, languages=langs, settings=_DATEPARSER_SETTINGS)
    if parsed is None:
        hits = search_dates(text, languages=langs, settings=_DATEPARSER_SETTINGS) or []
        parsed = next((dt for _, dt in hits if dt.year >= MIN_YEAR), None)
    return parsed.replace(tzinfo=None) if parsed is not None else None


def parse_visible_date(text: str, tz: str | tzinfo) -> datetime | None:
    """Parse a date as a news page prints it (possibly inside other text) into an aware datetime in ``tz``.

    Knows Russian (genitive and nominative months), Kazakh (Cyrillic and Latin), English and numeric
    forms. A ``GMT +6``/``UTC+5`` in the text gives the offset; otherwise the time is local in ``tz``.
    Dates before 1990 or more than a day in the future give None.
    """
    if not text or not text.strip():
        return None
    text = re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))
    offset: tzinfo | None
    fast = _regex_visible(text)
    if fast is not None:
        naive, offset = fast
    else:
        naive, offset = _dateparser_visible(text), None
        if naive is None:
            return None
    offset = offset or explicit_offset(text)
    aware = to_zone(naive.replace(tzinfo=offset), tz) if offset else to_zone(naive, tz)
    return aware if is_plausible(aware) else None


# ------------------------------------------------------------------------------ candidates from HTML


def _jsonld_dates(page: Page) -> Iterator[tuple[str, str]]:
    """``datePublished`` of the article objects in the page's JSON-LD.

    Blocks that are not JSON even leniently (single quotes, raw HTML) are searched textually for a
    ``"datePublished": "…"``; those values come after the decoded ones.
    """
    salvaged: list[str] = []
    for raw in jsonld_scripts(page):
        values = decode_json_values(raw)
        for node in article_nodes(values):
            value = first_string(node.get("datePublished"))
            if value:
                yield "jsonld:datePublished", value
        if not values:
            salvaged += _RAW_DATE_PUBLISHED.findall(raw)
    for value in salvaged:
        yield "jsonld-text:datePublished", value


def _meta_dates(page: Page) -> Iterator[tuple[str, str]]:
    """Publication-date ``<meta>`` values in :data:`META_KEYS` priority order."""
    found: dict[str, list[str]] = {}
    for meta in tagged(page, "meta"):
        content = (meta.get("content") or "").strip()
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            key = (meta.get(attr) or "").strip().lower()
            if key:
                found.setdefault(key, []).append(content)
    for key, source in META_KEYS:
        for value in found.get(key, []):
            yield source, value


def _is_preferred_time(el: lxml.html.HtmlElement) -> bool:
    """A ``<time>`` that marks the publication date (itemprop or a date/publish class)."""
    cls = (el.get("class") or "").lower()
    return (el.get("itemprop") or "").lower() == "datepublished" or "date" in cls or "publish" in cls


class _CommentSections:
    """Tells whether elements of one page sit in a comment section (an ancestor's class or id mentions
    comments), remembering the answer for every ancestor it looked at: the dozens of dates a page
    lists share most of their ancestors."""

    def __init__(self) -> None:
        self._known: dict[lxml.html.HtmlElement, bool] = {}

    def __contains__(self, el: lxml.html.HtmlElement) -> bool:
        unknown = []
        node = el.getparent()
        while node is not None and node not in self._known:
            unknown.append(node)
            node = node.getparent()
        inside = self._known[node] if node is not None else False
        for ancestor in reversed(unknown):  # from the outermost down
            inside = inside or "comment" in f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}".lower()
            self._known[ancestor] = inside
        return inside


def _time_dates(page: Page, comments: _CommentSections | None = None) -> Iterator[tuple[str, str]]:
    """``<time datetime>`` values, the ones marked as the publication date first."""
    comments = _CommentSections() if comments is None else comments
    times = [t for t in tagged(page, "time") if (t.get("datetime") or "").strip() and t not in comments]
    for el in sorted(times, key=lambda t: not _is_preferred_time(t)):
        if "modified" in (el.get("itemprop") or "").lower() + (el.get("class") or "").lower():
            continue
        yield "time:datetime", el.get("datetime").strip()


#: every ``itemprop`` attribute of a page (libxml2 finds attributes faster than elements by attribute)
_ITEMPROPS = lxml.etree.XPath("//@itemprop")


def _itemprop_dates(page: Page,
                    comments: _CommentSections | None = None) -> Iterator[tuple[str, str]]:
    """Non-meta elements with ``itemprop="datePublished"`` and a ``content`` or ``datetime`` attribute."""
    comments = _CommentSections() if comments is None else comments
    for prop in _ITEMPROPS(tree_of(page)):
        if prop not in ("datePublished", "datepublished") or (el := prop.getparent()).tag == "meta":
            continue
        value = (el.get("content") or el.get("datetime") or "").strip()
        if value and el not in comments:
            yield "itemprop:datePublished", value


def machine_dates_from_html(page: Page) -> list[tuple[str, str]]:
    """Machine-readable publication-date candidates ``(source, raw value)`` of a page, best first.

    Order: the ``<meta>`` tags of :data:`META_KEYS`, JSON-LD ``datePublished`` of article objects,
    ``itemprop=datePublished`` elements, then ``<time datetime>`` (publication-marked ones first).
    Modification dates and elements inside comment sections are never included.
    """
    seen: set[tuple[str, str]] = set()
    out: list[tuple[str, str]] = []
    comments = _CommentSections()
    for pair in (*_meta_dates(page), *_jsonld_dates(page), *_itemprop_dates(page, comments),
                 *_time_dates(page, comments)):
        if pair not in seen:
            seen.add(pair)
            out.append(pair)
    return out


def resolve_published(
    candidates: Iterable[tuple[str, str]], tz: str | tzinfo, visible: Iterable[str] = ()
) -> tuple[datetime | None, str | None]:
    """The first candidate that parses as a machine date, else the first visible string that parses.

    Returns ``(aware datetime in tz, source name)``, the source being ``"visible"`` for a visible
    string, or ``(None, None)``.
    """
    for source, value in candidates:
        parsed = parse_machine_date(value, tz)
        if parsed is not None:
            return parsed, source
    for text in visible:
        parsed = parse_visible_date(text, tz)
        if parsed is not None:
            return parsed, VISIBLE_SOURCE
    return None, None


# -------------------------------------------------------------------------------- page-level date


def _is_utc(value: datetime) -> bool:
    """Whether ``value`` is stated in UTC (``Z``/``+00:00``), which hides the page's local day."""
    return value.tzinfo is not None and value.utcoffset() == timedelta(0)


def _same_instant_local(utc_value: datetime, others: Iterable[datetime]) -> datetime | None:
    """Another candidate stating the instant of ``utc_value`` in local time, if the page has one.

    An aware value must be the same instant with a non-zero offset; a naive one must differ from the
    UTC wall time by whole hours (at most 14) with the same minutes and seconds.
    """
    wall = utc_value.replace(tzinfo=None, microsecond=0)
    for other in others:
        if other.tzinfo is not None:
            if other.utcoffset() != timedelta(0) and other == utc_value:
                return other
            continue
        shift = other.replace(microsecond=0) - wall
        if shift and abs(shift) <= timedelta(hours=14) and shift % timedelta(hours=1) == timedelta(0):
            return other
    return None


def _local_day_near(utc_value: datetime, found: date) -> bool:
    """Whether ``found`` can be the local day of ``utc_value`` in a zone from UTC-10 to UTC+14."""
    if found == utc_value.date() - timedelta(days=1):
        return utc_value.hour < 10
    if found == utc_value.date() + timedelta(days=1):
        return utc_value.hour >= 10
    return False


def _htmldate(html: str, url: str | None) -> date | None:
    """htmldate's ``find_date(original_date=True, extensive_search=True)`` as a ``date``."""
    from htmldate import find_date

    found = find_date(html, original_date=True, extensive_search=True, url=url)
    with contextlib.suppress(TypeError, ValueError):
        return date.fromisoformat(found)
    return None


def extract_page_date(
    html: str, url: str | None = None, tz: str | tzinfo | None = None
) -> date | datetime | None:
    """Publication date of a page of an unknown site (see :func:`page_date`), the page parsed here.

    With ``tz`` the result is an aware datetime in ``tz`` (htmldate's day-only answers stay dates);
    without it the page's own offset or naive value is kept, as the page's local day is what counts.
    """
    tree = html_tree(html)
    if tree is None:
        return None
    result = page_date(html, url, machine_dates_from_html(tree))
    if tz is not None and isinstance(result, datetime):
        return to_zone(result, tz)
    return result


def page_date(html: str, url: str | None, candidates: Iterable[tuple[str, str]]) -> date | datetime | None:
    """Publication date of a page of an unknown site, given its machine-readable date candidates.

    The first ``<meta>``/JSON-LD/itemprop candidate of :func:`machine_dates_from_html` that parses
    wins; ``<time>`` elements are left to htmldate's ``find_date(original_date=True,
    extensive_search=True)``, which is the fallback and weighs them better. A winner stated in UTC
    says nothing about the page's local day, so a same-instant local candidate replaces it, or else
    htmldate's day when that is the day before or after. The page's own offset (or naive value) is kept.
    """
    parsed = [(source, p) for source, v in candidates if (p := parse_machine_value(v)) is not None]
    chosen = next((p for source, p in parsed if not source.startswith("time:")), None)
    result: date | datetime | None = chosen
    if chosen is not None and _is_utc(chosen):
        result = _same_instant_local(chosen, (p for _, p in parsed))
        if result is None:
            found = _htmldate(html, url)
            result = found if found is not None and _local_day_near(chosen, found) else chosen
    if result is None:
        result = _htmldate(html, url)
    return result
