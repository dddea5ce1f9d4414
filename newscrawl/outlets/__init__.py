"""The outlets' facts, one module each, and the registry that finds them.

Every module of this package but ``base`` and ``api`` is an outlet module: it defines ``OUTLET``,
an :class:`Outlet` named as the module. The registry lists the package's modules itself, so a new
outlet module is found without being registered anywhere; a lookup by name imports only that
module (an extraction worker reading a page of one outlet imports no other). Nothing here imports
Scrapy.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from functools import cache, lru_cache

from newscrawl.outlets.base import Edition, Layout, Listed, Outlet, site_outlet
from newscrawl.urls import bare_host, canonical_key, host_of

#: modules of this package that hold shared definitions, not an outlet
SHARED_MODULES = frozenset({"base", "api"})

__all__ = ["Edition", "Layout", "Listed", "Outlet", "all_outlets", "article_keys", "dateline_agencies",
           "get_outlet", "outlet_for_url", "outlet_modules", "site_outlet", "url_keys"]


@cache
def outlet_modules() -> tuple[str, ...]:
    """The names of the outlet modules of this package."""
    return tuple(sorted(m.name for m in pkgutil.iter_modules(__path__)
                        if m.name not in SHARED_MODULES and not m.name.startswith("_")))


def _load(module: str) -> Outlet:
    outlet = importlib.import_module(f"{__name__}.{module}").OUTLET
    if outlet.name != module:
        raise ValueError(f"newscrawl.outlets.{module} defines the outlet {outlet.name!r}: an outlet is named as "
                         "its module")
    return outlet


@cache
def all_outlets() -> dict[str, Outlet]:
    """Every outlet by name."""
    return {name: _load(name) for name in outlet_modules()}


def get_outlet(name: str | None) -> Outlet | None:
    """The outlet of that name, if there is one (only its module is imported)."""
    if name not in outlet_modules():
        return None
    return _load(name)


def outlet_for_url(url: str) -> Outlet | None:
    """The outlet that owns ``url``, if any; the most specific host wins (an outlet on
    ``mosds.mos.ru`` over one on ``mos.ru``)."""
    host = bare_host(host_of(url))
    best: tuple[int, Outlet | None] = (0, None)
    for outlet in all_outlets().values():
        if not outlet.owns(url):
            continue
        for name in map(bare_host, outlet.hosts):
            if (host == name or host.endswith("." + name)) and len(name) > best[0]:
                best = (len(name), outlet)
    return best[1]


@lru_cache(maxsize=4096)
def url_keys(url: str) -> frozenset[str]:
    """The keys of one URL: the owning outlet's own id forms, or the generic canonical form. Cached: a
    crawl asks for an article's keys when it requests the page, when it dedupes and when it archives it."""
    outlet = outlet_for_url(url)
    if outlet is not None:
        return frozenset(outlet.article_keys(url))
    return frozenset((canonical_key(url),))


def article_keys(url: str | None, canonical_url: str | None = None, aliases: Iterable[str] = ()) -> set[str]:
    """Every URL key of an article: generic canonical forms plus the outlet's own id forms, of its
    URL, its canonical URL and the URLs that redirected to it."""
    keys: set[str] = set()
    for u in (url, canonical_url, *aliases):
        if u:
            keys |= url_keys(u)
    return keys


@cache
def dateline_agencies() -> tuple[str, ...]:
    """The agency names every outlet's datelines print (the reprint check strips datelines)."""
    return tuple(dict.fromkeys(name for outlet in all_outlets().values() for name in outlet.dateline_agencies))
