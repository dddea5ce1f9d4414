"""Signatures made with numpy alone (as extraction workers make them) and the text keys an article carries."""

import pickle

import numpy as np
from datasketch import MinHash

from newscrawl.dedupe.fingerprints import body_fingerprints
from newscrawl.dedupe.neardup import signature_of
from newscrawl.dedupe.signatures import (
    MINHASH_SCHEME,
    NUM_PERM,
    SEED,
    Signature,
    TextKeys,
    article_fingerprints,
    feature_hashes,
    minhash_values,
    permutations,
    story_text,
    text_keys,
)

TITLE = "В Астане открыли новую школу на 1200 мест"
BODY = ("АСТАНА. KAZINFORM – В столице открыли новую школу на 1200 мест, сообщает пресс-служба акимата.\n"
        "Школа оснащена современными кабинетами физики, химии и робототехники, в ней будут учиться дети "
        "трех микрорайонов.\nСтроительство обошлось в 9,5 млрд тенге, работы завершили на два месяца раньше срока.")


def datasketch_values(features: np.ndarray) -> np.ndarray:
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=MINHASH_SCHEME, hashfunc=int)
    minhash.update_batch(features.tolist())
    return minhash.hashvalues


def test_permutations_are_the_ones_datasketch_draws_for_the_seed():
    a, b = permutations()
    theirs = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=MINHASH_SCHEME).permutations
    assert np.array_equal(a, theirs[0]) and np.array_equal(b, theirs[1])


def test_minhash_values_equal_datasketchs_for_random_and_real_features():
    rng = np.random.default_rng(7)
    for size in (1, 12, 500, 5000):
        features = rng.integers(0, 2**32, size, dtype=np.uint64)
        assert np.array_equal(minhash_values(features), datasketch_values(features))
    real = feature_hashes(story_text(TITLE, BODY))
    assert np.array_equal(minhash_values(real), datasketch_values(real))


def test_signature_travels_between_processes_by_pickle_and_bytes():
    signature = signature_of(TITLE, BODY)
    assert pickle.loads(pickle.dumps(signature)) == signature
    assert Signature.from_bytes(signature.to_bytes(), signature.size) == signature
    assert signature.minhash.jaccard(signature.minhash) == 1.0  # datasketch's view of the same values


def test_text_keys_are_the_body_fingerprints_and_the_story_signature():
    keys = text_keys(TITLE, BODY)
    assert keys.fingerprints == body_fingerprints(TITLE, BODY)
    assert keys.signature == signature_of(TITLE, BODY)


def test_text_keys_of_a_text_too_short_to_sign_have_no_signature():
    keys = text_keys("Коротко", "Одна строка.")
    assert keys.signature is None and keys.fingerprints == body_fingerprints("Коротко", "Одна строка.")


def test_keys_belong_only_to_the_very_title_and_body_they_were_made_from():
    keys = text_keys(TITLE, BODY)
    assert keys.belongs_to(TITLE, BODY)
    equal_copy = "".join(list(BODY))  # the same text, another object: an amended text would be one too
    assert equal_copy == BODY and not keys.belongs_to(TITLE, equal_copy)
    fields = {"title": TITLE, "body": BODY, "text_keys": keys}
    back = pickle.loads(pickle.dumps(fields))  # as a worker's fields reach the crawl
    assert back["text_keys"].belongs_to(back["title"], back["body"])


def test_fingerprints_come_from_the_keys_only_while_they_belong():
    keys = TextKeys(TITLE, BODY, frozenset({"made-by-the-worker"}), None)
    assert article_fingerprints(TITLE, BODY, keys) == {"made-by-the-worker"}
    amended = BODY + "\nДобавленный абзац."
    assert article_fingerprints(TITLE, amended, keys) == body_fingerprints(TITLE, amended)
    assert article_fingerprints(TITLE, BODY, None) == body_fingerprints(TITLE, BODY)
