"""parse_page on pages in no known layout: one parse shared with trafilatura, date-like texts only
when the page states no machine-readable date."""

from __future__ import annotations

from newscrawl.extract.fields import parse_page
from newscrawl.extract.html import extraction_tree
from newscrawl.extract.text import page_text

STORY = [f"В регионе открыли {place} по выпуску деталей для сельскохозяйственных машин, сообщили в акимате. "
         "На предприятии будут работать триста человек, а первую продукцию отправят уже этой осенью."
         for place in ("завод", "цех", "склад")]
PAGE = """<html><head><title>Завод открыли в регионе</title>{head}</head><body>
<nav><a href="/">Главная</a> <a href="/ru/economy">Экономика</a></nav>
<!-- a comment the page carries -->
<div class="news-date">10:05, 15 Август 2025</div>
<article><h1>Завод открыли в регионе</h1>{paragraphs}</article>
<aside><a href="/ru/other">Другая новость дня о погоде в регионе</a></aside></body></html>"""
DATED_HEAD = '<meta property="article:published_time" content="2025-08-15T10:05:00+05:00">'


def page(head: str = "") -> str:
    return PAGE.format(head=head, paragraphs="".join(f"<p>{p}</p>" for p in STORY))


def test_trafilatura_reads_the_shared_tree_as_it_reads_the_page():
    html = page(DATED_HEAD)
    assert page_text(html, tree=extraction_tree(html))["text"] == page_text(html)["text"]


def test_the_body_of_a_page_in_no_known_layout_comes_from_trafilatura_after_every_other_field():
    fields = parse_page(page(DATED_HEAD), "https://example.org/ru/news/zavod", None)
    assert fields.title == "Завод открыли в регионе"
    assert fields.body == "\n".join(STORY) and fields.sources["body"] == "trafilatura"
    assert fields.date_candidates == [("meta:article:published_time", "2025-08-15T10:05:00+05:00")]
    assert fields.link_share == 0.0


def test_date_like_texts_are_looked_for_only_when_no_machine_date_reads():
    assert parse_page(page(DATED_HEAD), "https://example.org/ru/news/zavod", None).visible_dates == []
    undated = parse_page(page(), "https://example.org/ru/news/zavod", None)
    assert undated.date_candidates == [] and undated.visible_dates == ["10:05, 15 Август 2025"]
    garbled = parse_page(page('<meta property="article:published_time" content="soon">'),
                         "https://example.org/ru/news/zavod", None)
    assert garbled.visible_dates == ["10:05, 15 Август 2025"]
