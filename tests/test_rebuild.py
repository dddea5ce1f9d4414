import json
from pathlib import Path

from faultsite import FaultSite
from support import run_crawl

from newscrawl.archive.records import RECORD_NAME, read_record
from newscrawl.archive.topics import Topic, TopicMatcher
from newscrawl.archiving import Archiver
from newscrawl.cli import main as cli_main
from newscrawl.dedupe.neardup import find_near_duplicate, signature_of
from newscrawl.middlewares.rawarchive import RawArchiveWriter
from newscrawl.rebuild import rebuild

URL = "https://news.example.org/2024/05/20/story.html"


def page(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="article:published_time" content="2024-05-20T18:30:00+03:00"></head>'
            f"<body><article><h1>{title}</h1>{body}</article></body></html>").encode()


PARAGRAPHS = ["Первый абзац новости о событии в городе, с подробностями и цитатами участников встречи.",
              "Второй абзац продолжает рассказ о встрече и её итогах для жителей района."]


def raw_archive(folder, *pages, article=True):
    writer = RawArchiveWriter(folder, "site")
    for url, body in pages:
        writer.write(url, 200, [("Content-Type", "text/html; charset=utf-8")], body, article=article)
    writer.close()
    return folder


def test_articles_the_archive_lacks_are_added_once(tmp_path):
    raw = raw_archive(tmp_path / "raw", (URL, page("Новость дня", PARAGRAPHS)),
                      (URL + "?utm_source=rss", page("Новость дня", PARAGRAPHS)))
    archive = Archiver.open(tmp_path / "archive")
    report = rebuild(archive, raw, processes=0, timezone_name="Europe/Moscow")
    assert len(report.added) == 1 and report.duplicates + report.present == 1
    record = read_record(tmp_path / "archive" / report.added[0])
    assert record.title == "Новость дня" and record.paragraphs() == PARAGRAPHS
    assert record.published.isoformat() == "2024-05-20T18:30:00+03:00"
    again = rebuild(archive, raw, processes=0)
    assert again.added == [] and again.present == 2


def test_listing_pages_and_broken_pages_are_not_rebuilt(tmp_path):
    raw = raw_archive(tmp_path / "raw", ("https://news.example.org/lenta", page("Лента", PARAGRAPHS)), article=False)
    raw_archive(tmp_path / "raw2", (URL, page("Новость дня", PARAGRAPHS)[:400]))
    archive = Archiver.open(tmp_path / "archive")
    assert rebuild(archive, raw, processes=0).responses == 0
    assert rebuild(archive, tmp_path / "raw2", processes=0).skipped == {"truncated_page": 1}
    assert archive.index.count() == 0


def test_rewrite_replaces_records_in_place_keeping_number_and_hash(tmp_path):
    archive = Archiver.open(tmp_path / "archive")
    first = rebuild(archive, raw_archive(tmp_path / "raw1", (URL, page("Новость дня", PARAGRAPHS))), processes=0)
    name = first.added[0]
    fixed = [*PARAGRAPHS, "Третий абзац, который прежний разбор страницы терял."]
    raw2 = raw_archive(tmp_path / "raw2", (URL, page("Новость дня", fixed)))
    assert rebuild(archive, raw2, processes=0).present == 1  # without rewrite: left alone
    report = rebuild(archive, raw2, rewrite=True, processes=0)
    assert report.rewritten == [name]
    assert sorted(p.name for p in (tmp_path / "archive").glob("*.txt")) == [name]
    assert read_record(tmp_path / "archive" / name).paragraphs() == fixed
    assert archive.index.entry(int(name[:3])).name == name
    assert rebuild(archive, raw2, rewrite=True, processes=0).unchanged == 1


