"""Keep a crawl alive and honest on a hostile web: back off, refuse what is not a page, name faults.

Scrapy's own middlewares retry, redirect and enforce limits; these add what a months-long
job against small government servers needs: exponential backoff and Retry-After (with a
cap), redirects checked before they are followed (loops, other sites, a whole source that
moved), answers that are not pages refused with a name, and listings that loop cut short.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.defer import maybe_deferred_to_future
from scrapy.utils.response import get_meta_refresh, response_status_message
from twisted.internet import reactor
from twisted.internet.task import deferLater

from crawler.addresses import Destinations, literal
from crawler.failures import PageRejected, exception_kind

log = logging.getLogger("deptfeeds.net")

REDIRECTS = {301, 302, 303, 307, 308}
PERMANENT = {301, 308}
HTML_TYPES = ("text/html", "application/xhtml+xml")


async def sleep(seconds: float) -> None:
    """Wait without blocking the reactor (works with the asyncio and the default reactor)."""
    await maybe_deferred_to_future(deferLater(reactor, seconds, lambda: None))


def retry_after_seconds(value: bytes | None, now: float | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (now if now is not None else time.time()))


def _web_url(url: str) -> bool:
    """An http(s) URL with a host and a valid port, i.e. one Scrapy can request."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _is_robots(request: Request) -> bool:
    return urlsplit(request.url).path == "/robots.txt"


def _hosts(spider: Spider) -> set[str]:
    """The hosts a source may be crawled on (its listing hosts, plus any it moved to)."""
    hosts = getattr(spider, "hosts", None)
    return hosts if hosts is not None else set(spider.source.hosts)


def destinations(spider: Spider) -> Destinations:
    """The source's own hosts and ports, and the check of everywhere else (one per spider)."""
    found = getattr(spider, "destinations", None)
    if found is None:
        found = spider.destinations = Destinations(list(spider.source.listing))
    return found


def _record(spider: Spider, url: str, reason: str) -> None:
    fail = getattr(spider, "fail", None)
    if fail is not None:
        fail(url, reason)
    else:
        log.warning("%s: %s", url, reason)


def remember_fault(request: Request, retry: Request, kind: str) -> None:
    """Carry the faults met so far on the retry, so a page that answers in the end still names them."""
    retry.meta["faults"] = [*request.meta.get("faults", []), kind]


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, spaced out: Retry-After when given (up to a cap), else exponential backoff."""

    def __init__(self, settings: Any):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("RETRY_BACKOFF_BASE", 2.0)
        self.backoff_max = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        self.retry_after_max = settings.getfloat("RETRY_AFTER_MAX", 120.0)

    def backoff(self, retry_times: int) -> float:
        """Seconds before retry number `retry_times` (1, 2, ...): base, 2×base, 4×base ... up to max."""
        return min(self.backoff_max, self.backoff_base * 2 ** (retry_times - 1))

    async def process_response(self, request: Request, response: Response,
                               spider: Spider | None = None) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        if asked is not None and asked > self.retry_after_max:
            log.warning("%s: http-%d: Retry-After %.0fs is over the %.0fs cap; not waiting",
                        request.url, response.status, asked, self.retry_after_max)
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        delay = asked if asked is not None else self.backoff(retry.meta["retry_times"])
        remember_fault(request, retry, f"http-{response.status}")
        log.warning("%s: http-%d, retry %d in %.1fs%s", request.url, response.status,
                    retry.meta["retry_times"], delay, " (Retry-After)" if asked is not None else "")
        await sleep(delay)
        return retry

    async def process_exception(self, request: Request, exception: Exception,
                                spider: Spider | None = None) -> Request | Response | None:
        if not isinstance(exception, self.exceptions_to_retry) or request.meta.get("dont_retry"):
            return None
        retry = self._retry(request, exception)
        if retry is None:
            return None
        delay = self.backoff(retry.meta["retry_times"])
        remember_fault(request, retry, exception_kind(exception) or type(exception).__name__)
        log.warning("%s: %s, retry %d in %.1fs", request.url,
                    exception_kind(exception) or type(exception).__name__,
                    retry.meta["retry_times"], delay)
        await sleep(delay)
        return retry


class DestinationGuardMiddleware:
    """Refuse any request to a non-web URL, an internal address or another port (crawler/addresses.py).

    It runs before every other downloader middleware, robots.txt included, so whatever led
    there (a redirect, a meta refresh, a link, a moved site) nothing is requested from such a place.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DestinationGuardMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request, spider: Spider | None = None) -> None:
        refused = await destinations(spider or self.crawler.spider).refusal(request.url)
        if refused is not None:
            raise PageRejected(refused[0], f"{refused[1]}; not requested")


