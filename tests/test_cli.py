"""The ``newscrawl`` command: ``extract`` on saved pages, ``archive read|import|reindex|stats``."""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from support import FIXTURES

from newscrawl.archive.records import url_hash
from newscrawl.archiving import Archiver
from newscrawl.cli import main
from newscrawl.items import Article

ARTICLES = FIXTURES / "kazinform" / "articles"
ALMATY = ZoneInfo("Asia/Almaty")
READ_KEYS = ["layout", "number", "hash", "title", "published", "author", "url", "body"]


def run(capsys, *argv: str) -> tuple[int, list[dict]]:
    """Run the command; its exit status and the JSON objects it printed."""
    status = main(list(argv))
    out = capsys.readouterr().out
    return status, [json.loads(line) for line in out.splitlines() if line.strip()]


def article(n: int, **kw) -> Article:
    base = dict(url=f"https://www.inform.kz/ru/novost-{n}-{0xc00000 + n:06x}", outlet="kazinform", edition="ru",
                title=f"Новость номер {n}", author="Динара Жумабаева", language="ru",
                published=datetime(2025, 8, n, 14, 2, tzinfo=ALMATY),
                body=f"АСТАНА. KAZINFORM – Текст новости номер {n}, которого хватает для записи в архив.")
    base.update(kw)
    return Article(**base)


# -- extract
def test_extract_prints_the_item_fields_of_a_saved_page(capsys):
    expected = json.loads((ARTICLES / "ru_2023.expected.json").read_text(encoding="utf-8"))
    status, (item,) = run(capsys, "extract", str(ARTICLES / "ru_2023.html"), "--url", expected["url"])
    assert status == 0
    for key in ("url", "canonical_url", "outlet", "edition", "title", "author", "published", "language", "tags"):
        assert item[key] == expected[key], key
    assert item["body"].split("\n") == expected["body"] and item["fetched_at"]
    assert item["file"] == str(ARTICLES / "ru_2023.html")


def test_extract_takes_the_url_from_the_canonical_link_and_reads_cp1251(capsys):
    status, items = run(capsys, "extract", str(ARTICLES / "ru_a2020.html"), str(ARTICLES / "ru_cp1251.html"))
    assert status == 0
    assert items[0]["url"] == json.loads((ARTICLES / "ru_a2020.expected.json").read_text())["url"]
    assert items[1]["title"] == "В Астане открылась выставка отечественных производителей"


def test_extract_of_a_missing_file_fails_but_goes_on(capsys, tmp_path):
    status, items = run(capsys, "extract", str(tmp_path / "absent.html"), str(ARTICLES / "qz_2023.html"))
    assert status == 1 and len(items) == 1 and items[0]["language"] == "kk"


def test_extract_wants_one_url_per_page(capsys):
    with pytest.raises(SystemExit, match="one --url per page"):
        main(["extract", str(ARTICLES / "ru_2023.html"), str(ARTICLES / "kz_2023.html"), "--url", "a", "--url", "b",
              "--url", "c"])


# -- archive read
def format_table(shared: Path) -> dict[str, list[str]]:
    """The seeds table of ARCHIVE_FORMAT.md: number -> [layout, title, published, URL] cells."""
    rows = re.findall(r"^\| (\d{3}) \| (.+?) \|$", (shared / "ARCHIVE_FORMAT.md").read_text(encoding="utf-8"), re.M)
    return {number: [cell.strip() for cell in rest.split(" | ")] for number, rest in rows}


def test_archive_read_gives_the_five_seeds_as_the_format_table_says(capsys, shared):
    seeds = sorted((shared / "seeds").glob("*.txt"))
    status, records = run(capsys, "archive", "read", *map(str, seeds))
    table = format_table(shared)
    assert status == 0 and len(records) == 5 and sorted(table) == ["000", "001", "002", "003", "004"]
    for seed, record in zip(seeds, records, strict=True):
        layout, title, published, url = table[seed.name[:3]]
        assert list(record) == READ_KEYS
        assert record["number"] == int(seed.name[:3]) and record["hash"] == seed.name[4:20]
        assert record["layout"] == layout
        if title == "none":
            assert record["title"] is None
        else:
            shown = re.match(r"`(.*)`", title).group(1)
            if shown.endswith(" …"):
                assert record["title"].startswith(shown.removesuffix(" …"))
            else:
                assert record["title"] == shown
        assert record["published"] == (None if published == "none" else published)
        if url == "none":
            assert record["url"] is None
        else:
            assert urlsplit(record["url"]).hostname == re.match(r"the (\S+) link", url).group(1)
        assert record["body"]


def test_archive_read_of_a_record_newscrawl_wrote(capsys, tmp_path):
    entry = Archiver.open(tmp_path).add(article(15))
    status, (record,) = run(capsys, "archive", "read", str(tmp_path / entry.name))
    assert status == 0 and record == {
        "layout": "markdown", "number": 0, "hash": url_hash(article(15).url), "title": "Новость номер 15",
        "published": "2025-08-15T14:02:00+05:00", "author": "Динара Жумабаева", "url": article(15).url,
        "body": "АСТАНА. KAZINFORM – Текст новости номер 15, которого хватает для записи в архив."}


