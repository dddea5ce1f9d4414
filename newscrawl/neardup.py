"""Near-duplicate texts (reprints): shingles, MinHash signatures and a locality-sensitive hash index.

The same story reaches several outlets with other boilerplate and small edits: Qazaq TV reprints
Kazinform, agencies' texts come back under another dateline. Two texts are near-duplicates when the
Jaccard similarity of their sets of word shingles, estimated from MinHash signatures (datasketch),
reaches :data:`REPRINT_THRESHOLD`. Before shingling, a text is reduced to what outlets do not change:
its sentences (the title, navigation, tag lines and lists of headlines end without a full stop), with
the dateline (``ASTANA. KAZINFORM –``) and "read also" lines dropped, then normalised
(:func:`newscrawl.fingerprints.normalise_text`). A feature is hashed to 32 bits from the CRC-32s of
its words, folded in order through a 64-bit mixer (:func:`feature_hash`), all features of a text at
once with numpy: stable across processes and runs, at a fraction of the cost of a SHA-1 per shingle.

The archive's signatures live in its SQLite index: one row per record (the signature) and one row per
LSH band (a 64-bit key of the band's hash values, keyed ``(key, number)``). A lookup reads the rows of
the signature's bands, O(bands) indexed reads whatever the size of the archive, then checks the
candidates' signatures. Band splitting follows datasketch's :class:`~datasketch.MinHashLSH` for
:data:`LSH_THRESHOLD`; the crawl's own not-yet-archived texts are kept in memory under the same band keys.

The thresholds were chosen from ``benchmarks/bench_reprints.py`` (precision and recall on 400 real
Kazinform texts and their modified copies); see README, "Reprints".
"""

from __future__ import annotations

import logging
import re
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from newscrawl.fingerprints import normalise_text

if TYPE_CHECKING:
    from newscrawl.archive import Archive
    from newscrawl.archive.index import ArchiveIndex

logger = logging.getLogger(__name__)

#: words per shingle
SHINGLE_WORDS = 3
#: each number of a text (``503,76``, ``2026``) is also a feature of its own, this many times: texts
#: made from one template (daily exchange rates, weather) differ mostly in their numbers
NUMBER_WEIGHT = 2
#: MinHash permutations (the signature has this many 32-bit values)
NUM_PERM = 128
#: the MinHash seed and permutation scheme; signatures of different seeds or schemes cannot be compared
SEED = 1
MINHASH_SCHEME = "affine32"
#: how a feature becomes a 32-bit value (see :func:`feature_hash`); part of the scheme's name
FEATURE_HASH = "crc32-fmix64"
#: texts with fewer shingles than this get no signature: too short to tell a reprint from a template
MIN_SHINGLES = 12
#: estimated Jaccard similarity from which a text is a reprint of another (measured; see the module doc)
REPRINT_THRESHOLD = 0.5
#: the LSH index is tuned to find pairs from this similarity on (below the decision threshold, so that
#: pairs just above it are not missed by the banding)
LSH_THRESHOLD = 0.3
#: weights of false positives and false negatives when datasketch chooses bands and rows
LSH_WEIGHTS = (0.2, 0.8)
#: candidates checked per lookup at most (a safety bound; real lookups see a handful)
MAX_CANDIDATES = 500
#: texts of the running crawl kept in memory (see :class:`CrawlTexts`)
CRAWL_TEXTS = 512
#: version of the text preparation; stored with the signatures, which are rebuilt when it changes
PREPARATION_VERSION = 3
#: two texts that both state at least this many numbers are reprints only when they share at least
#: NUMBER_AGREEMENT of them (Jaccard): a reprint keeps its facts, a text of the same template (daily
#: rates, weather, one more building opened) changes them
MIN_NUMBERS = 1
NUMBER_AGREEMENT = 0.5
#: numbers kept per signature
MAX_NUMBERS = 64

#: agencies' names as datelines print them
_AGENCIES = (r"KAZINFORM|QAZINFORM|КАЗИНФОРМ|ҚАЗИНФОРМ|ҚАЗАҚПАРАТ|KAZAKHPARAT|QAZAQ\s?TV|KAZAKH\s?TV|"
             r"KAZTAG|КАЗТАГ|INTERFAX(?:-KAZAKHSTAN)?|ИНТЕРФАКС(?:-КАЗАХСТАН)?|TASS|ТАСС|РИА\sНОВОСТИ|"
             r"RIA\sNOVOSTI|SPUTNIK|XINHUA|AKIPRESS|TREND|KABAR|КАБАР|TOTAL\.KZ|KHABAR|ХАБАР|24\.KZ")
