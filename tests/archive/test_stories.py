"""Stories across outlets and languages, kept in the index (newscrawl.archive.stories)."""

from __future__ import annotations

import pytest
from stories_cases import cross_language_reports, index_texts, qz_texts

from newscrawl.archive import stories
from newscrawl.archive.index import ArchiveIndex, IndexEntry
from newscrawl.archiving import Archiver


@pytest.fixture
def seeds_archive(shared, tmp_path):
    archiver = Archiver.open(tmp_path / "archive", fsync=False)
    archiver.archive.import_records(sorted((shared / "seeds").iterdir()))
    archiver.reconcile()
    yield archiver
    archiver.close()


def test_seed_reports_of_one_meeting_are_one_story_and_the_later_event_is_not(seeds_archive):
    db = seeds_archive.index.db
    assert stories.story_of(db, 0) == stories.story_of(db, 1)
    assert stories.story_of(db, 3) != stories.story_of(db, 0)
    story = stories.load_story(db, stories.story_of(db, 0))
    assert [r.number for r in story.records] == [0, 1]
    link = story.records[1].link
    assert link.linked_to == 0 and link.days_apart == 0 and "4.7bln" in link.amounts
    assert {"Сагинтаев", "Бабакумаров", "Капитановым"} <= set(link.names)


def test_every_seed_is_in_a_story_and_stories_list_newest_first(seeds_archive):
    listed = stories.list_stories(seeds_archive.index.db)
    assert sorted(r.number for s in listed for r in s.records) == [0, 1, 2, 3, 4]
    assert [s.id for s in listed] == [3, 0, 2, 4]  # undated last
    assert [s.id for s in stories.list_stories(seeds_archive.index.db, min_size=2)] == [0]
    assert [s.id for s in stories.list_stories(seeds_archive.index.db, outlet="mosds")] == [3]


def test_cross_language_reports_are_grouped_by_event(tmp_path):
    index = ArchiveIndex(tmp_path / "index.sqlite")
    indexed = list(index_texts(index, cross_language_reports()))
    predicted = {text.key: stories.story_of(index.db, number) for number, text in indexed}
    gold = {text.key: text.story for _, text in indexed}
    assert stories.pairwise_quality(predicted, gold) == (1.0, 1.0)


def test_labelled_qz_texts_are_grouped_with_useful_precision_and_recall(shared, tmp_path):
    index = ArchiveIndex(tmp_path / "index.sqlite")
    indexed = list(index_texts(index, qz_texts(shared)))
    predicted = {text.key: stories.story_of(index.db, number) for number, text in indexed}
    precision, recall = stories.pairwise_quality(predicted, {text.key: text.story for _, text in indexed})
    assert precision >= 0.6 and recall >= 0.6, (precision, recall)


def test_a_removed_record_leaves_its_story_which_keeps_its_id(tmp_path):
    index = ArchiveIndex(tmp_path / "index.sqlite")
    reports = [r for r in cross_language_reports() if r.story == "almaty-spb-2019-11-05"]
    list(index_texts(index, reports))
    assert stories.story_of(index.db, 1) == 0
    index.remove([0])
    story = stories.load_story(index.db, 0)
    assert [r.number for r in story.records] == [1]
    index.remove([1])
    assert stories.load_story(index.db, 0) is None


def test_an_index_made_before_stories_has_its_records_assigned_once(seeds_archive):
    db = seeds_archive.index.db
    with seeds_archive.index.transaction():
        for table in ("story_records", "story_terms", "story_term_counts", "stories"):
            db.execute(f"DELETE FROM {table}")
        seeds_archive.index.set_meta(stories.META_STATE, "incomplete")
    assert stories.ensure_complete(seeds_archive.index, seeds_archive.root) == 5
    assert stories.ensure_complete(seeds_archive.index, seeds_archive.root) == 0
    assert stories.story_of(db, 0) == stories.story_of(db, 1)


def test_undated_records_start_stories_of_their_own(tmp_path):
    index = ArchiveIndex(tmp_path / "index.sqlite")
    body = "Аким Алматы Бакытжан Сагинтаев и Ержан Бабакумаров встретили Олега Капитанова: 4,7 млрд долларов."
    for number in (0, 1):
        index.add(IndexEntry(number=number, name=f"00{number}_x.txt", hash="x", layout="raw"), [], [], body)
    assert stories.story_of(index.db, 0) == 0 and stories.story_of(index.db, 1) == 1


def test_pairwise_quality_counts_pairs():
    assert stories.pairwise_quality({"a": 1, "b": 1, "c": 2}, {"a": "x", "b": "x", "c": "x"}) == (1.0, 1 / 3)
    assert stories.pairwise_quality({"a": 1, "b": 1}, {"a": "x", "b": "y"}) == (0.0, 1.0)