# -- archive import
def test_archive_import_copies_records_keeping_their_names_and_refuses_clashing_numbers(capsys, tmp_path):
    target = tmp_path / "archive"
    Archiver.open(target).add(article(1))  # 000_…
    source = tmp_path / "corpus"
    source.mkdir()
    (source / "000_00000000000000aa.txt").write_text(" date 2020-01-02 Clashes with record 000\n\nIts body.",
                                                     encoding="utf-8")
    (source / "007_00000000000000bb.txt").write_text(" date 2020-01-03 Record seven\n\nIts body text.",
                                                     encoding="utf-8")
    (source / "notes.md").write_text("not a record", encoding="utf-8")
    status, (report,) = run(capsys, "archive", "import", "--archive", str(target), str(source))
    assert status == 1
    assert report == {"copied": 1, "already_present": 0, "clashes": ["000_00000000000000aa.txt (number taken by "
                                                                      f"000_{url_hash(article(1).url)}.txt)"],
                      "indexed": 1, "records": 2}
    assert sorted(p.name for p in target.glob("*.txt")) == [f"000_{url_hash(article(1).url)}.txt",
                                                           "007_00000000000000bb.txt"]
    assert (target / "007_00000000000000bb.txt").read_bytes() == (source / "007_00000000000000bb.txt").read_bytes()
    assert Archiver.open(target).add(article(2)).name.startswith("008_")  # numbering goes on after the import


def test_archive_import_of_the_seeds_twice_copies_them_once(capsys, tmp_path, shared):
    target = tmp_path / "archive"
    status, (first,) = run(capsys, "archive", "import", "--archive", str(target), str(shared / "seeds"))
    status_again, (again,) = run(capsys, "archive", "import", "--archive", str(target), str(shared / "seeds"))
    assert (status, first["copied"], first["indexed"], first["records"]) == (0, 5, 5, 5)
    assert (status_again, again["copied"], again["already_present"], again["clashes"]) == (0, 0, 5, [])
    assert sorted(p.name for p in target.glob("*.txt")) == sorted(p.name for p in (shared / "seeds").glob("*.txt"))


def test_archive_import_of_a_missing_folder_is_an_error(capsys, tmp_path):
    with pytest.raises(SystemExit, match="is not a folder"):
        main(["archive", "import", "--archive", str(tmp_path / "archive"), str(tmp_path / "absent")])


# -- archive reindex and stats
def test_archive_reindex_rebuilds_the_index_from_the_records(capsys, tmp_path):
    archive = Archiver.open(tmp_path)
    first, second = archive.add(article(1)), archive.add(article(2, language="kk", outlet="kazinform"))
    archive.close()
    shutil.rmtree(tmp_path / ".newscrawl")
    (tmp_path / "042_00000000000000cc.txt").write_text(" date 2020-01-02 A legacy record\n\nIts body.",
                                                       encoding="utf-8")
    status, (report,) = run(capsys, "archive", "reindex", "--archive", str(tmp_path))
    assert status == 0 and report["records"] == 3 and report["indexed"] == 3 and report["unreadable"] == []
    assert report["carried_over"] == 0 and report["damaged_index_moved_to"] is None
    assert sorted(report["derived"]) == [f"{first.name}: fetch time from the file's time",
                                         f"{second.name}: fetch time from the file's time"]
    rebuilt = Archiver.open(tmp_path)
    assert rebuilt.index.find_url({f"inform.kz/ru/novost-1-{0xc00001:06x}"}) == first.number
    assert sorted(rebuilt.index.names().values()) == [first.number, second.number, 42]
    assert rebuilt.add(article(3)).number == 43


def test_archive_stats_counts_records_per_outlet_language_and_month(capsys, tmp_path):
    archive = Archiver.open(tmp_path)
    archive.add(article(1))
    archive.add(article(2))
    archive.add(article(3, url="https://qz.inform.kz/news/astanada-jana-mektep-a0f3d5/", edition="qz",
                        title="Astanada jańa mektep ashyldy", language="kk",
                        body="ASTANA. KAZINFORM – Astanada 1200 oqýshyǵa arnalǵan jańa mektep ashyldy."))
    archive.close()
    status, (stats,) = run(capsys, "archive", "stats", "--archive", str(tmp_path), "--json")
    assert status == 0
    assert stats["records"] == 3 and stats["outlets"] == {"kazinform": 3}
    assert stats["languages"] == {"kk": 1, "ru": 2} and stats["months"] == {"2025-08": 3}
    status = main(["archive", "stats", "--archive", str(tmp_path)])
    text = capsys.readouterr().out
    assert status == 0 and text.startswith("records: 3")
    assert re.search(r"month\s+kazinform\s+all\n2025-08\s+3\s+3\n", text)  # the month × outlet table
