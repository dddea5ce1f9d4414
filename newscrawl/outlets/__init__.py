"""One module per outlet: its facts, its page layouts and its spider. This registry finds them."""

from __future__ import annotations

import importlib
from functools import cache

from newscrawl.outlets.base import Edition, Layout, Outlet

#: the outlet modules of this package, each defining ``OUTLET``
OUTLET_MODULES: tuple[str, ...] = ("kazinform", "qazaqtv")

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
    """The outlet of that name, if there is one."""
    return all_outlets().get(name or "")


def outlet_for_url(url: str) -> Outlet | None:
    """The outlet whose hosts serve ``url``, if any."""
    return next((o for o in all_outlets().values() if o.owns(url)), None)
