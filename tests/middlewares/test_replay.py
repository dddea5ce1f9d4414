import pytest
from scrapy import Request
from scrapy.exceptions import NotConfigured
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler
from support import SitePage, write_site_warc

from newscrawl.middlewares.replay import ReplayMiddleware


def make_middleware(tmp_path, pages):
    warc = write_site_warc(tmp_path / "site.warc.gz", pages)
    crawler = get_crawler(settings_dict={"REPLAY": str(warc)})
    crawler.stats.open_spider()
    return ReplayMiddleware.from_crawler(crawler), crawler


def test_replay_is_off_without_the_setting():
    with pytest.raises(NotConfigured):
        ReplayMiddleware.from_crawler(get_crawler(settings_dict={}))


def test_stored_page_is_answered_as_an_html_response(tmp_path):
    mw, crawler = make_middleware(tmp_path, [SitePage("https://total.kz/ru/news/a", "<p>Текст</p>".encode())])
    response = mw.process_request(Request("https://total.kz/ru/news/a"))
    assert isinstance(response, HtmlResponse)
    assert response.status == 200 and "Текст" in response.text and "replay" in response.flags
    assert crawler.stats.get_value("newscrawl/replay/answered") == 1


def test_cp1251_page_is_decoded_by_its_declared_charset(tmp_path):
    body = "<html><body><p>Алматы</p></body></html>".encode("cp1251")
    mw, _ = make_middleware(tmp_path, [SitePage("https://www.inform.kz/rus/article/1", body,
                                                content_type="text/html; charset=windows-1251")])
    assert "Алматы" in mw.process_request(Request("https://www.inform.kz/rus/article/1")).text


def test_missing_url_fails_like_a_missing_page_and_is_counted(tmp_path):
    mw, crawler = make_middleware(tmp_path, [SitePage("https://total.kz/rss", b"<rss/>")])
    response = mw.process_request(Request("https://total.kz/ru/news/absent"))
    assert response.status == 404 and "replay-missing" in response.flags
    assert crawler.stats.get_value("newscrawl/replay/missing") == 1


def test_stored_redirect_keeps_its_location_for_the_redirect_middleware(tmp_path):
    mw, _ = make_middleware(tmp_path, [SitePage("http://inform.kz/ru/x", b"", status=301,
                                                headers=[("Location", "https://www.inform.kz/ru/x")])])
    response = mw.process_request(Request("http://inform.kz/ru/x"))
    assert response.status == 301 and response.headers[b"Location"] == b"https://www.inform.kz/ru/x"
