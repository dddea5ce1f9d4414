import gzip

from support import SitePage, write_site_warc

from newscrawl.warc import WarcLookup, exchange_key, warc_files


def test_lookup_finds_stored_responses_by_url_with_status_headers_and_body(tmp_path):
    warc = write_site_warc(tmp_path / "site.warc.gz", [
        SitePage("https://www.inform.kz/ru/a-adef40", "<html>Привет</html>".encode()),
        SitePage("https://www.inform.kz/ru/gone", b"", status=404),
    ])
    lookup = WarcLookup(warc)
    found = lookup.find("GET", "https://www.inform.kz/ru/a-adef40")
    assert found is not None and found.status == 200
    assert found.body.decode() == "<html>Привет</html>"
    assert ("Content-Type", "text/html; charset=utf-8") in found.headers
    assert lookup.find("GET", "https://www.inform.kz/ru/gone").status == 404
    assert lookup.find("GET", "https://www.inform.kz/ru/never-stored") is None


def test_post_requests_are_told_apart_by_their_body(tmp_path):
    url = "https://www.gov.kz/graphql"
    warc = write_site_warc(tmp_path / "api.warc", [
        SitePage(url, b'{"page": 1}', method="POST", request_body=b'{"q": 1}', content_type="application/json"),
        SitePage(url, b'{"page": 2}', method="POST", request_body=b'{"q": 2}', content_type="application/json"),
    ])
    lookup = WarcLookup(warc)
    assert lookup.find("POST", url, b'{"q": 2}').body == b'{"page": 2}'
    assert lookup.find("POST", url, b'{"q": 1}').body == b'{"page": 1}'
    assert lookup.find("POST", url, b'{"q": 3}') is None
    assert lookup.find("GET", url) is None


def test_a_folder_of_warcs_is_read_and_the_newest_copy_of_a_url_wins(tmp_path):
    write_site_warc(tmp_path / "a" / "1.warc.gz", [SitePage("https://total.kz/rss", b"old")])
    write_site_warc(tmp_path / "a" / "2.warc.gz", [SitePage("https://total.kz/rss", b"new")])
    (tmp_path / "a" / "notes.txt").write_text("not a warc")
    assert [p.name for p in warc_files(tmp_path / "a")] == ["1.warc.gz", "2.warc.gz"]
    assert WarcLookup(tmp_path / "a").find("GET", "https://total.kz/rss").body == b"new"


def test_keys_ignore_fragments_and_query_order():
    assert exchange_key("get", "https://x.kz/a?b=1&a=2#top") == exchange_key("GET", "https://x.kz/a?a=2&b=1")


def test_gzip_members_are_read_by_offset(tmp_path):
    pages = [SitePage(f"https://x.kz/{i}", f"page {i}".encode() * 100) for i in range(30)]
    warc = write_site_warc(tmp_path / "many.warc.gz", pages)
    gzip.decompress(warc.read_bytes())  # a valid multi-member gzip file
    lookup = WarcLookup(warc)
    assert len(lookup) == 30
    assert lookup.find("GET", "https://x.kz/17").body == b"page 17" * 100
    assert len(list(lookup.iter_responses())) == 30
