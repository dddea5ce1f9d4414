
import pytest
from support import project_crawler

from newscrawl.items import Article


@pytest.fixture
def crawler(tmp_path):
    return project_crawler(ARCHIVE_DIR=str(tmp_path / "archive"), ARCHIVE_WRITER_THREAD=False)


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


