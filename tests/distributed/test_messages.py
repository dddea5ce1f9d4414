"""Articles and state changes as stream entries: every field comes back as it was; bad entries are
refused with the reason."""

from __future__ import annotations

from dataclasses import fields
from datetime import datetime, timedelta, timezone

import pytest

from newscrawl.distributed.messages import (
    DATETIME_FIELDS,
    MessageError,
    StateChange,
    article_from_json,
    article_json,
    article_message,
    read_message,
    state_message,
)
from newscrawl.items import Article


def full_article() -> Article:
    zone = timezone(timedelta(hours=5))
    return Article(url="https://kazinform.kz/ru/a-1", outlet="kazinform", canonical_url="https://kazinform.kz/ru/a-1",
                   edition="ru", title="Заголовок", author="Автор",
                   published=datetime(2024, 5, 20, 10, 30, tzinfo=zone),
                   language="ru", body="Первый абзац.\nВторой абзац.", lead="Лид", tags=["политика", "экономика"],
                   fetched_at=datetime(2024, 5, 20, 11, 0, 0, 123456, tzinfo=timezone.utc),
                   date_candidates=[("jsonld", "2024-05-20T10:30:00+05:00"), ("meta", "2024-05-20")],
                   visible_dates=["20 мая 2024"], timezone="Asia/Almaty", language_hint="ru",
                   sources={"title": "selector", "body": "trafilatura"}, aliases=["https://kazinform.kz/a-1"],
                   published_source="jsonld", record=None, layout="article")


def test_every_field_of_an_article_comes_back_as_it_was():
    article = full_article()
    assert {f.name for f in fields(Article) if getattr(article, f.name) is None} == {"record"}  # all filled
    assert article_from_json(article_json(article)) == article
    assert sorted(DATETIME_FIELDS) == ["fetched_at", "published"]


def test_entries_read_back_as_articles_and_state_changes():
    message = article_message(full_article(), spider="kazinform", node="host:1:ab")
    assert all(isinstance(v, str) for v in message.values())
    assert read_message(message) == full_article()
    assert read_message(state_message("kazinform", "newest/ru", "2024-05-20")) == \
        StateChange("kazinform", "newest/ru", "2024-05-20")


@pytest.mark.parametrize(("entry", "reason"), [
    ({"kind": "article", "format": "2", "article": "{}"}, "format"),
    ({"kind": "picture", "format": "1"}, "unknown kind"),
    ({"kind": "article", "format": "1", "article": "[1, 2"}, "not JSON"),
    ({"kind": "article", "format": "1", "article": "[]"}, "not a JSON object"),
    ({"kind": "article", "format": "1", "article": '{"url": "https://a.kz/1"}'}, "no outlet"),
    ({"kind": "article", "format": "1", "article": '{"url": "u", "outlet": "o", "published": "yesterday"}'},
     "published"),
    ({"kind": "state", "format": "1", "spider": "s"}, "without"),
])
def test_bad_entries_are_refused_with_the_reason(entry, reason):
    with pytest.raises(MessageError, match=reason):
        read_message(entry)
