"""The one rule for walking listings (web listings, numbered pages, API lists, feeds), without Scrapy.

A :class:`ListingWalk` holds what a crawl needs to decide how far it walks: its range (``since``,
``until``), the watermark of each edition (the newest publication time earlier crawls got through
to), the page caps, what each listing showed so far, and what the archive held before the crawl. A
spider asks :meth:`ListingWalk.step` after following a page's entries; the answer says whether to
walk on and, if not, why (the spider logs and counts it). At the end :meth:`ListingWalk.next_watermark`
says what the crawl leaves as each edition's watermark.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

from newscrawl.outlets.base import Listed

#: an entry as listing readers hand it over: a :class:`Listed`, or a ``(link, date)`` pair
Entry = Listed | tuple[str, datetime | date | None]


class Step(NamedTuple):
    """Whether a walk goes on after a page, and why it ends when it does not."""

    go_on: bool
    #: ``empty``, ``repeated``, ``reached_since``, ``archived_before``, ``older_than_watermark``,
    #: ``first_crawl_cap``, ``incremental_cap``, ``backfill_cap``; empty when the walk goes on
    reason: str = ""


@dataclass
class ListingWalk:
    """The walk state of one crawl (see the module's description)."""

    zone: ZoneInfo
    since: date | None = None
    until: date | None = None
    max_incremental_pages: int = 10
    max_backfill_pages: int = 100000
    #: the stored watermark of an edition (read once per crawl)
    stored_watermark: Callable[[str], datetime | None] = lambda edition: None
    #: the keys of an article URL, and whether the archive held an article before this crawl came across it
    archived_before: Callable[[str], bool] = lambda url: False
    keys_of: Callable[[str], Iterable[str]] = lambda url: (url,)
    #: per edition: the newest publication time listed in this crawl (the next watermark) ...
    newest_seen: dict[str, datetime] = field(default_factory=dict)
    #: ... unless an article listed at or after this time could not be fetched ...
    oldest_failed: dict[str, datetime] = field(default_factory=dict)
    #: ... or a walk stopped at the page cap before reaching what the last crawl saw
    walks_cut: set[str] = field(default_factory=set)
    _watermarks: dict[str, datetime | None] = field(default_factory=dict)
    #: per listing: keys of the articles on its pages walked so far
    _listed: dict[str, set[str]] = field(default_factory=dict)

    # -- the range
    @property
    def backfill(self) -> bool:
        """Whether this crawl walks back to ``since``."""
        return self.since is not None

    def day_of(self, published: datetime | date) -> date:
        return published.astimezone(self.zone).date() if isinstance(published, datetime) else published

    def in_range(self, published: datetime | date | None) -> bool:
        """Whether a listed article's date lies in the crawl's range (unknown dates do)."""
        if published is None:
            return True
        day = self.day_of(published)
        if self.since and day < self.since:
            return False
        return not (self.until and day > self.until)

    def before_since(self, published: datetime | date | None) -> bool:
        """Whether a listed article's date lies before the first day of a backfill."""
        return published is not None and self.since is not None and self.day_of(published) < self.since

    def watermark(self, edition: str) -> datetime | None:
        """The newest publication time previous crawls of an edition got through to."""
        if edition not in self._watermarks:
            self._watermarks[edition] = self.stored_watermark(edition)
        return self._watermarks[edition]

    def is_old(self, published: datetime | date | None, edition: str) -> bool:
        """Whether a listed article predates what the last incremental crawl already saw (by more
        than an hour, for articles published late with an earlier time)."""
        mark = self.watermark(edition)
        if published is None or mark is None or not isinstance(published, datetime):
            return False
        return published < mark - timedelta(hours=1)

    # -- the walk
    def step(self, entries: Sequence[Entry], edition: str, page: int, listing: str | None = None) -> Step:
        """Whether to walk on from page ``page`` of a listing sorted newest first, given its entries
        (after following them). ``listing`` names the listing when an edition has several.

        Every walk ends at an empty page and at a page that repeats an earlier page of the same
        listing. A backfill walks on until a page reaches back past ``since``. An incremental crawl
        stops at a page whose articles were all archived before this crawl, or all listed older than
        the watermark; and at the incremental page cap, which keeps the watermark where it was unless
        this is a first crawl (no watermark yet). Both stop at their page cap. Only the entries that
        steer decide, all of them when none does.
        """
        if not entries:
            return Step(False, "empty")
        listed = [Listed(*entry) for entry in entries]
        if self.repeats_earlier_page(listed, listing or edition):
            return Step(False, "repeated")
        steering = [e for e in listed if e.steers] or listed
        if self.backfill:
            if page >= self.max_backfill_pages:
                return Step(False, "backfill_cap")
            if any(self.before_since(e.published) for e in steering):
                return Step(False, "reached_since")
            return Step(True)
        if all(self.archived_before(e.url) for e in steering):
            return Step(False, "archived_before")
        dates = [e.published for e in steering if e.published is not None]
        if dates and all(self.is_old(d, edition) for d in dates):
            return Step(False, "older_than_watermark")
        if page >= self.max_incremental_pages:
            if self.watermark(edition) is None:  # a first crawl: older articles are a backfill's job
                return Step(False, "first_crawl_cap")
            self.walks_cut.add(edition)
            return Step(False, "incremental_cap")
        return Step(True)

    def repeats_earlier_page(self, entries: Sequence[Listed], listing: str) -> bool:
        """Whether every entry of a listing page was on an earlier page of that listing in this crawl
        (a site answering past its last page with a page already seen); remembers them."""
        seen = self._listed.setdefault(listing, set())
        keys = [set(self.keys_of(entry.url)) for entry in entries]
        repeated = all(k & seen for k in keys)
        for k in keys:
            seen |= k
        return repeated

    # -- the watermark
    def note_published(self, edition: str | None, published: datetime | date | None) -> None:
        """Track the newest publication time seen, the next incremental crawl's watermark (a time
        more than a day ahead is a listing's error, and ignored)."""
        if edition and isinstance(published, datetime) and published < datetime.now(self.zone) + timedelta(days=1):
            current = self.newest_seen.get(edition)
            if current is None or published > current:
                self.newest_seen[edition] = published

    def note_failed(self, edition: str | None, listed: datetime | None) -> None:
        """Keep the watermark below an article that could not be fetched (or written), so the next
        crawl tries it again."""
        if edition and isinstance(listed, datetime):
            current = self.oldest_failed.get(edition)
            if current is None or listed < current:
                self.oldest_failed[edition] = listed

    def next_watermark(self, edition: str) -> datetime | None:
        """What this crawl leaves as an edition's watermark; None: leave it as it is."""
        newest = self.newest_seen.get(edition)
        if newest is None or edition in self.walks_cut:
            return None
        mark = self.watermark(edition)
        # a backfill moves it only when it covered everything since the watermark
        if self.backfill and (self.until is not None
                              or (mark is not None and self.since > mark.astimezone(self.zone).date())):
            return None
        if edition in self.oldest_failed:
            newest = min(newest, self.oldest_failed[edition] - timedelta(seconds=1))
        return newest if mark is None or newest > mark else None
