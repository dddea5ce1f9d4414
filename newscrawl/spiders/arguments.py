"""The arguments every outlet spider takes (``-a edition=… -a since=… -a until=… -a url=…``), read and
checked before a crawl starts. Nothing here imports Scrapy."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from newscrawl.outlets.base import Outlet


class SpiderArgumentError(ValueError):
    """A spider argument that cannot be used."""


def parse_day(value: str | None, name: str) -> date | None:
    """A ``YYYY-MM-DD`` spider argument."""
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise SpiderArgumentError(f"-a {name}={value!r}: expected a date as YYYY-MM-DD") from None


def comma_list(value: str | None) -> list[str]:
    """The items of a comma-separated argument."""
    return [item.strip() for item in value.split(",") if item.strip()] if value else []


@dataclass(frozen=True)
class CrawlArguments:
    """What a crawl was asked to do."""

    editions: list[str]
    since: date | None = None
    until: date | None = None
    urls: list[str] = field(default_factory=list)

    @classmethod
    def parse(cls, outlet: Outlet, spider: str, *, edition: str | None = None, since: str | None = None,
              until: str | None = None, url: str | None = None) -> CrawlArguments:
        """Read the arguments of a crawl of ``outlet`` by the spider named ``spider``."""
        known = list(outlet.editions)
        chosen = comma_list(edition) or known
        unknown = [e for e in chosen if e not in outlet.editions]
        if unknown:
            raise SpiderArgumentError(f"-a edition: {', '.join(unknown)} unknown; {spider} has {', '.join(known)}")
        first, last = parse_day(since, "since"), parse_day(until, "until")
        if last and not first:
            raise SpiderArgumentError("-a until needs -a since")
        if first and last and last < first:
            raise SpiderArgumentError(f"-a until={last} is before since={first}")
        return cls(chosen, first, last, comma_list(url))
