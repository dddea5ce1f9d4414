"""``scrapy check``: Scrapy's, as a look at the contracts' pages (``newscrawl.commands.tools``)."""

from __future__ import annotations

import argparse

from scrapy.commands.check import Command as ScrapyCheck

from newscrawl.commands.tools import as_page_tool, refuse_unusable_settings


class Command(ScrapyCheck):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        as_page_tool(self.settings)
        super().process_options(args, opts)
        refuse_unusable_settings("check", self.settings)