#: a dateline: place (and date) before an agency's name in capitals, or before a mixed-case name and a
#: dash (``ПЕТРОПАВЛ. ҚазАқпарат –``), or a place in capitals and a dash (``NUR-SULTAN. –``)
DATELINE = re.compile(
    rf"^.{{0,60}}?\b(?:{_AGENCIES})\b\s*[-–—:.]*\s*"
    r"|^.{0,60}?\b(?:ҚазАқпарат|Kazinform|Qazinform|Казинформ|Qazaq TV|Kazakh TV)\s*[-–—]\s*"
    r"|^(?:[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][A-ZА-ЯЁӘҒҚҢӨҰҮҺІ-]+[.,]?\s+){1,3}[-–—]\s+"
)
#: datelines are looked for in this many first lines (a lead may come before the dateline's paragraph)
DATELINE_LINES = 2
#: separators inside a number: thousands and decimals
_DIGIT_GROUPS = re.compile(r"(?<=\d)[.,\u00a0\u202f ](?=\d)")
#: how a paragraph that ends a sentence ends (closing quotes and brackets may follow the stop)
_SENTENCE_END = re.compile(r"[.!?…;:][\s\"'»”’)\]]*$")
#: lines that are labels or pointers, never the story: "Read also: …", "Photo: …"
_LABELS = ("read also", "also read", "related news", "see also", "читайте также", "новости по теме",
           "смотрите также", "фото", "photo", "источник", "source", "автор", "author", "теги", "tags",
           "тақырыптас жаңалықтар", "оқи отырыңыз", "тағы оқыңыз", "taqyryptas janalyqtar", "oqı otyryńyz",
           "sýret", "сурет", "видео", "video")
_LABEL = re.compile(r"^\s*(?:" + "|".join(re.escape(label) for label in _LABELS) + r")\b\s*[:\-–—]", re.I)


def strip_dateline(paragraph: str) -> str:
    """A paragraph without the dateline it may start with (``ALMATY. KAZINFORM – ``)."""
    return DATELINE.sub("", paragraph, count=1)


def story_lines(title: str | None, body: str | None) -> list[str]:
    """The lines of an article that are its story: sentences, no dateline, no labels or headline lists.

    Falls back to every line but the labelled ones when the text has too few sentences (a text made of
    short lines, or a language that does not end sentences with a stop).
    """
    lines = [line.strip() for line in f"{title or ''}\n{body or ''}".split("\n") if line.strip()]
    lines = [line for line in lines if not _LABEL.match(line)]
    sentences = [line for line in lines if _SENTENCE_END.search(line)]
    words = sum(len(line.split()) for line in sentences)
    chosen = sentences if words >= MIN_SHINGLES + SHINGLE_WORDS else lines
    return [strip_dateline(line) if i < DATELINE_LINES else line for i, line in enumerate(chosen)]


def story_text(title: str | None, body: str | None) -> str:
    """The normalised text that signatures are made of; a number keeps its digit groups together
    (``503,76`` becomes ``50376``, not two numbers)."""
    return normalise_text(_DIGIT_GROUPS.sub("", "\n".join(story_lines(title, body))))


def word_shingles(text: str, k: int = SHINGLE_WORDS, number_weight: int = NUMBER_WEIGHT) -> set[bytes]:
    """The features of a normalised text: its ``k``-word shingles, and each number ``number_weight``
    times (UTF-8 bytes). Signatures use their hashes (:func:`feature_hashes`)."""
    words = text.split()
    if len(words) < k:
        return set()
    features = {" ".join(words[i:i + k]).encode("utf-8") for i in range(len(words) - k + 1)}
    features.update(_number_features(numbers_in(text), number_weight))
    return features


def _number_features(numbers: set[str], number_weight: int) -> list[bytes]:
    """The features that stand for the numbers of a text: ``#<copy>#<number>``."""
    return [f"#{copy}#{word}".encode() for word in numbers for copy in range(number_weight)]