def test_legacy_records_are_never_rewritten(tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    legacy = folder / "000_0123456789abcdef.txt"
    text = f"\n# Новость дня\n\nOriginal: [news]({URL})\n\n\nСтарый текст записи пользователя.\n"
    legacy.write_text(text, encoding="utf-8")
    archive = Archiver.open(folder)
    archive.reconcile()
    report = rebuild(archive, raw_archive(tmp_path / "raw", (URL, page("Новость дня", PARAGRAPHS))),
                     rewrite=True, processes=0)
    assert report.rewritten == [] and report.unchanged == 1
    assert legacy.read_text(encoding="utf-8") == text


REPRINTS = {c["name"]: c for c in json.loads((Path(__file__).resolve().parent / "fixtures" / "reprints"
                                                / "cases.json").read_text(encoding="utf-8"))["cases"]}


def case_page(text: dict) -> bytes:
    return page(text["title"], [p for p in text["body"].split("\n") if p.strip()])


def test_a_reprint_in_the_raw_archive_is_counted_as_a_duplicate_not_added(tmp_path):
    case = REPRINTS["shortened_reprint"]
    raw = raw_archive(tmp_path / "raw",
                      ("https://qazinform.com/news/pavlodar-trees-1a2b3c", case_page(case["original"])),
                      ("https://qazaqtv.com/en/view/society/page_231455_pavlodar-trees", case_page(case["candidate"])))
    archive = Archiver.open(tmp_path / "archive")
    report = rebuild(archive, raw, processes=0)
    assert len(report.added) == 1 and report.duplicates == 1
    assert len(list((tmp_path / "archive").glob("*.txt"))) == 1


def test_a_rewritten_record_is_found_by_its_new_texts_reprint_signature_not_the_old(tmp_path):
    archive = Archiver.open(tmp_path / "archive")
    old, new = REPRINTS["same_topic_different_story"]["original"], REPRINTS["same_topic_different_story"]["candidate"]
    name = rebuild(archive, raw_archive(tmp_path / "raw1", (URL, case_page(old))), processes=0).added[0]
    report = rebuild(archive, raw_archive(tmp_path / "raw2", (URL, case_page(new))), rewrite=True, processes=0)
    assert report.rewritten == [name]
    found = find_near_duplicate(archive.index, signature_of(new["title"], new["body"]))
    assert found is not None and found.number == int(name[:3])
    assert find_near_duplicate(archive.index, signature_of(old["title"], old["body"])) is None


def test_a_wider_topic_brings_in_what_a_narrower_crawl_skipped_once(tmp_path):
    """A crawl kept to a narrow topic leaves the other articles in the raw archive; a rebuild with a
    wider topic archives them, each once, and a second rebuild adds nothing."""
    with FaultSite(8) as site:
        run = run_crawl("site", tmp_path / "run", archive=tmp_path / "archive",
                        args={"start": site.base + "/", "timezone": "Europe/Moscow"},
                        settings={"RAW_ARCHIVE_DIR": tmp_path / "raw", "EXTRACTION_PROCESSES": 0,
                                  "ARCHIVE_TOPIC": '"Новость 1" OR "Новость 2"'})
        titles = set(site.truth_by_title())
    assert run.returncode == 0, run.log[-3000:]
    narrow = {t for t in titles if t.startswith(("Новость 1:", "Новость 2:"))}
    assert narrow and titles - narrow
    assert set(archived_titles(tmp_path / "archive")) == narrow
    assert run.report["stats"]["newscrawl/topic/skipped"] >= len(titles - narrow)

    assert cli_main(["archive", "rebuild", "--archive", str(tmp_path / "archive"), "--raw", str(tmp_path / "raw"),
                     "--processes", "0", "--topic", "Новость", "--json"]) == 0
    records = archived_titles(tmp_path / "archive")
    assert set(records) == titles and all(n == 1 for n in records.values())
    again = rebuild(Archiver.open(tmp_path / "archive"), tmp_path / "raw", processes=0)
    assert again.added == []


def test_articles_off_the_topic_are_counted_not_added(tmp_path):
    raw = raw_archive(tmp_path / "raw", (URL, page("Новость дня", PARAGRAPHS)),
                      ("https://news.example.org/2024/05/20/other.html",
                       page("Города-побратимы", ["Алматы и Ташкент стали побратимами, сообщил аким города."])))
    archive = Archiver.open(tmp_path / "archive")
    report = rebuild(archive, raw, processes=0, topic=TopicMatcher(Topic("побратим*")))
    assert len(report.added) == 1 and report.off_topic == 1 and report.topic == "побратим*"
    assert read_record(tmp_path / "archive" / report.added[0]).title == "Города-побратимы"


def archived_titles(folder: Path) -> dict[str, int]:
    """How many records of each title a folder holds."""
    found: dict[str, int] = {}
    for path in folder.iterdir():
        if RECORD_NAME.match(path.name):
            title = read_record(path).title
            found[title] = found.get(title, 0) + 1
    return found
