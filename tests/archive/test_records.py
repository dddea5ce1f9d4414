"""Tests for newscrawl.archive.records: parsing and rendering single archive records."""

from __future__ import annotations

import dataclasses
import json
import random
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from support import SHARED

from newscrawl.archive.records import (
    LAYOUTS,
    RECORD_NAME,
    Record,
    parse_record,
    parse_record_name,
    read_record,
    record_name,
    render_article,
    render_record,
    url_hash,
)

SEEDS = SHARED / "seeds"

UTC = timezone.utc
ALMATY_OLD = timezone(timedelta(hours=6))  # Kazakhstan until 2024-03-01
ALMATY = timezone(timedelta(hours=5))
MOSCOW = timezone(timedelta(hours=3))
MOSCOW_2013 = timezone(timedelta(hours=4))

TOTAL_URL = (
    "https://total.kz/ru/news/vneshnyaya_politika/"
    "ukreplyat_otnosheniya_s_sanktpeterburgom_dogovorilis_v_almati_date_2019_11_05_10_30_51"
)
MOSDS_URL = "http://mosds.mos.ru/presscenter/news/detail/8494146.html"


def fields(record: Record) -> dict:
    """Everything a record says, apart from its file name."""
    return {**record.to_json(), "outlet_name": record.outlet_name}


# ---------------------------------------------------------------------------------------------
# The five seeds of the user's corpus (skipped when the shared folder is absent)

SEED_TABLE = {
    "000": ("dated", "Qazaq TV Телерадиокомпания Президента Казахстана", date(2019, 11, 5), None),
    "001": (
        "markdown",
        "Укреплять отношения с Санкт-Петербургом договорились в Алматы",
        datetime(2019, 11, 5, 10, 31, tzinfo=UTC),
        TOTAL_URL,
    ),
    "002": ("dated", "ASTANA. KAZINFORM - Mayor of Astana ", date(2015, 9, 25), None),
    "003": ("page", "Москва и Алматы подписали меморандум о сотрудничестве", date(2019, 11, 15), MOSDS_URL),
    "004": ("raw", None, None, None),
}


def seed_path(number: str) -> Path:
    if not SEEDS.is_dir():
        pytest.skip("the shared seeds folder is not present")
    (path,) = SEEDS.glob(f"{number}_*.txt")
    return path


@pytest.mark.parametrize("number", sorted(SEED_TABLE))
def test_seed_reads_as_the_format_table_says(number):
    path = seed_path(number)
    layout, title, published, url = SEED_TABLE[number]
    record = read_record(path)
    assert record.layout == layout
    if number == "002":  # the table gives the start of this long first line
        assert record.title.startswith(title) and record.title.endswith("to Kazakhstan.")
    else:
        assert record.title == title
    assert record.published == published
    assert type(record.published) is type(published)
    assert record.url == url
    assert (record.number, record.hash) == (int(number), path.name[4:20])


@pytest.mark.parametrize("number", sorted(SEED_TABLE))
def test_seed_rerenders_byte_for_byte(number):
    path = seed_path(number)
    assert render_record(read_record(path)).encode("utf-8") == path.read_bytes()


@pytest.mark.parametrize("number", sorted(SEED_TABLE))
def test_seed_with_crlf_and_bom_reads_the_same_fields(number):
    path = seed_path(number)
    plain = read_record(path)
    text = path.read_text(encoding="utf-8")
    variant = parse_record("\ufeff" + text.replace("\n", "\r\n"), path.name)
    assert fields(variant) == fields(plain)
    assert variant.number == plain.number


def test_seed_001_markdown_details():
    record = read_record(seed_path("001"))
    assert record.published.isoformat() == "2019-11-05T10:31:00+00:00"
    assert record.author == "ИА Тотал Казахстан"
    assert record.outlet_name == "Тотал"
    assert record.body.startswith("        Алматы и Санкт-Петербург")
    assert record.body.split("\n")[1] == "      "  # the whitespace-only line is kept
    paragraphs = record.paragraphs()
    assert len(paragraphs) == 9
    assert paragraphs[0] == "Алматы и Санкт-Петербург разработают Дорожную карту сотрудничества."
    assert paragraphs[-1].endswith("солиста Мариинского театра Леонида Захожаева.")
    assert record.to_json()["published"] == "2019-11-05T10:31:00+00:00"


