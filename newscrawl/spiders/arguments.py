"""The arguments every outlet spider takes (``-a edition=… -a since=… -a until=… -a url=…``), read and
checked before a crawl starts. Nothing here imports Scrapy."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlsplit

from newscrawl.outlets.base import Outlet

#: what each argument of every outlet spider takes (``newscrawl spiders`` and the errors show it)
COMMON_ARGUMENTS = {
    "edition": "comma-separated editions (default: all the outlet has)",
    "since": "backfill back to this day, YYYY-MM-DD",
    "until": "last day of a backfill, YYYY-MM-DD (default: today)",
    "url": "comma-separated article URLs of the outlet: fetch just these pages",
}


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


def check_names(given: Iterable[str], accepted: Iterable[str], spider: str) -> None:
    """Refuse an argument name the spider does not take (a typo such as ``sinse``); names starting
    with ``_`` are Scrapyd's (``_job``)."""
    accepted = list(accepted)
    for name in given:
        if name.startswith("_") or name in accepted:
            continue
        close = difflib.get_close_matches(name, accepted, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise SpiderArgumentError(f"-a {name}: {spider} takes no such argument{hint}; it takes {', '.join(accepted)}")


def check_urls(urls: list[str], outlet: Outlet, spider: str) -> None:
    """Every ``-a url=`` must be an http(s) URL on one of the outlet's hosts."""
    hosts = ", ".join(outlet.hosts)
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SpiderArgumentError(f"-a url={url!r}: not an http(s) URL; {spider} fetches pages of {hosts}")
        if not outlet.owns(url):
            other = "" if outlet.generic else " (other sites: scrapy crawl site -a start=URL)"
            raise SpiderArgumentError(f"-a url={url!r}: {parts.hostname} is not one of {spider}'s hosts"
                                      f" ({hosts}){other}")


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
    #: what was changed of the arguments as given (a ``since`` before the outlet's first year), to be logged
    notes: list[str] = field(default_factory=list)

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
            raise SpiderArgumentError("-a until needs -a since (the first day of the range), YYYY-MM-DD")
        if first and last and last < first:
            raise SpiderArgumentError(f"-a until={last} is before since={first}")
        if first and first > date.today():
            raise SpiderArgumentError(f"-a since={first} is in the future; give a past day, YYYY-MM-DD")
        notes = []
        if first and outlet.first_year and first.year < outlet.first_year:
            bound = date(outlet.first_year, 1, 1)
            if last and last < bound:
                raise SpiderArgumentError(f"-a until={last} is before {outlet.first_year}, the first year of"
                                          f" {outlet.name}'s archive: there is nothing to crawl")
            notes.append(f"-a since={first}: {outlet.name}'s archive begins in {outlet.first_year}; walking back"
                         f" to {bound} instead")
            first = bound
        urls = comma_list(url)
        check_urls(urls, outlet, spider)
        return cls(chosen, first, last, urls, notes)
