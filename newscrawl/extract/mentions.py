"""What a news text mentions that survives translation: names of people and places folded to one
Latin spelling key, and amounts with their scale (``4,7 млрд`` = ``4.7 bln`` = ``4.7 billion``).

Stories across Russian, Kazakh (Cyrillic or Latin) and English reports are matched on these
(``newscrawl.archive.stories``). Names are the capitalised words that do not start a sentence;
each is transliterated to ASCII (anyascii: Russian and Kazakh Cyrillic, Kazakh Latin letters),
its Russian or Kazakh case ending cut, and reduced to its consonants, so that Сагинтаев,
Sagintayev, Sağyntaev and Сагинтаевым share one key (``sgntv``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from anyascii import anyascii

#: a word of letters (any script), hyphenated parts included
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
#: the end of a sentence before a word (its first word is capitalised whatever it is)
_SENTENCE_END = re.compile(r"(?:[.!?…:;«»\"“”„(\[—–-]|^)\s*$")
#: case endings of Russian and Kazakh nouns (romanised) that carry a consonant, longest first; the
#: vowels of the others are dropped anyway
_ENDINGS = tuple(sorted((
    "ymi", "ami", "iami", "ogo", "ego", "omu", "emu", "ykh", "ikh", "akh", "iakh", "om", "em", "ym", "im",
    "nyng", "ning", "dyng", "ding", "tyng", "ting", "men", "pen", "ben", "nan", "nen", "dan", "den", "tan", "ten",
    "ga", "ge", "qa", "ke", "da", "de", "ta", "te", "dagy", "degi", "tagy", "tegi",
), key=len, reverse=True))
#: digraphs of the transliterations folded to one letter (Russian ``zh``, ``kh``, ``ts``; Kazakh ``gh``)
_DIGRAPHS = (("shch", "s"), ("dzh", "z"), ("sh", "s"), ("ch", "c"), ("zh", "z"), ("kh", "k"), ("gh", "g"),
             ("ts", "c"), ("ph", "f"), ("q", "k"), ("j", "z"), ("x", "ks"), ("w", "v"))
_VOWELS = re.compile(r"[aeiouy']")
_REPEATS = re.compile(r"(.)\1+")
#: the shortest name key (consonants) kept: shorter ones join unrelated names
MIN_KEY = 3

#: words that are capitalised in the middle of a sentence without being names (titles, months, days)
_COMMON_CAPITALISED_WORDS = """
the a an and of in on at for to by with from as is are was were it its this that these those he she they we i
his her their our but or not also after before during about over under new president minister mayor governor
government ministry deputy head chairman akim akimat city region district republic national state
international monday tuesday wednesday thursday friday saturday sunday january february march april may june
july august september october november december mr mrs ms dr news photo read also according kazinform gmt
memleket prezident prezidenti ulttyq halyqaralyq respublikasy ukimet parlament президент глава государства
правительство министр министерство республики республика аким акимат
"""
COMMON_CAPITALISED = frozenset(_COMMON_CAPITALISED_WORDS.split())

_SCALES = {
    "thousand": 1e3, "thousands": 1e3, "тыс": 1e3, "тысяч": 1e3, "тысячи": 1e3, "тысяча": 1e3, "мың": 1e3, "myń": 1e3,
    "myn": 1e3, "mln": 1e6, "million": 1e6, "millions": 1e6, "млн": 1e6, "миллион": 1e6, "миллиона": 1e6,
    "миллионов": 1e6, "bln": 1e9, "bn": 1e9, "billion": 1e9, "billions": 1e9, "млрд": 1e9, "миллиард": 1e9,
    "миллиарда": 1e9, "миллиардов": 1e9, "mlrd": 1e9, "trln": 1e12, "trillion": 1e12, "трлн": 1e12,
    "триллион": 1e12, "триллиона": 1e12, "триллионов": 1e12, "%": 0.0, "percent": 0.0, "процента": 0.0,
    "процентов": 0.0, "процент": 0.0, "пайыз": 0.0, "paiyz": 0.0, "paıyz": 0.0,
}
_AMOUNT = re.compile(r"(?<![\w.,])(\d{1,3}(?:[ \u00a0]\d{3})+|\d+(?:[.,]\d+)?)\s*(%|[^\W\d_]+)", re.UNICODE)


@dataclass(frozen=True)
class Mentions:
    """The name keys and amounts a text mentions; ``spellings`` tells which word gave each key first."""

    names: frozenset[str]
    amounts: frozenset[str]
    spellings: dict[str, str]

    def terms(self) -> frozenset[str]:
        """Names and amounts as one set of terms (amounts marked with ``#``)."""
        return self.names | {f"#{amount}" for amount in self.amounts}


def name_key(word: str) -> str | None:
    """The spelling-free key of a name in any of the scripts (None when too short to tell names apart):
    transliterated, its case ending cut, digraphs folded, vowels and doubled letters dropped (the
    first letter kept when it is a consonant)."""
    folded = _cut_ending(re.sub(r"[^a-z]", "", anyascii(word).lower()))
    for digraph, letter in _DIGRAPHS:
        folded = folded.replace(digraph, letter)
    key = _REPEATS.sub(r"\1", _VOWELS.sub("", folded))
    return key if len(key) >= MIN_KEY else None


def _cut_ending(word: str) -> str:
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


def names(text: str) -> dict[str, str]:
    """Name keys of the capitalised words of ``text`` that do not start a sentence (a word that starts
    one counts when the text also has it mid-sentence): key -> the first spelling found."""
    mid_sentence: dict[str, str] = {}
    for match in _WORD.finditer(text):
        word = match.group()
        if not word[:1].isupper() or (word.isupper() and len(word) > 5):
            continue  # lower case, or a shouted heading
        if word.lower() in COMMON_CAPITALISED or anyascii(word).lower().replace("-", "") in COMMON_CAPITALISED:
            continue
        before = text[max(0, match.start() - 3):match.start()]
        if _SENTENCE_END.search(before) or "\n" in before:
            continue
        key = name_key(word)
        if key is not None:
            mid_sentence.setdefault(key, word)
    return mid_sentence


def amounts(text: str) -> set[str]:
    """Amounts with a scale or a percent sign, as numbers (``4.7e9``, ``12.5%``)."""
    found = set()
    for match in _AMOUNT.finditer(text):
        digits, unit = match.groups()
        unit = unit.lower().rstrip(".")
        if unit not in _SCALES:
            continue
        value = float(re.sub(r"[ \u00a0]", "", digits).replace(",", "."))
        scale = _SCALES[unit]
        found.add(f"{value:g}%" if scale == 0.0 else _amount_text(value * scale))
    return found


def _amount_text(value: float) -> str:
    """An amount as one word: ``4.7bln``, ``1.8mln``, ``250thousand``, ``12``."""
    for size, word in ((1e12, "trln"), (1e9, "bln"), (1e6, "mln"), (1e3, "thousand")):
        if value >= size:
            return f"{value / size:.3g}{word}"
    return f"{value:.3g}"


def mentions(title: str | None, body: str) -> Mentions:
    """What a record's title and body mention."""
    text = f"{title or ''}\n{body}"
    spelled = names(text)
    return Mentions(frozenset(spelled), frozenset(amounts(text)), spelled)
