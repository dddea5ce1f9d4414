"""Full-text search: folding, word forms, the FTS5 syntax kept, filters, order, and a table kept
current by every write into the index."""

from __future__ import annotations

import shutil
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from newscrawl.archive.index import ArchiveIndex, IndexEntry
from newscrawl.archive.search import (
    META_STATE,
    NUMBER_MASK,
    SearchFilters,
    SearchQueryError,
    ensure_complete,
    fts_query,
    search,
    search_key,
    snippets_of,
)
from newscrawl.archiving import Archiver
from newscrawl.items import Article

ALMATY = ZoneInfo("Asia/Almaty")


def article(n: int, title: str, body: str, *, outlet: str = "kazinform", language: str = "ru",
            published: datetime | None = None) -> Article:
    return Article(url=f"https://www.inform.kz/ru/novost-{n}-{0xa00000 + n:06x}", outlet=outlet, edition="ru",
                   title=title, language=language, timezone="Asia/Almaty", body=body,
                   published=published or datetime(2024, 5, n, 10, 0, tzinfo=ALMATY))


def names(hits) -> list[str]:
    return [hit.name[:3] for hit in hits]


@pytest.fixture
def archive(tmp_path):
    archive = Archiver.open(tmp_path / "archive", fsync=False)
    archive.folder.sync_counter(0)  # article n is record n
    archive.add(article(1, "Ёлка на площади", "В Астане установили новогоднюю ёлку. Москва прислала подарки."))
    archive.add(article(2, "Қазақстан жаңалықтары", "Қазақ халқының мерекесі. Алматыда концерт өтті.", language="kk"))
    archive.add(article(3, "Казак из станицы", "Казаки провели смотр. Семёнов выступил с речью."))
    archive.add(article(4, "Elections in Almaty", "The elected mayor spoke about Respýblıkasy reforms.",
                        language="en", outlet="qazaqtv"))
    archive.add(article(5, "Мэр Москвы", "В Москве открыли парк. Санкт-Петербург ответил музеем."))
    yield archive
    archive.close()


def test_seed_query_finds_seeds_001_and_003(shared, tmp_path):
    folder = tmp_path / "archive"
    folder.mkdir()
    for seed in (shared / "seeds").iterdir():
        shutil.copy(seed, folder)
    archive = Archiver.open(folder, fsync=False)
    archive.reconcile()
    hits = search(archive.index.db, "Бабакумаров")
    assert names(hits) == ["003", "001"]  # newest first: 2019-11-15, then 2019-11-05
    assert all("[Бабакумаров]" in hit.snippet for hit in hits)
    assert names(search(archive.index.db, "Mayor Astana")) == ["002"]  # a legacy dated record, in English
    assert "004" in names(search(archive.index.db, "побратимами"))  # a raw record: its body alone


def test_case_yo_and_latin_diacritics_fold_as_users_type(archive):
    db = archive.index.db
    assert names(search(db, "елка")) == ["001"]  # ё typed as е
    assert names(search(db, "Семенов")) == ["003"]
    assert names(search(db, "respyblikasy")) == ["004"]  # ý and dotless ı typed as y and i
    assert names(search(db, "ALMATY")) == ["004"]


def test_kazakh_letters_stay_letters_of_their_own(archive):
    db = archive.index.db
    assert names(search(db, "қазақ")) == ["002"]  # Kazakh, with its forms: қазақ, Қазақстан
    assert names(search(db, "казак")) == ["003"]  # Cossack: not the Kazakh word
    assert names(search(db, "қазақ OR казак")) == ["003", "002"]


def test_word_forms_are_found_unless_quoted(archive):
    db = archive.index.db
    assert names(search(db, "Москва")) == ["005", "001"]  # Москвы, Москве; Москва
    assert names(search(db, '"Москва"')) == ["001"]  # as written
    assert names(search(db, "election")) == ["004"]  # Porter: elections, elected
    assert names(search(db, "Санкт-Петербург")) == ["005"]
    assert names(search(db, "Алматы")) == ["002"]  # Алматыда: a Kazakh suffix


