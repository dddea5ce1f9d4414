"""Near-duplicate texts (reprints): MinHash signatures in a locality-sensitive hash index.

The same story reaches several outlets with other boilerplate and small edits: Qazaq TV reprints
Kazinform, agencies' texts come back under another dateline. Two texts are near-duplicates when the
Jaccard similarity of their sets of word shingles, estimated from MinHash signatures, reaches
:data:`REPRINT_THRESHOLD` and the numbers they state agree. How a text is reduced to its story and
signed is :mod:`newscrawl.signatures` (numpy only: extraction workers sign the texts they extract).

The archive's signatures live in its SQLite index: one row per record (the signature) and one row per
LSH band (a 64-bit key of the band's hash values, keyed ``(key, number)``). A lookup reads the rows of
the signature's bands, O(bands) indexed reads whatever the size of the archive, then checks the
candidates' signatures. Band splitting follows datasketch's :class:`~datasketch.MinHashLSH` for
:data:`LSH_THRESHOLD`; the crawl's own not-yet-archived texts are kept in memory under the same band keys.

The thresholds were chosen from ``benchmarks/bench_reprints.py`` (precision and recall on 400 real
Kazinform texts and their modified copies); see README, "Reprints".
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from newscrawl import settings
from newscrawl.dedupe.signatures import (
    DATELINE_AGENCIES,
    FACTS_RULE,
    FEATURE_HASH,
    MAX_NUMBERS,
    MIN_NUMBERS,
    MIN_SHINGLES,
    MINHASH_SCHEME,
    NUM_PERM,
    NUMBER_AGREEMENT,
    NUMBER_WEIGHT,
    PREPARATION_VERSION,
    SEED,
    SHINGLE_WORDS,
    Signature,
    TextKeys,
    feature_hash,
    feature_hashes,
    numbers_in,
    story_lines,
    story_signature,
    story_text,
    strip_dateline,
    text_signature,
    word_shingles,
)

if TYPE_CHECKING:
    from newscrawl.archive import Archive
    from newscrawl.archive.index import ArchiveIndex

logger = logging.getLogger(__name__)

#: estimated Jaccard similarity from which a text is a reprint of another (measured; the setting's default)
REPRINT_THRESHOLD: float = settings.REPRINT_THRESHOLD
#: the LSH index is tuned to find pairs from this similarity on (below the decision threshold, so that
#: pairs just above it are not missed by the banding)
LSH_THRESHOLD = 0.3
#: weights of false positives and false negatives when datasketch chooses bands and rows
LSH_WEIGHTS = (0.2, 0.8)
#: candidates checked per lookup at most (a safety bound; real lookups see a handful)
MAX_CANDIDATES = 500
#: texts of the running crawl kept in memory (see :class:`CrawlTexts`)
CRAWL_TEXTS = 512
@lru_cache(maxsize=64)
def signature_of(title: str | None, body: str | None) -> Signature | None:
    """The signature of an article's story text (see :func:`story_lines`). Cached: a crawl signs
    each article in the reprint check and again when archiving it."""
    return story_signature(title, body)


def article_signature(title: str | None, body: str | None, keys: TextKeys | None = None) -> Signature | None:
    """The signature of an article's text: from the keys its extraction worker made, when they
    belong to this title and body, else made here."""
    if keys is not None and keys.belongs_to(title, body):
        return keys.signature
    return signature_of(title, body)


#: bands and rows that datasketch's ``MinHashLSH`` chooses for LSH_THRESHOLD, NUM_PERM and LSH_WEIGHTS (it
#: integrates the false-positive and false-negative probabilities with SciPy). Written down so that a
#: crawl does not import SciPy (40 MB) for two numbers; the tests check that they are still its choice.
LSH_BANDS, LSH_ROWS = 42, 3


def datasketch_bands(threshold: float, num_perm: int, weights: tuple[float, float]) -> tuple[int, int]:
    """The bands and rows datasketch's ``MinHashLSH`` chooses (its bands must be consecutive runs of rows)."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=weights)
    if list(lsh.hashranges) != [(i * lsh.r, (i + 1) * lsh.r) for i in range(lsh.b)]:
        raise ValueError("datasketch's bands are expected to be consecutive runs of rows")
    return lsh.b, lsh.r