def test_seed_000_has_no_gap_after_its_first_line_and_keeps_the_breadcrumbs_in_the_body():
    record = read_record(seed_path("000"))
    assert record.gap_after_title is False
    assert record.body.startswith("Main Page\xa0\xa0>\n")
    assert record.paragraphs()[0] == "Main Page\xa0\xa0> News\xa0\xa0> Diplomacy"
    assert record.to_json()["published"] == "2019-11-05"


def test_seed_002_body_starts_after_the_blank_line():
    record = read_record(seed_path("002"))
    assert record.gap_after_title is True
    assert record.body.startswith("The purpose of the visit")
    assert len(record.paragraphs()) == 8


def test_seed_003_page_body_excludes_title_day_and_address():
    record = read_record(seed_path("003"))
    paragraphs = record.paragraphs()
    assert paragraphs[0].startswith("Акимат Алматы и Правительство Москвы")
    assert paragraphs[-1] == "Фото: Администрация Алматы"
    assert len(paragraphs) == 8
    assert "Адрес страницы" not in record.body


def test_seed_004_raw_is_all_body():
    path = seed_path("004")
    record = read_record(path)
    assert record.body == path.read_text(encoding="utf-8")
    assert (record.title, record.published, record.author, record.url) == (None, None, None, None)
    assert record.paragraphs()[0].startswith("• USD/KZT 0.0 • EUR/KZT 0.0")


# ---------------------------------------------------------------------------------------------
# Hand-written examples of each layout

MARKDOWN_TEXT = (
    "\n# Қазақстан мен Ресей ынтымақтастықты нығайтады\n\n"
    "Published at: **2024-05-14T09:15:00+05:00**\n\n"
    "Author: **Айгүл Сейітқызы**\n\n"
    "Original: [Kazinform](https://www.inform.kz/kz/a_4123456)\n\n\n"
    "  Астана. ҚазАқпарат - Екі ел өкілдері кездесті.\n"
    "\t\n"
    "Qazaqstan men Resei arasyndağy tauar ainalymy östi.\n"
)
DATED_TEXT = (
    " date 2013-06-01 Москва и Астана расширят сотрудничество\n\n"
    "МОСКВА, 1 июня. Стороны обсудили планы.\n\n"
    "Второй абзац\nс переносом строки."
)
PAGE_TEXT = (
    "\n\nДни Москвы в Алматы\n\n16.11.2019\n\n\n\n"
    "Первый абзац.\n\nВторой абзац.\n\n"
    "Адрес страницы: <https://www.mos.ru/news/item/123/>"
)
RAW_TEXT = (
    "Меню\nГлавная\n\nПубликация от 5 ноября\nPublished at: **2019-11-05T10:31:00+00:00**\nКомментарии\n"
)


def test_markdown_example_fields():
    record = parse_record(MARKDOWN_TEXT, "007_0123456789abcdef.txt")
    assert record.layout == "markdown"
    assert record.title == "Қазақстан мен Ресей ынтымақтастықты нығайтады"
    assert record.published == datetime(2024, 5, 14, 9, 15, tzinfo=ALMATY)
    assert record.published.utcoffset() == timedelta(hours=5)
    assert record.author == "Айгүл Сейітқызы"
    assert record.outlet_name == "Kazinform"
    assert record.url == "https://www.inform.kz/kz/a_4123456"
    assert record.body == (
        "  Астана. ҚазАқпарат - Екі ел өкілдері кездесті.\n\t\n"
        "Qazaqstan men Resei arasyndağy tauar ainalymy östi."
    )
    assert record.paragraphs() == [
        "Астана. ҚазАқпарат - Екі ел өкілдері кездесті.",
        "Qazaqstan men Resei arasyndağy tauar ainalymy östi.",
    ]
    assert (record.number, record.hash) == (7, "0123456789abcdef")
    assert render_record(record) == MARKDOWN_TEXT


def test_markdown_without_published_or_author_lines_is_still_markdown():
    no_date = MARKDOWN_TEXT.replace("Published at: **2024-05-14T09:15:00+05:00**\n\n", "")
    no_author = MARKDOWN_TEXT.replace("Author: **Айгүл Сейітқызы**\n\n", "")
    neither = no_date.replace("Author: **Айгүл Сейітқызы**\n\n", "")
    for text in (no_date, no_author, neither):
        record = parse_record(text)
        assert record.layout == "markdown"
        assert record.url == "https://www.inform.kz/kz/a_4123456"
        assert record.body.startswith("  Астана.")
        assert render_record(record) == text
    assert parse_record(no_date).published is None
    assert parse_record(no_date).author == "Айгүл Сейітқызы"
    assert parse_record(no_author).author is None


