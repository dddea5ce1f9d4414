"""``newscrawl archive search`` and ``archive export`` as a user runs them: output, and one-line errors."""

from __future__ import annotations

import json
from datetime import date

import pytest

from newscrawl.archive_commands import parse_period
from newscrawl.cli import main


@pytest.fixture
def seeds_archive(shared, tmp_path):
    """An archive holding the five seeds, imported as a user would."""
    assert main(["archive", "import", str(shared / "seeds"), "--archive", str(tmp_path / "archive")]) == 0
    return tmp_path / "archive"


def test_search_prints_file_outlet_language_date_title_and_marked_snippet(seeds_archive, capsys):
    capsys.readouterr()
    assert main(["archive", "search", "Бабакумаров", "--archive", str(seeds_archive)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == ("003_ecedd4c3073f5851.txt  mosds  ru  2019-11-15"
                        "  Москва и Алматы подписали меморандум о сотрудничестве")
    assert "Ержан [Бабакумаров]." in lines[1]
    assert lines[2].startswith("001_45e820025c7afbec.txt  totalkz  ru  2019-11-05  Укреплять отношения")
    assert len(lines) == 4


def test_search_json_and_filters(seeds_archive, capsys):
    capsys.readouterr()
    assert main(["archive", "search", "Бабакумаров", "--archive", str(seeds_archive), "--json",
                 "--outlet", "totalkz", "--since", "2019-11", "--until", "2019"]) == 0
    hits = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(h["number"], h["outlet"], h["language"]) for h in hits] == [(1, "totalkz", "ru")]
    assert hits[0]["canonical_url"].startswith("https://total.kz/ru/news/")


@pytest.mark.parametrize(("argv", "message"), [
    (["search", "(Москва"], "newscrawl archive search: cannot search for '(Москва': fts5: syntax error"),
    (["search", '"Москва'], "newscrawl archive search: unclosed quote"),
    (["search", "Москва", "--since", "2019-13-01"], "newscrawl archive search: not a date"),
    (["search", "Москва", "--until", "yesterday"], "newscrawl archive search: not a date"),
    (["search", "Москва", "--since", "2020", "--until", "2019"], "is after --until"),
    (["search", "Москва", "--outlet", "nosuch"], "no records of outlet 'nosuch' (in the archive: mosds, totalkz)"),
    (["search", "Москва", "--limit", "0"], "--limit must be at least 1"),
    (["export", "--format", "xml"], "newscrawl archive export: unknown --format 'xml' (one of jsonl, csv, parquet)"),
    (["export", "--format", "parquet"], "newscrawl archive export: Parquet goes to a file: give -o FILE"),
    (["export", "--query", "NOT"], "newscrawl archive export: cannot search for 'NOT'"),
])
def test_wrong_inputs_are_one_line_errors(seeds_archive, argv, message):
    with pytest.raises(SystemExit) as exit_info:
        main(["archive", *argv, "--archive", str(seeds_archive)])
    error = str(exit_info.value.code)
    assert message in error and "\n" not in error


def test_an_archive_folder_that_does_not_exist_is_an_error(tmp_path, capsys):
    for command in (["archive", "search", "x"], ["archive", "export"], ["serve"]):
        with pytest.raises(SystemExit) as exit_info:
            main([*command, "--archive", str(tmp_path / "nowhere")])
        assert exit_info.value.code == 2
        assert f"no archive folder at {tmp_path / 'nowhere'}" in capsys.readouterr().err


def test_export_writes_the_records_matching_a_search(seeds_archive, tmp_path, capsys):
    out = tmp_path / "out.jsonl"
    assert main(["archive", "export", "--archive", str(seeds_archive), "--query", "Бабакумаров", "-o", str(out)]) == 0
    assert "exported 2 records" in capsys.readouterr().err
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["number"], r["layout"], r["outlet"]) for r in rows] == [(1, "markdown", "totalkz"), (3, "page", "mosds")]


def test_no_match_says_so_and_succeeds(seeds_archive, capsys):
    assert main(["archive", "search", "Бабакумарович", "--archive", str(seeds_archive)]) == 0
    assert capsys.readouterr().err.strip().endswith("no matching records")


@pytest.mark.parametrize(("value", "end", "expected"), [
    ("2019-11-05", False, date(2019, 11, 5)), ("2019-11", False, date(2019, 11, 1)),
    ("2019-11", True, date(2019, 11, 30)), ("2024-02", True, date(2024, 2, 29)), ("2019", True, date(2019, 12, 31)),
])
def test_periods_are_days_months_or_years(value, end, expected):
    assert parse_period(value, end=end) == expected


@pytest.mark.parametrize("value", ["2019-02-30", "19-11-05", "2019/11/05", "2019-00", ""])
def test_what_is_not_a_date_is_refused(value):
    with pytest.raises(ValueError, match="not a date"):
        parse_period(value, end=False)


# -- archive stories
def test_stories_lists_stories_newest_first_with_their_records_and_why(seeds_archive, capsys):
    capsys.readouterr()
    assert main(["archive", "stories", "--archive", str(seeds_archive), "--min-records", "2", "--why"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "story 0  2019-11-05  2 record(s)"
    assert lines[1].startswith("  000_b0c75bd49c8fdaf4.txt  -  en  2019-11-05")
    assert lines[2].startswith("  001_45e820025c7afbec.txt  totalkz  ru  2019-11-05  Укреплять отношения")
    assert lines[3].startswith("      joined with record 0: shares ") and "Сагинтаев" in lines[3]
    assert len(lines) == 4


def test_stories_json_of_one_records_story(seeds_archive, capsys):
    capsys.readouterr()
    assert main(["archive", "stories", "--archive", str(seeds_archive), "--record", "001_45e820025c7afbec.txt",
                 "--json"]) == 0
    (story,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert story["story"] == 0 and [r["number"] for r in story["records"]] == [0, 1]
    assert story["records"][1]["link"]["linked_to"] == 0


def test_search_groups_hits_by_story(seeds_archive, capsys):
    capsys.readouterr()
    assert main(["archive", "search", "Бобров OR Bobrov", "--archive", str(seeds_archive), "--by-story"]) == 0
    out = capsys.readouterr().out.splitlines()
    headers = [line for line in out if line.startswith("story ")]
    assert headers == ["story 3:", "story 0:"]


@pytest.mark.parametrize(("arguments", "complaint"), [
    (["--record", "999"], "no record '999' in the archive"),
    (["--since", "yesterday"], "not a date"),
    (["--outlet", "nosuch"], "no records of outlet 'nosuch'"),
    (["--limit", "0"], "--limit and --min-records must be at least 1"),
])
def test_stories_wrong_inputs_are_one_line_errors(seeds_archive, arguments, complaint):
    with pytest.raises(SystemExit) as exit_info:
        main(["archive", "stories", "--archive", str(seeds_archive), *arguments])
    assert complaint in str(exit_info.value) and "\n" not in str(exit_info.value)
