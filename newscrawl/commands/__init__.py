"""newscrawl's versions of Scrapy commands (``COMMANDS_MODULE``): ``scrapy crawl`` checks the spider's
arguments and newscrawl's settings before it starts, and says by its exit status whether it fetched
anything."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
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
    if settings.get("REDIS_URL"):
        problem = _redis_problem(settings.get("REDIS_URL"))
        if problem:
            return problem
    try:
        with _quiet():  # what the spider would warn of is said again by the crawl's own spider
            spidercls(**arguments)  # the spiders check their arguments when they are made
    except SpiderArgumentError as exc:
        return str(exc)
    return None


def _redis_problem(url: str) -> str | None:
    """Why a node of a distributed crawl cannot use the Redis server at ``url`` (None: it can)."""
    try:
        from newscrawl.distributed.connection import RedisUnavailable, connect
    except ImportError as exc:
        return f"-s REDIS_URL: {exc.name} is missing: pip install 'newscrawl[distributed]'"
    try:
        connect(url).close()
    except (RedisUnavailable, ValueError) as exc:  # ValueError: not a Redis URL
        return f"-s REDIS_URL: {exc}"
    return None


@contextmanager
def _quiet() -> Iterator[None]:
    logging.disable(logging.WARNING)
    try:
        yield
    finally:
        logging.disable(logging.NOTSET)