_DIGITS = re.compile(r"\d+")


def numbers_in(text: str) -> set[str]:
    """The words of a normalised text that hold digits (runs of digits, widened to their words)."""
    found: set[str] = set()
    end = 0
    for match in _DIGITS.finditer(text):
        if match.start() < end:  # a further digit run of the word just taken
            continue
        start = text.rfind(" ", 0, match.start()) + 1
        end = text.find(" ", match.end())
        end = len(text) if end < 0 else end
        found.add(text[start:end])
    return found


_FOLD_SEED = np.uint64(0x9E3779B97F4A7C15)
_FOLD_PRIME = np.uint64(0x100000001B3)
_FMIX64 = (np.uint64(33), np.uint64(0xFF51AFD7ED558CCD), np.uint64(0xC4CEB9FE1A85EC53))


def _fold(columns: list[np.ndarray]) -> np.ndarray:
    """32-bit hashes of features given the CRC-32s of their words, one column per word position: each
    word is mixed into a 64-bit state with MurmurHash3's 64-bit finalizer; the top half is the hash."""
    shift, m1, m2 = _FMIX64
    state = np.full(len(columns[0]), _FOLD_SEED, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in columns:
            state = (state ^ column) * _FOLD_PRIME
            state ^= state >> shift
            state *= m1
            state ^= state >> shift
            state *= m2
            state ^= state >> shift
    return (state >> np.uint64(32)).astype(np.uint32)


def _crc32s(words: list[bytes]) -> np.ndarray:
    return np.fromiter(map(zlib.crc32, words), dtype=np.uint64, count=len(words))


def feature_hash(feature: bytes) -> int:
    """The 32-bit hash of one feature (a shingle, or a number feature): the CRC-32s of its
    space-separated words folded in order (see :func:`_fold`)."""
    return int(_fold([_crc32s([word]) for word in feature.split(b" ")])[0])


def feature_hashes(text: str, k: int = SHINGLE_WORDS, number_weight: int = NUMBER_WEIGHT,
                   numbers: set[str] | None = None) -> np.ndarray:
    """The distinct hashes of the features of a normalised text (:func:`word_shingles`, each hashed
    by :func:`feature_hash`), computed for all shingles at once: sorted 32-bit values. ``numbers``:
    the text's :func:`numbers_in`, when the caller has them already."""
    words = text.encode("utf-8").split()  # a normalised text's words are separated by single spaces
    if len(words) < k:
        return np.empty(0, dtype=np.uint32)
    hashes = _crc32s(words)
    count = len(words) - k + 1
    shingles = _fold([hashes[i:i + count] for i in range(k)])
    number_features = _number_features(numbers_in(text) if numbers is None else numbers, number_weight)
    if number_features:
        shingles = np.concatenate((shingles, _fold([_crc32s(number_features)])))
    return np.unique(shingles)


@dataclass(frozen=True)
class Signature:
    """The MinHash signature of one text and the size of its shingle set."""

    minhash: LeanMinHash
    size: int
    #: 32-bit hashes of the numbers the text states (at most MAX_NUMBERS)
    numbers: frozenset[int] = field(default=frozenset())

    def to_bytes(self) -> bytes:
        """The hash values (32 bits each in the ``affine32`` scheme), then the number hashes."""
        values = np.asarray(self.minhash.hashvalues, dtype=np.uint32).tobytes()
        return values + np.asarray(sorted(self.numbers), dtype=np.uint32).tobytes()

    @classmethod
    def from_bytes(cls, blob: bytes, size: int) -> Signature:
        """A signature read back from :meth:`to_bytes`."""
        values = np.frombuffer(blob, dtype=np.uint32)
        minhash = LeanMinHash(seed=SEED, hashvalues=values[:NUM_PERM], scheme=MINHASH_SCHEME)
        return cls(minhash, size, frozenset(int(v) for v in values[NUM_PERM:]))

    def similarity(self, other: Signature) -> float:
        """The estimated Jaccard similarity of the two shingle sets."""
        return float(self.minhash.jaccard(other.minhash))

    def facts_agree(self, other: Signature) -> bool:
        """Whether the two texts state the same numbers (or too few to tell): see NUMBER_AGREEMENT."""
        a, b = self.numbers, other.numbers
        if len(a) < MIN_NUMBERS or len(b) < MIN_NUMBERS:
            return True
        return len(a & b) / len(a | b) >= NUMBER_AGREEMENT


def text_signature(text: str, k: int = SHINGLE_WORDS, number_weight: int = NUMBER_WEIGHT) -> Signature | None:
    """The signature of a normalised text; None when it has fewer than :data:`MIN_SHINGLES` features."""
    numbers = numbers_in(text)
    features = feature_hashes(text, k, number_weight, numbers)
    if len(features) < MIN_SHINGLES:
        return None
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=MINHASH_SCHEME, hashfunc=int,
                      permutations=_permutations())
    minhash.update_batch(features.tolist())  # already hashed: datasketch applies its permutations
    number_hashes = sorted({zlib.crc32(w.encode()) for w in numbers})
    return Signature(LeanMinHash(minhash), len(features), frozenset(number_hashes[:MAX_NUMBERS]))


