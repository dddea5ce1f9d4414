"""Time per dedupe lookup as the archive index grows: exact (URL key, body fingerprint) and near-duplicate
(LSH bands, candidates, verification), at 10k, 100k and 1M records of a synthetic index.

Run from the repository root:  python benchmarks/bench_dedupe_scale.py [--sizes 10000,100000,1000000] [--save]

The index is newscrawl's own SQLite schema (newscrawl.archive.index.ArchiveIndex) in a temporary folder,
filled in bulk with the rows newscrawl would write for random texts: a records row, two URL keys, two
body fingerprints, a MinHash signature and its LSH band keys (newscrawl.neardup.SCHEME). It grows in
place from one size to the next; lookups are timed at each size with newscrawl's own lookup functions.

Random texts are modelled on their MinHash signatures, without writing the texts out: the MinHash
value of a set of n distinct shingles under a random permutation is the minimum of n uniform 32-bit
values, and the signature of a union of shingle sets is the element-wise minimum of their signatures.
So a record is drawn as the union of its own shingles (150-450, unique to it) with, for some records,
boilerplate sentences shared across the archive (a pool of 2,000, used with a Zipf law) and, for 1 %
of records, a template shared by a family of 200 (daily reports: similarity about 0.25 within
the family, below the threshold but often sharing a band). Near-duplicate queries replace one tenth
of an indexed record's own shingles (similarity about 0.8); miss queries are new random records;
template queries are new members of a family.
Nothing is written into the repository but benchmarks/results/ (with --save).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from newscrawl.archive.index import ArchiveIndex, utcnow_iso  # noqa: E402
from newscrawl.dedupe import neardup  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
PERM = neardup.NUM_PERM
HASH_SPACE = float(2**32)
CHUNKS = 10  # a query record's own shingles come in this many chunks; a near-duplicate swaps one
BOILERPLATE_POOL = 2000
FAMILY_SIZE = 200
FAMILY_SHARE = 0.01
BATCH = 50_000
LOAD_CACHE = -512 * 1024  # KiB of page cache while loading in bulk
DEFAULT_CACHE = -2000  # SQLite's default


def min_of_uniform(rng: np.random.Generator, counts: np.ndarray) -> np.ndarray:
    """MinHash values of random shingle sets of the given sizes: per row and permutation, the minimum
    of ``count`` uniform 32-bit values (inverse CDF of the minimum: 1 - U**(1/n))."""
    u = rng.random((len(counts), PERM))
    return np.floor((1.0 - u ** (1.0 / counts[:, None])) * HASH_SPACE).astype(np.uint32)


@dataclass
class SyntheticArchive:
    """Draws records of the synthetic archive, reproducibly."""

    seed: int

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)
        self.boilerplate = min_of_uniform(self.rng, self.rng.integers(15, 31, BOILERPLATE_POOL).astype(float))
        ranks = np.arange(1, BOILERPLATE_POOL + 1)
        self.boilerplate_p = (1 / ranks) / (1 / ranks).sum()
        self.templates: dict[int, np.ndarray] = {}

    def template(self, family: int) -> np.ndarray:
        """The signature of a family's shared template (about 200 shingles)."""
        if family not in self.templates:
            self.templates[family] = min_of_uniform(np.random.default_rng((self.seed, family)), np.array([200.0]))[0]
        return self.templates[family]

    def records(self, start: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        """Signatures and shingle counts of records ``start … start+count-1``."""
        own = self.rng.integers(150, 451, count).astype(float)
        sigs = min_of_uniform(self.rng, own)
        sizes = own.copy()
        with_boilerplate = self.rng.random(count) < 0.3
        picks = self.rng.choice(BOILERPLATE_POOL, size=(count, 2), p=self.boilerplate_p)
        for slot in range(2):
            rows = np.flatnonzero(with_boilerplate & (self.rng.random(count) < 0.5 + 0.5 * (slot == 0)))
            sigs[rows] = np.minimum(sigs[rows], self.boilerplate[picks[rows, slot]])
            sizes[rows] += 22
        numbers = np.arange(start, start + count)
        in_family = (numbers * 2654435761 % 10_000) < FAMILY_SHARE * 10_000
        for row in np.flatnonzero(in_family):
            sigs[row] = np.minimum(sigs[row], self.template(int(numbers[row] // (FAMILY_SIZE * 100))))
            sizes[row] += 200
        return sigs, sizes

    def chunked(self, count: int) -> list[np.ndarray]:
        """Records kept as their chunks of own shingles (to make near-duplicates of them)."""
        return [min_of_uniform(self.rng, np.full(CHUNKS, 30.0)) for _ in range(count)]


def keys_of(number: int) -> tuple[list[str], list[str]]:
    """The URL keys and fingerprints of a synthetic record, as newscrawl stores them."""
    url = f"qazaqtv.com/en/view/news/page_{number}_synthetic-story-{number}"
    fps = [hashlib.sha1(f"{part} {number}".encode()).hexdigest() for part in ("body", "title and body")]
    return [url, f"qazaqtv:{number}"], fps


def bulk_insert(index: ArchiveIndex, start: int, sigs: np.ndarray, sizes: np.ndarray) -> None:
    """Insert records ``start …`` in one transaction, rows sorted by key."""
    count = len(sigs)
    numbers = np.arange(start, start + count)
    band_keys = neardup.SCHEME.band_key_matrix(sigs)
    now = utcnow_iso()
    url_rows, fp_rows = [], []
    for n in numbers.tolist():
        urls, fps = keys_of(n)
        url_rows += [(u, n) for u in urls]
        fp_rows += [(f, n) for f in fps]
    band_rows = sorted(zip(band_keys.ravel().tolist(), np.repeat(numbers, band_keys.shape[1]).tolist(), strict=True))
    with index.transaction():
        db = index.db
        db.executemany("INSERT INTO records(number, name, hash, layout, indexed_at) VALUES (?,?,?,?,?)",
                       ((n, f"{n:07d}_{n:016x}.txt", f"{n:016x}", "markdown", now) for n in numbers.tolist()))
        db.executemany("INSERT INTO url_keys(key, number) VALUES (?,?)", sorted(url_rows))
        db.executemany("INSERT INTO fingerprints(fp, number) VALUES (?,?)", sorted(fp_rows))
        db.executemany("INSERT INTO neardup_signatures(number, size, signature) VALUES (?,?,?)",
                       zip(numbers.tolist(), sizes.astype(int).tolist(), (s.tobytes() for s in sigs), strict=True))
        db.executemany("INSERT OR IGNORE INTO neardup_bands(key, number) VALUES (?,?)", band_rows)


def signature(values: np.ndarray, size: float) -> neardup.Signature:
    """A newscrawl signature from hash values."""
    return neardup.Signature.from_bytes(values.astype(np.uint32).tobytes(), int(size))


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Microseconds per call, ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e6)
    return times


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {"mean_us": statistics.fmean(ordered), "p50_us": ordered[len(ordered) // 2],
            "p95_us": ordered[int(len(ordered) * 0.95)]}


def measure(index: ArchiveIndex, size: int, synthetic: SyntheticArchive, chunked: list[np.ndarray],
            queries: int, rng: np.random.Generator) -> dict:
    """Lookup times at the index's current size."""
    present = rng.integers(0, size, queries).tolist()
    absent = (size + 10_000_000 + rng.integers(0, 1_000_000, queries)).tolist()
    url_hit = [keys_of(n)[0] for n in present]
    url_miss = [keys_of(n)[0] for n in absent]
    fp_hit = [keys_of(n)[1] for n in present]
    fp_miss = [keys_of(n)[1] for n in absent]
    misses, miss_sizes = synthetic.records(50_000_000, queries)  # numbers far from any family
    near = []
    for i in range(queries):
        chunks = chunked[i % len(chunked)].copy()
        chunks[i % CHUNKS] = min_of_uniform(rng, np.array([30.0]))[0]
        near.append(signature(chunks.min(axis=0), 30 * CHUNKS))
    family_rows = [n for n in range(size) if (n * 2654435761 % 10_000) < FAMILY_SHARE * 10_000][:50]
    templates = [signature(np.minimum(min_of_uniform(rng, np.array([300.0]))[0],
                                      synthetic.template(n // (FAMILY_SIZE * 100))), 500) for n in family_rows]

    def cycle(items: list) -> Callable[[], object]:
        it = iter(items * 2)
        return lambda: next(it)

    out: dict[str, object] = {"records": size}
    for name, items, fn in (
        ("url_hit", url_hit, index.find_url), ("url_miss", url_miss, index.find_url),
        ("fingerprint_hit", fp_hit, index.find_fingerprint), ("fingerprint_miss", fp_miss, index.find_fingerprint),
    ):
        nxt = cycle(items)
        out[name] = summary(timed(lambda nxt=nxt, fn=fn: fn(nxt()), queries))
    found = []
    nxt = cycle(near)
    out["near_duplicate_hit"] = summary(timed(lambda: found.append(neardup.find_near_duplicate(index, nxt())),
                                              queries))
    out["near_duplicate_recall"] = sum(1 for f in found[:queries] if f is not None) / queries
    miss_sigs = [signature(s, n) for s, n in zip(misses, miss_sizes, strict=True)]
    false = []
    nxt = cycle(miss_sigs)
    out["near_duplicate_miss"] = summary(timed(lambda: false.append(neardup.find_near_duplicate(index, nxt())),
                                               queries))
    out["near_duplicate_false_matches"] = sum(1 for f in false[:queries] if f is not None)
    band = neardup.SCHEME.band_keys
    out["candidates_per_miss"] = statistics.fmean(
        len(index.signature_candidates(band(s), neardup.MAX_CANDIDATES)) for s in miss_sigs[:500])
    if templates:
        nxt = cycle(templates)
        out["near_duplicate_template"] = summary(timed(lambda: neardup.near_duplicates(index, nxt()), len(templates)))
        out["candidates_per_template_query"] = statistics.fmean(
            len(index.signature_candidates(band(s), neardup.MAX_CANDIDATES)) for s in templates)
    return out


def build_chunked_records(index: ArchiveIndex, synthetic: SyntheticArchive, count: int) -> list[np.ndarray]:
    """The first ``count`` records, kept as chunks so that near-duplicates of them can be made."""
    chunked = synthetic.chunked(count)
    sigs = np.stack([c.min(axis=0) for c in chunked])
    bulk_insert(index, 0, sigs, np.full(count, 30.0 * CHUNKS))
    return chunked


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated index sizes")
    parser.add_argument("--queries", type=int, default=2000, help="lookups timed per kind and size")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--save", action="store_true", help="write benchmarks/results/dedupe_scale.json")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    rng = np.random.default_rng(args.seed + 1)
    synthetic = SyntheticArchive(args.seed)
    results = []
    print(f"LSH: {neardup.SCHEME.bands} bands x {neardup.SCHEME.rows} rows of {PERM} permutations; "
          f"threshold {neardup.REPRINT_THRESHOLD}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "index.sqlite"
        index = ArchiveIndex(path)
        index.set_meta("neardup_scheme", neardup.SCHEME.name)
        chunked = build_chunked_records(index, synthetic, min(2000, sizes[0]))
        have = len(chunked)
        for size in sizes:
            start = time.perf_counter()
            index.db.execute(f"PRAGMA cache_size={LOAD_CACHE}")
            while have < size:
                count = min(BATCH, size - have)
                sigs, counts = synthetic.records(have, count)
                bulk_insert(index, have, sigs, counts)
                have += count
            load = time.perf_counter() - start
            index.db.execute(f"PRAGMA cache_size={DEFAULT_CACHE}")  # lookups run with SQLite's default cache
            measure(index, size, synthetic, chunked, 200, rng)  # warm-up
            result = measure(index, size, synthetic, chunked, args.queries, rng)
            result["load_seconds"] = load
            result["index_megabytes"] = sum(p.stat().st_size for p in Path(tmp).iterdir()) / 2**20
            results.append(result)
            print(f"\n{size:>9,} records (loaded in {load:.0f} s, index {result['index_megabytes']:.0f} MB)")
            for kind in ("url_hit", "url_miss", "fingerprint_hit", "fingerprint_miss", "near_duplicate_hit",
                         "near_duplicate_miss", "near_duplicate_template"):
                if kind in result:
                    s = result[kind]
                    print(f"  {kind:<24} mean {s['mean_us']:8.1f} us   p50 {s['p50_us']:8.1f}   p95 {s['p95_us']:8.1f}")
            print(f"  near-duplicate recall {result['near_duplicate_recall']:.3f}, false matches of new texts "
                  f"{result['near_duplicate_false_matches']}, candidates per new text "
                  f"{result['candidates_per_miss']:.2f}, per template text "
                  f"{result.get('candidates_per_template_query', math.nan):.1f}")
        index.close()
    if args.save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        out = RESULTS / "dedupe_scale.json"
        out.write_text(json.dumps({"seed": args.seed, "queries": args.queries, "bands": neardup.SCHEME.bands,
                                   "rows": neardup.SCHEME.rows, "results": results}, indent=1), encoding="utf-8")
        print(f"\nsaved {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
