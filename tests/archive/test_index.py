from newscrawl.archive.index import ArchiveIndex, IndexEntry


def entry(number, **kw):
    return IndexEntry(number=number, name=f"{number:03d}_{'a' * 16}.txt", hash="a" * 16, layout="markdown", **kw)


def test_records_are_found_by_any_url_key_and_fingerprint(tmp_path):
    index = ArchiveIndex(tmp_path / "i.sqlite")
    index.add(entry(5, outlet="kazinform", published="2025-08-15T14:02:00+05:00"),
              {"inform.kz/ru/x-3fa91c", "kazinform:a123"}, {"fp1", "fp2"})
    assert index.find_url(["nothing", "kazinform:a123"]) == 5
    assert index.find_fingerprint(["fp2"]) == 5
    assert index.find_url(["inform.kz/ru/other"]) is None
    assert index.entry(5).month == "2025-08"


def test_re_adding_a_record_replaces_its_keys(tmp_path):
    index = ArchiveIndex(tmp_path / "i.sqlite")
    index.add(entry(1), {"k-old"}, {"f-old"})
    index.add(entry(1), {"k-new"}, {"f-new"})
    assert index.find_url(["k-old"]) is None and index.find_url(["k-new"]) == 1
    assert index.count() == 1


def test_removing_records_forgets_their_keys(tmp_path):
    index = ArchiveIndex(tmp_path / "i.sqlite")
    index.add(entry(1), {"k1"}, {"f1"})
    index.add(entry(2), {"k2"}, {"f2"})
    index.remove([1])
    assert index.names() == {"002_aaaaaaaaaaaaaaaa.txt": 2}
    assert index.find_url(["k1"]) is None and index.find_fingerprint(["f1"]) is None
    assert index.highest_number() == 2


def test_stats_count_records_per_outlet_language_and_month(tmp_path):
    index = ArchiveIndex(tmp_path / "i.sqlite")
    index.add(entry(1, outlet="kazinform", language="ru", published="2025-08-01T10:00:00+05:00"), {"a"}, set())
    index.add(entry(2, outlet="kazinform", language="kk", published="2025-08-02T10:00:00+05:00"), {"b"}, set())
    index.add(entry(3, outlet=None, language="en", published=None, legacy=True), set(), set())
    stats = index.stats()
    assert stats["records"] == 3
    assert stats["outlets"] == {"-": 1, "kazinform": 2}
    assert stats["languages"] == {"en": 1, "kk": 1, "ru": 1}
    assert stats["outlet_months"]["kazinform"] == {"2025-08": 2}


def test_duplicates_and_crawl_state_are_remembered(tmp_path):
    index = ArchiveIndex(tmp_path / "i.sqlite")
    index.add_duplicate("https://qazaqtv.com/news/1", "qazaqtv", "body", 4, 0.93)
    assert index.duplicates_of(4)[0]["kind"] == "body"
    index.set_state("kazinform", "newest/ru", "2025-08-15T14:02:00+05:00")
    assert index.get_state("kazinform", "newest/ru") == "2025-08-15T14:02:00+05:00"
    assert index.get_state("kazinform", "newest/kz") is None


def test_two_connections_share_one_index(tmp_path):
    a, b = ArchiveIndex(tmp_path / "i.sqlite"), ArchiveIndex(tmp_path / "i.sqlite")
    a.add(entry(1), {"k"}, set())
    assert b.find_url(["k"]) == 1


def test_signature_candidates_are_the_records_sharing_a_band_most_shared_first(tmp_path):
    index = ArchiveIndex(tmp_path / "i.sqlite")
    for number in (1, 2, 3):
        index.add(entry(number), set(), set())
    index.add_signature(1, 20, b"sig-1", [10, 11])
    index.add_signature(2, 20, b"sig-2", [11, 12, 13])
    index.add_signature(3, 20, b"sig-3", [99])
    assert index.signature_candidates([11, 12, 13], limit=10) == [(2, 20, b"sig-2"), (1, 20, b"sig-1")]
    assert index.signature_candidates([11, 12, 13], limit=1) == [(2, 20, b"sig-2")]
    assert index.signature_candidates([], limit=10) == []


def test_signature_lookup_reads_the_band_index_and_never_scans(tmp_path):
    index = ArchiveIndex(tmp_path / "i.sqlite")
    statements: list[str] = []
    index.db.set_trace_callback(statements.append)
    index.signature_candidates([1, 2, 3], limit=5)
    index.db.set_trace_callback(None)
    lookup = next(s for s in statements if "neardup_bands" in s)
    plan = " ".join(str(row) for row in index.db.execute(f"EXPLAIN QUERY PLAN {lookup}"))
    assert "SEARCH neardup_bands USING PRIMARY KEY (key=?)" in plan
    assert "SCAN neardup_bands" not in plan and "SCAN s" not in plan and "SCAN r" not in plan


def test_records_without_a_signature_are_listed_until_signed(tmp_path):
    index = ArchiveIndex(tmp_path / "i.sqlite")
    index.add(entry(1), set(), set())
    index.add(entry(2), set(), set())
    index.add_signature(2, 0, None, [])
    assert index.numbers_without_signature() == [(1, "001_aaaaaaaaaaaaaaaa.txt")]
    index.clear_signatures()
    assert [n for n, _ in index.numbers_without_signature()] == [1, 2]


def test_unsigned_records_and_removed_records_are_never_candidates(tmp_path):
    index = ArchiveIndex(tmp_path / "i.sqlite")
    index.add(entry(1), set(), set())
    index.add(entry(2), set(), set())
    index.add_signature(1, 5, None, [7])
    index.add_signature(2, 20, b"sig-2", [7])
    index.remove([2])
    assert index.signature_candidates([7], limit=10) == []


def test_meta_values_are_kept(tmp_path):
    index = ArchiveIndex(tmp_path / "i.sqlite")
    assert index.get_meta("neardup_scheme") is None
    index.set_meta("neardup_scheme", "v1")
    assert ArchiveIndex(tmp_path / "i.sqlite").get_meta("neardup_scheme") == "v1"


def test_a_transaction_inside_another_joins_it_and_a_failure_undoes_both(tmp_path):
    index = ArchiveIndex(tmp_path / "index.sqlite")
    try:
        with index.transaction():
            index.add(entry(1), ["example.org/a"], [])
            index.add_signature(1, 20, b"\0" * 8, [7])
            raise RuntimeError("the record could not be signed")
    except RuntimeError:
        pass
    assert index.find_url(["example.org/a"]) is None and index.numbers_without_signature() == []
    with index.transaction():
        index.add(entry(1), ["example.org/a"], [])
        index.add_signature(1, 20, b"\0" * 8, [7])
    assert index.find_url(["example.org/a"]) == 1 and not index.db.in_transaction


def test_articles_off_a_topic_are_remembered_per_topic(tmp_path):
    index = ArchiveIndex(tmp_path / "i.sqlite")
    index.add_off_topic({"total.kz/ru/news/a", "totalkz:123"}, "побратим*")
    assert index.is_off_topic({"totalkz:123"}, "побратим*")
    assert not index.is_off_topic({"totalkz:123"}, "побратим* OR школ*")  # another topic: not known
    assert not index.is_off_topic({"totalkz:456"}, "побратим*")
