"""Tests for newscrawl.dates: machine dates, printed dates, HTML candidates and page-level dates."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from support import SHARED

from newscrawl.extract.dates import (
    extract_page_date,
    machine_dates_from_html,
    month_number,
    parse_machine_date,
    parse_machine_value,
    parse_visible_date,
    resolve_published,
)

ALMATY = "Asia/Almaty"
MOSCOW = "Europe/Moscow"
QZ_FIXTURE = (
    SHARED / "fixtures-real" / "kazinform" / "qz-inform-kz_kk-latn_articles_2025-2026_extracted.jsonl"
)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


def tree(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def page(head: str = "", body: str = "") -> str:
    return f"<html><head>{head}</head><body>{body}</body></html>"


def jsonld(data: object | str) -> str:
    text = data if isinstance(data, str) else json.dumps(data)
    return f'<script type="application/ld+json">{text}</script>'


# ------------------------------------------------------------------------------- parse_machine_date


@pytest.mark.parametrize(
    ("value", "tz", "expected", "offset"),
    [
        # no offset: local time in the zone, with the zone's offset of that date
        ("2019-11-05 10:31:00", ALMATY, datetime(2019, 11, 5, 10, 31), 6),
        ("2025-08-15 10:31:00", ALMATY, datetime(2025, 8, 15, 10, 31), 5),
        ("2024-02-29 23:30:00", ALMATY, datetime(2024, 2, 29, 23, 30), 6),
        ("2024-03-01 00:30:00", ALMATY, datetime(2024, 3, 1, 0, 30), 5),
        ("2012-06-01 10:00:00", MOSCOW, datetime(2012, 6, 1, 10, 0), 4),
        ("2020-06-01 10:00:00", MOSCOW, datetime(2020, 6, 1, 10, 0), 3),
        ("2019-11-05T10:31", ALMATY, datetime(2019, 11, 5, 10, 31), 6),
        # with an offset: converted to the zone
        ("2019-11-05T10:31:00+03:00", ALMATY, datetime(2019, 11, 5, 13, 31), 6),
        ("2019-11-05T04:31:00Z", ALMATY, datetime(2019, 11, 5, 10, 31), 6),
        ("2025-11-05T04:31:00.123456789Z", ALMATY, datetime(2025, 11, 5, 9, 31, 0, 123456), 5),
        ("2020-03-05 10:00:00 +0300", ALMATY, datetime(2020, 3, 5, 13, 0), 6),
        ("2013-01-10T12:00:00+06:00", MOSCOW, datetime(2013, 1, 10, 10, 0), 4),
        # RSS pubDate (RFC 822)
        ("Tue, 05 Nov 2019 11:49:00 +0300", ALMATY, datetime(2019, 11, 5, 14, 49), 6),
        ("Mon, 04 May 2026 06:16:00 GMT", ALMATY, datetime(2026, 5, 4, 11, 16), 5),
        ("Wed, 10 Jun 2020 09:00:00 +0600", MOSCOW, datetime(2020, 6, 10, 6, 0), 3),
    ],
)
def test_parse_machine_date_gives_aware_time_in_zone_with_historical_offset(
    value: str, tz: str, expected: datetime, offset: int
) -> None:
    parsed = parse_machine_date(value, tz)
    assert parsed is not None
    assert parsed.replace(tzinfo=None) == expected
    assert parsed.utcoffset() == hours(offset)
    assert parsed.tzinfo == ZoneInfo(tz)


def test_parse_machine_date_date_only_is_local_midnight() -> None:
    parsed = parse_machine_date("2019-11-15", ALMATY)
    assert parsed == datetime(2019, 11, 15, tzinfo=ZoneInfo(ALMATY))
    assert parsed is not None and parsed.utcoffset() == hours(6)


def test_parse_machine_date_accepts_zoneinfo_object() -> None:
    parsed = parse_machine_date("2025-01-02 03:04:05", ZoneInfo(ALMATY))
    assert parsed is not None and parsed.utcoffset() == hours(5)


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "garbage",
        "2019-13-45",
        "2019-02-30 10:00",
        "yesterday",
        "0000-00-00",
        "12345",
        "1970-01-01T00:00:00Z",
    ],
)
def test_parse_machine_date_rejects_garbage_and_implausible_values(value: str) -> None:
    assert parse_machine_date(value, ALMATY) is None


def test_parse_machine_date_rejects_future_beyond_a_day() -> None:
    future = (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()
    assert parse_machine_date(future, ALMATY) is None


def test_parse_machine_date_accepts_a_few_hours_ahead() -> None:
    soon = (datetime.now(timezone.utc) + timedelta(hours=3)).isoformat()
    assert parse_machine_date(soon, ALMATY) is not None


def test_parse_machine_value_keeps_own_offset_or_naive() -> None:
    assert parse_machine_value("2023-11-08T18:09:55-05:00") == datetime(
        2023, 11, 8, 18, 9, 55, tzinfo=timezone(hours(-5))
    )
    naive = parse_machine_value("2023-11-08 18:09:55")
    assert naive == datetime(2023, 11, 8, 18, 9, 55) and naive.tzinfo is None


# ------------------------------------------------------------------------------- parse_visible_date

VISIBLE_CASES = [
    # Russian, genitive and nominative months, any case
    ("1 Декабря 2020 14:02", datetime(2020, 12, 1, 14, 2), 6),
    ("15 Август 2025", datetime(2025, 8, 15), 5),
    ("19:00, 05 Июнь 2025", datetime(2025, 6, 5, 19, 0), 5),
    ("13 апреля 2016, 11:38", datetime(2016, 4, 13, 11, 38), 6),
    ("09:16, 04 Май 2026 Title text…", datetime(2026, 5, 4, 9, 16), 5),
    ("29 ЯНВАРЬ 2026", datetime(2026, 1, 29), 5),
    ("1-го декабря 2020 г. в 14:02", datetime(2020, 12, 1, 14, 2), 6),
    ("Опубликовано: 5 мая 2020 года", datetime(2020, 5, 5), 6),
    # Kazakh Cyrillic
    ("30 қаңтар 2026", datetime(2026, 1, 30), 5),
    ("14:05, 12 Ақпан 2025", datetime(2025, 2, 12, 14, 5), 5),
    ("2020 жылғы 30 қаңтар", datetime(2020, 1, 30), 6),
    # Kazakh Latin as on qz.inform.kz
    ("17:36, 30 Qańtar 2026", datetime(2026, 1, 30, 17, 36), 5),
    ("11:17, 30 Qańtar 2026 | GMT +5", datetime(2026, 1, 30, 11, 17), 5),
    # English
    ("5 November 2019, 11:49", datetime(2019, 11, 5, 11, 49), 6),
    ("November 5, 2019", datetime(2019, 11, 5), 6),
    ("13:06, 23 March 2021 | GMT +6", datetime(2021, 3, 23, 13, 6), 6),
    ("11 November 2022, 12:25", datetime(2022, 11, 11, 12, 25), 6),
    ("Nov. 5th 2019 at 2:30 pm", datetime(2019, 11, 5, 14, 30), 6),
    # numeric
    ("15.11.2019", datetime(2019, 11, 15), 6),
    ("15.11.2019 14:30", datetime(2019, 11, 15, 14, 30), 6),
    ("2019-11-15", datetime(2019, 11, 15), 6),
    ("Дата: 2019-11-15 14:30", datetime(2019, 11, 15, 14, 30), 6),
]


@pytest.mark.parametrize(("text", "expected", "offset"), VISIBLE_CASES)
def test_parse_visible_date_formats_in_almaty(text: str, expected: datetime, offset: int) -> None:
    parsed = parse_visible_date(text, ALMATY)
    assert parsed is not None
    assert parsed.replace(tzinfo=None) == expected
    assert parsed.utcoffset() == hours(offset)


@pytest.mark.parametrize(
    ("spellings", "month"),
    [
        (("Qańtar", "Qañtar", "Qan'tar"), 1),
        (("Aqpan",), 2),
        (("Naýryz", "Nauryz"), 3),
        (("Sáýir", "Säuır", "Sa'uir"), 4),
        (("Mamyr",), 5),
        (("Maýsym", "Mausym"), 6),
        (("Shilde", "Şılde"), 7),
        (("Tamyz",), 8),
        (("Qyrkúıek", "Qyrküiek", "Qyrku'iek"), 9),
        (("Qazan",), 10),
        (("Qarasha", "Qaraşa"), 11),
        (("Jeltoqsan",), 12),
    ],
)
def test_parse_visible_date_kazakh_latin_months_both_alphabets(
    spellings: tuple[str, ...], month: int
) -> None:
    for name in spellings:
        assert month_number(name) == month, name
        parsed = parse_visible_date(f"10:00, 07 {name} 2025", ALMATY)
        assert parsed == datetime(2025, month, 7, 10, 0, tzinfo=ZoneInfo(ALMATY)), name


def test_parse_visible_date_explicit_gmt_offset_is_converted_to_zone() -> None:
    parsed = parse_visible_date("13:06, 23 March 2021 | GMT +6", MOSCOW)
    assert parsed == datetime(2021, 3, 23, 10, 6, tzinfo=ZoneInfo(MOSCOW))
    assert parsed is not None and parsed.utcoffset() == hours(3)


def test_parse_visible_date_explicit_utc_offset_overrides_zone_offset() -> None:
    # 2021 page printing UTC+5 although Almaty was +6 then: the printed offset is the truth
    parsed = parse_visible_date("10:00, 01 March 2021 UTC+5", ALMATY)
    assert parsed == datetime(2021, 3, 1, 11, 0, tzinfo=ZoneInfo(ALMATY))


def test_parse_visible_date_moscow_offsets_by_year() -> None:
    old = parse_visible_date("5 марта 2012, 10:00", MOSCOW)
    new = parse_visible_date("5 марта 2020, 10:00", MOSCOW)
    assert old is not None and old.utcoffset() == hours(4)
    assert new is not None and new.utcoffset() == hours(3)


def test_parse_visible_date_falls_back_to_dateparser_for_other_layouts() -> None:
    parsed = parse_visible_date("Published on 2020/12/05", ALMATY)
    assert parsed == datetime(2020, 12, 5, tzinfo=ZoneInfo(ALMATY))


@pytest.mark.parametrize("text", ["", "garbage", "вчера", "May 2020", "14:02", "Title without a date"])
def test_parse_visible_date_rejects_text_without_a_full_date(text: str) -> None:
    assert parse_visible_date(text, ALMATY) is None


@pytest.mark.parametrize("text", ["5 мая 1985", "01.01.1970", "31 December 1899"])
def test_parse_visible_date_rejects_years_before_1990(text: str) -> None:
    assert parse_visible_date(text, ALMATY) is None


def test_parse_visible_date_rejects_future_dates() -> None:
    future = datetime.now(ZoneInfo(ALMATY)) + timedelta(days=3)
    assert parse_visible_date(future.strftime("%d.%m.%Y %H:%M"), ALMATY) is None
    assert parse_visible_date("5 мая 2099", ALMATY) is None


# -------------------------------------------------------------------------- machine_dates_from_html


def test_machine_dates_priority_order() -> None:
    head = (
        '<meta name="parsely-pub-date" content="2020-01-07T00:00:00Z">'
        '<meta name="sailthru.date" content="2020-01-06 00:00:00">'
        '<meta name="pubdate" content="2020-01-05">'
        '<meta name="DC.date.issued" content="2020-01-04">'
        '<meta property="og:published_time" content="2020-01-03">'
        '<meta itemprop="datePublished" content="2020-01-02">'
        '<meta property="article:published_time" content="2020-01-01T10:00:00+06:00">'
        + jsonld({"@type": "NewsArticle", "datePublished": "2020-01-08"})
    )
    body = '<time datetime="2020-01-10">x</time><time class="post-date" datetime="2020-01-09">y</time>'
    assert machine_dates_from_html(tree(page(head, body))) == [
        ("meta:article:published_time", "2020-01-01T10:00:00+06:00"),
        ("meta:datePublished", "2020-01-02"),
        ("meta:og:published_time", "2020-01-03"),
        ("meta:DC.date.issued", "2020-01-04"),
        ("meta:pubdate", "2020-01-05"),
        ("meta:sailthru.date", "2020-01-06 00:00:00"),
        ("meta:parsely-pub-date", "2020-01-07T00:00:00Z"),
        ("jsonld:datePublished", "2020-01-08"),
        ("time:datetime", "2020-01-09"),
        ("time:datetime", "2020-01-10"),
    ]


def test_machine_dates_article_published_time_by_name_or_property() -> None:
    head = '<meta name="article:published_time" content="2024-05-01T09:00:00+05:00">'
    assert machine_dates_from_html(tree(page(head))) == [
        ("meta:article:published_time", "2024-05-01T09:00:00+05:00")
    ]


def test_machine_dates_jsonld_inside_graph() -> None:
    graph = {
        "@context": "https://schema.org",
        "@graph": [
            {"@type": "WebSite", "name": "site"},
            {"@type": "WebPage", "datePublished": "2019-01-01"},
            {"@type": ["NewsArticle"], "datePublished": "2019-11-05T10:31:00+06:00"},
        ],
    }
    assert machine_dates_from_html(tree(page(jsonld(graph)))) == [
        ("jsonld:datePublished", "2019-11-05T10:31:00+06:00")
    ]


def test_machine_dates_jsonld_list_and_types() -> None:
    blocks = [
        {"@type": "BreadcrumbList"},
        {"@type": "ReportageNews", "datePublished": "2021-02-03"},
        {"@type": "BlogPosting", "datePublished": "2021-02-04"},
        {"@type": "Article", "datePublished": ["2021-02-05", "2021-02-06"]},
    ]
    values = [v for _, v in machine_dates_from_html(tree(page(jsonld(blocks))))]
    assert values == ["2021-02-03", "2021-02-04", "2021-02-05"]


def test_machine_dates_tolerate_broken_jsonld() -> None:
    broken = jsonld('{"@type": "NewsArticle", "headline": \'single quoted\', "datePublished": "2020-05-04"')
    valid = jsonld({"@type": "NewsArticle", "datePublished": "2020-05-03"})
    empty = '<script type="application/ld+json"></script>'
    head = broken + empty + valid + '<meta property="article:published_time" content="2020-05-02">'
    assert machine_dates_from_html(tree(page(head))) == [
        ("meta:article:published_time", "2020-05-02"),
        ("jsonld:datePublished", "2020-05-03"),
        ("jsonld-text:datePublished", "2020-05-04"),
    ]


def test_machine_dates_jsonld_trailing_commas_and_extra_text_are_tolerated() -> None:
    head = jsonld('{"@type": "NewsArticle", "datePublished": "2020-05-04",};') + jsonld(
        '<!-- {"@type": "Article", "datePublished": "2020-05-05"} -->'
    )
    values = [v for _, v in machine_dates_from_html(tree(page(head)))]
    assert values == ["2020-05-04", "2020-05-05"]


def test_machine_dates_ignore_date_modified() -> None:
    head = (
        '<meta property="article:modified_time" content="2022-02-02">'
        '<meta itemprop="dateModified" content="2022-02-03">'
        + jsonld({"@type": "NewsArticle", "dateModified": "2022-02-04", "datePublished": "2022-01-01"})
    )
    body = '<time itemprop="dateModified" datetime="2022-02-05">u</time>'
    assert machine_dates_from_html(tree(page(head, body))) == [("jsonld:datePublished", "2022-01-01")]


def test_machine_dates_skip_related_items_and_comments() -> None:
    data = {
        "@type": "WebPage",
        "mainEntity": {"@type": "NewsArticle", "datePublished": "2023-03-03"},
        "hasPart": [{"@type": "NewsArticle", "datePublished": "2020-01-01"}],
        "relatedLink": {"@type": "Article", "datePublished": "2020-01-02"},
    }
    items = {
        "@type": "ItemList",
        "itemListElement": [{"@type": "NewsArticle", "datePublished": "2020-01-03"}],
    }
    body = '<div id="comments"><time itemprop="datePublished" datetime="2024-04-04">c</time></div>'
    assert machine_dates_from_html(tree(page(jsonld(data) + jsonld(items), body))) == [
        ("jsonld:datePublished", "2023-03-03")
    ]


def test_machine_dates_empty_page() -> None:
    assert machine_dates_from_html(tree(page(body="<p>nothing</p>"))) == []


# ------------------------------------------------------------------------------- resolve_published


def test_resolve_published_first_parseable_candidate_wins() -> None:
    candidates = [
        ("meta:article:published_time", "garbage"),
        ("jsonld:datePublished", "2019-11-05T10:31:00Z"),
    ]
    published, source = resolve_published(candidates, ALMATY, visible=["1 Декабря 2020 14:02"])
    assert source == "jsonld:datePublished"
    assert published == datetime(2019, 11, 5, 16, 31, tzinfo=ZoneInfo(ALMATY))


def test_resolve_published_falls_back_to_visible() -> None:
    published, source = resolve_published(
        [("meta:pubdate", "n/a")], ALMATY, ["no date", "17:36, 30 Qańtar 2026"]
    )
    assert source == "visible"
    assert published == datetime(2026, 1, 30, 17, 36, tzinfo=ZoneInfo(ALMATY))


def test_resolve_published_nothing_parses() -> None:
    assert resolve_published([("meta:pubdate", "n/a")], ALMATY, ["no date"]) == (None, None)
    assert resolve_published([], ALMATY) == (None, None)


# ------------------------------------------------------------------------------- extract_page_date


def test_extract_page_date_prefers_machine_date_and_keeps_page_offset() -> None:
    html = page(
        '<meta property="article:published_time" content="2021-03-23T13:06:00+06:00">',
        "<p>Updated 24.03.2021</p>",
    )
    result = extract_page_date(html)
    assert result == datetime(2021, 3, 23, 13, 6, tzinfo=timezone(hours(6)))


def test_extract_page_date_converts_to_given_zone() -> None:
    html = page('<meta property="article:published_time" content="2021-03-23T13:06:00+06:00">')
    result = extract_page_date(html, tz=MOSCOW)
    assert result == datetime(2021, 3, 23, 10, 6, tzinfo=ZoneInfo(MOSCOW))


def test_extract_page_date_utc_value_replaced_by_same_instant_local_value() -> None:
    # 01:09 UTC on the 9th is 18:09 on the 8th where the page is published
    html = page(
        '<meta property="article:published_time" content="2023-11-09T01:09:55+00:00">'
        + jsonld({"@type": "NewsArticle", "datePublished": "2023-11-08 18:09:55"})
    )
    result = extract_page_date(html)
    assert isinstance(result, datetime) and result.date() == date(2023, 11, 8)


def test_extract_page_date_falls_back_to_htmldate() -> None:
    html = page(
        "<title>News</title>",
        "<article><h1>Headline</h1><p class='date'>Published: 2020-05-04</p><p>Body text.</p></article>",
    )
    result = extract_page_date(html, url="https://example.org/news/headline")
    assert result == date(2020, 5, 4)


def test_extract_page_date_empty_or_dateless_page() -> None:
    assert extract_page_date("") is None
    assert extract_page_date(page(body="<p>no date here</p>")) is None


# -------------------------------------------------------------------------------- real data (shared)


@pytest.mark.skipif(not QZ_FIXTURE.exists(), reason="shared reference data not available")
def test_qz_inform_kz_printed_dates_all_parse_as_almaty_plus_five() -> None:
    records = [json.loads(line) for line in QZ_FIXTURE.read_text(encoding="utf-8").splitlines() if line]
    assert records
    for record in records:
        raw = record["datetime_raw"]
        parsed = parse_visible_date(raw, ALMATY)
        assert parsed is not None, raw
        assert parsed.utcoffset() == hours(5), raw
        assert parsed.strftime("%H:%M, %d") == raw[:9], raw
        assert parsed.year == int(raw[-4:]), raw
