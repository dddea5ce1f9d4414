"""The labelled story material of the tests and the story benchmark: the cross-language reports
written from the seeds' stories (tests/fixtures/stories) and the hand-checked groups of the
qz.inform.kz texts in the shared fixtures."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from newscrawl.archive.index import ArchiveIndex, IndexEntry
from newscrawl.extract.dates import parse_visible_date

STORY_FIXTURES = Path(__file__).resolve().parent / "fixtures" / "stories"


@dataclass
class LabelledText:
    """A text with the story it belongs to."""

    key: str
    title: str
    body: str
    published: str | None
    story: str


def cross_language_reports() -> list[LabelledText]:
    """The reports written for the tests, in Kazakh (both scripts) and English."""
    data = json.loads((STORY_FIXTURES / "cross_language.json").read_text(encoding="utf-8"))
    return [LabelledText(r["id"], r["title"], r["body"], r["published"], r["story"]) for r in data["reports"]]


def qz_texts(shared: Path) -> list[LabelledText]:
    """The 400 qz.inform.kz texts, each with its hand-checked story (a story of its own when unlabelled)."""
    labels = json.loads((STORY_FIXTURES / "qz_labels.json").read_text(encoding="utf-8"))
    story_of = {line: name for name, lines in labels["stories"].items() for line in lines}
    texts = []
    with (shared / labels["file"]).open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            row = json.loads(line)
            published = parse_visible_date(row["datetime_raw"], "Asia/Almaty")
            texts.append(LabelledText(f"qz{number}", row["title"], row["text"],
                                      published.isoformat() if published else None,
                                      story_of.get(number, f"qz{number}")))
    return texts


def index_texts(index: ArchiveIndex, texts: list[LabelledText], first: int = 0) -> Iterator[tuple[int, LabelledText]]:
    """Index each text as a record (numbered from ``first``): the index assigns its story."""
    for number, text in enumerate(texts, start=first):
        entry = IndexEntry(number=number, name=f"{number:03d}_{number:016x}.txt", hash=f"{number:016x}",
                           layout="markdown", title=text.title, published=text.published)
        index.add(entry, [], [], text.body)
        yield number, text


def halves(texts: list[LabelledText]) -> tuple[list[LabelledText], list[LabelledText]]:
    """The texts split in two by story (a story's texts stay together; the split is by a checksum
    of the story's name, the same every run): one half to tune the grouping on, one held out."""
    tune = [t for t in texts if zlib.crc32(t.story.encode("utf-8")) % 2 == 0]
    held_out = [t for t in texts if zlib.crc32(t.story.encode("utf-8")) % 2 == 1]
    return tune, held_out
