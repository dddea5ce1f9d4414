"""Stories: the time to assign one record to a story against an index of a million records, and the
grouping's precision and recall on the labelled texts.

Run from the repository root:  python benchmarks/bench_stories.py [--records 1000000] [--shared DIR]

Time: the story tables of newscrawl's index (newscrawl.archive.stories) are filled in bulk with
``--records`` synthetic records (each with 25 terms drawn from a Zipf law over 200,000 name keys and
amounts, published over ten years, ~270 a day), then real texts (the 400 qz.inform.kz texts of the
shared fixtures, or the cross-language test reports when those are absent) are assigned one by one
with :func:`newscrawl.archive.stories.assign`, as ``ArchiveIndex.add`` does, each dated on a day in
the middle of the synthetic span; the time per record (term extraction, candidate lookup, scoring,
writes) is reported as median and 99th percentile, warm.

Quality: the labelled texts (tests/fixtures/stories: hand-checked groups of the qz.inform.kz texts,
and the cross-language reports written from the seeds' stories) are indexed into an empty index and
the pairwise precision and recall of the grouping are printed: on all of them, and on two halves split
by story (``stories_cases.halves``). With ``--sweep`` the join score is chosen on the tuning half
(the best F1 there) and the grouping is measured at it on the held-out half, which played no part in
choosing it: that is the figure to quote.
"""

from __future__ import annotations

import argparse
import itertools
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from stories_cases import LabelledText, cross_language_reports, halves, index_texts, qz_texts  # noqa: E402

from newscrawl.archive import stories  # noqa: E402
from newscrawl.archive.index import ArchiveIndex, IndexEntry  # noqa: E402

TERMS_PER_RECORD = 25
VOCABULARY = 200_000
FIRST_DAY = date(2015, 1, 1).toordinal()
DAYS = 3650


def fill(db: sqlite3.Connection, records: int, seed: int = 7) -> None:
    """Synthetic story rows: one story per record, terms from a Zipf law."""
    rng = random.Random(seed)
    cumulative = list(itertools.accumulate(1 / (rank + 1) for rank in range(VOCABULARY)))
    vocabulary = [f"t{rank}" for rank in range(VOCABULARY)]
    counts: dict[str, int] = {}
    batch = 50_000
    for start in range(0, records, batch):
        rows, term_rows = [], []
        for number in range(start, min(records, start + batch)):
            day = FIRST_DAY + rng.randrange(DAYS)
            terms = sorted(set(rng.choices(vocabulary, cum_weights=cumulative, k=TERMS_PER_RECORD)))
            rows.append((number, number, day, " ".join(terms)))
            term_rows.extend((term, day, number) for term in terms)
            for term in terms:
                counts[term] = counts.get(term, 0) + 1
        db.execute("BEGIN")
        db.executemany("INSERT INTO story_records(number, story, day, terms) VALUES (?,?,?,?)", rows)
        db.executemany("INSERT INTO story_terms(term, day, number) VALUES (?,?,?)", term_rows)
        db.executemany("INSERT INTO stories(id, size, first_day, last_day) VALUES (?, 1, ?, ?)",
                       [(n, d, d) for n, _, d, _ in rows])
        db.execute("COMMIT")
    counts[""] = records
    db.execute("BEGIN")
    db.executemany("INSERT INTO story_term_counts(term, records) VALUES (?, ?)", counts.items())
    db.execute("COMMIT")


def time_assignments(records: int, shared: Path | None) -> None:
    texts = qz_texts(shared) if shared else cross_language_reports()
    with tempfile.TemporaryDirectory() as folder:
        db = sqlite3.connect(Path(folder) / "stories.sqlite", isolation_level=None)
        db.execute("PRAGMA journal_mode=WAL")
        for statement in stories.SCHEMA.split(";"):
            if statement.strip():
                db.execute(statement)
        started = time.perf_counter()
        fill(db, records)
        print(f"filled {records:,} records in {time.perf_counter() - started:.0f} s")
        middle = date.fromordinal(FIRST_DAY + DAYS // 2)
        seconds = []
        for i, text in enumerate(texts):
            entry = IndexEntry(number=records + i, name=f"{records + i}_x.txt", hash="x", layout="markdown",
                               title=text.title, published=middle.isoformat())
            started = time.perf_counter()
            db.execute("BEGIN")
            stories.assign(db, entry, text.body)
            db.execute("COMMIT")
            seconds.append(time.perf_counter() - started)
        seconds = seconds[5:]  # warm
        ms = sorted(s * 1000 for s in seconds)
        print(f"assign one record at {records:,} records: median {statistics.median(ms):.1f} ms,"
              f" p99 {ms[int(len(ms) * 0.99) - 1]:.1f} ms, max {ms[-1]:.1f} ms ({len(ms)} records)")


def grouping_quality(texts: list[LabelledText]) -> tuple[float, float]:
    """Pairwise precision and recall of the stories an empty index assigns these texts."""
    with tempfile.TemporaryDirectory() as folder:
        index = ArchiveIndex(Path(folder) / "index.sqlite")
        indexed = list(index_texts(index, texts))
        predicted = {text.key: stories.story_of(index.db, number) for number, text in indexed}
        index.close()
    return stories.pairwise_quality(predicted, {text.key: text.story for _, text in indexed})


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def quality(shared: Path | None, sweep: bool) -> None:
    sets = [("cross-language reports", cross_language_reports())]
    if shared:
        every = qz_texts(shared) + cross_language_reports()
        tune, held_out = halves(every)
        sets += [("qz.inform.kz texts + cross-language reports", every), ("  tuning half", tune),
                 ("  held-out half", held_out)]
    for label, texts in sets:
        precision, recall = grouping_quality(texts)
        print(f"{label}: {len(texts)} texts, pairwise precision {precision:.2f}, recall {recall:.2f}"
              f" (join score {stories.JOIN_SCORE})")
    if not (sweep and shared):
        return
    chosen, best = stories.JOIN_SCORE, -1.0
    for score in (0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
        stories.JOIN_SCORE = score
        precision, recall = grouping_quality(tune)
        print(f"  tuning half at join score {score}: precision {precision:.2f}, recall {recall:.2f},"
              f" F1 {f1(precision, recall):.2f}")
        if f1(precision, recall) > best:
            chosen, best = score, f1(precision, recall)
    stories.JOIN_SCORE = chosen
    precision, recall = grouping_quality(held_out)
    print(f"held-out half at the join score chosen on the tuning half ({chosen}): precision {precision:.2f},"
          f" recall {recall:.2f}, F1 {f1(precision, recall):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--sweep", action="store_true",
                        help="choose the join score on the tuning half, measure on the held-out half")
    parser.add_argument("--no-timing", action="store_true", help="measure the grouping only")
    args = parser.parse_args()
    shared = args.shared if (args.shared / "fixtures-real").is_dir() else None
    quality(shared, args.sweep)
    if args.no_timing:
        return
    time_assignments(args.records, shared)


if __name__ == "__main__":
    main()
