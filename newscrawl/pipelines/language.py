"""Tag each article with its language: ``ru``, ``kk`` or ``en``, from its text."""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from newscrawl.extract.language import detect_language


def tag_language(adapter: ItemAdapter) -> str | None:
    """Detect the article's language from title and body, the edition's language as a prior."""
    text = f"{adapter.get('title') or ''}\n{adapter.get('body') or ''}"
    language = detect_language(text, prior=adapter.get("language_hint"))
    adapter["language"] = language
    return language


class LanguagePipeline:
    """Sets ``language`` from the text (the edition is only a prior) and counts the outcomes."""

    def __init__(self, crawler: Crawler):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> LanguagePipeline:
        return cls(crawler)

    def process_item(self, item, spider=None):
        adapter = ItemAdapter(item)
        # detected from the same text already when the page was extracted in a worker process
        language = adapter.get("language") or tag_language(adapter)
        self.stats.inc_value(f"newscrawl/language/{language or 'unknown'}")
        hint = adapter.get("language_hint")
        if language and hint and language != hint:
            self.stats.inc_value("newscrawl/language/differs_from_edition")
        return item
