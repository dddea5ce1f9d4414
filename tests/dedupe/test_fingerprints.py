import pytest

from newscrawl.dedupe.fingerprints import body_fingerprints, fingerprint, normalise_text

TEXT = ("ASTANA. KAZINFORM - Mayor of Astana met with Deputy Governor of St. Petersburg within the cultural "
        "and business mission.")


def test_normalisation_ignores_case_punctuation_dashes_quotes_and_spacing():
    variant = "astana.  kazinform – «Mayor» of Astana met with deputy governor of St Petersburg within the " \
              "cultural and business mission"
    assert normalise_text(TEXT) == normalise_text(variant)
    assert fingerprint(TEXT) == fingerprint(variant)


def test_yo_and_ye_are_one_letter():
    assert normalise_text("Ещё всё") == normalise_text("еще все")


def test_short_texts_get_no_fingerprint():
    assert fingerprint("Новости") is None
    assert body_fingerprints(None, "") == set()


def test_body_fingerprints_match_a_record_whose_title_line_is_the_first_paragraph():
    first, rest = "ASTANA. KAZINFORM - Mayor of Astana met the delegation.", TEXT + "\nSecond paragraph here."
    page_body = f"{first}\n{rest}"
    legacy = body_fingerprints(first, rest)  # a dated record: first paragraph on the title line
    crawled = body_fingerprints("Mayor of Astana meets delegation", page_body)
    assert legacy & crawled


def test_different_texts_have_different_fingerprints():
    assert fingerprint(TEXT) != fingerprint(TEXT.replace("Deputy", "First Deputy"))


@pytest.mark.parametrize(("title", "body"), [
    ("Mayor of Astana meets delegation!", "«Second» paragraph\nand a third."),
    (None, TEXT),
    ("«»", TEXT),
    ("Заголовок — ещё", "\u0301Текст статьи, который идёт дальше и дальше…"),
    (TEXT, ""),
])
def test_fingerprint_of_title_and_body_is_that_of_the_text_they_make(title, body):
    whole = fingerprint(f"{title or ''}\n{body or ''}")
    assert body_fingerprints(title, body) == {fp for fp in (fingerprint(body), whole) if fp}