def test_markdown_reader_is_lenient_about_header_order_spacing_and_final_newline():
    text = (
        "# Title\n"
        "Original: [Total](https://total.kz/a)\n\n"
        "Author: **Редакция**   \n"
        "Published at: **2019-11-05**\n\n"
        "Body line"
    )
    record = parse_record(text)
    assert record.layout == "markdown"
    assert (record.title, record.author, record.url) == ("Title", "Редакция", "https://total.kz/a")
    assert record.published == date(2019, 11, 5)
    assert record.body == "Body line"


def test_markdown_with_unreadable_date_keeps_its_other_fields():
    record = parse_record(MARKDOWN_TEXT.replace("2024-05-14T09:15:00+05:00", "вчера"))
    assert record.layout == "markdown"
    assert record.published is None
    assert record.author == "Айгүл Сейітқызы"


def test_dated_example_fields():
    record = parse_record(DATED_TEXT)
    assert record.layout == "dated"
    assert record.title == "Москва и Астана расширят сотрудничество"
    assert record.published == date(2013, 6, 1)
    assert record.body == "МОСКВА, 1 июня. Стороны обсудили планы.\n\nВторой абзац\nс переносом строки."
    assert record.paragraphs() == [
        "МОСКВА, 1 июня. Стороны обсудили планы.",
        "Второй абзац с переносом строки.",
    ]
    assert (record.author, record.url) == (None, None)
    assert render_record(record) == DATED_TEXT


def test_dated_with_an_impossible_day_is_raw():
    assert parse_record(" date 2019-02-30 Заголовок\n\nТекст").layout == "raw"
    assert parse_record("date 2019-02-03 no leading space").layout == "raw"


def test_page_example_fields():
    record = parse_record(PAGE_TEXT)
    assert record.layout == "page"
    assert record.title == "Дни Москвы в Алматы"
    assert record.published == date(2019, 11, 16)
    assert record.url == "https://www.mos.ru/news/item/123/"
    assert record.body == "Первый абзац.\n\nВторой абзац."
    assert render_record(record) == PAGE_TEXT


def test_page_without_its_address_line_is_raw():
    assert parse_record(PAGE_TEXT.rsplit("\n\n", 1)[0]).layout == "raw"


def test_raw_text_mentioning_published_at_in_the_middle_stays_raw():
    record = parse_record(RAW_TEXT)
    assert record.layout == "raw"
    assert record.body == RAW_TEXT
    assert (record.title, record.published, record.url) == (None, None, None)
    assert render_record(record) == RAW_TEXT


def test_text_starting_with_a_heading_but_no_record_header_is_raw():
    assert parse_record("# Новости\n\nТекст страницы.\n").layout == "raw"
    assert parse_record("\n\n# Новости\n\n\nТекст страницы.\n").layout == "raw"


@pytest.mark.parametrize("text", [MARKDOWN_TEXT, DATED_TEXT, PAGE_TEXT, RAW_TEXT])
def test_crlf_and_bom_are_tolerated(text):
    plain = parse_record(text)
    assert fields(parse_record("\ufeff" + text.replace("\n", "\r\n"))) == fields(plain)
    assert fields(parse_record(text.replace("\n", "\r"))) == fields(plain)


def test_read_record_tolerates_bom_and_invalid_utf8(tmp_path):
    path = tmp_path / "012_00000000000000ff.txt"
    path.write_bytes(b"\xef\xbb\xbf" + DATED_TEXT.encode("utf-8") + b" \xff\xfe end")
    record = read_record(path)
    assert record.layout == "dated"
    assert record.body.endswith("строки. \ufffd\ufffd end")
    assert (record.number, record.hash) == (12, "00000000000000ff")


