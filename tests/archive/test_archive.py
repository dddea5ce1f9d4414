import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from newscrawl.archive.records import read_record
from newscrawl.archiving import Archiver
from newscrawl.dedupe.fingerprints import body_fingerprints
from newscrawl.items import Article
from newscrawl.outlets import article_keys

ALMATY = ZoneInfo("Asia/Almaty")


def article(**kw) -> Article:
    base = dict(url="https://www.inform.kz/ru/novost-3fa91c", outlet="kazinform", edition="ru",
                canonical_url="https://www.inform.kz/ru/novost-3fa91c", title="Заголовок новости",
                author="Динара Жумабаева", published=datetime(2025, 8, 15, 14, 2, tzinfo=ALMATY), language="ru",
                body="АСТАНА. KAZINFORM – Первый абзац новости.\nВторой абзац новости.")
    base.update(kw)
    return Article(**base)


@pytest.fixture
def seeded(tmp_path, shared):
    folder = tmp_path / "archive"
    folder.mkdir()
    for seed in (shared / "seeds").iterdir():
        shutil.copy(seed, folder / seed.name)
    return folder


def test_with_the_five_seeds_the_next_record_is_005(seeded):
    archive = Archiver.open(seeded)
    report = archive.reconcile()
    assert report.records == 5 and report.imported == [0, 1, 2, 3, 4]
    entry = archive.add(article())
    assert entry.name.startswith("005_") and entry.number == 5


def test_legacy_records_are_indexed_without_being_renamed_or_rehashed(seeded):
    before = sorted(p.name for p in seeded.iterdir() if p.suffix == ".txt")
    archive = Archiver.open(seeded)
    archive.reconcile()
    assert sorted(p.name for p in seeded.iterdir() if p.suffix == ".txt") == before
    total = archive.index.entry(1)
    assert total.url.startswith("https://total.kz/ru/news/vneshnyaya_politika/") and total.legacy
    assert archive.index.find_url({"total.kz/ru/news/vneshnyaya_politika/ukreplyat_otnosheniya_s_sanktpeterburgom"
                                   "_dogovorilis_v_almati_date_2019_11_05_10_30_51"}) == 1


def test_seed_002_text_in_a_new_page_is_known_by_its_fingerprint(seeded, shared):
    archive = Archiver.open(seeded)
    archive.reconcile()
    seed = read_record(next((shared / "seeds").glob("002_*.txt")))
    paragraphs = [seed.title, *seed.paragraphs()]
    fps = body_fingerprints("Mayor of Astana meets St. Petersburg delegation", "\n".join(paragraphs))
    assert archive.index.find_fingerprint(fps) == 2


def test_new_record_reads_back_with_the_articles_fields(tmp_path):
    archive = Archiver.open(tmp_path)
    entry = archive.add(article())
    record = read_record(tmp_path / entry.name)
    assert record.layout == "markdown" and record.title == "Заголовок новости"
    assert record.published.isoformat() == "2025-08-15T14:02:00+05:00"
    assert record.url == "https://www.inform.kz/ru/novost-3fa91c"
    assert record.paragraphs() == ["АСТАНА. KAZINFORM – Первый абзац новости.", "Второй абзац новости."]
    assert entry.name.endswith(f"_{record.hash}.txt")


def test_dated_layout_is_written_when_configured_and_undated_articles_fall_back_to_markdown(tmp_path):
    archive = Archiver.open(tmp_path, layout="dated")
    dated = archive.add(article())
    undated = archive.add(article(url="https://www.inform.kz/ru/drugaya-0a0b0c", canonical_url=None,
                                  published=None, body="Другой текст другой новости, без даты публикации."))
    assert (tmp_path / dated.name).read_text().startswith(" date 2025-08-15 Заголовок новости\n\n")
    assert dated.layout == "dated" and undated.layout == "markdown"


def test_unknown_layout_setting_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="ARCHIVE_LAYOUT"):
        Archiver.open(tmp_path, layout="html")


def test_reconcile_indexes_records_added_by_hand_and_forgets_deleted_ones(tmp_path):
    archive = Archiver.open(tmp_path)
    first = archive.add(article())
    second = archive.add(article(url="https://www.inform.kz/ru/vtoraya-0a0b0c", canonical_url=None,
                                 body="Совсем другой текст второй новости, достаточно длинный."))
    (tmp_path / first.name).unlink()
    (tmp_path / "042_00000000000000aa.txt").write_text(" date 2020-01-02 Hand-made record\n\nIts body text.",
                                                        encoding="utf-8")
    report = archive.reconcile()
    assert report.removed == [first.number] and report.imported == [42]
    assert set(archive.index.names().values()) == {second.number, 42}
    assert archive.add(article(url="https://www.inform.kz/ru/tretya-0a0b0d", canonical_url=None,
                               body="Третья новость с уникальным текстом для проверки.")).number == 43


def test_index_is_rebuilt_from_the_folder_when_lost(tmp_path):
    archive = Archiver.open(tmp_path)
    entry = archive.add(article())
    archive.close()
    (tmp_path / ".newscrawl" / "index.sqlite").unlink()
    for extra in (tmp_path / ".newscrawl").glob("index.sqlite-*"):
        extra.unlink()
    fresh = Archiver.open(tmp_path)
    assert fresh.reconcile().imported == [entry.number]
    assert fresh.index.find_url({"inform.kz/ru/novost-3fa91c"}) == entry.number
    assert fresh.index.entry(entry.number).outlet == "kazinform"


def test_articles_added_together_are_numbered_in_order_and_indexed_in_one_go(tmp_path):
    archive = Archiver.open(tmp_path, fsync=False)
    articles = [article(url=f"https://www.inform.kz/ru/novost-{i}", canonical_url=None,
                        body=f"Новость номер {i}: первый абзац о событии дня.\nВторой абзац о нём же, {i}.")
                for i in range(3)]
    entries = archive.add_many(articles)
    assert [e.number for e in entries] == [0, 1, 2]
    assert archive.index.count() == 3
    assert [archive.index.find_url(article_keys(f"https://www.inform.kz/ru/novost-{i}")) for i in range(3)] == [0, 1, 2]
    assert archive.index.find_fingerprint(body_fingerprints(articles[1].title, articles[1].body)) == 1


def test_an_article_that_cannot_be_written_fails_alone(tmp_path):
    archive = Archiver.open(tmp_path, fsync=False)
    broken = article(url="https://www.inform.kz/ru/bad", canonical_url=None)
    broken.published = "not a datetime"  # a spider bug: rendering the record fails
    good = article(url="https://www.inform.kz/ru/good", canonical_url=None, body="Другой текст.\nЕщё абзац.")
    first, second = archive.add_many([broken, good])
    assert isinstance(first, Exception) and second.number == 0
    assert list(archive.folder.scan().records.values()) == [0]