def test_fts5_syntax_is_kept(archive):
    db = archive.index.db
    assert names(search(db, "Москва NOT парк")) == ["001"]
    assert names(search(db, "title:Москва")) == ["005"]
    assert names(search(db, "NEAR(открыли парк, 2)")) == ["005"]
    assert names(search(db, "Моск*")) == ["005", "001"]
    assert fts_query('Москва AND ("ёлка" OR title:Бабакумаров)') == \
        '"москв"* AND ("елка" OR title:"бабакумар"*)'
    assert fts_query("{title body}: 2024 NEAR(a b, 5)") == '{title body}: 2024 NEAR("a" "b", 5)'


@pytest.mark.parametrize("query", ["(Москва", '"unclosed', "nosuchcolumn:x", "AND", "   ", "—"])
def test_a_query_fts5_cannot_run_is_a_search_query_error(archive, query):
    with pytest.raises(SearchQueryError):
        search(archive.index.db, query)


def test_filters_narrow_and_results_come_newest_first(archive):
    db = archive.index.db
    assert names(search(db, "Москва OR Алматы OR Almaty")) == ["005", "004", "002", "001"]
    assert names(search(db, "Москва OR Almaty", SearchFilters(outlet="qazaqtv"))) == ["004"]
    assert names(search(db, "Москва OR Almaty", SearchFilters(language="ru"))) == ["005", "001"]
    assert names(search(db, "Москва", SearchFilters(since=date(2024, 5, 2), until=date(2024, 5, 5)))) == ["005"]
    assert names(search(db, "Москва", SearchFilters(until=date(2024, 5, 1)))) == ["001"]
    assert names(search(db, "Москва OR Алматы OR Almaty", limit=2, offset=1)) == ["004", "002"]


def test_search_keys_order_records_by_publication_then_number():
    keys = [search_key(None, 7), search_key("2019-11-05", 9), search_key("2019-11-05T10:31:00+00:00", 3),
            search_key("2019-11-05T10:31:00+06:00", 8)]
    assert keys[0] < keys[1] < keys[3] < keys[2]  # undated, midnight UTC, 04:31 UTC, 10:31 UTC
    assert [k & NUMBER_MASK for k in keys] == [7, 9, 3, 8]


def test_snippets_of_records_mark_their_matches(archive):
    snippets = snippets_of(archive.index.db, fts_query("Москва"), [1, 5], marks=("<", ">"))
    assert "<Москва> прислала" in snippets[1] and "<Москвы>" in snippets[5]


# -- kept current by every write
def test_rewriting_a_record_replaces_its_text_in_the_search(archive):
    archive.rewrite(3, article(3, "Казак из станицы", "Атаманы провели сбор. Семёнов выступил с речью."))
    assert names(search(archive.index.db, "атаман")) == ["003"]
    assert names(search(archive.index.db, "смотр")) == []


def test_removed_records_are_no_longer_found(archive):
    archive.index.remove([5])
    assert names(search(archive.index.db, "Москва")) == ["001"]


def test_reconcile_indexes_records_copied_in_and_forgets_deleted_ones(archive):
    gone = archive.index.entry(1).name
    archive.folder.path(gone).rename(archive.root / "099_00000000000000aa.txt")
    archive.reconcile()
    assert names(search(archive.index.db, "елка")) == ["099"]


def test_an_index_made_before_search_is_filled_from_the_records(tmp_path, archive):
    db = archive.index.db
    db.execute("DROP TABLE records_fts")
    db.execute("DELETE FROM meta WHERE key LIKE 'fulltext%'")
    reopened = ArchiveIndex(archive.index.path)
    assert reopened.get_meta(META_STATE) == "incomplete"
    assert ensure_complete(reopened, archive.root) == 5
    assert names(search(reopened.db, "Москва")) == ["005", "001"]
    assert reopened.get_meta(META_STATE) == "complete" and ensure_complete(reopened, archive.root) == 0


def test_an_index_away_from_its_records_searches_their_titles(tmp_path):
    index = ArchiveIndex(tmp_path / "i.sqlite")
    index.add(IndexEntry(number=1, name="001_aaaaaaaaaaaaaaaa.txt", hash="a" * 16, layout="markdown",
                         title="Бабакумаров в Алматы"), [], [])
    assert [hit.number for hit in search(index.db, "Бабакумарова")] == [1]
