"""One article, one URL: canonical forms so every URL that reaches an article agrees.

Department sites reach one article through many URLs: parameters in another order, the path
percent-encoded once or twice, session and tracking parameters, print and PDF views, and
`rel=canonical` pointing at the alias the CMS prefers. Every URL goes through `canonical_url`
before it is compared or stored. Print views are data (`print_views` in crawler/families.toml).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

from core.families import PrintView
from crawler.families import GENERIC

# Query parameters that never identify an article, on any site.
DROP_ALWAYS = re.compile(
    r"^(utm_\w+|fbclid|gclid|dclid|msclkid|yclid|zarsrc|mc_cid|mc_eid|_ga|_gl|ref|referrer|"
    r"share|source|sessionid|session_id|sid|phpsessid|jsessionid|cfid|cftoken|asp\.net_sessionid)$",
    re.I,
)
# A percent sign encoded once more: `%25E1` is `%E1` escaped a second time.
DOUBLE_ESCAPE = re.compile(r"%25(?=[0-9A-Fa-f]{2})")
# Session ids some servers put in the path instead of a cookie.
PATH_SESSION = re.compile(r";jsessionid=[^/?#]*|/\(S\([a-z0-9]+\)\)", re.I)


def _dedouble(url: str) -> str:
    """Undo a second round of percent-encoding, however many times it was applied."""
    previous = None
    while previous != url:
        previous, url = url, DOUBLE_ESCAPE.sub("%", url)
    return url


def canonical_url(url: str, keep_params: tuple[str, ...] | list[str] | None = None) -> str:
    """The one form of a URL, to compare URLs by: `clean_url` with the parameters sorted."""
    return canonicalize_url(clean_url(url, keep_params), keep_fragments=False)


def clean_url(url: str, keep_params: tuple[str, ...] | list[str] | None = None) -> str:
    """A URL as the site writes it, less its noise: the form to show and link in feeds.

    Percent-encoding is normalised, session and tracking parameters, default ports and the
    fragment go; the parameters that remain keep their order, as some servers route by it.
    `keep_params` lists the parameters that identify an article (a family profile's rule; names
    compared without case, as ASP.NET does, and spelt as the rule spells them) in the order the
    site usually writes them, so every link to one article shows alike; every other parameter
    is dropped. None keeps all parameters except session and tracking ones.
    """
    parts = urlsplit(_dedouble(url.strip()))
    path = PATH_SESSION.sub("", parts.path)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if keep_params is not None:
        spelling = {name.lower(): name for name in keep_params}
        rank = {name.lower(): i for i, name in enumerate(keep_params)}
        pairs = sorted(((spelling[k.lower()], v) for k, v in pairs if k.lower() in spelling),
                       key=lambda pair: rank[pair[0].lower()])
    else:
        pairs = [(k, v) for k, v in pairs if not DROP_ALWAYS.match(k)]
    host = (parts.hostname or "").lower()
    default_port = {"http": 80, "https": 443}.get(parts.scheme.lower())
    netloc = host if parts.port in (None, default_port) else f"{host}:{parts.port}"
    base = canonicalize_url(urlunsplit((parts.scheme.lower(), netloc, path or "/", "", "")))
    return base + ("?" + urlencode(pairs) if pairs else "")


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def print_view(url: str, views: Sequence[PrintView] = GENERIC.print_views) -> PrintView | None:
    """The print-view rule a URL matches, if any."""
    parts = urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    return next((rule for rule in views if _compiled(rule.pattern).search(target)), None)


def article_for_print_view(url: str, views: Sequence[PrintView] = GENERIC.print_views) -> str | None:
    """The article a print or PDF view shows, or None when it cannot be told (skip the view)."""
    rule = print_view(url, views)
    if rule is None:
        return url
    if rule.article is None:
        return None
    parts = urlsplit(url)
    match = _compiled(rule.pattern).search(parts.path + ("?" + parts.query if parts.query else ""))
    assert match is not None
    return urlunsplit((parts.scheme, parts.netloc, rule.article.format(**match.groupdict()), "", ""))


def trusted_canonical(canonical: str | None, page_url: str, listing: list[str] | tuple[str, ...],
                      views: Sequence[PrintView] = GENERIC.print_views) -> str | None:
    """`rel=canonical` when it can be believed: same host and port, not the home page, listing or print view.

    Broken templates print the home page or the section as canonical on every article, which
    would fold a whole site into one row; such a canonical is ignored. So is one on another
    port (an internal service the feed would link to); http and https count as one.
    """
    if not canonical:
        return None
    target, page = urlsplit(canonical), urlsplit(page_url)
    if (target.hostname or "").lower() != (page.hostname or "").lower() or not _same_port(target, page):
        return None
    if target.path in ("", "/", "/index.php") and not target.query:
        return None
    if canonical_url(canonical) in {canonical_url(u) for u in listing}:
        return None
    if print_view(canonical, views) is not None:
        return None
    return canonical


def _same_port(target: SplitResult, page: SplitResult) -> bool:
    """Same port, or both the default port of their scheme (a canonical on https for an http page)."""
    defaults = {"http": 80, "https": 443}
    try:
        ports = [url.port or defaults.get(url.scheme.lower()) for url in (target, page)]
    except ValueError:
        return False
    return ports[0] == ports[1] or set(ports) <= set(defaults.values())


def article_urls(page_url: str, requested_url: str, canonical: str | None, listing: Sequence[str],
                 keep_params: Sequence[str] | None, views: Sequence[PrintView] = GENERIC.print_views,
                 ) -> tuple[str, set[str]]:
    """The URL to store an article under, and the other canonical URLs that reach it.

    The page's own canonical when it can be believed, else the URL it answered at; rows are
    found by the canonical forms of every URL that reached them.
    """
    preferred = trusted_canonical(canonical, page_url, listing, views) or page_url
    url = clean_url(preferred, keep_params)
    return url, {canonical_url(u, keep_params) for u in (preferred, requested_url, page_url)} - {url}
