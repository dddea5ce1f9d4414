"""newscrawl's versions of Scrapy commands (``COMMANDS_MODULE``): ``scrapy crawl`` checks the spider's
arguments and newscrawl's settings before it starts, and says by its exit status whether it fetched
anything."""

from __future__ import annotations

from typing import Any

from scrapy.settings import BaseSettings
from scrapy.spiderloader import SpiderLoaderProtocol

from newscrawl.setting_checks import SettingError, check_settings
from newscrawl.spiders.arguments import SpiderArgumentError


def preflight(loader: SpiderLoaderProtocol, spider: str, arguments: dict[str, Any],
              settings: BaseSettings) -> str | None:
    """What stands in the way of a crawl of ``spider`` with these arguments and settings (one line),
    None when nothing does. An unknown spider is left to Scrapy, which lists the ones it has."""
    try:
        check_settings(settings)
        spidercls = loader.load(spider)
    except SettingError as exc:
        return str(exc)
    except KeyError:
        return None
    try:
        spidercls(**arguments)  # the spiders check their arguments when they are made
    except SpiderArgumentError as exc:
        return str(exc)
    return None
