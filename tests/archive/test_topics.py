"""Topics: whether a text is on the archive's subject (newscrawl.archive.topics)."""

from __future__ import annotations

import pytest
from support import ROOT

from newscrawl.archive.records import read_record
from newscrawl.archive.topics import Topic, TopicError, TopicMatcher, load_topics, resolve_topic

TWIN_CITIES = 'побратим* OR "sister cities" OR бауырлас OR "города-партнеры" OR "between the cities" OR "двух городов"'


def test_a_topic_on_the_seeds_subject_keeps_every_seed_and_drops_an_unrelated_page(shared):
    matcher = TopicMatcher(Topic(TWIN_CITIES))
    for path in sorted((shared / "seeds").iterdir()):
        record = read_record(path)
        assert matcher.matches(record.title, record.body), path.name
    assert not matcher.matches("В Павлодаре задержали партию наркотиков",
                               "Полиция изъяла 12 килограммов наркотиков. Возбуждено уголовное дело.")


def test_word_forms_and_scripts_are_matched_as_search_finds_them():
    matcher = TopicMatcher(Topic("побратим* OR бауырлас OR qalalar"))
    assert matcher.matches("Алматы и Бишкек стали побратимами", "")
    assert matcher.matches("", "Eki qalalar arasyndaǵy baılanys")
    assert not matcher.matches("Погода в Астане", "Завтра снег.")


def test_the_projects_topics_file_names_a_topic_that_keeps_the_seeds(shared):
    topic = resolve_topic("twin-cities", ROOT / "topics.toml")
    assert topic.name == "twin-cities" and "побратим*" in topic.query
    matcher = TopicMatcher(topic)
    assert all(matcher.matches(read_record(p).title, read_record(p).body) for p in (shared / "seeds").iterdir())


def test_a_value_that_names_no_topic_is_a_query(tmp_path):
    (tmp_path / "topics.toml").write_text('[topics]\nsport = "футбол OR football"\n', encoding="utf-8")
    assert resolve_topic("sport", tmp_path / "topics.toml") == Topic("футбол OR football", "sport")
    assert resolve_topic("хоккей", tmp_path / "topics.toml") == Topic("хоккей")
    assert resolve_topic(None) is None and resolve_topic("  ") is None


@pytest.mark.parametrize("query", ['"unclosed', "AND", "nosuchcolumn: word"])
def test_a_query_that_cannot_be_searched_is_a_one_line_error(query):
    with pytest.raises(TopicError, match=r"ARCHIVE_TOPIC|cannot search"):
        resolve_topic(query)


def test_a_broken_topics_file_is_an_error(tmp_path):
    (tmp_path / "topics.toml").write_text("[topics\n", encoding="utf-8")
    with pytest.raises(TopicError, match="cannot read the topics file"):
        load_topics(tmp_path / "topics.toml")
    assert load_topics(tmp_path / "missing.toml") == {}
