"""Precision and recall of the near-duplicate (reprint) decision of newscrawl.neardup, per threshold.

Run from the repository root:  python benchmarks/bench_reprints.py [--seed N] [--save]

Data: the 400 real qz.inform.kz texts in the shared folder beside the repository
(fixtures-real/kazinform/*.jsonl) and the hand-written cases of tests/fixtures/reprints/cases.json.

- Positives: each real text against a modified copy, one copy per family: boilerplate swapped (title
  case, dateline under another brand, "Read also" lines, a tag line and a list of headlines),
  dateline changed only, k % of the words edited (scattered substitutions, deletions and insertions;
  k = 2 … 15), the same amount rewritten in runs of 3-8 words, one paragraph dropped, the last third
  dropped, two paragraphs swapped. Every family but "dateline" also has the boilerplate swapped.
- Negatives: every pair of two different real texts (79,800 pairs), and among them the hard ones:
  same category and lengths within 20 % (daily exchange-rate reports and the like).

Similarity is the estimated Jaccard of the MinHash signatures as newscrawl computes them. Precision
is TP / (TP + FP) over all positives and all negative pairs (and over the hard negatives only);
it depends on the ratio of positives to negatives, so the false-positive count is given as well.
The same decision is then run end to end through a temporary SQLite index (LSH bands, candidates,
verification) at newscrawl's threshold. With --save the results go to benchmarks/results/.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import re
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from newscrawl.archive.index import ArchiveIndex, IndexEntry  # noqa: E402
from newscrawl.dedupe import neardup  # noqa: E402
from newscrawl.dedupe.fingerprints import normalise_text  # noqa: E402

SHARED = REPO.parent / "shared"
QZ_DIR = SHARED / "fixtures-real" / "kazinform"
FIXTURES = REPO / "tests" / "fixtures"
CASES = FIXTURES / "reprints" / "cases.json"
RESULTS = REPO / "benchmarks" / "results"
THRESHOLDS = [round(t, 2) for t in np.arange(0.30, 0.801, 0.05)]
EDIT_RATES = (2, 3, 5, 8, 10, 12, 15)
REWRITE_RATES = (5, 10, 15)
_TOKEN = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)
_KAZINFORM_DATELINE = re.compile(r"^([A-ZА-ЯЁӘҒҚҢӨҰҮҺІ-]+)\.\s?(?:KAZINFORM|КАЗИНФОРМ)\s*[-–—]?\s*")


@dataclass
class Text:
    """One article: title, body (paragraphs by newline), category."""

    title: str
    body: str
    category: str = ""

    @property
    def paragraphs(self) -> list[str]:
        return [p for p in self.body.split("\n") if p.strip()]


@dataclass(frozen=True)
class Config:
    """One way of making signatures: shingle words, weight of numbers, whether the story is cut out."""

    name: str
    k: int = neardup.SHINGLE_WORDS
    number_weight: int = neardup.NUMBER_WEIGHT
    story: bool = True

    def signature(self, text: Text) -> neardup.Signature | None:
        if self.story:
            prepared = neardup.story_text(text.title, text.body)
        else:
            prepared = normalise_text(f"{text.title}\n{text.body}")
        return neardup.text_signature(prepared, self.k, self.number_weight)


CONFIGS = (
    Config("newscrawl (k=3, numbers x2, story lines)"),
    Config("k=3, no number features", number_weight=0),
    Config("k=2, numbers x2", k=2),
    Config("k=4, numbers x2", k=4),
    Config("k=3, numbers x2, whole text (no story cut)", story=False),
)


# -- modified copies
class Modifier:
    """Makes the modified copies of a text (seeded)."""

    def __init__(self, texts: list[Text], seed: int):
        self.rng = random.Random(seed)
        self.texts = texts
        self.vocab = [w for t in texts for w in re.findall(r"\w+", t.body)]

    def other_title(self) -> str:
        return self.rng.choice(self.texts).title

    def boilerplate(self, text: Text) -> Text:
        """Another outlet's boilerplate: title case, dateline brand, read-also lines, tags, headlines."""
        title = text.title.upper() if self.rng.random() < 0.5 else text.title.lower()
        paragraphs = [_KAZINFORM_DATELINE.sub(lambda m: f"{m.group(1)}. QAZAQ TV – ", p, count=1)
                      for p in text.paragraphs]
        for _ in range(self.rng.randint(1, 2)):
            paragraphs.insert(self.rng.randint(1, max(1, len(paragraphs))), f"Read also: {self.other_title()}")
        paragraphs.insert(0, "5 November 2019, 11:49")
        tail = ["Qazaqstan   Saıasat   Álem", "News", "Read also", "News Partner", "Popular"]
        tail += [self.other_title() for _ in range(3)]
        return Text(title, "\n".join(paragraphs + tail), text.category)

    def dateline(self, text: Text) -> Text:
        """Only the dateline changed (or one added)."""
        paragraphs = text.paragraphs
        first = next((i for i, p in enumerate(paragraphs) if _KAZINFORM_DATELINE.match(p)), None)
        if first is None:
            index = 1 if len(paragraphs) > 1 else 0
            paragraphs[index] = f"NUR-SULTAN. QAZAQ TV - {paragraphs[index]}"
        else:
            paragraphs[first] = _KAZINFORM_DATELINE.sub("NUR-SULTAN. QAZAQ TV - ", paragraphs[first], count=1)
        return Text(text.title, "\n".join(paragraphs), text.category)

    def edit(self, text: Text, percent: int) -> Text:
        """About ``percent`` % of the words substituted (half), deleted or followed by an inserted word;
        punctuation around a word is kept."""
        out = []
        for paragraph in text.paragraphs:
            words: list[str] = []
            for word in paragraph.split():
                if self.rng.random() >= percent / 100:
                    words.append(word)
                    continue
                before, _, after = _TOKEN.match(word).groups()
                roll = self.rng.random()
                if roll < 0.5:
                    words.append(before + self.rng.choice(self.vocab) + after)
                elif roll < 0.75:
                    if after and words:
                        words[-1] += after
                else:
                    words += [word, self.rng.choice(self.vocab)]
            out.append(" ".join(words))
        return Text(text.title, "\n".join(out), text.category)

    def rewrite(self, text: Text, percent: int) -> Text:
        """About ``percent`` % of the words replaced in runs of 3-8 words (a clause reworded)."""
        paragraphs = [p.split() for p in text.paragraphs]
        positions = [(i, j) for i, p in enumerate(paragraphs) for j in range(len(p))]
        budget = round(len(positions) * percent / 100)
        while budget > 0 and positions:
            run = min(budget, self.rng.randint(3, 8))
            i, j = self.rng.choice(positions)
            for jj in range(j, min(j + run, len(paragraphs[i]))):
                before, _, after = _TOKEN.match(paragraphs[i][jj]).groups()
                paragraphs[i][jj] = before + self.rng.choice(self.vocab) + after
            budget -= run
        return Text(text.title, "\n".join(" ".join(p) for p in paragraphs), text.category)

    def drop_paragraph(self, text: Text) -> Text | None:
        paragraphs = text.paragraphs
        if len(paragraphs) < 4:
            return None
        del paragraphs[self.rng.randint(1, len(paragraphs) - 1)]
        return Text(text.title, "\n".join(paragraphs), text.category)

    def drop_tail(self, text: Text) -> Text | None:
        paragraphs = text.paragraphs
        if len(paragraphs) < 4:
            return None
        return Text(text.title, "\n".join(paragraphs[: max(2, len(paragraphs) * 2 // 3)]), text.category)

    def reorder(self, text: Text) -> Text | None:
        paragraphs = text.paragraphs
        if len(paragraphs) < 4:
            return None
        i, j = self.rng.sample(range(1, len(paragraphs)), 2)
        paragraphs[i], paragraphs[j] = paragraphs[j], paragraphs[i]
        return Text(text.title, "\n".join(paragraphs), text.category)

    def families(self) -> dict[str, Callable[[Text], Text | None]]:
        """Every family of modified copies by name."""
        with_boilerplate = lambda change: lambda t: (lambda c: c and self.boilerplate(c))(change(t))  # noqa: E731
        families: dict[str, Callable[[Text], Text | None]] = {
            "boilerplate": self.boilerplate,
            "dateline": self.dateline,
        }
        for rate in EDIT_RATES:
            families[f"edit {rate}%"] = with_boilerplate(lambda t, r=rate: self.edit(t, r))
        for rate in REWRITE_RATES:
            families[f"rewrite {rate}%"] = with_boilerplate(lambda t, r=rate: self.rewrite(t, r))
        families["drop a paragraph"] = with_boilerplate(self.drop_paragraph)
        families["drop last third"] = with_boilerplate(self.drop_tail)
        families["swap paragraphs"] = with_boilerplate(self.reorder)
        return families


# -- data
def load_texts() -> list[Text]:
    """The real qz.inform.kz texts."""
    texts = []
    for path in sorted(QZ_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                texts.append(Text(row["title"], row["text"], row.get("category") or ""))
    return texts


def load_cases() -> list[dict]:
    """The hand-written reprint cases."""
    return json.loads(CASES.read_text(encoding="utf-8"))["cases"]


def make_copies(texts: list[Text], seed: int) -> dict[str, list[tuple[int, Text]]]:
    """``family -> [(index of the original, modified copy)]``."""
    modifier = Modifier(texts, seed)
    copies: dict[str, list[tuple[int, Text]]] = {}
    for family, change in modifier.families().items():
        copies[family] = [(i, c) for i, t in enumerate(texts) if (c := change(t)) is not None]
    return copies


# -- measuring
def hash_matrix(signatures: list[neardup.Signature | None]) -> np.ndarray:
    """The signatures' hash values as one matrix (rows of texts without a signature are -1)."""
    matrix = np.full((len(signatures), neardup.NUM_PERM), -1, dtype=np.int64)
    for i, sig in enumerate(signatures):
        if sig is not None:
            matrix[i] = sig.minhash.hashvalues.astype(np.int64)
    return matrix


def negative_similarities(signatures: list[neardup.Signature | None]) -> np.ndarray:
    """Estimated Jaccard of every pair (i < j) of different texts, as the upper triangle's values."""
    matrix = hash_matrix(signatures)
    n = len(signatures)
    sims = np.zeros((n, n))
    for i in range(n):
        sims[i] = (matrix == matrix[i]).mean(axis=1)
    missing = matrix[:, 0] < 0
    sims[missing, :] = 0
    sims[:, missing] = 0
    return sims[np.triu_indices(n, 1)]


def hard_negative_mask(texts: list[Text]) -> np.ndarray:
    """Pairs (upper triangle order) of the same category with lengths within 20 %."""
    n = len(texts)
    lengths = np.array([len(neardup.story_text(t.title, t.body).split()) for t in texts], dtype=float)
    categories = [t.category for t in texts]
    rows, cols = np.triu_indices(n, 1)
    same = np.array([categories[i] == categories[j] for i, j in zip(rows, cols, strict=True)])
    ratio = np.minimum(lengths[rows], lengths[cols]) / np.maximum(np.maximum(lengths[rows], lengths[cols]), 1)
    return same & (ratio >= 0.8)


def evaluate(config: Config, texts: list[Text], copies: dict[str, list[tuple[int, Text]]],
             hard: np.ndarray) -> dict:
    """P/R of one configuration per threshold."""
    originals = [config.signature(t) for t in texts]
    positives: dict[str, np.ndarray] = {}
    for family, pairs in copies.items():
        sims = []
        for i, copy in pairs:
            a, b = originals[i], config.signature(copy)
            sims.append(a.similarity(b) if a is not None and b is not None else 0.0)
        positives[family] = np.array(sims)
    negatives = negative_similarities(originals)
    rows, cols = np.triu_indices(len(texts), 1)
    closest = [(float(negatives[i]), texts[rows[i]].title, texts[cols[i]].title)
               for i in np.argsort(negatives)[::-1][:5]]
    all_pos = np.concatenate(list(positives.values()))
    table = []
    for threshold in THRESHOLDS:
        tp = int((all_pos >= threshold).sum())
        fp = int((negatives >= threshold).sum())
        fp_hard = int((negatives[hard] >= threshold).sum())
        table.append({
            "threshold": threshold,
            "recall": tp / len(all_pos),
            "precision": tp / (tp + fp) if tp + fp else 1.0,
            "precision_hard": tp / (tp + fp_hard) if tp + fp_hard else 1.0,
            "false_positives": fp,
            "false_positives_hard": fp_hard,
            "recall_by_family": {f: float((s >= threshold).mean()) for f, s in positives.items()},
        })
    return {
        "config": config.name,
        "positives": len(all_pos),
        "negatives": len(negatives),
        "hard_negatives": int(hard.sum()),
        "unsigned_texts": sum(1 for s in originals if s is None),
        "negative_max": float(negatives.max()),
        "negative_hard_max": float(negatives[hard].max()) if hard.any() else 0.0,
        "negative_p999": float(np.quantile(negatives, 0.999)),
        "closest_negatives": closest,
        "positive_median_by_family": {f: float(np.median(s)) for f, s in positives.items()},
        "table": table,
    }


def lowest_clean_threshold(result: dict) -> float | None:
    """The lowest threshold of the grid with no false positive at all."""
    return next((row["threshold"] for row in result["table"] if row["false_positives"] == 0), None)


def suggested_threshold(result: dict) -> float:
    """The highest negative similarity plus one standard error of a MinHash estimate there
    (sqrt(J(1-J)/permutations)), rounded up to the grid: no false positive, with a margin for the
    estimate's noise on pairs the sample did not have."""
    worst = result["negative_max"]
    margin = worst + math.sqrt(worst * (1 - worst) / neardup.NUM_PERM)
    return next((t for t in THRESHOLDS if t >= margin - 1e-9), THRESHOLDS[-1])


def end_to_end(texts: list[Text], copies: dict[str, list[tuple[int, Text]]], threshold: float) -> dict:
    """The decision as a crawl makes it: originals in a temporary index (bands in SQLite), every copy
    and every original looked up through the bands and verified."""
    with tempfile.TemporaryDirectory() as tmp:
        index = ArchiveIndex(Path(tmp) / "index.sqlite")
        for i, text in enumerate(texts):
            index.add(IndexEntry(number=i, name=f"{i:03d}_{i:016x}.txt", hash=f"{i:016x}", layout="markdown"), (), ())
            neardup.index_text(index, i, text.title, text.body)
        found: dict[str, float] = {}
        candidates = []
        for family, pairs in copies.items():
            hits = 0
            for i, copy in pairs:
                sig = neardup.signature_of(copy.title, copy.body)
                if sig is None:
                    continue
                match = neardup.find_near_duplicate(index, sig, threshold)
                hits += bool(match and match.number == i)
            found[family] = hits / len(pairs)
        false_positives = []
        start = time.perf_counter()
        for i, text in enumerate(texts):
            sig = neardup.signature_of(text.title, text.body)
            if sig is None:
                continue
            candidates.append(len(index.signature_candidates(neardup.SCHEME.band_keys(sig), neardup.MAX_CANDIDATES)))
            for match in neardup.near_duplicates(index, sig, threshold):
                if match.number != i and match.number > i:
                    false_positives.append((i, match.number, round(match.similarity, 3),
                                            texts[i].title, texts[match.number].title))
        elapsed = time.perf_counter() - start
        index.close()
    total = sum(len(p) for p in copies.values())
    return {
        "threshold": threshold,
        "bands": neardup.SCHEME.bands,
        "rows": neardup.SCHEME.rows,
        "recall_by_family": found,
        "recall": sum(found[f] * len(p) for f, p in copies.items()) / total,
        "false_positive_pairs": false_positives,
        "mean_candidates_per_lookup": float(np.mean(candidates)),
        "ms_per_lookup": 1000 * elapsed / max(1, len(candidates)),
    }


def fixture_pairs() -> list[dict]:
    """Every Qazaq TV article fixture against every Kazinform one, as cases (a reprint when the Qazaq
    TV page's contract names the Kazinform page in ``reprint_of``)."""
    def load(outlet: str) -> dict[str, dict]:
        folder = FIXTURES / outlet / "articles"
        return {f"{outlet}/{p.name.removesuffix('.expected.json')}": json.loads(p.read_text(encoding="utf-8"))
                for p in sorted(folder.glob("*.expected.json"))}

    def text(page: dict) -> dict:
        return {"title": page["title"], "body": "\n".join(page["body"])}

    kazinform, qazaqtv = load("kazinform"), load("qazaqtv")
    return [{"name": f"{q} vs {k}", "reprint": page.get("reprint_of") == k, "original": text(kpage),
             "candidate": text(page)} for q, page in qazaqtv.items() for k, kpage in kazinform.items()]


def hand_written(threshold: float) -> list[dict]:
    """Each hand-written case and fixture pair: its similarity and whether newscrawl calls it a reprint."""
    rows = []
    for case in (*load_cases(), *fixture_pairs()):
        a = neardup.signature_of(case["original"]["title"], case["original"]["body"])
        b = neardup.signature_of(case["candidate"]["title"], case["candidate"]["body"])
        similarity = a.similarity(b) if a is not None and b is not None else 0.0
        rows.append({"case": case["name"], "reprint": case["reprint"], "similarity": round(similarity, 3),
                     "decided_reprint": similarity >= threshold,
                     "correct": (similarity >= threshold) == case["reprint"]})
    return rows


# -- report
def print_table(result: dict, families: list[str]) -> None:
    print(f"\n## {result['config']}")
    print(f"positives {result['positives']}, negative pairs {result['negatives']} "
          f"(hard {result['hard_negatives']}); highest negative similarity {result['negative_max']:.3f} "
          f"(hard {result['negative_hard_max']:.3f}), 99.9th percentile {result['negative_p999']:.3f}")
    for similarity, a, b in result["closest_negatives"][:3]:
        print(f"  closest different texts: {similarity:.3f}  {a[:45]!r} / {b[:45]!r}")
    print(f"{'thr':>5} {'P':>6} {'P hard':>6} {'R':>6} {'FP':>5} | " + " ".join(f"{f[:9]:>9}" for f in families))
    for row in result["table"]:
        print(f"{row['threshold']:5.2f} {row['precision']:6.3f} {row['precision_hard']:6.3f} {row['recall']:6.3f} "
              f"{row['false_positives']:5d} | " + " ".join(f"{row['recall_by_family'][f]:9.3f}" for f in families))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=20251105)
    parser.add_argument("--save", action="store_true", help="write benchmarks/results/reprints.json")
    args = parser.parse_args()
    if not QZ_DIR.is_dir():
        print(f"skipped: {QZ_DIR} is absent")
        return 0
    texts = load_texts()
    copies = make_copies(texts, args.seed)
    families = list(copies)
    hard = hard_negative_mask(texts)
    print(f"{len(texts)} real texts; {sum(len(p) for p in copies.values())} modified copies in {len(families)} "
          f"families; {len(texts) * (len(texts) - 1) // 2} negative pairs, {int(hard.sum())} hard")
    results = [evaluate(config, texts, copies, hard) for config in CONFIGS]
    for result in results:
        print_table(result, families)
    main_result = results[0]
    clean, suggested = lowest_clean_threshold(main_result), suggested_threshold(main_result)
    chosen = neardup.REPRINT_THRESHOLD
    print(f"\n{main_result['config']}: lowest threshold without a false positive {clean}; with a margin of one"
          f" standard error of the estimate {suggested}; newscrawl uses {chosen}")
    at_chosen = min(main_result["table"], key=lambda row: abs(row["threshold"] - chosen))
    print(f"at {chosen}: precision {at_chosen['precision']:.4f} (hard {at_chosen['precision_hard']:.4f}), "
          f"recall {at_chosen['recall']:.4f}, false positives {at_chosen['false_positives']}")
    e2e = end_to_end(texts, copies, chosen)
    print(f"\nend to end through the SQLite LSH index ({e2e['bands']} bands x {e2e['rows']} rows), threshold {chosen}:"
          f" recall {e2e['recall']:.4f}, false-positive pairs {len(e2e['false_positive_pairs'])}, "
          f"{e2e['mean_candidates_per_lookup']:.1f} candidates per lookup, {e2e['ms_per_lookup']:.2f} ms per text "
          "(signing and lookup)")
    print("  " + ", ".join(f"{f}: {r:.3f}" for f, r in e2e["recall_by_family"].items()))
    for pair in e2e["false_positive_pairs"]:
        print(f"  false positive: {pair}")
    cases = hand_written(chosen)
    print("\nhand-written cases (and fixture pages: every Qazaq TV page against every Kazinform page):")
    for row in cases:
        if row["reprint"] or row["similarity"] >= 0.1 or not row["correct"]:
            print(f"  {row['case']:<50} reprint={row['reprint']!s:<5} similarity {row['similarity']:.3f} "
                  f"-> {'ok' if row['correct'] else 'WRONG'}")
    print(f"  {sum(r['correct'] for r in cases)} of {len(cases)} decided as labelled "
          f"({sum(r['reprint'] for r in cases)} reprints)")
    if args.save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        out = RESULTS / "reprints.json"
        out.write_text(json.dumps({"seed": args.seed, "configs": results, "lowest_clean_threshold": clean,
                                   "suggested_threshold": suggested,
                                   "chosen_threshold": chosen, "end_to_end": e2e, "hand_written": cases},
                                  ensure_ascii=False, indent=1), encoding="utf-8")
        print(f"\nsaved {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