class RedirectGuardMiddleware:
    """Check a redirect before Scrapy follows it: loops stop, other sites are refused, moves reported.

    A permanent redirect of a source's listing page to another host means the department
    moved: the new host is added to the source for this crawl and the move is reported so
    the config can be updated. Any other redirect off the source's hosts is not followed, nor
    one to a non-web URL, an internal address or another port, the move of a site included.
    """

    def __init__(self, crawler: Crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RedirectGuardMiddleware:
        return cls(crawler)

    async def process_response(self, request: Request, response: Response,
                               spider: Spider | None = None) -> Response:
        if response.status == 200 and isinstance(response, HtmlResponse):
            await self._check_meta_refresh(request, response, spider or self.crawler.spider)
        location = response.headers.get("Location")
        if response.status not in REDIRECTS or not location or _is_robots(request):
            return response
        spider = spider or self.crawler.spider
        target = urljoin(request.url, location.decode("latin-1").strip())
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if target in chain:
            raise PageRejected("redirect-loop", " → ".join([*chain, target]))
        host = urlsplit(target).hostname or ""
        hosts = _hosts(spider)
        moving = response.status in PERMANENT and chain[0] in spider.source.listing
        if host in hosts or moving or not _web_url(target) or literal(host) is not None:
            refused = await destinations(spider).refusal(target)
            if refused is not None:
                raise PageRejected(refused[0], f"redirected: {refused[1]}; not followed")
        if host in hosts:
            return response
        if moving:
            hosts.add(host)
            spider.allowed_domains = sorted({*getattr(spider, "allowed_domains", []), host})
            _record(spider, chain[0], f"site-moved: permanent redirect to {target}; "
                                      f"crawling {host} now, update the source's listing URL")
            return response
        raise PageRejected("offsite-redirect", f"redirected to {target}; not followed")

    async def _check_meta_refresh(self, request: Request, response: HtmlResponse, spider: Spider) -> None:
        """A <meta refresh> is checked as a redirect is: one off the source's hosts is refused, named.

        (Scrapy's offsite filter would drop it without a word.) One to javascript:, data: or a
        broken URL is no move: the page is read as it is, since Scrapy's MetaRefreshMiddleware
        would otherwise fail building a request for that URL.
        """
        ignore_tags = self.crawler.settings.getlist("METAREFRESH_IGNORE_TAGS")
        try:
            _, url = get_meta_refresh(response, ignore_tags=ignore_tags)
        except ValueError:  # w3lib fails on some of them ("http://;URL=javascript:...")
            url = "unreadable"
        if url and not _web_url(url):
            log.info("%s: ignoring a <meta refresh> to %s", request.url, url[:80])
            request.meta["dont_redirect"] = True
        elif url and (urlsplit(url).hostname or "") not in _hosts(spider):
            refused = await destinations(spider).refusal(url)
            kind, detail = refused or ("offsite-redirect", f"to {url}")
            raise PageRejected(kind, f"meta refresh {detail}; not followed")


class ResponseGuardMiddleware:
    """Refuse final answers that are not pages: empty bodies and non-HTML content."""

    def process_response(self, request: Request, response: Response,
                         spider: Spider | None = None) -> Response:
        if response.status != 200 or _is_robots(request) or request.method == "HEAD":
            return response  # a HEAD answer has no body by design (crawler/files.py asks for types)
        if not response.body.strip():
            raise PageRejected("empty", "200 OK with an empty body")
        content_type = response.headers.get("Content-Type", b"").decode("latin-1").lower()
        if content_type.startswith(HTML_TYPES) or (not content_type and _looks_like_html(response.body)):
            return response
        if isinstance(response, TextResponse) and _looks_like_html(response.body):
            return response
        raise PageRejected("not-html", f"{content_type or 'no content type'}, "
                                       f"{len(response.body)} bytes")


def _looks_like_html(body: bytes) -> bool:
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head


class ListingLoopMiddleware:
    """Stop following a listing whose page repeats an earlier one (pagination back to page 1)."""

    def __init__(self, crawler: Crawler):
        self.crawler = crawler
        self.seen: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ListingLoopMiddleware:
        return cls(crawler)

    def _repeat_of(self, response: Response) -> str | None:
        """The earlier listing URL this page repeats, if any (compared by the links it holds)."""
        callback = getattr(response.request, "callback", None) if response.request else None
        if getattr(callback, "__name__", "") != "parse_listing" or not isinstance(response, TextResponse):
            return None
        links = sorted(set(response.css("a::attr(href)").getall()))
        key = hashlib.sha1("\n".join(links).encode()).hexdigest()
        first = self.seen.setdefault(key, response.url)
        return first if first != response.url else None

    def _loop(self, response: Response) -> bool:
        first = self._repeat_of(response)
        if first is None:
            return False
        _record(self.crawler.spider, response.url,
                f"pagination-loop: same links as {first}; listing not followed further")
        return True

    def process_spider_output(self, response: Response, result: Iterable[Any],
                              spider: Spider | None = None) -> Iterator[Any]:
        if self._loop(response):
            return
        yield from result

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any],
                                          spider: Spider | None = None) -> AsyncIterator[Any]:
        if self._loop(response):
            return
        async for item in result:
            yield item
