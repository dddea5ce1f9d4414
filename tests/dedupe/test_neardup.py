"""Near-duplicate texts: story lines, shingles, signatures, the LSH index in SQLite, and the hand-written
reprint cases (tests/fixtures/reprints/cases.json)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from support import FIXTURES

from newscrawl.archive.index import ArchiveIndex, IndexEntry
from newscrawl.archive.records import read_record
from newscrawl.archiving import Archiver
from newscrawl.dedupe import neardup
from newscrawl.dedupe.neardup import (
    REPRINT_THRESHOLD,
    SCHEME,
    CrawlTexts,
    Signature,
    find_near_duplicate,
    index_missing_signatures,
    index_text,
    near_duplicates,
    signature_of,
    story_lines,
    story_text,
    strip_dateline,
    word_shingles,
)
from newscrawl.items import Article

CASES = json.loads((FIXTURES / "reprints" / "cases.json")
                   .read_text(encoding="utf-8"))["cases"]
CASE = {case["name"]: case for case in CASES}


def case_signatures(name: str) -> tuple[Signature, Signature]:
    case = CASE[name]
    a = signature_of(case["original"]["title"], case["original"]["body"])
    b = signature_of(case["candidate"]["title"], case["candidate"]["body"])
    assert a is not None and b is not None
    return a, b


def indexed(tmp_path: Path, texts: list[tuple[str, str]]) -> ArchiveIndex:
    """An index holding the given (title, body) texts as records 0, 1, …"""
    index = ArchiveIndex(tmp_path / "index.sqlite")
    for number, (title, body) in enumerate(texts):
        index.add(IndexEntry(number=number, name=f"{number:03d}_{number:016x}.txt", hash=f"{number:016x}",
                             layout="markdown"), (), ())
        index_text(index, number, title, body)
    return index


@pytest.mark.parametrize(("line", "rest"), [
    ("ASTANA. KAZINFORM – Three new schools", "Three new schools"),
    ("ALMATY. KAZINFORM The delegation arrived", "The delegation arrived"),
    ("PAVLODAR. QAZAQ TV – More than", "More than"),
    ("АСТАНА. 15 июня. КАЗИНФОРМ - Глава государства", "Глава государства"),
    ("ПЕТРОПАВЛ. ҚазАқпарат – Облыс әкімі", "Облыс әкімі"),
    ("NUR-SULTAN. – The ministry", "The ministry"),
    ("Earlier, Kazinform reported that", "Earlier, Kazinform reported that"),
])
def test_datelines_of_any_brand_are_stripped_and_other_text_is_kept(line, rest):
    assert strip_dateline(line) == rest


def test_story_lines_keep_sentences_and_drop_title_navigation_labels_and_headline_lists(shared):
    seed = read_record(next((shared / "seeds").glob("000_*.txt")))
    lines = story_lines(seed.title, seed.body)
    assert lines[0].startswith("The delegation of the Saint Petersburg government")
    assert lines[-1].endswith("reached USD 4.7 bln.")
    assert not any(marker in " ".join(lines) for marker in ("Main Page", "Автор", "Popular", "Storm alert",
                                                            "Foreign policy"))


def test_read_also_and_photo_lines_are_not_story():
    lines = story_lines("Title", "ASTANA. KAZINFORM – First sentence of the story here.\n"
                                 "Read also: Another story ends with a stop.\nФото: пресс-служба акимата.\n"
                                 "Second sentence of the story, which goes on for a while.")
    assert lines == ["First sentence of the story here.", "Second sentence of the story, which goes on for a while."]


def test_a_text_without_sentence_stops_keeps_its_lines():
    body = "\n".join(f"line {i} of a list without any stop at the end" for i in range(6))
    assert len(story_lines(None, body)) == 6


def test_numbers_keep_their_digit_groups_and_count_as_features_of_their_own():
    text = story_text(None, "The dollar rose to 503,76 tenge and the euro to 1 592.26 tenge on the exchange.")
    assert "50376" in text.split() and "159226" in text.split()
    features = word_shingles(text, 3, number_weight=2)
    assert b"#0#50376" in features and b"#1#50376" in features


def test_texts_too_short_to_judge_get_no_signature():
    assert signature_of("Short", "ASTANA. KAZINFORM – Too short to be a story.") is None


def test_signature_round_trips_through_its_bytes():
    a, _ = case_signatures("kazinform_en_to_qazaqtv_other_boilerplate")
    again = Signature.from_bytes(a.to_bytes(), a.size)
    assert again.similarity(a) == 1.0 and again.numbers == a.numbers and a.numbers
    assert len(a.to_bytes()) == 4 * (neardup.NUM_PERM + len(a.numbers))


def test_texts_of_one_template_with_other_numbers_are_not_reprints():
    template = ("Курс доллара на бирже KASE по итогам утренней сессии составил {} тенге, сообщает пресс-служба "
                "биржи. Объем торгов достиг {} млн долларов. Аналитики связывают движение курса с ценами на "
                "нефть и решениями регулятора, а также с налоговым периодом, когда экспортеры продают валюту. "
                "Средневзвешенный курс евро составил {} тенге. Торги на бирже продолжатся в обычном режиме.")
    monday = signature_of("Курс доллара", template.format("503,76", "112", "541,20"))
    tuesday = signature_of("Курс доллара", template.format("505,10", "98", "543,05"))
    reprint = signature_of("Курс доллара на KASE", template.format("503,76", "112", "541,20"))
    assert monday.similarity(tuesday) >= neardup.REPRINT_THRESHOLD  # the words alone would match
    assert not monday.facts_agree(tuesday)
    assert monday.facts_agree(reprint)


def test_band_keys_of_one_signature_are_the_rows_of_the_matrix_form():
    signatures = [s for name in CASE for s in case_signatures(name)]
    matrix = SCHEME.band_key_matrix(np.stack([s.minhash.hashvalues for s in signatures]))
    assert matrix.shape == (len(signatures), SCHEME.bands)
    for row, signature in zip(matrix, signatures, strict=True):
        assert row.tolist() == SCHEME.band_keys(signature)


@pytest.mark.parametrize("name", sorted(CASE))
def test_hand_written_case_is_decided_as_labelled(name):
    a, b = case_signatures(name)
    assert (a.similarity(b) >= REPRINT_THRESHOLD) == CASE[name]["reprint"]


def test_kazinform_story_reprinted_by_qazaq_tv_with_other_boilerplate_is_found_in_the_index(tmp_path):
    case = CASE["kazinform_en_to_qazaqtv_other_boilerplate"]
    index = indexed(tmp_path, [("Unrelated", CASE["same_topic_different_story"]["candidate"]["body"]),
                               (case["original"]["title"], case["original"]["body"])])
    match = find_near_duplicate(index, signature_of(case["candidate"]["title"], case["candidate"]["body"]))
    assert match is not None and match.number == 1 and match.similarity > 0.95


def test_five_percent_edit_is_found_in_the_index(tmp_path):
    case = CASE["five_percent_edit"]
    index = indexed(tmp_path, [(case["original"]["title"], case["original"]["body"])])
    match = find_near_duplicate(index, signature_of(case["candidate"]["title"], case["candidate"]["body"]))
    assert match is not None and match.number == 0


@pytest.mark.parametrize("name", ["same_topic_different_story", "template_next_day"])
def test_different_story_of_similar_length_on_the_same_topic_is_not_matched(tmp_path, name):
    case = CASE[name]
    index = indexed(tmp_path, [(case["original"]["title"], case["original"]["body"])])
    assert near_duplicates(index, signature_of(case["candidate"]["title"], case["candidate"]["body"])) == []


def test_the_most_similar_record_comes_first(tmp_path):
    original = CASE["five_percent_edit"]["original"]
    edited = CASE["five_percent_edit"]["candidate"]
    index = indexed(tmp_path, [(edited["title"], edited["body"]), (original["title"], original["body"])])
    reprint = CASE["kazinform_en_to_qazaqtv_other_boilerplate"]["candidate"]
    found = near_duplicates(index, signature_of(reprint["title"], reprint["body"]))
    assert [d.number for d in found] == [1, 0] and found[0].similarity > found[1].similarity


def test_removed_records_are_never_matched(tmp_path):
    case = CASE["kazinform_en_to_qazaqtv_other_boilerplate"]
    index = indexed(tmp_path, [(case["original"]["title"], case["original"]["body"])])
    index.remove([0])
    assert find_near_duplicate(index, signature_of(case["candidate"]["title"], case["candidate"]["body"])) is None


def test_texts_of_the_running_crawl_are_matched_in_memory():
    a, b = case_signatures("kazinform_ru_to_qazaqtv_ru")
    texts = CrawlTexts()
    texts.add("https://www.inform.kz/ru/tri-polikliniki-1a2b3c", a)
    match = texts.find(b)
    assert match is not None and match.number is None and match.url.endswith("1a2b3c")
    assert texts.find(case_signatures("same_topic_different_story")[1]) is None


def test_the_crawls_texts_in_memory_are_bounded_to_the_latest():
    a, b = case_signatures("kazinform_ru_to_qazaqtv_ru")
    texts = CrawlTexts(size=2)
    texts.add("https://www.inform.kz/ru/tri-polikliniki-1a2b3c", a)
    for other in ("same_topic_different_story", "template_next_day"):
        texts.add(f"https://qazaqtv.com/ru/news/{other}", case_signatures(other)[1])
    assert len(texts.signatures) == 2 and texts.find(b) is None


def test_the_crawls_texts_share_bands_as_datasketchs_lsh_with_the_same_bands_does():
    from datasketch import MinHashLSH

    signatures = {f"{name}/{side}": s for name in CASE for side, s in zip("ab", case_signatures(name), strict=True)}
    texts, lsh = CrawlTexts(), MinHashLSH(num_perm=SCHEME.num_perm, params=(SCHEME.bands, SCHEME.rows))
    for url, signature in signatures.items():
        texts.add(url, signature)
        lsh.insert(url, signature.minhash)
    for signature in signatures.values():
        assert texts.candidates(signature) == set(lsh.query(signature.minhash))
    assert any(len(texts.candidates(s)) > 1 for s in signatures.values())


def test_records_signed_under_another_scheme_are_signed_again(tmp_path):
    archive = Archiver.open(tmp_path / "archive")
    original = CASE["kazinform_en_to_qazaqtv_other_boilerplate"]["original"]
    archive.add(Article(url="https://qazinform.com/news/pavlodar-trees-1a2b3c", outlet="kazinform",
                        title=original["title"], body=original["body"]))
    archive.index.set_meta("neardup_scheme", "an older scheme")
    reopened = Archiver.open(tmp_path / "archive")
    assert index_missing_signatures(reopened) == 1
    reprint = CASE["kazinform_en_to_qazaqtv_other_boilerplate"]["candidate"]
    assert find_near_duplicate(reopened.index, signature_of(reprint["title"], reprint["body"])).number == 0


@pytest.mark.parametrize(("seed_number", "reprint_title", "tag_line"), [
    (0, "ALMATY AND SAINT PETERSBURG TO DEVELOP COOPERATION ROADMAP", "Almaty   Foreign policy"),
    (2, "Mayor of Astana meets the delegation of St. Petersburg", None),
])
def test_legacy_record_is_matched_by_its_reprint(tmp_path, shared, seed_number, reprint_title, tag_line):
    """The story of a legacy record (seed 000 amid its page's navigation and headline lists, seed 002
    with its dateline on the title line) comes back under another brand with a 'Read also' line."""
    folder = tmp_path / "archive"
    folder.mkdir()
    for seed in (shared / "seeds").iterdir():
        shutil.copy(seed, folder / seed.name)
    archive = Archiver.open(folder)
    archive.reconcile()
    seed = read_record(next((shared / "seeds").glob(f"{seed_number:03d}_*.txt")))
    paragraphs = [p for p in f"{seed.title}\n{seed.body}".split("\n") if p.strip()]
    first = next(i for i, p in enumerate(paragraphs) if "KAZINFORM" in p)
    end = next((i for i, p in enumerate(paragraphs) if tag_line and p.startswith(tag_line)), len(paragraphs))
    story = [p.replace("KAZINFORM", "QAZAQ TV –") for p in paragraphs[first:end]]
    story.insert(2, "Read also: Kazakhstan and Russia sign a roadmap on culture")
    match = find_near_duplicate(archive.index, signature_of(reprint_title, "\n".join(story)))
    assert match is not None and match.number == seed_number


def test_the_written_down_bands_and_rows_are_still_datasketchs_choice():
    assert neardup.datasketch_bands(neardup.LSH_THRESHOLD, neardup.NUM_PERM, neardup.LSH_WEIGHTS) == (
        neardup.LSH_BANDS, neardup.LSH_ROWS)
    assert (SCHEME.bands, SCHEME.rows) == (neardup.LSH_BANDS, neardup.LSH_ROWS)


def test_other_thresholds_get_datasketchs_bands():
    scheme = neardup.BandScheme(threshold=0.6)
    assert (scheme.bands, scheme.rows) == neardup.datasketch_bands(0.6, neardup.NUM_PERM, neardup.LSH_WEIGHTS)
    assert scheme.hashranges[-1][1] == scheme.bands * scheme.rows <= neardup.NUM_PERM


def test_a_crawl_signs_and_checks_texts_without_importing_scipy():
    code = ("import sys, newscrawl.pipelines.reprints, newscrawl.spiders.workers; "
            "from newscrawl.dedupe.neardup import signature_of, SCHEME; "
            "SCHEME.band_keys(signature_of('t', ' '.join(f'слово{i}' for i in range(40)) + '.')); "
            "print('scipy' in sys.modules, 'datasketch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_a_reprint_that_drops_the_paragraph_with_some_numbers_still_agrees_on_the_facts():
    """Numbers {11, 2015, 2017} and a reprint without the last paragraph ({2017}): a third in common by
    Jaccard, but every number of the shorter text is in the longer one."""
    paragraphs = ["В Павлодаре в 2017 году начали высаживать деревья вдоль набережной реки Иртыш, сообщает "
                  "пресс-служба акимата области.",
                  "Работы ведут городские службы озеленения вместе с волонтерами, студентами местных колледжей и "
                  "университетов, а также жителями соседних домов.",
                  "Жители района поддержали инициативу и попросили продолжить посадки в парках и скверах города, "
                  "где деревьев пока мало.",
                  "Всего за 11 лет, начиная с 2015 года, в городе высадили тысячи саженцев."]
    story = signature_of("Деревья на набережной", "\n".join(paragraphs))
    reprint = signature_of("Деревья на набережной", "\n".join(paragraphs[:3]))
    assert len(reprint.numbers & story.numbers) / len(reprint.numbers | story.numbers) < neardup.NUMBER_AGREEMENT
    assert story.similarity(reprint) >= neardup.REPRINT_THRESHOLD
    assert story.facts_agree(reprint) and reprint.facts_agree(story)


def test_the_scheme_name_says_how_numbers_are_compared():
    assert f"facts={neardup.FACTS_RULE}:" in SCHEME.name