class BandScheme:
    """How signatures are cut into LSH bands: datasketch's choice of bands and rows for a threshold."""

    def __init__(self, threshold: float = LSH_THRESHOLD, num_perm: int = NUM_PERM,
                 weights: tuple[float, float] = LSH_WEIGHTS):
        self.threshold = threshold
        self.num_perm = num_perm
        self.weights = weights
        if (threshold, num_perm, tuple(weights)) == (LSH_THRESHOLD, NUM_PERM, LSH_WEIGHTS):
            self.bands, self.rows = LSH_BANDS, LSH_ROWS
        else:  # another scheme (benchmarks try some): datasketch chooses
            self.bands, self.rows = datasketch_bands(threshold, num_perm, weights)
        self.hashranges: list[tuple[int, int]] = [(i * self.rows, (i + 1) * self.rows) for i in range(self.bands)]

    @property
    def name(self) -> str:
        """What signatures and band keys depend on; stored in the index beside them."""
        return (f"v{PREPARATION_VERSION};k={SHINGLE_WORDS};perm={self.num_perm};seed={SEED};{MINHASH_SCHEME};"
                f"{FEATURE_HASH};"
                f"nw={NUMBER_WEIGHT};b={self.bands};r={self.rows};min={MIN_SHINGLES};"
                f"facts={FACTS_RULE}:{MIN_NUMBERS}/{NUMBER_AGREEMENT};datelines={DATELINES_DIGEST}")

    def band_keys(self, signature: Signature) -> list[int]:
        """One signed 64-bit key per band of a signature (see :meth:`band_key_matrix`)."""
        values = np.asarray(signature.hashvalues, dtype=np.uint32)[None, :]
        return self.band_key_matrix(values)[0].tolist()

    def band_key_matrix(self, values: np.ndarray) -> np.ndarray:
        """Band keys of many signatures at once: rows of hash values in, rows of signed 64-bit keys out.

        A key folds the band's number and its hash values (already uniform 32-bit values, so a
        multiply-xor fold is enough) into 64 bits, FNV-1a style, with a final avalanche step."""
        values = np.asarray(values, dtype=np.uint64)[:, : self.bands * self.rows]
        bands = values.reshape(values.shape[0], self.bands, self.rows)
        with np.errstate(over="ignore"):
            keys = np.broadcast_to(_FNV_OFFSET ^ np.arange(self.bands, dtype=np.uint64), bands.shape[:2]).copy()
            for row in range(self.rows):
                keys = (keys ^ bands[:, :, row]) * _FNV_PRIME
            keys ^= keys >> np.uint64(33)
            keys *= _AVALANCHE
            keys ^= keys >> np.uint64(33)
        return keys.view(np.int64)


#: what the dateline rule depends on, short: a new agency name in an outlet's facts re-signs the archive
DATELINES_DIGEST = hashlib.sha256("|".join(DATELINE_AGENCIES).encode()).hexdigest()[:12]
_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_AVALANCHE = np.uint64(0xFF51AFD7ED558CCD)
SCHEME = BandScheme()
_SCHEME_KEY = "neardup_scheme"


@dataclass(frozen=True)
class NearDuplicate:
    """A record (or an article of this crawl) that a text reprints, and how similar they are."""

    number: int | None
    similarity: float
    url: str | None = None


def ensure_scheme(index: ArchiveIndex) -> None:
    """Drop signatures made under another scheme (they are rebuilt by :func:`index_missing_signatures`)."""
    if getattr(index, "_neardup_scheme_checked", False):
        return
    stored = index.get_meta(_SCHEME_KEY)
    if stored != SCHEME.name:
        if stored is not None:
            logger.info("near-duplicate scheme changed (%s -> %s): signatures will be rebuilt", stored, SCHEME.name)
        index.clear_signatures()
        index.set_meta(_SCHEME_KEY, SCHEME.name)
    index._neardup_scheme_checked = True  # type: ignore[attr-defined]


def index_text(index: ArchiveIndex, number: int, title: str | None, body: str | None,
               keys: TextKeys | None = None) -> Signature | None:
    """Sign a record's text and put it in the index's LSH tables; returns the signature (None when
    the text is too short to sign, which is remembered too). ``keys``: what the extraction worker
    made of this text, if anything."""
    ensure_scheme(index)
    signature = article_signature(title, body, keys)
    if signature is None:
        index.add_signature(number, 0, None, ())
    else:
        index.add_signature(number, signature.size, signature.to_bytes(), SCHEME.band_keys(signature))
    return signature


