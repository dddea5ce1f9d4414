"""Content fingerprints: exact ones of the normalised text for duplicate checks."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
#: texts shorter than this (normalised characters) get no fingerprint: too generic to compare
MIN_FINGERPRINT_CHARS = 40


def normalise_text(text: str | None) -> str:
    """Text reduced to lower-case words: Unicode NFKC, case folded, punctuation, dashes, quotes and
    white space all collapsed to single spaces."""
    text = unicodedata.normalize("NFKC", text or "").casefold().replace("ё", "е")
    return _NON_WORD.sub(" ", text).strip()


def fingerprint(text: str | None) -> str | None:
    """SHA-1 of the normalised text, or None when it is too short to identify an article."""
    norm = normalise_text(text)
    if len(norm) < MIN_FINGERPRINT_CHARS:
        return None
    return hashlib.sha1(norm.encode("utf-8")).hexdigest()


def body_fingerprints(title: str | None, body: str | None) -> set[str]:
    """Fingerprints an article is known by: of its body, and of title and body together (legacy
    records in the ``dated`` layout keep the body's first paragraph on the title line)."""
    found = {fingerprint(body), fingerprint(f"{title or ''}\n{body or ''}")}
    return {fp for fp in found if fp}
