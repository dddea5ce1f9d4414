import csv
import json

import pytest
from support import SHARED

from newscrawl.extract.language import SAMPLE_CHARS, detect_language

LANGID_TSV = SHARED / "eval" / "langid" / "langid.tsv"
QZ_DIR = SHARED / "fixtures-real" / "kazinform"

RU = (
    "Правительство Казахстана утвердило план развития транспортной инфраструктуры до 2030 года, "
    "сообщает пресс-служба министерства."
)
KK_CYRILLIC = (
    "Үкімет отырысында елдегі көлік инфрақұрылымын дамытудың 2030 жылға дейінгі жоспары "
    "бекітілді, деп хабарлайды министрліктің баспасөз қызметі."
)
KK_LATIN_2018 = (
    "Úkimet otyrysynda eldegi kólik ınfraqurylymyn damytýdyń 2030 jylǵa deıingi jospary "
    "bekitildi, dep habarlaıdy mınıstrliktiń baspasóz qyzmeti."
)
KK_LATIN_2021 = (
    "Ükimet otırısında eldegi kölik infraqūrılımın damıtudıñ 2030 jılğa deyingi josparı "
    "bekitildi, dep habarlaydı ministrliktiñ baspasöz qızmeti."
)
KK_LATIN_APOSTROPHE = (
    "U'kimet otyrysynda eldegi ko'lik i'nfraqurylymyn damyty'dyn' 2030 jylg'a "
    "dei'ingi jospary bekitildi, dep habarlai'dy mi'ni'strlikti'n' baspaso'z qyzmeti."
)
EN = (
    "The government approved a plan to develop transport infrastructure until 2030, "
    "the ministry's press service said on Tuesday."
)
EN_ABOUT_KAZAKHSTAN = [
    "President Kassym-Jomart Tokayev met the Qazaqstan national team in Astana, formerly Nur-Sultan, "
    "before the delegation flew to Almaty.",
    "Kazakhstan's Tokayev didn't comment on the Almaty talks with O'Brien, "
    "the envoy who'd arrived from Shymkent.",
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (RU, "ru"),
        (KK_CYRILLIC, "kk"),
        (KK_LATIN_2018, "kk"),
        (KK_LATIN_2021, "kk"),
        (KK_LATIN_APOSTROPHE, "kk"),
        (EN, "en"),
    ],
    ids=["ru", "kk-cyrillic", "kk-latin-2018", "kk-latin-2021", "kk-latin-apostrophe", "en"],
)
def test_news_sentence_gets_its_language_without_prior(text: str, expected: str) -> None:
    assert detect_language(text) == expected


@pytest.mark.parametrize(
    "title",
    ["Qyrǵyzstanda jer silkindi", "Astanada jańa mektep ashyldy", "Túrkistanda sý tasqyny qaýpi joq"],
)
def test_short_kazakh_latin_titles_with_marker_letters_are_kk(title: str) -> None:
    assert detect_language(title) == "kk"
    assert detect_language(title, prior="kk") == "kk"


@pytest.mark.parametrize("text", EN_ABOUT_KAZAKHSTAN)
def test_english_about_kazakhstan_stays_en_even_against_kk_prior(text: str) -> None:
    assert detect_language(text) == "en"
    assert detect_language(text, prior="en") == "en"
    assert detect_language(text, prior="kk") == "en"


@pytest.mark.parametrize("text", ["", "   \n\t", "2026-01-30 12:00", "123 456 — 7 %", "+7 (727) 250-00-00"])
def test_text_without_letters_gives_none(text: str) -> None:
    assert detect_language(text) is None
    assert detect_language(text, prior="kk") is None


def test_prior_settles_a_latin_title_without_marker_letters() -> None:
    title = "Almatyda 31-shi qalalyq kitaphana ashyldy"
    assert detect_language(title, prior="kk") == "kk"
    assert detect_language(title, prior="en") == "en"


@pytest.mark.parametrize("word", ["Футбол", "Экономика"])
def test_prior_settles_a_cyrillic_word_shared_by_russian_and_kazakh(word: str) -> None:
    assert detect_language(word, prior="ru") == "ru"
    assert detect_language(word, prior="kk") == "kk"


def test_prior_of_the_other_script_is_ignored_on_a_tie() -> None:
    assert detect_language("Футбол", prior="en") in ("ru", "kk")
    assert detect_language("Almatyda 31-shi qalalyq kitaphana ashyldy", prior="ru") in ("kk", "en")


@pytest.mark.parametrize(
    ("text", "contrary_prior", "expected"),
    [(RU, "kk", "ru"), (KK_CYRILLIC, "ru", "kk"), (KK_LATIN_2018, "en", "kk"), (EN, "kk", "en")],
    ids=["ru-vs-kk", "kk-vs-ru", "kk-latin-vs-en", "en-vs-kk"],
)
def test_confident_text_beats_a_contrary_prior(text: str, contrary_prior: str, expected: str) -> None:
    assert detect_language(text, prior=contrary_prior) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("В интервью он сказал: «We will invest», и добавил, что проект стартует весной в Караганде.", "ru"),
        ("The word «перестройка» entered English in the 1980s, along with glasnost and détente.", "en"),
        (
            "Prezıdent Qasym-Jomart Toqaev «Егемен Қазақстан» gazetine suhbat berdi: ol elde reformalar "
            "jalǵasatynyn aıtty.",
            "kk",
        ),
    ],
    ids=["ru-with-english-quote", "en-with-russian-word", "kk-latin-with-cyrillic-name"],
)
def test_mixed_script_text_follows_the_majority_script(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_only_the_start_of_a_long_text_is_read() -> None:
    head = (RU + " ") * (SAMPLE_CHARS // len(RU) + 1)
    text = head + (EN + " ") * (3 * len(head) // len(EN))
    assert detect_language(text) == "ru"


# --- real data from the shared folder (skipped when it is absent) ---


def _langid_rows() -> list[dict[str, str]]:
    with LANGID_TSV.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))


def _qz_records() -> list[dict]:
    return [
        json.loads(line)
        for path in sorted(QZ_DIR.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


needs_langid = pytest.mark.skipif(not LANGID_TSV.is_file(), reason="shared langid.tsv is absent")
needs_qz = pytest.mark.skipif(not any(QZ_DIR.glob("*.jsonl")), reason="shared qz records are absent")


@needs_langid
def test_langid_eval_accuracy_is_at_least_0_995() -> None:
    rows = _langid_rows()
    assert len(rows) == 1500
    accuracy = sum(detect_language(r["text"]) == r["lang"] for r in rows) / len(rows)
    assert accuracy >= 0.995, f"accuracy {accuracy:.4f}"


@needs_qz
def test_every_qz_latin_kazakh_article_text_is_kk() -> None:
    records = _qz_records()
    assert len(records) == 400
    wrong = [r["url"] for r in records if detect_language(r["text"]) != "kk"]
    assert wrong == []


@needs_qz
def test_qz_latin_kazakh_titles_are_kk_with_the_edition_prior() -> None:
    wrong = [r["title"] for r in _qz_records() if detect_language(r["title"], prior="kk") != "kk"]
    assert wrong == []


@needs_qz
def test_qz_latin_kazakh_titles_are_nearly_all_kk_without_prior() -> None:
    records = _qz_records()
    accuracy = sum(detect_language(r["title"]) == "kk" for r in records) / len(records)
    assert accuracy >= 0.99, f"title accuracy without prior {accuracy:.4f}"