def near_duplicates(index: ArchiveIndex, signature: Signature,
                    threshold: float = REPRINT_THRESHOLD) -> list[NearDuplicate]:
    """Archived records at or above ``threshold``, the most similar first, found through the LSH bands."""
    ensure_scheme(index)
    found = []
    for number, size, blob in index.signature_candidates(SCHEME.band_keys(signature), MAX_CANDIDATES):
        other = Signature.from_bytes(blob, size)
        similarity = signature.similarity(other)
        if similarity >= threshold and signature.facts_agree(other):
            found.append(NearDuplicate(number, similarity))
    return sorted(found, key=lambda d: (-d.similarity, d.number))


def find_near_duplicate(index: ArchiveIndex, signature: Signature,
                        threshold: float = REPRINT_THRESHOLD) -> NearDuplicate | None:
    """The most similar archived record at or above ``threshold``, if any."""
    return next(iter(near_duplicates(index, signature, threshold)), None)


def index_missing_signatures(archive: Archive) -> int:
    """Sign every indexed record that has no signature yet (an index made before signatures existed,
    a scheme change, or a crawl killed between writing a record and signing it); returns how many."""
    ensure_scheme(archive.index)
    done = 0
    for number, name in archive.index.numbers_without_signature():
        try:
            record = archive.read(name)
        except (OSError, ValueError) as exc:
            logger.warning("cannot sign record %s: %s", name, exc)
            continue
        index_text(archive.index, number, record.title, record.body)
        done += 1
    return done


class CrawlTexts:
    """The latest texts of the running crawl, indexed in memory by the same LSH band keys as the index.

    Articles are archived (and so in the index) right after the reprint check, so this only has to
    cover texts in flight; it keeps the latest ``size``. A dict from band key to URLs finds the same
    candidates as the index's band rows, at a fraction of the cost of an in-memory ``MinHashLSH``."""

    def __init__(self, size: int = CRAWL_TEXTS) -> None:
        self.size = size
        self.signatures: dict[str, Signature] = {}  # insertion order: oldest first
        self._band_keys: dict[str, list[int]] = {}
        self._bands: dict[int, list[str]] = {}  # lists: nearly every band key has a single text

    def add(self, url: str, signature: Signature) -> None:
        """Remember an article of this crawl, forgetting the oldest beyond ``size``."""
        if url in self.signatures:
            return
        keys = SCHEME.band_keys(signature)
        self.signatures[url] = signature
        self._band_keys[url] = keys
        for key in keys:
            self._bands.setdefault(key, []).append(url)
        while len(self.signatures) > self.size:
            self._forget(next(iter(self.signatures)))

    def _forget(self, url: str) -> None:
        del self.signatures[url]
        for key in self._band_keys.pop(url):
            urls = self._bands[key]
            urls.remove(url)
            if not urls:
                del self._bands[key]

    def candidates(self, signature: Signature) -> set[str]:
        """The URLs of the texts that share a band with ``signature``."""
        return set().union(*(self._bands.get(key, ()) for key in SCHEME.band_keys(signature)))

    def find(self, signature: Signature, threshold: float = REPRINT_THRESHOLD) -> NearDuplicate | None:
        """The most similar text of this crawl at or above ``threshold``."""
        found = ((url, signature.similarity(self.signatures[url])) for url in self.candidates(signature)
                 if signature.facts_agree(self.signatures[url]))
        scored = [(sim, url) for url, sim in found if sim >= threshold]
        if not scored:
            return None
        similarity, url = max(scored)
        return NearDuplicate(None, similarity, url)


__all__ = ["FACTS_RULE", "FEATURE_HASH", "LSH_THRESHOLD", "MAX_NUMBERS", "MINHASH_SCHEME", "MIN_NUMBERS",
           "MIN_SHINGLES", "NUMBER_AGREEMENT", "NUMBER_WEIGHT", "NUM_PERM", "PREPARATION_VERSION", "REPRINT_THRESHOLD",
           "SCHEME", "SEED", "SHINGLE_WORDS", "BandScheme", "CrawlTexts", "NearDuplicate", "Signature", "TextKeys",
           "article_signature", "feature_hash", "feature_hashes", "find_near_duplicate", "index_missing_signatures",
           "index_text", "near_duplicates", "numbers_in", "signature_of", "story_lines", "story_text",
           "strip_dateline", "text_signature", "word_shingles"]
