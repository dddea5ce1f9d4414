"""Signatures of texts for the reprint check: story text, shingle features and MinHash values.

What a text is reduced to before it is compared (see :mod:`newscrawl.neardup` for the comparison and
the index): its sentences (the title, navigation, tag lines and lists of headlines end without a full
stop), with the dateline (``ASTANA. KAZINFORM –``) and "read also" lines dropped, normalised
(:func:`newscrawl.fingerprints.normalise_text`). Its features are its word shingles and its numbers;
a feature is hashed to 32 bits from the CRC-32s of its words, folded in order through a 64-bit mixer
(:func:`feature_hash`), all features of a text at once. The MinHash values are datasketch's ``affine32``
scheme computed with numpy alone (tested to equal datasketch's), so that extraction workers sign the
texts they extract without importing datasketch and SciPy: :func:`text_keys` gives everything the
duplicate checks need of an article, its exact fingerprints and its signature.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from newscrawl.dedupe.fingerprints import body_fingerprints, normalise_text
from newscrawl.outlets import dateline_agencies

if TYPE_CHECKING:
    from datasketch import LeanMinHash

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
#: version of the text preparation; stored with the signatures, which are rebuilt when it changes
PREPARATION_VERSION = 3
#: two texts that both state at least this many numbers are reprints only when at least NUMBER_AGREEMENT
#: of the numbers of the text that states fewer are in the other (measured: half lets two stories of one
#: template through that share two of four numbers): a reprint keeps its facts but may drop
#: some with a paragraph it leaves out, a text of the same template (daily rates, weather, one more
#: building opened) changes them
MIN_NUMBERS = 1
NUMBER_AGREEMENT = 0.75
#: how the numbers are compared (part of the scheme's name): the share of the shorter list found in the longer
FACTS_RULE = "shorter-share"
#: numbers kept per signature
MAX_NUMBERS = 64

#: agencies of no outlet of newscrawl's whose names datelines print in capitals (regular expressions); the
#: outlets' own names come from their facts (``Outlet.dateline_agencies``)
OTHER_AGENCIES = (r"KAZTAG|КАЗТАГ|INTERFAX(?:-KAZAKHSTAN)?|ИНТЕРФАКС(?:-КАЗАХСТАН)?|TASS|ТАСС|РИА\sНОВОСТИ|"
                  r"RIA\sNOVOSTI|SPUTNIK|XINHUA|AKIPRESS|TREND|KABAR|КАБАР|KHABAR|ХАБАР|24\.KZ")


def dateline_pattern(agencies: tuple[str, ...]) -> re.Pattern[str]:
    """A dateline: place (and date) before an agency's name in capitals, or before a mixed-case name and a
    dash (``ПЕТРОПАВЛ. ҚазАқпарат –``), or a place in capitals and a dash (``NUR-SULTAN. –``). In names
    in capitals a space may be left out (``QAZAQTV``)."""
    capitals = [re.escape(name).replace(r"\ ", r"\s?") for name in agencies if name.isupper()]
    mixed = [re.escape(name) for name in agencies if not name.isupper()]
    return re.compile(
        rf"^.{{0,60}}?\b(?:{'|'.join([*capitals, OTHER_AGENCIES])})\b\s*[-–—:.]*\s*"
        + (rf"|^.{{0,60}}?\b(?:{'|'.join(mixed)})\s*[-–—]\s*" if mixed else "")
        + r"|^(?:[A-ZА-ЯЁӘҒҚҢӨҰҮҺІ][A-ZА-ЯЁӘҒҚҢӨҰҮҺІ-]+[.,]?\s+){1,3}[-–—]\s+"
    )


#: the agency names of every outlet's datelines (a change re-signs the archive: see ``neardup.BandScheme``)
DATELINE_AGENCIES = dateline_agencies()
DATELINE = dateline_pattern(DATELINE_AGENCIES)
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



_UINT32_MAX = np.uint32(0xFFFFFFFF)
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))


def permutations(num_perm: int = NUM_PERM, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """The ``affine32`` permutations ``h -> a * h + b mod 2**32`` (``a`` odd) that datasketch's
    ``MinHash(num_perm, seed, scheme="affine32")`` draws: the same generator, the same draws."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


_PERMUTATIONS = permutations()


def minhash_values(features: np.ndarray) -> np.ndarray:
    """The MinHash values of a set of 32-bit feature hashes: each pre-mixed with MurmurHash3's 32-bit
    finalizer, then the minimum over the features of every permutation (datasketch's ``affine32``)."""
    shift1, m1, shift2, m2 = _FMIX32
    hv = np.asarray(features, dtype=np.uint32).reshape(-1, 1)
    with np.errstate(over="ignore"):
        hv = hv ^ (hv >> shift1)
        hv = hv * m1
        hv = hv ^ (hv >> shift2)
        hv = hv * m2
        hv = hv ^ (hv >> shift1)
        a, b = _PERMUTATIONS
        if not len(hv):
            return np.full(NUM_PERM, _UINT32_MAX, dtype=np.uint32)
        return (hv * a + b).min(axis=0)


