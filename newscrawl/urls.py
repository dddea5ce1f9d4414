"""URL cleaning and the keys under which an article is known to the archive."""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url, safe_url_string

#: query parameters that only track where a reader came from
TRACKING_PARAM = re.compile(
    r"^(utm_[a-z_]*|fbclid|gclid|dclid|yclid|ysclid|msclkid|mc_cid|mc_eid|igshid|_openstat|"
    r"_ga|_gl|ref|ref_src|from|rss|amp|at_medium|at_campaign|spm|share)$",
    re.IGNORECASE,
)
#: host prefixes that serve the same article as the bare host
MIRROR_HOST_PREFIX = re.compile(r"^(www\d?|m|mobile|amp)\.")


@lru_cache(maxsize=4096)
def clean_url(url: str) -> str:
    """The URL without tracking parameters and fragment, safely encoded; order of the rest kept.
    Cached: a crawl cleans an article's URL when it finds it, requests it, dedupes and archives it."""
    url = safe_url_string(url.strip())
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING_PARAM.match(k)]
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", urlencode(query), ""))


def host_of(url: str) -> str:
    """The lower-case host of a URL, without port."""
    return (urlsplit(url).hostname or "").lower()


def bare_host(host: str) -> str:
    """A host without ``www.``/``m.``/``amp.`` prefixes."""
    return MIRROR_HOST_PREFIX.sub("", host.lower())


def canonical_key(url: str) -> str:
    """The key of an article URL: scheme, mirror host prefixes, AMP suffix, trailing slash and
    tracking parameters folded, the rest canonicalised by w3lib."""
    canon = canonicalize_url(clean_url(url))
    parts = urlsplit(canon)
    path = re.sub(r"/amp/?$", "", parts.path).rstrip("/") or "/"
    host = bare_host(parts.hostname or "")
    if parts.port and parts.port not in (80, 443):
        host = f"{host}:{parts.port}"
    return urlunsplit(("", host, path, parts.query, "")).lstrip("/")


def same_site(url_a: str, url_b: str) -> bool:
    """Whether two URLs belong to one site (bare hosts equal, or one a sub-domain of the other)."""
    a, b = bare_host(host_of(url_a)), bare_host(host_of(url_b))
    return bool(a and b) and (a == b or a.endswith("." + b) or b.endswith("." + a))