@lru_cache(maxsize=1)
def _permutations():
    """The MinHash permutations of (NUM_PERM, SEED, scheme), computed once instead of per text."""
    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=MINHASH_SCHEME).permutations


@lru_cache(maxsize=64)
def signature_of(title: str | None, body: str | None) -> Signature | None:
    """The signature of an article's story text (see :func:`story_lines`). Cached: a crawl signs
    each article in the reprint check and again when archiving it."""
    return text_signature(story_text(title, body))


class BandScheme:
    """How signatures are cut into LSH bands: datasketch's choice of bands and rows for a threshold."""

    def __init__(self, threshold: float = LSH_THRESHOLD, num_perm: int = NUM_PERM,
                 weights: tuple[float, float] = LSH_WEIGHTS):
        self.threshold = threshold
        self.num_perm = num_perm
        self.weights = weights
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=weights)
        self.bands: int = lsh.b
        self.rows: int = lsh.r
        self.hashranges: list[tuple[int, int]] = list(lsh.hashranges)
        if self.hashranges != [(i * self.rows, (i + 1) * self.rows) for i in range(self.bands)]:
            raise ValueError("datasketch's bands are expected to be consecutive runs of rows")

    @property
    def name(self) -> str:
        """What signatures and band keys depend on; stored in the index beside them."""
        return (f"v{PREPARATION_VERSION};k={SHINGLE_WORDS};perm={self.num_perm};seed={SEED};{MINHASH_SCHEME};"
                f"{FEATURE_HASH};"
                f"nw={NUMBER_WEIGHT};b={self.bands};r={self.rows};min={MIN_SHINGLES};"
                f"facts={MIN_NUMBERS}/{NUMBER_AGREEMENT}")

    def band_keys(self, signature: Signature) -> list[int]:
        """One signed 64-bit key per band of a signature (see :meth:`band_key_matrix`)."""
        values = np.asarray(signature.minhash.hashvalues, dtype=np.uint32)[None, :]
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


def _ensure_scheme(index: ArchiveIndex) -> None:
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


def index_text(index: ArchiveIndex, number: int, title: str | None, body: str | None) -> Signature | None:
    """Sign a record's text and put it in the index's LSH tables; returns the signature (None when
    the text is too short to sign, which is remembered too)."""
    _ensure_scheme(index)
    signature = signature_of(title, body)
    if signature is None:
        index.add_signature(number, 0, None, ())
    else:
        index.add_signature(number, signature.size, signature.to_bytes(), SCHEME.band_keys(signature))
    return signature


def near_duplicates(index: ArchiveIndex, signature: Signature,
                    threshold: float = REPRINT_THRESHOLD) -> list[NearDuplicate]:
    """Archived records at or above ``threshold``, the most similar first, found through the LSH bands."""
    _ensure_scheme(index)
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
    _ensure_scheme(archive.index)
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


__all__ = ["LSH_THRESHOLD", "MIN_SHINGLES", "NUM_PERM", "REPRINT_THRESHOLD", "SCHEME", "SHINGLE_WORDS",
           "BandScheme", "CrawlTexts", "NearDuplicate", "Signature", "feature_hash", "feature_hashes",
           "find_near_duplicate", "index_missing_signatures", "index_text", "near_duplicates", "numbers_in",
           "signature_of", "story_lines", "story_text", "strip_dateline", "text_signature", "word_shingles"]
