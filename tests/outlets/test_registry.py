"""The registry of outlet modules (newscrawl/outlets/__init__.py), and the layers it sits between."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings

from newscrawl.outlets import all_outlets, article_keys, dateline_agencies, get_outlet, outlet_for_url, outlet_modules
from newscrawl.spiders.base import NewsSpider

ROOT = Path(__file__).resolve().parents[2]


def python(code: str) -> str:
    """What a fresh interpreter prints running ``code`` with this checkout's package."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout


def test_every_outlet_module_is_found_and_named_as_its_module():
    assert outlet_modules() == ("kazinform", "mfakz", "mosds", "mosru", "qazaqtv", "totalkz")
    assert sorted(all_outlets()) == sorted(outlet_modules())
    for name, outlet in all_outlets().items():
        assert get_outlet(name) is outlet


def test_every_outlet_spider_has_a_registered_outlet_and_every_outlet_a_spider():
    loader = SpiderLoader.from_settings(get_project_settings())
    spiders = {name: loader.load(name) for name in loader.list()}
    outlet_spiders = {cls.outlet.name: name for name, cls in spiders.items()
                      if issubclass(cls, NewsSpider) and name != "site"}
    for outlet, spider in outlet_spiders.items():
        assert get_outlet(outlet) is spiders[spider].outlet, f"spider {spider}: outlet {outlet} is not registered"
    assert set(outlet_spiders) == set(outlet_modules())


def test_a_name_that_is_no_outlet_finds_none_without_importing_any_outlet_or_scrapy():
    # (an extraction worker imports every outlet's facts: the reprint signatures strip the datelines
    # every outlet names; it imports no Scrapy, see the next test)
    code = ("import sys; from newscrawl.outlets import get_outlet; "
            "assert get_outlet('news.example.org') is None; "
            "print(sorted(m for m in sys.modules if m.startswith(('newscrawl.outlets.', 'scrapy'))))")
    assert python(code).strip() == "['newscrawl.outlets.base']"


def test_the_extraction_layer_and_the_outlets_facts_load_no_scrapy_and_no_archive():
    code = ("import sys, newscrawl.extract.fields, newscrawl.extract.feeds, newscrawl.outlets, newscrawl.reading, "
            "newscrawl.spiders.workers, newscrawl.dedupe.neardup; from newscrawl.outlets import all_outlets; "
            "all_outlets(); "
            "print(sorted({m.split('.')[0] if m.startswith('scrapy') else m for m in sys.modules "
            "if m.startswith(('scrapy', 'newscrawl.archive', 'newscrawl.pipelines', 'newscrawl.spiders.base'))}))")
    assert python(code).strip() == "[]"


def test_urls_belong_to_the_most_specific_outlet_that_owns_them():
    assert outlet_for_url("https://mosds.mos.ru/presscenter/news/detail/8494146.html").name == "mosds"
    assert outlet_for_url("https://www.mos.ru/news/item/72520073/").name == "mosru"
    assert outlet_for_url("https://www.gov.kz/memleket/entities/mfa/press/news/details/1?lang=ru").name == "mfakz"
    assert outlet_for_url("https://www.gov.kz/memleket/entities/astana/press/news/details/1") is None
    assert outlet_for_url("https://news.example.org/a") is None


def test_article_keys_fold_an_outlets_id_forms_and_other_sites_canonical_forms():
    assert "kazinform:a3725092" in article_keys("https://www.inform.kz/ru/x_a3725092")
    assert article_keys("https://www.example.org/a/?utm_source=x") == article_keys("http://example.org/a")


def test_dateline_agencies_are_gathered_from_every_outlet():
    names = dateline_agencies()
    assert {"KAZINFORM", "ҚазАқпарат", "QAZAQ TV", "TOTAL.KZ"} <= set(names)
