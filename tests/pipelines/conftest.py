
import pytest
from scrapy.utils.test import get_crawler

from newscrawl.items import Article


@pytest.fixture
def crawler(tmp_path):
    crawler = get_crawler(settings_dict={"ARCHIVE_DIR": str(tmp_path / "archive"), "ARCHIVE_FSYNC": False})
    crawler.stats.open_spider()
    return crawler


@pytest.fixture
def make_article():
    def make(**kw) -> Article:
        base = dict(url="https://www.inform.kz/ru/novost-3fa91c", outlet="kazinform", edition="ru",
                    canonical_url="https://www.inform.kz/ru/novost-3fa91c", title="Заголовок новости",
                    author="Динара Жумабаева", timezone="Asia/Almaty", language_hint="ru",
                    body="АСТАНА. KAZINFORM – В столице открыли новую школу на 1200 мест.\n"
                         "Школа оснащена современными кабинетами физики и химии.")
        base.update(kw)
        return Article(**base)

    return make


