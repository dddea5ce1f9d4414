"""What a news text mentions that survives translation: names of people and places folded to one
Latin spelling key, and amounts with their scale (``4,7 млрд`` = ``4.7 bln`` = ``4.7 billion``).

Stories across Russian, Kazakh (Cyrillic or Latin) and English reports are matched on these
(``newscrawl.archive.stories``). Names are the capitalised words that do not start a sentence;
each is transliterated to ASCII (anyascii: Russian and Kazakh Cyrillic, Kazakh Latin letters),
its Russian or Kazakh case ending cut, and reduced to its consonants, so that Сагинтаев,
Sagintayev, Sağyntaev and Сагинтаевым share one key (``sgntv``). Places whose names differ beyond
transliteration (Москва and Moscow, Санкт-Петербург and St. Petersburg, Нур-Султан and Astana) are
found by their names in a small table (``place_names.toml``) and share the place's key.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files

from anyascii import anyascii

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: the places named differently across languages, beyond transliteration (``[places]``: key = names)
PLACE_NAMES = files(__package__).joinpath("place_names.toml")
#: how many letters an inflected form of a place's name may add to its stem (Алматыда, Санкт-Петербургом)
PLACE_ENDING_LETTERS = 5
#: what may stand between the words of a place's name (St. Petersburg)
_PLACE_GAP = re.compile(r"[\s.]{1,3}")

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


@lru_cache(maxsize=1 << 16)  # a word's key never changes, and names recur from record to record
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
    if word.endswith("stan"):
        return word  # Kazakhstan, Uzbekistan: the name, not a Kazakh ablative ending
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            return word[: -len(ending)]
    return word


@lru_cache(maxsize=1 << 16)
def _letters(word: str) -> str:
    """A word transliterated to lower-case ASCII letters only."""
    return re.sub(r"[^a-z]", "", anyascii(word).lower())


def _stem(letters: str) -> str:
    """The part of a name that its inflected forms keep: final vowels dropped (Москва: moskv, as in
    Москве, Москвой), unless too little is left."""
    stem = letters.rstrip("aeiouy")
    return stem if len(stem) >= 4 else letters


@lru_cache(maxsize=1)
def place_names() -> dict[tuple[str, ...], str]:
    """The place names of ``place_names.toml``, as the letters of their words -> the place's key
    (:class:`ValueError` when one name is given to two places)."""
    data = tomllib.loads(PLACE_NAMES.read_text(encoding="utf-8"))
    table: dict[tuple[str, ...], str] = {}
    for place, spellings in data["places"].items():
        for spelling in spellings:
            words = tuple(_letters(w) for w in _WORD.findall(spelling))
            if table.setdefault(words, place) != place:
                raise ValueError(f"{PLACE_NAMES.name}: {spelling!r} names both {table[words]} and {place}")
    return table


@lru_cache(maxsize=1)
def _places_by_start() -> dict[str, list[tuple[tuple[str, ...], str]]]:
    """The place names by the first two letters of their first word."""
    by_start: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for name, place in place_names().items():
        by_start.setdefault(name[0][:2], []).append((name, place))
    return by_start


def _place_at(words: list[re.Match[str]], i: int, text: str) -> tuple[str, int] | None:
    """The place whose name starts at word ``i`` (its key, how many words it takes), if any: the words
    before its last as written, the last one in any inflected form."""
    candidates = _places_by_start().get(_letters(words[i].group())[:2], ())
    if not candidates:
        return None
    found = None
    for size in range(1, min(max(len(name) for name, _ in candidates), len(words) - i) + 1):
        if size > 1 and not _PLACE_GAP.fullmatch(text[words[i + size - 2].end():words[i + size - 1].start()]):
            break
        letters = [_letters(m.group()) for m in words[i:i + size]]
        for name, place in candidates:
            if len(name) != size or tuple(letters[:-1]) != name[:-1]:
                continue
            last, stem = letters[-1], _stem(name[-1])
            if last == name[-1] or (last.startswith(stem) and len(last) - len(stem) <= PLACE_ENDING_LETTERS):
                found = (place, size)  # the longest name wins (Saint Petersburg over Petersburg)
    return found


def names(text: str) -> dict[str, str]:
    """Name keys of the capitalised words of ``text`` that do not start a sentence (a word that starts
    one counts when the text also has it mid-sentence): key -> the first spelling found. A place of
    the place names table counts under the place's key."""
    mid_sentence: dict[str, str] = {}
    words = list(_WORD.finditer(text))
    i = 0
    while i < len(words):
        match = words[i]
        word = match.group()
        i += 1
        if not word[:1].isupper() or (word.isupper() and len(word) > 5):
            continue  # lower case, or a shouted heading
        before = text[max(0, match.start() - 3):match.start()]
        starts_sentence = bool(_SENTENCE_END.search(before)) or "\n" in before
        place = _place_at(words, i - 1, text)
        if place is not None:
            key, size = place
            if not starts_sentence:
                mid_sentence.setdefault(key, text[match.start():words[i + size - 2].end()])
            i += size - 1
            continue
        if _is_common(word):
            continue
        if starts_sentence:
            continue
        key = name_key(word)
        if key is not None:
            mid_sentence.setdefault(key, word)
    return mid_sentence


@lru_cache(maxsize=1 << 16)
def _is_common(word: str) -> bool:
    """Whether a capitalised word is too common to tell stories apart (Almaty, President, …)."""
    return word.lower() in COMMON_CAPITALISED or anyascii(word).lower().replace("-", "") in COMMON_CAPITALISED


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
