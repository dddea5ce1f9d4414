"""Content fingerprints: exact ones of the normalised text for duplicate checks."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

_WORD = re.compile(r"[^\W_]+")
#: texts shorter than this (normalised characters) get no fingerprint: too generic to compare
MIN_FINGERPRINT_CHARS = 40


def normalise_text(text: str | None) -> str:
    """Text reduced to lower-case words: Unicode NFKC, case folded, punctuation, dashes, quotes and
    white space all collapsed to single spaces."""
    text = unicodedata.normalize("NFKC", text or "").casefold().replace("ё", "е")
    return " ".join(_WORD.findall(text))  # the words, single spaces between: a quarter faster than a sub


def fingerprint(text: str | None) -> str | None:
    """SHA-1 of the normalised text, or None when it is too short to identify an article."""
    return _normalised_fingerprint(normalise_text(text))


def _normalised_fingerprint(norm: str) -> str | None:
    if len(norm) < MIN_FINGERPRINT_CHARS:
        return None
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()


@lru_cache(maxsize=64)
def body_fingerprints(title: str | None, body: str | None) -> frozenset[str]:
    """Fingerprints an article is known by: of its body, and of title and body together (legacy
    records in the ``dated`` layout keep the body's first paragraph on the title line).

    The body is normalised once: normalising works character by character and the line break
    between title and body becomes a space, so the two halves normalised apart and joined by a
    space are the normalised whole. Cached: a crawl checks each article and then archives it."""
    body_norm = normalise_text(body)
    whole = " ".join(part for part in (normalise_text(title), body_norm) if part)
    return frozenset(fp for fp in map(_normalised_fingerprint, (body_norm, whole)) if fp)
