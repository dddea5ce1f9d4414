"""What travels from the nodes to the archiver, as entries of a Redis stream: articles (every field of
:class:`~newscrawl.items.Article`, as JSON) and changes of a spider's state (its watermarks)."""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from newscrawl.items import Article

#: version of the entries' layout; the archiver refuses others
FORMAT = "1"

_FIELDS = {f.name: str(f.type) for f in fields(Article)}
#: fields holding a datetime (ISO 8601 in JSON)
DATETIME_FIELDS = frozenset(name for name, kind in _FIELDS.items() if kind.startswith("datetime"))
#: fields holding a list of pairs (lists in JSON)
PAIR_LIST_FIELDS = frozenset(name for name, kind in _FIELDS.items() if kind.startswith("list[tuple"))
_REQUIRED = ("url", "outlet")


class MessageError(ValueError):
    """A stream entry that is not a message this archiver can read."""


@dataclass(frozen=True)
class StateChange:
    """A value a spider stores for its next crawl (``ArchiveIndex.set_state``)."""

    spider: str
    key: str
    value: str


def article_json(article: Article) -> str:
    """An article as JSON: every field, datetimes in ISO 8601."""
    data: dict[str, Any] = {}
    for name in _FIELDS:
        value = getattr(article, name)
        data[name] = value.isoformat() if isinstance(value, datetime) else value
    return json.dumps(data, ensure_ascii=False)


def article_from_json(text: str) -> Article:
    """The article :func:`article_json` made (fields this version does not know are left out)."""
    try:
        data = json.loads(text)
    except (TypeError, ValueError) as exc:
        raise MessageError(f"not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise MessageError("not a JSON object")
    missing = [name for name in _REQUIRED if not isinstance(data.get(name), str) or not data[name]]
    if missing:
        raise MessageError(f"no {', '.join(missing)}")
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in _FIELDS or value is None:
            continue
        try:
            if name in DATETIME_FIELDS:
                value = datetime.fromisoformat(value)
            elif name in PAIR_LIST_FIELDS:
                value = [tuple(pair) for pair in value]
        except (TypeError, ValueError) as exc:
            raise MessageError(f"{name}: {exc}") from None
        values[name] = value
    return Article(**values)


def article_message(article: Article, *, spider: str, node: str) -> dict[str, str]:
    """The stream entry of an article a node's spider extracted."""
    return {"kind": "article", "format": FORMAT, "spider": spider, "node": node, "article": article_json(article)}


def state_message(spider: str, key: str, value: str) -> dict[str, str]:
    """The stream entry of a change of a spider's state."""
    return {"kind": "state", "format": FORMAT, "spider": spider, "key": key, "value": value}


def read_message(entry: dict[str, str]) -> Article | StateChange:
    """The article or state change of a stream entry."""
    if entry.get("format") != FORMAT:
        raise MessageError(f"format {entry.get('format')!r}, not {FORMAT}")
    kind = entry.get("kind")
    if kind == "article":
        return article_from_json(entry.get("article", ""))
    if kind == "state":
        try:
            return StateChange(entry["spider"], entry["key"], entry["value"])
        except KeyError as exc:
            raise MessageError(f"state change without {exc}") from None
    raise MessageError(f"unknown kind {kind!r}")
