"""The crawl's closing paragraph: what it did, and where its records went."""

from newscrawl.extensions.summary import summary_paragraph

STATS = {"elapsed_time_seconds": 12.4, "newscrawl/pages": 40, "item_scraped_count": 30, "newscrawl/archived": 27,
         "newscrawl/duplicates": 3, "newscrawl/skipped/already_archived": 5, "newscrawl/skipped/truncated_page": 1,
         "newscrawl/pages/failed": 2}


def test_the_paragraph_counts_pages_articles_duplicates_skips_and_errors_and_names_the_archive(tmp_path):
    line = summary_paragraph("totalkz", "finished", STATS, str(tmp_path))
    assert line.startswith("crawl of totalkz ended (finished) in 12s: 40 pages, ")
    assert "27 archived, 3 duplicates, 6 skipped (already archived 5, truncated page 1), 2 pages failed;" in line
    assert line.endswith(f"records in {tmp_path}")


def test_a_stopped_crawl_says_so_and_a_check_crawl_says_its_records_were_thrown_away(tmp_path):
    assert summary_paragraph("mosru", "shutdown", STATS, str(tmp_path)).startswith("crawl of mosru was stopped in 12s")
    line = summary_paragraph("mosru", "finished", STATS, str(tmp_path), check=True)
    assert line.endswith("a check: its records were thrown away") and str(tmp_path) not in line