def test_read_record_with_a_foreign_name_has_no_number(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text(RAW_TEXT, encoding="utf-8")
    record = read_record(path)
    assert (record.number, record.hash) == (None, None)
    assert parse_record(RAW_TEXT, "archive/005_0123456789abcdef.txt").number == 5


# ---------------------------------------------------------------------------------------------
# Round trips: rendering then parsing gives the same fields, and the same text again

LONG = "Алматы — Санкт-Петербург. " * 4000
ROUND_TRIP_RECORDS = [
    # markdown
    Record("markdown", "Simple", datetime(2019, 11, 5, 10, 31, tzinfo=ALMATY_OLD), "Kazinform", "https://a.kz/1",
           "one\ntwo", outlet_name="Kazinform"),
    Record("markdown", "**Жирный** заголовок **", datetime(2024, 3, 1, tzinfo=ALMATY), "**ИА** Тотал**",
           "https://total.kz/x", "текст", outlet_name="Тотал"),
    Record("markdown", "See [this](link) and ](", date(2020, 1, 2), None, "https://kk.wikipedia.org/wiki/Алматы_(қала)",
           "[a](b)", outlet_name="Wiki [kk]"),
    Record("markdown", "Label ](trick", None, "", "https://x.kz/?a=1&b=(2)", "", outlet_name="a](b"),
    Record("markdown", "  leading and trailing spaces  ",
           datetime(2013, 6, 1, 12, 0, 0, 123456, tzinfo=MOSCOW_2013), None, None,
           "        indented first line\n      \nlast"),
    Record("markdown", None, None, None, None, "no header at all"),
    Record("markdown", "", None, None, None, ""),
    Record("markdown", "Body looks like a header", datetime(2019, 1, 1, tzinfo=MOSCOW), None, None,
           "Author: **not an author**\nOriginal: [x](y)\nPublished at: **2019-01-01**"),
    Record("markdown", "Body with blank lines", None, "A", "https://e.kz", "\n\nafter two blank lines\n\n",
           outlet_name="E"),
    Record("markdown", "# not a second heading", datetime(2019, 1, 1, 3, 4, 5), None, None,
           " date 2019-11-05 x"),
    Record("markdown", "Qazaqstan Respublikasy 🇰🇿", datetime(2019, 11, 5, 10, 31, tzinfo=UTC), "Zhanna",
           "https://qazaqtv.com/en/news/1", LONG, outlet_name="Qazaq TV"),
    # dated
    Record("dated", "Заголовок", date(2019, 11, 5), body="Абзац один.\n\nАбзац два."),
    Record("dated", None, date(2015, 9, 25), body="no title on the first line"),
    Record("dated", "", date(2015, 9, 25), body="empty title"),
    Record("dated", "   spaced title ", date(2015, 9, 25), body="  spaced body\n\n"),
    Record("dated", "Empty body", date(2001, 1, 1)),
    Record("dated", "Body starting blank", date(2001, 1, 1), body="\n\nthird line"),
    Record("dated", "Glued body", date(2019, 11, 5), body="Main Page >\nNews\n\nText", gap_after_title=False),
    Record("dated", "Glued empty body", date(2019, 11, 5), gap_after_title=False),
    Record("dated", "Длинный", date(2019, 11, 5), body=LONG),
    # page
    Record("page", "Москва и Алматы", date(2019, 11, 15), url=MOSDS_URL, body="Абзац.\n\nЕщё абзац."),
    Record("page", "Empty body", date(2019, 11, 15), url="https://mos.ru/a"),
    Record("page", " date 2019-11-05 not dated", date(2019, 11, 15), url="https://mos.ru/<a>",
           body="\n\nx\n"),
    Record("page", "# not markdown", date(1999, 12, 31), url="", body="Адрес страницы: <https://fake/>"),
    # raw
    Record("raw", body=RAW_TEXT),
    Record("raw", body=""),
    Record("raw", body="   indented\n\n\n"),
    Record("raw", body="• USD/KZT\n    0.0\n  • EUR/KZT\n    0.0\n\nҚазақстан жаңалықтары"),
    Record("raw", body="# heading only"),
]


@pytest.mark.parametrize(
    "record", ROUND_TRIP_RECORDS, ids=lambda r: f"{r.layout}:{(r.title or r.body)[:20]!r}"
)
def test_render_then_parse_gives_the_same_record(record):
    text = render_record(record)
    parsed = parse_record(text)
    assert parsed.layout == record.layout
    assert fields(parsed) == fields(record)
    assert parsed.gap_after_title == record.gap_after_title
    assert render_record(parsed) == text


def test_round_trip_table_covers_every_layout():
    assert {record.layout for record in ROUND_TRIP_RECORDS} == set(LAYOUTS)


@pytest.mark.parametrize(
    "record",
    [
        Record("dated", "No day", None, body="x"),
        Record("dated", "A time", datetime(2019, 11, 5, 10, 0, tzinfo=UTC), body="x"),
        Record("dated", "Has a URL", date(2019, 11, 5), url="https://a.kz", body="x"),
        Record("dated", "Has an author", date(2019, 11, 5), author="A", body="x"),
        Record("dated", "two\nlines", date(2019, 11, 5), body="x"),
        Record("dated", "Glued", date(2019, 11, 5), body="\nblank first", gap_after_title=False),
        Record("page", "No URL", date(2019, 11, 5), body="x"),
        Record("page", None, date(2019, 11, 5), url="https://a", body="x"),
        Record("page", "No day", None, url="https://a", body="x"),
        Record("raw", "A title", body="x"),
        Record("raw", body=" date 2019-11-05 this would read back as dated"),
        Record("raw", body="\ufeffBOM"),
        Record("markdown", "title\nwith a line break"),
        Record("markdown", "t", url="https://a/](b"),
        Record("markdown", "t", outlet_name="Label without a URL"),
        Record("markdown", "t", body="carriage\rreturn"),
    ],
    ids=lambda r: f"{r.layout}:{r.title or r.body}"[:40],
)
def test_render_refuses_records_the_layout_cannot_hold(record):
    with pytest.raises(ValueError):
        render_record(record)


# Generated cases: texts and records put together from fragments that matter to the layouts.
FRAGMENTS = [
    "\n", "\n\n", "\r\n", "\r", "\ufeff", " ", "\t", "\xa0", "\u2028", "x", "Қазақ", "Москва", "#", "# ",
    " date 2019-11-05", " date 2019-02-30", "Published at: **", "2019-11-05T10:31:00+06:00", "2019-11-05",
    "**", "Author: **", "Original: [", "](", ")", "[", "]", "Адрес страницы: <", ">", "15.11.2019",
    "31.02.2019",
]
LINE_FRAGMENTS = [f for f in FRAGMENTS if not any(c in f for c in "\n\r\ufeff")]


def random_text(rng: random.Random, fragments: list[str], longest: int) -> str:
    return "".join(rng.choice(fragments) for _ in range(rng.randint(0, longest)))


def structured_text(rng: random.Random) -> str:
    """Text shaped like one of the structured layouts, with random pieces in it."""

    def piece() -> str:
        return random_text(rng, LINE_FRAGMENTS, 5)

    layout = rng.choice(["markdown", "dated", "page"])
    tail = random_text(rng, FRAGMENTS, 20)
    if layout == "markdown":
        return (
            f"\n# {piece()}\n\nPublished at: **{piece()}**\n\nAuthor: **{piece()}**\n\n"
            f"Original: [{piece()}]({piece()})\n\n\n{tail}"
        )
    if layout == "dated":
        return f" date 2019-11-05 {piece()}\n\n{tail}"
    return f"\n\n{piece()}x\n\n15.11.2019\n\n\n\n{tail}\n\nАдрес страницы: <{piece()}>"


def test_generated_texts_never_fail_and_rerender_stably():
    rng = random.Random(20191105)
    layouts = set()
    texts = [random_text(rng, FRAGMENTS, 30) for _ in range(3000)]
    texts += [structured_text(rng) for _ in range(3000)]
    for text in texts:
        first = parse_record(text)
        layouts.add(first.layout)
        rendered = render_record(first)  # whatever the reader returns can be written back
        again = parse_record(rendered)
        assert fields(again) == fields(first), text
        assert render_record(again) == rendered, text
        assert all("\r" not in (value or "") for value in (first.title, first.author, first.url, first.body))
    assert layouts == set(LAYOUTS)


def test_generated_records_round_trip_when_renderable():
    rng = random.Random(4)
    published = [None, date(2019, 11, 5), datetime(2019, 11, 5, 10, 31, tzinfo=ALMATY_OLD),
                 datetime(2019, 11, 5, 10, 31)]
    rendered = 0
    for _ in range(4000):
        layout = rng.choice(LAYOUTS)
        maybe = lambda: random_text(rng, LINE_FRAGMENTS, 6) if rng.random() < 0.7 else None  # noqa: E731
        record = Record(
            layout,
            title=maybe() if layout != "raw" else None,
            published=rng.choice(published) if layout == "markdown" else
            (date(2020, 2, 29) if layout in ("dated", "page") else None),
            author=maybe() if layout == "markdown" else None,
            url=maybe() if layout in ("markdown", "page") else None,
            body=random_text(rng, [f for f in FRAGMENTS if "\r" not in f], 25),
            gap_after_title=rng.random() < 0.8 if layout == "dated" else True,
        )
        record.outlet_name = (maybe() or None) if record.url is not None and layout == "markdown" else None
        try:
            text = render_record(record)
        except ValueError:
            continue
        rendered += 1
        parsed = parse_record(text)
        assert (parsed.layout, fields(parsed)) == (record.layout, fields(record)), text
        assert render_record(parsed) == text
    assert rendered > 1500


def test_parse_never_fails_on_unusual_strings():
    for text in ["", "\n", "\r", "\ufeff", "\ufeff\ufeff", "\x00", "\ud800", "#", " date ",
                 " date 2019-11-05", "\n\n\n\nАдрес страницы: <>", "a\n15.11.2019\nАдрес страницы: <u>",
                 " date ٢٠١٩-١١-٠٥ x"]:
        record = parse_record(text)
        assert record.layout in LAYOUTS
        assert parse_record(render_record(record)).layout == record.layout
    assert parse_record("a\n15.11.2019\nАдрес страницы: <u>").layout == "page"
    assert parse_record(" date ٢٠١٩-١١-٠٥ x").layout == "raw"


def test_huge_pathological_lines_parse_quickly_enough_to_finish():
    # would backtrack for hours with a naive regular expression; must simply finish
    record = parse_record("\n# t\n\nOriginal: [" + "](" * 200_000 + "x)\n\n\nbody\n")
    assert record.layout == "markdown"
    assert record.url == "x"


# ---------------------------------------------------------------------------------------------
# New articles


def test_render_article_markdown_matches_the_format():
    text = render_article(
        "markdown",
        title="Укреплять отношения с Санкт-Петербургом договорились в Алматы",
        published=datetime(2019, 11, 5, 10, 31, tzinfo=ALMATY_OLD),
        author="ИА Тотал Казахстан",
        url=TOTAL_URL,
        outlet_name="Тотал",
        paragraphs=["Первый абзац.", "Второй абзац."],
    )
    assert text == (
        "\n# Укреплять отношения с Санкт-Петербургом договорились в Алматы\n\n"
        "Published at: **2019-11-05T10:31:00+06:00**\n\n"
        "Author: **ИА Тотал Казахстан**\n\n"
        f"Original: [Тотал]({TOTAL_URL})\n\n\n"
        "Первый абзац.\nВторой абзац.\n"
    )


def test_render_article_defaults_to_markdown_and_omits_missing_lines():
    text = render_article(title="T", published=None, author=None, url="https://www.inform.kz/ru/a_1",
                          outlet_name=None, paragraphs=["p"])
    assert text == "\n# T\n\nOriginal: [inform.kz](https://www.inform.kz/ru/a_1)\n\n\np\n"
    assert parse_record(text).outlet_name == "inform.kz"


def test_render_article_without_url_has_no_original_line():
    text = render_article(title="  ", published=date(2019, 11, 5), author="ИА Тотал", url=None,
                          outlet_name="Тотал", paragraphs=[])
    assert text == "\n#\n\nPublished at: **2019-11-05**\n\nAuthor: **ИА Тотал**\n\n\n\n"
    record = parse_record(text)
    assert (record.layout, record.title, record.url, record.body) == ("markdown", None, None, "")


def test_render_article_cleans_line_breaks_and_drops_empty_paragraphs():
    paragraphs = ["Бірінші\nабзац", "   ", "", "Second\u2028paragraph  ", "\r\nТретий\r\n"]
    for layout in ("markdown", "dated"):
        text = render_article(layout, title="Title\nacross lines", published=date(2019, 11, 5), author="A",
                              url="https://a.kz/x", outlet_name="A", paragraphs=paragraphs)
        record = parse_record(text)
        assert record.layout == layout
        assert record.title == "Title across lines"
        assert record.paragraphs() == ["Бірінші абзац", "Second paragraph", "Третий"]


def test_render_article_dated_keeps_the_local_day_and_matches_the_format():
    text = render_article(
        "dated",
        title="Заголовок",
        published=datetime(2019, 11, 6, 1, 0, tzinfo=ALMATY_OLD),  # still 2019-11-05 in UTC
        author="Nobody",
        url="https://a.kz/x",
        outlet_name="A",
        paragraphs=["Один.", "Два."],
    )
    assert text == " date 2019-11-06 Заголовок\n\nОдин.\n\nДва."


def test_render_article_dated_without_date_raises_so_the_pipeline_writes_markdown():
    with pytest.raises(ValueError, match="markdown"):
        render_article("dated", title="T", published=None, author=None, url="https://a.kz", outlet_name=None,
                       paragraphs=["p"])


@pytest.mark.parametrize("layout", ["page", "raw", "html"])
def test_render_article_writes_only_markdown_or_dated(layout):
    with pytest.raises(ValueError):
        render_article(layout, title="T", published=date(2019, 1, 1), author=None, url="https://a.kz",
                       outlet_name=None, paragraphs=["p"])


def test_render_article_markdown_refuses_a_time_without_offset():
    with pytest.raises(ValueError, match="offset"):
        render_article(title="T", published=datetime(2019, 11, 5, 10, 31), author=None, url="https://a.kz",
                       outlet_name=None, paragraphs=["p"])


# ---------------------------------------------------------------------------------------------
# Record, names and hashes


def test_to_json_has_exactly_the_documented_keys_and_iso_dates():
    record = parse_record(MARKDOWN_TEXT, "007_0123456789abcdef.txt")
    data = record.to_json()
    assert list(data) == ["layout", "number", "hash", "title", "published", "author", "url", "body"]
    assert data["published"] == "2024-05-14T09:15:00+05:00"
    assert json.loads(json.dumps(data)) == data
    raw = Record("raw", body="x").to_json()
    assert raw["published"] is raw["title"] is raw["number"] is None
    assert Record("dated", published=date(2015, 9, 25)).to_json()["published"] == "2015-09-25"


def test_record_rejects_an_unknown_layout():
    with pytest.raises(ValueError):
        Record("html")


def test_paragraphs_are_layout_aware():
    body = "  first\nsecond\n\n third \n"
    assert Record("markdown", body=body).paragraphs() == ["first", "second", "third"]
    assert Record("dated", body=body).paragraphs() == ["first second", "third"]
    assert Record("raw", body=" \n\xa0\n").paragraphs() == []


def test_record_names_are_zero_padded_to_three_digits():
    assert record_name(5, "0123456789abcdef") == "005_0123456789abcdef.txt"
    assert record_name(0, "0123456789abcdef") == "000_0123456789abcdef.txt"
    assert record_name(1234, "0123456789abcdef") == "1234_0123456789abcdef.txt"
    assert parse_record_name(record_name(1234, "0123456789abcdef")) == (1234, "0123456789abcdef")


@pytest.mark.parametrize("number, digest", [(-1, "0123456789abcdef"), (1, "0123456789ABCDEF"), (1, "0123")])
def test_record_name_rejects_bad_parts(number, digest):
    with pytest.raises(ValueError):
        record_name(number, digest)


@pytest.mark.parametrize(
    "name",
    ["05_0123456789abcdef.txt", "005_0123456789ABCDEF.txt", "005_0123456789abcde.txt",
     "005_0123456789abcdef.txt.tmp", ".005_0123456789abcdef.txt", "005-0123456789abcdef.txt", "index.json",
     "١٢٣_0123456789abcdef.txt"],
)
def test_parse_record_name_rejects_other_files(name):
    assert parse_record_name(name) is None
    assert RECORD_NAME.match(name) is None


def test_url_hash_is_the_sha256_prefix_of_the_utf8_url():
    assert url_hash("https://www.inform.kz/ru/a_1") == "741e8f4d44aa78db"
    assert url_hash("https://kk.wikipedia.org/wiki/Алматы") != url_hash("https://kk.wikipedia.org/wiki/Almaty")
    assert RECORD_NAME.match(record_name(5, url_hash(TOTAL_URL)))


def test_records_compare_by_content():
    assert dataclasses.replace(parse_record(DATED_TEXT), gap_after_title=False) == parse_record(DATED_TEXT)
