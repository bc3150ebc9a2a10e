"""Ask each attached file's server, once, what the file is: HEAD through the crawl's own downloader.

A HEAD request is a Scrapy request like any page's, so robots.txt, the download delay, the
per-domain concurrency and the address guards apply to it; the body is never asked for. The
article is stored first, with the types its files' extensions give; the answer (status,
media type, Content-Length) then goes to the store's `file_heads` and into the article, and a
file the store already knows is never asked again: its answer fills the article in at once.
Files on other hosts are not asked (the crawl stays on its source's hosts): their extension
tells their type. A file that does not answer is no failure of the crawl.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from sqlalchemy.exc import DBAPIError
from twisted.python.failure import Failure

from core.files import described
from core.store import ArticleRecord, Store
from crawler.failures import describe

log = logging.getLogger("deptfeeds.files")

# After the pages: a file's type can wait, the articles cannot.
HEAD_PRIORITY = -10
# Never cached (a HEAD answer has no body to keep), no size limit (only headers come).
HEAD_META = {"dont_cache": True, "download_maxsize": 0, "download_warnsize": 0, "file_head": True}


def _header(response: Response, name: str) -> str:
    return response.headers.get(name, b"").decode("latin-1").strip()


def _first_url(request: scrapy.Request) -> str:
    return (request.meta.get("redirect_urls") or [request.url])[0]


class FileHeads:
    """The spider's side: fill in what is known of an article's files, ask about the others."""

    store: Store
    hosts: set[str]
    files_asked: set[str]  # asked in this crawl (the store has the answers of earlier ones)
    count: Callable[..., None]

    def known_files(self, record: ArticleRecord) -> None:
        """Give the record's files what their servers already said (none of them is asked again)."""
        if not record.attachments:
            return
        heads = self.store.file_heads(a["url"] for a in record.attachments)
        record.attachments = [found for a in record.attachments
                              if (found := described(a, heads.get(a["url"]))) is not None]

    def file_requests(self, record: ArticleRecord) -> Iterator[scrapy.Request]:
        """A HEAD request for each file of the record on the source's hosts that nobody asked about."""
        urls = [a["url"] for a in record.attachments
                if (urlsplit(a["url"]).hostname or "") in self.hosts and a["url"] not in self.files_asked]
        if not urls:
            return
        known = self.store.file_heads(urls)
        for url in dict.fromkeys(urls):
            self.files_asked.add(url)
            if url in known:
                continue
            self.count("files_asked")
            # dont_filter: the duplicate filter would drop a HEAD of a URL some page was got from.
            yield scrapy.Request(url, method="HEAD", callback=self.file_answered,
                                 errback=self.file_unanswered, dont_filter=True, priority=HEAD_PRIORITY,
                                 meta=dict(HEAD_META), cb_kwargs={"article_url": record.url})

    def _keep(self, url: str, article_url: str, status: int, media_type: str | None = None,
              length: int | None = None) -> None:
        try:
            head = self.store.save_file_head(url, status, media_type, length)
            self.store.describe_attachment(article_url, head)
        except (DBAPIError, OSError) as exc:  # the article stays with its extension's types
            log.warning("file %s: the server's answer could not be stored (%s)", url, type(exc).__name__)

    def file_answered(self, response: Response, article_url: str) -> None:
        """Keep what the server said of the file (type and size) and write it into the article."""
        self.count("files_answered")
        length = _header(response, "Content-Length")
        media_type = _header(response, "Content-Type").split(";")[0].strip().lower() or None
        self._keep(_first_url(response.request), article_url, response.status, media_type,
                   int(length) if length.isdigit() else None)
        log.debug("file %s: %s, %s bytes", response.url, media_type, length or "?")

    def file_unanswered(self, failure: Failure, **kwargs: Any) -> None:
        """A file its server would not describe (404, 405, timeout, robots.txt): its extension does.

        Kept too, so it is not asked again; not a failure of the crawl, whose pages all answered.
        """
        request = failure.request  # type: ignore[attr-defined]
        status = 0
        if failure.check(HttpError):
            status = failure.value.response.status
            self.count("files_answered")
        self._keep(_first_url(request), request.cb_kwargs.get("article_url", ""), status)
        log.info("file %s: not described by its server (%s)", _first_url(request), describe(failure))