@dataclass(frozen=True, eq=False)
class Signature:
    """The MinHash signature of one text and the size of its feature set."""

    #: NUM_PERM 32-bit MinHash values
    hashvalues: np.ndarray
    size: int
    #: 32-bit hashes of the numbers the text states (at most MAX_NUMBERS)
    numbers: frozenset[int] = field(default=frozenset())

    def to_bytes(self) -> bytes:
        """The hash values (32 bits each in the ``affine32`` scheme), then the number hashes."""
        values = np.asarray(self.hashvalues, dtype=np.uint32).tobytes()
        return values + np.asarray(sorted(self.numbers), dtype=np.uint32).tobytes()

    @classmethod
    def from_bytes(cls, blob: bytes, size: int) -> Signature:
        """A signature read back from :meth:`to_bytes`."""
        values = np.frombuffer(blob, dtype=np.uint32)
        return cls(values[:NUM_PERM], size, frozenset(int(v) for v in values[NUM_PERM:]))

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Signature) and self.size == other.size and self.numbers == other.numbers
                and np.array_equal(self.hashvalues, other.hashvalues))

    __hash__ = None  # type: ignore[assignment]

    @cached_property
    def minhash(self) -> LeanMinHash:
        """The same signature as a datasketch ``LeanMinHash`` (for datasketch's own indexes)."""
        from datasketch import LeanMinHash

        return LeanMinHash(seed=SEED, hashvalues=self.hashvalues, scheme=MINHASH_SCHEME)

    def similarity(self, other: Signature) -> float:
        """The estimated Jaccard similarity of the two feature sets: the share of equal MinHash values."""
        return float(np.count_nonzero(self.hashvalues == other.hashvalues)) / len(self.hashvalues)

    def facts_agree(self, other: Signature) -> bool:
        """Whether the two texts state the same numbers (or too few to tell): at least NUMBER_AGREEMENT of
        the numbers of the one that states fewer are in the other."""
        a, b = self.numbers, other.numbers
        if len(a) < MIN_NUMBERS or len(b) < MIN_NUMBERS:
            return True
        return len(a & b) / min(len(a), len(b)) >= NUMBER_AGREEMENT


def text_signature(text: str, k: int = SHINGLE_WORDS, number_weight: int = NUMBER_WEIGHT) -> Signature | None:
    """The signature of a normalised text; None when it has fewer than :data:`MIN_SHINGLES` features."""
    numbers = numbers_in(text)
    features = feature_hashes(text, k, number_weight, numbers)
    if len(features) < MIN_SHINGLES:
        return None
    number_hashes = sorted({zlib.crc32(w.encode()) for w in numbers})
    return Signature(minhash_values(features), len(features), frozenset(number_hashes[:MAX_NUMBERS]))


def story_signature(title: str | None, body: str | None) -> Signature | None:
    """The signature of an article's story text (see :func:`story_lines`)."""
    return text_signature(story_text(title, body))


@dataclass(frozen=True, eq=False)
class TextKeys:
    """What the duplicate checks need of an article's text, computed once (by the extraction worker
    that extracted it): its exact fingerprints and its signature, for the very ``title`` and ``body``
    objects they were made from (:meth:`belongs_to` tells whether an article still has those)."""

    title: str | None
    body: str | None
    fingerprints: frozenset[str]
    #: None: too short to sign
    signature: Signature | None

    def belongs_to(self, title: str | None, body: str | None) -> bool:
        """Whether these keys were made from this title and body (the same objects: a spider that
        amends the text after extraction gets its keys made afresh)."""
        return title is self.title and body is self.body


def article_fingerprints(title: str | None, body: str | None, keys: TextKeys | None = None) -> frozenset[str]:
    """The exact fingerprints of an article's text: from the keys its extraction worker made, when
    they belong to this title and body, else made here."""
    if keys is not None and keys.belongs_to(title, body):
        return keys.fingerprints
    return body_fingerprints(title, body)


def text_keys(title: str | None, body: str | None) -> TextKeys:
    """The fingerprints and signature of an article's title and body."""
    return TextKeys(title, body, body_fingerprints(title, body), story_signature(title, body))


__all__ = ["FACTS_RULE", "MAX_NUMBERS", "MIN_NUMBERS", "MIN_SHINGLES", "NUMBER_AGREEMENT", "NUMBER_WEIGHT", "NUM_PERM",
           "PREPARATION_VERSION", "SHINGLE_WORDS", "Signature", "TextKeys", "article_fingerprints", "feature_hash",
           "feature_hashes", "minhash_values", "numbers_in", "permutations", "story_lines", "story_signature",
           "story_text", "strip_dateline", "text_keys", "text_signature", "word_shingles"]
