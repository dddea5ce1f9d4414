"""Full-text search time and index size as the archive grows: typical queries (a rare name, a common
word, a phrase, with and without filters) at 10k, 100k and 1M records of a synthetic index.

Run from the repository root:  python benchmarks/bench_search.py [--sizes 10000,100000,1000000] [--save]

The index is newscrawl's own SQLite schema (newscrawl.archive.index.ArchiveIndex, with the full-text
table of newscrawl.archive.search) in a temporary folder. It is filled in bulk straight into its
tables (a records row and a full-text row per record, as ArchiveIndex.add writes them), not through
a million record files: the texts are generated, folded like real ones, and never written out. It
grows in place from one size to the next, and queries are timed at each size with newscrawl's own
search function (the ``archive search`` command's), warm (each query run once before timing).

Texts resemble news in Russian (60 %), Kazakh (25 %) and English (15 %): about 230 words each
(lognormal), drawn from a Zipf law over a vocabulary of real frequent words and generated stems with
each language's endings, so a stem has several forms; every Russian record names Kazakhstan or
Almaty in some form with a set chance, a phrase (``заместитель акима``) occurs in 0.5 % of records and
a rare surname (``Бабакумаров`` and its forms) in about 3 per 100,000. Dates span 2015-2025, outlets
are the six of newscrawl.
Nothing is written into the repository but benchmarks/results/ (with --save).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from newscrawl.archive.index import ArchiveIndex, utcnow_iso  # noqa: E402
from newscrawl.archive.search import FTS_TABLE, SearchFilters, fold, optimize, search, search_key  # noqa: E402

RESULTS = REPO / "benchmarks" / "results"
BATCH = 20_000
RUNS = 15
OUTLETS = ("kazinform", "qazaqtv", "totalkz", "mosru", "mosds", "mfakz")
LANGUAGES = (("ru", 0.60), ("kk", 0.25), ("en", 0.15))

RU_WORDS = (
    "и", "в", "на", "с", "по", "о", "что", "не", "за", "из", "к", "для", "от", "до", "как", "это", "он", "она",
    "они", "также", "году", "года", "было", "будет", "были", "его", "их", "при", "более", "после", "время",
    "области", "города", "республики", "президент", "глава", "страны", "работы", "развития", "заявил", "сообщает",
    "отметил", "рамках", "вопросы", "вопросам", "сотрудничества", "министр", "правительства"
)
KK_WORDS = (
    "және", "мен", "бұл", "үшін", "жылы", "бойынша", "деп", "болды", "туралы", "осы", "бір", "оның", "олар",
    "арасындағы", "ел", "елдің", "президенті", "министрі", "облысы", "қаласы", "жұмыс", "даму", "ынтымақтастық",
    "мемлекет", "халық"
)
EN_WORDS = (
    "the", "of", "and", "to", "in", "a", "for", "on", "that", "with", "was", "is", "as", "by", "at", "from",
    "said", "will", "has", "have", "be", "it", "are", "its", "president", "minister", "government", "cooperation",
    "development", "region", "city", "country", "meeting"
)
RU_ENDINGS = ("", "а", "ы", "е", "у", "ой", "ом", "ами", "ах", "ов", "ий", "ая", "ое", "ые", "ого", "ому")
KK_ENDINGS = ("", "ның", "ға", "да", "дан", "лар", "лары", "дың", "қа", "та", "ты", "тың", "ге", "де")
EN_ENDINGS = ("", "s", "ed", "ing", "er", "ion", "ions", "ly")
RU_LETTERS = "абвгдежзиклмнопрстуфхцчшщэюяё"
KK_LETTERS = "абвгдежзиклмнопрстуфхшыіәғқңөұүһ"
EN_LETTERS = "abcdefghijklmnopqrstuvwxyz"
SPECIALS = {  # per language: (words, chance per record) inserted at a random place
    "ru": [(("Казахстан", "Казахстана", "Казахстане", "Казахстаном"), 0.3), (("Алматы",), 0.12),
           (("заместитель акима",), 0.005), (("Бабакумаров", "Бабакумарова", "Бабакумаровым"), 0.00005),
           (("Москва", "Москвы", "Москве"), 0.05)],
    "kk": [(("Қазақстан", "Қазақстанның", "Қазақстанда"), 0.3), (("Алматы",), 0.12)],
    "en": [(("Kazakhstan",), 0.3), (("election", "elections", "elected"), 0.02)],
}
QUERIES = [  # name, query, filters
    ("rare name", "Бабакумаров", SearchFilters()),
    ("rare name, outlet", "Бабакумаров", SearchFilters(outlet="kazinform")),
    ("common word", "Казахстан", SearchFilters()),
    ("common word, outlet+year", "Казахстан", SearchFilters(outlet="kazinform", since=date(2024, 1, 1),
                                                             until=date(2024, 12, 31))),
    ("phrase", '"заместитель акима"', SearchFilters()),
    ("phrase, language+dates", '"заместитель акима"', SearchFilters(language="ru", since=date(2020, 1, 1))),
    ("two words AND", "Алматы Москва", SearchFilters()),
    ("OR", "Москва OR Алматы", SearchFilters()),
    ("Kazakh word", "Қазақстан", SearchFilters(language="kk")),
    ("English word", "election", SearchFilters()),
    ("no match", "Бабакумарович", SearchFilters()),
]


def vocabulary(rng: np.random.Generator, real: list[str], letters: str, endings: tuple[str, ...], stems: int
               ) -> tuple[np.ndarray, np.ndarray]:
    """Word forms and their Zipf probabilities: the real words first (most frequent), then each
    generated stem with every ending (a stem's rank shared by its forms)."""
    alphabet = np.array(list(letters))
    lengths = rng.integers(3, 9, size=stems)
    generated = ["".join(alphabet[rng.integers(0, len(alphabet), size=n)]) for n in lengths]
    words = list(real) + [stem + ending for stem in generated for ending in endings]
    ranks = np.concatenate([np.arange(1, len(real) + 1),
                            np.repeat(np.arange(len(real) + 1, len(real) + stems + 1), len(endings))])
    weights = 1.0 / ranks.astype(float) ** 1.05
    return np.array(words, dtype=object), weights / weights.sum()


class TextMaker:
    """Random news-like titles and bodies of one language."""

    def __init__(self, rng: np.random.Generator, language: str):
        real, letters, endings = {"ru": (RU_WORDS, RU_LETTERS, RU_ENDINGS), "kk": (KK_WORDS, KK_LETTERS, KK_ENDINGS),
                                  "en": (EN_WORDS, EN_LETTERS, EN_ENDINGS)}[language]
        self.rng = rng
        self.words, weights = vocabulary(rng, real, letters, endings, 20_000)
        self.cdf = np.cumsum(weights)
        self.specials = SPECIALS[language]

    def texts(self, count: int) -> list[tuple[str, str]]:
        lengths = np.clip(self.rng.lognormal(np.log(200), 0.5, size=count).astype(int), 30, 1500)
        picks = np.searchsorted(self.cdf, self.rng.random(int(lengths.sum()) + 12 * count))
        picks = np.minimum(picks, len(self.words) - 1)
        out = []
        at = 0
        for n in lengths:
            title = " ".join(self.words[picks[at:at + 12]]).capitalize()
            at += 12
            body_words = list(self.words[picks[at:at + n]])
            at += n
            for forms, chance in self.specials:
                if self.rng.random() < chance:
                    where = int(self.rng.integers(0, len(body_words) + 1))
                    body_words.insert(where, forms[self.rng.integers(len(forms))])
            sentences = [" ".join(body_words[i:i + 15]).capitalize() + "." for i in range(0, len(body_words), 15)]
            paragraphs = ["\n".join(sentences[i:i + 4]) for i in range(0, len(sentences), 4)]
            out.append((title, "\n".join(paragraphs)))
        return out


def grow(index: ArchiveIndex, rng: np.random.Generator, makers: dict[str, TextMaker], start: int, stop: int) -> float:
    """Add records ``start`` to ``stop - 1`` in bulk; returns the seconds taken."""
    began = time.perf_counter()
    codes, chances = zip(*LANGUAGES, strict=True)
    day0 = np.datetime64("2015-01-01")
    for first in range(start, stop, BATCH):
        last = min(stop, first + BATCH)
        n = last - first
        langs = rng.choice(codes, size=n, p=chances)
        outlets = rng.choice(OUTLETS, size=n)
        days = day0 + rng.integers(0, 11 * 365, size=n).astype("timedelta64[D]")
        texts = {code: makers[code].texts(int((langs == code).sum())) for code in codes}
        taken = dict.fromkeys(codes, 0)
        record_rows, text_rows = [], []
        now = utcnow_iso()
        for i in range(n):
            number, lang = first + i, str(langs[i])
            title, body = texts[lang][taken[lang]]
            taken[lang] += 1
            published = f"{days[i]}T10:00:00+05:00"
            url = f"https://example.org/{number}"
            record_rows.append((number, f"{number:03d}_{number:016x}.txt", f"{number:016x}", "markdown",
                                str(outlets[i]), lang, url, url, title, published, published[:7], now, now))
            text_rows.append((search_key(published, number), fold(title), fold(body)))
        with index.transaction():
            index.db.executemany(
                "INSERT INTO records(number, name, hash, layout, outlet, language, url, canonical_url, title,"
                " published, month, fetched_at, indexed_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", record_rows)
            index.db.executemany(f"INSERT INTO {FTS_TABLE}(rowid, title, body) VALUES (?,?,?)", text_rows)
    return time.perf_counter() - began


def sizes_of(index: ArchiveIndex) -> dict[str, int]:
    """Bytes of the whole index file, and of the full-text table's own parts."""
    index.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    total = index.path.stat().st_size
    try:
        fts = index.db.execute(f"SELECT SUM(pgsize) FROM dbstat WHERE name LIKE '{FTS_TABLE}%'").fetchone()[0]
        content = index.db.execute(f"SELECT SUM(pgsize) FROM dbstat WHERE name = '{FTS_TABLE}_content'").fetchone()[0]
    except Exception:  # SQLite built without dbstat
        fts = content = None
    return {"file": total, "fulltext": fts, "fulltext_content": content}


def time_queries(index: ArchiveIndex) -> dict[str, dict[str, float]]:
    results = {}
    for name, query, filters in QUERIES:
        hits = search(index.db, query, filters)  # warm
        times = []
        for _ in range(RUNS):
            began = time.perf_counter()
            search(index.db, query, filters)
            times.append((time.perf_counter() - began) * 1000)
        times.sort()
        results[name] = {"query": query, "filters": {k: v for k, v in vars(filters).items() if v}, "hits": len(hits),
                         "median_ms": round(statistics.median(times), 2),
                         "p95_ms": round(times[min(len(times) - 1, int(0.95 * len(times)))], 2)}
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--save", action="store_true", help="write benchmarks/results/search.json")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    rng = np.random.default_rng(13)
    makers = {code: TextMaker(rng, code) for code, _ in LANGUAGES}
    report = {"sizes": {}}
    with tempfile.TemporaryDirectory() as tmp:
        index = ArchiveIndex(Path(tmp) / "index.sqlite")
        index.db.execute("PRAGMA cache_size=-262144")
        have = 0
        for size in sizes:
            seconds = grow(index, rng, makers, have, size)
            began = time.perf_counter()
            optimize(index.db)
            merged = time.perf_counter() - began
            have = size
            sizes_now = sizes_of(index)
            text_bytes = index.db.execute(
                f"SELECT SUM(LENGTH(CAST(title AS BLOB)) + LENGTH(CAST(body AS BLOB))) FROM {FTS_TABLE}").fetchone()[0]
            index.db.execute("PRAGMA cache_size=-2000")  # queries with SQLite's default cache
            queries = time_queries(index)
            index.db.execute("PRAGMA cache_size=-262144")
            entry = {"load_s": round(seconds, 1), "optimize_s": round(merged, 1),
                     "text_bytes_per_record": round(text_bytes / size),
                     "index_bytes_per_record": round(sizes_now["file"] / size),
                     "fulltext_bytes_per_record": (round(sizes_now["fulltext"] / size)
                                                   if sizes_now["fulltext"] else None),
                     "fulltext_content_bytes_per_record": (round(sizes_now["fulltext_content"] / size)
                                                           if sizes_now["fulltext_content"] else None),
                     "queries": queries}
            report["sizes"][size] = entry
            print(f"\n{size:,} records: loaded in {seconds:.0f} s (+{merged:.0f} s optimize); text"
                  f" {entry['text_bytes_per_record']} B/record; index {entry['index_bytes_per_record']} B/record, of"
                  f" which full-text {entry['fulltext_bytes_per_record']} (its copy of the text"
                  f" {entry['fulltext_content_bytes_per_record']})", flush=True)
            for name, q in queries.items():
                print(f"  {name:<26} {q['query']:<22} hits {q['hits']:>3}  median {q['median_ms']:>8.2f} ms"
                      f"  p95 {q['p95_ms']:>8.2f} ms", flush=True)
        index.close()
    report["machine"] = {"cpus": os.cpu_count()}
    if args.save:
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "search.json").write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()
