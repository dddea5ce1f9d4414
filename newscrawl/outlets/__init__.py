"""One module per outlet: its facts, its page layouts and its spider. This registry finds them."""

from __future__ import annotations

import importlib
from functools import cache

from newscrawl.outlets.base import Edition, Layout, Outlet
from newscrawl.urls import bare_host, host_of

#: the outlet modules of this package, each defining ``OUTLET``, named as the module
OUTLET_MODULES: tuple[str, ...] = ("kazinform", "qazaqtv", "totalkz", "mosds", "mosru", "mfakz")

__all__ = ["OUTLET_MODULES", "Edition", "Layout", "Outlet", "all_outlets", "get_outlet", "outlet_for_url"]


@cache
def all_outlets() -> dict[str, Outlet]:
    """Every outlet by name."""
    outlets = {}
    for module in OUTLET_MODULES:
        outlet = importlib.import_module(f"{__name__}.{module}").OUTLET
        outlets[outlet.name] = outlet
    return outlets


def get_outlet(name: str | None) -> Outlet | None:
    """The outlet of that name, if there is one. An outlet is named after its module, so only that
    module is imported (an extraction worker of a site without an outlet module imports none)."""
    if name not in OUTLET_MODULES:
        return None
    return importlib.import_module(f"{__name__}.{name}").OUTLET


def outlet_for_url(url: str) -> Outlet | None:
    """The outlet whose hosts serve ``url``, if any; the most specific host wins (an outlet on
    ``mosds.mos.ru`` over one on ``mos.ru``)."""
    host = bare_host(host_of(url))
    best: tuple[int, Outlet | None] = (0, None)
    for outlet in all_outlets().values():
        for name in map(bare_host, outlet.hosts):
            if (host == name or host.endswith("." + name)) and len(name) > best[0]:
                best = (len(name), outlet)
    return best[1]
