"""Language identification for the crawl: Russian, Kazakh (Cyrillic or Latin script) or English.

The majority script of the letters decides the path:

* Cyrillic: lingua, restricted to Russian/Kazakh/English, chooses between Russian and Kazakh.
* Latin: English or Kazakh in Latin script. No detector has a Latin-Kazakh model, so the
  evidence is the Kazakh-Latin marker letters (2018 alphabet á ǵ ı ń ó ú ý, 2021 alphabet
  ä ğ ñ ö ū ü ş, and the 2017 apostrophe digraphs such as ``n'`` or ``i'``). They make up
  6-14 % of the letters of Kazakh-Latin news and almost none of English news, where they come
  only from foreign names (Weizsäcker, Erdoğan). The log-likelihood ratio of two Bernoulli rates
  gives both the answer and how sure it is.

The edition's language (``prior``) settles only near-ties: short titles, a Russian headline
full of names, a few Latin words without a marker letter.
"""

from __future__ import annotations

import math
import re
from functools import cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

SAMPLE_CHARS = 1000
"""Only the start of a text is looked at: it is enough to tell the languages apart and keeps
the cost per article near a millisecond."""

_CYRILLIC = re.compile(r"[\u0400-\u052f]")
_LATIN = re.compile(r"[a-z\u00df-\u00f6\u00f8-\u024f\u1e00-\u1eff]")  # on lower-cased text
_KAZAKH_LATIN_MARKER = re.compile(
    r"[áǵıńóúýäğñöūüş]"
    # 2017 alphabet: an apostrophe inside a word after one of aguoyinsc (Respy'bli'kasy); not at a
    # word's second letter (O'Brien, y'all) nor before an English clitic (didn't, Almaty's, we've)
    r"|(?<=[a-z][aguoyinsc])['’](?=[a-z])(?!(?:s|t|d|m|ll|re|ve)\b)"
)

_KK_MARKER_RATE = 0.07
"""Share of marker letters in Kazakh-Latin text: the low end of qz.inform.kz news (6-14 %)."""
_EN_MARKER_RATE = 0.002
"""Share of the same letters in English news (foreign names), set high to be safe."""
_LATIN_TIE_LLR = math.log(20)
"""Below 20:1 odds a Latin text counts as a near-tie, which the prior may settle."""
_CYRILLIC_TIE_ODDS = 3.0
"""Below 3:1 between lingua's Russian and Kazakh confidences the prior may settle."""


@cache
def _detector() -> LanguageDetector:
    """The lingua detector for Russian, Kazakh and English, built on first use."""
    return LanguageDetectorBuilder.from_languages(Language.RUSSIAN, Language.KAZAKH, Language.ENGLISH).build()


def detect_language(text: str, prior: str | None = None) -> str | None:
    """'ru', 'kk' or 'en' for the text; None when the text has no letters to go on.

    ``prior`` (the edition's language, 'ru'|'kk'|'en' or None) decides only near-ties; it never
    overrides a confident detection.
    """
    sample = text[:SAMPLE_CHARS].lower()
    n_cyrillic = len(_CYRILLIC.findall(sample))
    n_latin = len(_LATIN.findall(sample))
    if n_cyrillic == 0 and n_latin == 0:
        return None
    if n_cyrillic >= n_latin:
        return _russian_or_kazakh(sample, prior)
    return _english_or_latin_kazakh(sample, n_latin, prior)


def _russian_or_kazakh(sample: str, prior: str | None) -> str:
    """Russian or Kazakh for a mostly Cyrillic sample, by lingua's confidence values."""
    confidence = {c.language: c.value for c in _detector().compute_language_confidence_values(sample)}
    ru, kk = confidence.get(Language.RUSSIAN, 0.0), confidence.get(Language.KAZAKH, 0.0)
    best = "kk" if kk > ru else "ru"
    is_tie = max(ru, kk) <= _CYRILLIC_TIE_ODDS * min(ru, kk)
    return prior if is_tie and prior in ("ru", "kk") else best


def _kazakh_latin_log_odds(sample: str, n_latin: int) -> float:
    """Log-likelihood ratio (Kazakh-Latin : English) of the marker letters in a lower-cased sample
    holding ``n_latin`` Latin letters; above zero means Kazakh."""
    markers = len(_KAZAKH_LATIN_MARKER.findall(sample))
    return markers * math.log(_KK_MARKER_RATE / _EN_MARKER_RATE) + (n_latin - markers) * math.log(
        (1 - _KK_MARKER_RATE) / (1 - _EN_MARKER_RATE)
    )


def _english_or_latin_kazakh(sample: str, n_latin: int, prior: str | None) -> str:
    """English or Kazakh for a mostly Latin sample, by the Kazakh-Latin marker letters."""
    log_odds = _kazakh_latin_log_odds(sample, n_latin)
    if abs(log_odds) < _LATIN_TIE_LLR and prior in ("kk", "en"):
        return prior
    return "kk" if log_odds > 0 else "en"
