"""What Scrapy's page tools (``scrapy parse``, ``scrapy check``) leave out of a crawl: they look at a
page or two, so they write no crawl report, raise no health alert and take no standard discovery
route when the spider's own give nothing."""

from __future__ import annotations

import sys

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

from newscrawl.setting_checks import SettingError, check_settings

#: the settings of a look at a few pages, over the project's
PAGE_TOOL_SETTINGS = {
    "SPIDERMON_ENABLED": False,
    "CRAWL_REPORT": None,
    "REPORTS_DIR": None,
    "DISCOVERY_STANDARD_ROUTES": "never",
}


#: over the project's settings and the spiders' own, under the command line's (``-s`` still wins)
PRIORITY = SETTINGS_PRIORITIES["cmdline"] - 1


def as_page_tool(settings: BaseSettings) -> None:
    """Set ``PAGE_TOOL_SETTINGS``."""
    settings.setdict(PAGE_TOOL_SETTINGS, priority=PRIORITY)


def refuse_unusable_settings(command: str, settings: BaseSettings) -> None:
    """End the command with one line and exit status 2 when a newscrawl setting cannot be used (a
    ``REPLAY`` that is not there, say), as ``scrapy crawl`` does."""
    try:
        check_settings(settings)
    except SettingError as exc:
        sys.stderr.write(f"scrapy {command}: {exc}\n")
        raise SystemExit(2) from None
