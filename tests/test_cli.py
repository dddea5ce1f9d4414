"""The ``newscrawl`` command: ``extract`` on saved pages, ``archive read|import|reindex|stats``."""

from __future__ import annotations

import argparse
import io
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
from newscrawl.cli import build_parser, main
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


def test_extract_reads_a_page_cut_short_but_says_so(capsys, tmp_path, caplog):
    whole = (ARTICLES / "ru_2023.html").read_bytes()
    cut = tmp_path / "cut.html"
    cut.write_bytes(whole[: len(whole) * 6 // 10])
    status, (item,) = run(capsys, "extract", str(cut))
    assert status == 0 and item["truncated"] is True and item["body"]
    assert "cut short" in caplog.text
    status, (whole_item,) = run(capsys, "extract", str(ARTICLES / "ru_2023.html"))
    assert whole_item["truncated"] is False


def test_extract_of_a_missing_file_fails_but_goes_on(capsys, tmp_path):
    status, items = run(capsys, "extract", str(tmp_path / "absent.html"), str(ARTICLES / "qz_2023.html"))
    assert status == 1 and len(items) == 1 and items[0]["language"] == "kk"


def test_extract_wants_one_url_per_page(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["extract", str(ARTICLES / "ru_2023.html"), str(ARTICLES / "kz_2023.html"), "--url", "a", "--url", "b",
              "--url", "c"])
    assert exited.value.code == 2
    assert capsys.readouterr().err == "newscrawl extract: give one --url per page, or one for a single page\n"


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
    status, (report,) = run(capsys, "archive", "import", "--json", "--archive", str(target), str(source))
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
    status, (first,) = run(capsys, "archive", "import", "--json", "--archive", str(target), str(shared / "seeds"))
    status_again, (again,) = run(capsys, "archive", "import", "--json", "--archive", str(target), str(shared / "seeds"))
    assert (status, first["copied"], first["indexed"], first["records"]) == (0, 5, 5, 5)
    assert (status_again, again["copied"], again["already_present"], again["clashes"]) == (0, 0, 5, [])
    assert sorted(p.name for p in target.glob("*.txt")) == sorted(p.name for p in (shared / "seeds").glob("*.txt"))


def test_archive_import_of_a_missing_folder_is_an_error(capsys, tmp_path):
    with pytest.raises(SystemExit) as exited:
        main(["archive", "import", "--archive", str(tmp_path / "archive"), str(tmp_path / "absent")])
    assert exited.value.code == 2
    assert capsys.readouterr().err == f"newscrawl archive import: {tmp_path / 'absent'} is not a folder\n"


# -- archive reindex and stats
def test_archive_reindex_rebuilds_the_index_from_the_records(capsys, tmp_path):
    archive = Archiver.open(tmp_path)
    first, second = archive.add(article(1)), archive.add(article(2, language="kk", outlet="kazinform"))
    archive.close()
    shutil.rmtree(tmp_path / ".newscrawl")
    (tmp_path / "042_00000000000000cc.txt").write_text(" date 2020-01-02 A legacy record\n\nIts body.",
                                                       encoding="utf-8")
    status, (report,) = run(capsys, "archive", "reindex", "--json", "--archive", str(tmp_path))
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


# -- saying what happened: help, wrong inputs, pipes, progress
def test_bare_newscrawl_prints_help_and_version_is_known(capsys):
    assert main([]) == 0
    assert "newscrawl archive stats" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0 and re.fullmatch(r"newscrawl \d+\.\d+\.\d+\S*\n", capsys.readouterr().out)


def every_command(parser: argparse.ArgumentParser | None = None, path: tuple[str, ...] = ()) -> list[list[str]]:
    """Every command and subcommand the ``newscrawl`` parser has, as the words that name it."""
    parser = parser or build_parser()
    found = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.append([*path, name])
                found += every_command(sub, (*path, name))
    return found


def test_the_command_list_is_complete():
    assert {"check", "spiders", "archive stories", "archive consume"} <= {" ".join(c) for c in every_command()}


@pytest.mark.parametrize("command", every_command(), ids=" ".join)
def test_every_command_has_a_description_examples_and_takes_v_after_it(capsys, command):
    with pytest.raises(SystemExit) as exited:
        main([*command, "--help"])
    out = capsys.readouterr().out
    assert exited.value.code == 0
    description = out.split("\n\n")[1]
    assert description.strip().endswith(".") and len(description) > 10
    assert "\nexamples:\n  newscrawl " + " ".join(command) in out
    assert "-v, --verbose" in out


def test_v_works_after_the_subcommand(capsys, tmp_path):
    assert main(["archive", "stats", "--archive", str(tmp_path), "-v", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["records"] == 0


@pytest.mark.parametrize("command", [["archive", "stats"], ["archive", "reindex"], ["archive", "search", "x"],
                                     ["archive", "export"], ["status"]])
def test_a_missing_archive_folder_is_an_error_never_a_new_empty_archive(capsys, tmp_path, command):
    missing = tmp_path / "archvie"
    with pytest.raises(SystemExit) as exited:
        main([*command, "--archive", str(missing)])
    assert exited.value.code == 2
    assert capsys.readouterr().err.endswith(f": no archive folder at {missing} (give --archive DIR, or set"
                                            f" ARCHIVE_DIR)\n")
    assert not missing.exists()


def test_archive_read_says_which_files_are_not_records(capsys, caplog, tmp_path):
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj")
    (tmp_path / "b.bin").write_bytes(bytes(range(256)) * 4)
    (tmp_path / "c.txt").write_bytes("Заголовок\n\nТекст".encode("cp1251"))
    status, records = run(capsys, "archive", "read", *(str(tmp_path / n) for n in ("a.pdf", "b.bin", "c.txt")))
    assert status == 1 and records == []
    assert [r.getMessage() for r in caplog.records] == [
        f"{tmp_path / 'a.pdf'} is not a record: a PDF", f"{tmp_path / 'b.bin'} is not a record: binary data",
        f"{tmp_path / 'c.txt'} is not a record: not UTF-8 text (byte 0)"]


def test_output_piped_into_head_ends_quietly(tmp_path):
    import subprocess
    import sys

    archiver = Archiver.open(tmp_path)
    names = [archiver.add(article(n)).name for n in range(1, 26)]
    script = (f"{sys.executable} -m newscrawl.cli archive read " + " ".join(str(tmp_path / n) for n in names * 40)
              + " | head -n 1; exit ${PIPESTATUS[0]}")
    result = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0
    assert result.stderr == ""
    assert json.loads(result.stdout)["title"] == "Новость номер 1"


def test_extract_reads_gzip_files_and_standard_input(capsys, monkeypatch, tmp_path):
    import gzip
    import io

    page = (ARTICLES / "ru_2023.html").read_bytes()
    url = json.loads((ARTICLES / "ru_2023.expected.json").read_text(encoding="utf-8"))["url"]
    (tmp_path / "page.html.gz").write_bytes(gzip.compress(page))
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(page)))
    status, items = run(capsys, "extract", str(tmp_path / "page.html.gz"), "-", "--url", url, "--url", url)
    assert status == 0
    assert [i["file"] for i in items] == [str(tmp_path / "page.html.gz"), "-"]
    assert items[0]["title"] == items[1]["title"] and items[0]["title"]


def test_extract_refuses_what_is_no_html_page(capsys, caplog, tmp_path):
    (tmp_path / "doc.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>")
    (tmp_path / "img.html").write_bytes(bytes(range(256)) * 16)
    status, items = run(capsys, "extract", str(tmp_path / "doc.pdf"), str(tmp_path / "img.html"))
    assert status == 1 and items == []
    assert [r.getMessage() for r in caplog.records] == [
        f"{tmp_path / 'doc.pdf'}: a PDF, not an HTML page; nothing extracted",
        f"{tmp_path / 'img.html'}: binary data, not an HTML page; nothing extracted"]


def test_extract_warns_when_no_outlet_is_known_for_a_page(capsys, caplog, tmp_path):
    (tmp_path / "page.html").write_text("<html><head><title>Новость</title></head><body><article><h1>Новость</h1>"
                                        + "<p>Текст новости, достаточно длинный для извлечения.</p>" * 20
                                        + "</article></body></html>", encoding="utf-8")
    status, (item,) = run(capsys, "extract", str(tmp_path / "page.html"))
    assert status == 0 and not item["outlet"]
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        f"{tmp_path / 'page.html'}: no outlet known for this page (no --url, no canonical link): read as a site"
        " without outlet rules; give --url URL for the outlet's own reading"]


@pytest.mark.parametrize(("raw", "message"), [
    ("absent", "--raw {raw}: no such file or folder; expected a WARC file or a folder of them"),
    ("notes.txt", "--raw {raw}: not a WARC file (expected a name ending in .warc, .warc.gz), nor a folder of them"),
    ("empty", "--raw {raw}: the folder holds no WARC files (.warc, .warc.gz)"),
])
def test_rebuild_refuses_a_raw_path_that_is_missing_or_not_warc(capsys, tmp_path, raw, message):
    (tmp_path / "notes.txt").write_text("notes", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SystemExit) as exited:
        main(["archive", "rebuild", "--archive", str(tmp_path / "archive"), "--raw", str(tmp_path / raw)])
    assert exited.value.code == 2
    assert capsys.readouterr().err == f"newscrawl archive rebuild: {message.format(raw=tmp_path / raw)}\n"


def test_import_and_reindex_end_with_a_summary_and_print_json_only_when_asked(capsys, tmp_path):
    source = tmp_path / "corpus"
    names = [Archiver.open(source).add(article(n)).name for n in (1, 2, 3)]
    assert main(["archive", "import", "--archive", str(tmp_path / "archive"), str(source)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines()[-1] == ("imported 3 records from " + str(source) + " (0 already present, 0 refused:"
                                    " number taken); the archive holds 3 records")
    assert main(["archive", "reindex", "--archive", str(tmp_path / "archive")]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err.splitlines()[-1].startswith(f"reindexed 3 of 3 records in {tmp_path / 'archive'}")
    assert sorted(p.name for p in (tmp_path / "archive").iterdir() if p.is_file()) == sorted(names)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_long_commands_draw_progress_on_standard_error_of_a_terminal(capsys, monkeypatch, tmp_path):
    source = tmp_path / "corpus"
    for n in (1, 2, 3):
        Archiver.open(source).add(article(n))
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["archive", "import", "--archive", str(tmp_path / "archive"), str(source)]) == 0
    assert main(["archive", "reindex", "--archive", str(tmp_path / "archive")]) == 0
    drawn = terminal.getvalue()
    assert "\rimporting:   0%|          | 0/3 [" in drawn
    assert "\rreindexing: 0records [" in drawn
    assert capsys.readouterr().out == ""


def test_spiders_lists_each_spider_with_its_arguments_and_editions(capsys):
    assert main(["spiders"]) == 0
    out = capsys.readouterr().out
    assert "kazinform: scrapy crawl kazinform" in out
    assert "    editions: ru, kz, qz, en; archive from 1997" in out
    assert "    -a section   comma-separated listing sections (default: all news)" in out
    assert "    -a start     the site's home page" in out
    status, spiders = run(capsys, "spiders", "--json")
    assert status == 0
    assert {s["spider"] for s in spiders} >= {"kazinform", "qazaqtv", "totalkz", "mosru", "mosds", "mfakz", "site"}




def test_stats_and_status_work_for_a_user_who_may_only_read_the_archive(capsys, tmp_path):
    """The tests run as root, whom permission bits do not stop: the archive's folders are made
    immutable instead (``chattr +i``), so that no file, no index side file (WAL) can be created in them."""
    import shutil as shell
    import subprocess

    archive = tmp_path / "archive"
    archiver = Archiver.open(archive)
    for n in (1, 2):
        archiver.add(article(n))
    archiver.archive.close()
    (archive / "000099_0123456789abcdef.txt").write_text("dropped in by hand, not yet indexed", encoding="utf-8")
    folders = [str(archive), str(archive / ".newscrawl")]
    if not shell.which("chattr") or subprocess.run(["chattr", "+i", *folders], capture_output=True).returncode:
        pytest.skip("chattr +i is not available on this file system")
    try:
        before = sorted(p.name for p in archive.rglob("*"))
        status, (stats,) = run(capsys, "archive", "stats", "--archive", str(archive), "--json")
        assert status == 0 and stats["records"] == 2  # the index as it is: the dropped-in file is not indexed
        status, (overview,) = run(capsys, "status", "--archive", str(archive), "--reports", str(tmp_path / "r"),
                                  "--json")
        assert status == 0 and overview["outlets"]["kazinform"]["archive"]["records"] == 2
        assert sorted(p.name for p in archive.rglob("*")) == before
    finally:
        subprocess.run(["chattr", "-i", *folders], check=True)
