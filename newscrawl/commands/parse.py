"""``scrapy parse``: Scrapy's, as a look at one page (``newscrawl.commands.tools``)."""

from __future__ import annotations

import argparse

from scrapy.commands.parse import Command as ScrapyParse

from newscrawl.commands.tools import as_page_tool, refuse_unusable_settings


class Command(ScrapyParse):
    def process_options(self, args: list[str], opts: argparse.Namespace) -> None:
        assert self.settings is not None
        as_page_tool(self.settings)
        super().process_options(args, opts)
        refuse_unusable_settings("parse", self.settings)
