"""The generic department spider: listing pages, then the article pages they link to."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import AsyncIterator, Generator, Iterator
from datetime import UTC, datetime, timedelta
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.http import Response, TextResponse
from twisted.python.failure import Failure

from core.config import Config, Source
from core.database import sqlite_file
from core.store import ArticleRecord, CrawlRun, ListingMark, Store
from crawler.canonical import article_for_print_view, article_urls, canonical_url
from crawler.failures import describe
from crawler.files import FileHeads
from crawler.profiles import profile_for
from crawler.shared_store import open_store, release_store

if TYPE_CHECKING:
    from crawler.listing import ListedLink, Postback

log = logging.getLogger("deptfeeds.crawl")


def http_cache_dir(config: Config) -> Path:
    """Scrapy's HTTP cache lives beside the SQLite store (or beside the config for other stores)."""
    database = sqlite_file(config.store_url)
    return (database.parent if database is not None else config.folder) / "httpcache"


def crawl_settings(config: Config) -> dict[str, Any]:
    """Scrapy settings that come from the [crawl] table of the config."""
    crawl = config.crawl
    return {
        "USER_AGENT": crawl.user_agent,
        "DOWNLOAD_DELAY": crawl.delay,
        "AUTOTHROTTLE_START_DELAY": max(crawl.delay, 0.1),
        "CONCURRENT_REQUESTS_PER_DOMAIN": crawl.concurrency_per_domain,
        "DOWNLOAD_TIMEOUT": crawl.timeout,
        "DOWNLOAD_MAXSIZE": crawl.max_page_bytes,
        "HTTPCACHE_DIR": str(http_cache_dir(config)),
    }


def spider_for(source: Source, config: Config) -> type[DepartmentSpider]:
    """A spider class named after the source, so `scrapy crawl <source-id>` finds it.

    The parsed config travels on the class: the pipeline reads it from `crawler.spidercls`
    in `from_crawler`, and no component reads the config file again.
    """
    return type(f"Spider_{source.id}", (DepartmentSpider,), {
        "name": source.id,
        "source": source,
        "config": config,
        "allowed_domains": sorted(source.hosts),
        "custom_settings": crawl_settings(config),
    })


class DepartmentSpider(FileHeads, scrapy.Spider):
    name = "department"
    source: Source
    config: Config

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.profile = profile_for(self.source)
        # A family's keep_params says which query parameters name an article; no family: all do.
        self.keep_params = self.profile.keep_params
        self.failures: list[dict[str, str]] = []
        self.recovered: list[dict[str, str]] = []  # pages that failed first, then answered
        # The hosts this source may be crawled on; grows when the whole site moves.
        self.hosts: set[str] = set(self.source.hosts)
        self.listing_seen: set[str] = set()
        # First listing pages read this run: digest and article keys; and those left unread (unchanged).
        self.first_pages: dict[str, tuple[str, list[str]]] = {}
        self.unchanged_pages: dict[str, ListingMark] = {}
        self.files_asked: set[str] = set()  # attached files asked about with HEAD (crawler/files.py)

    @cached_property
    def store(self) -> Store:
        """The store, read to skip articles already known (shared with the pipeline)."""
        return open_store(self.config.store_url)

    def closed(self, reason: str) -> None:
        if "store" in self.__dict__:
            release_store(self.store)

    def count(self, key: str, value: int = 1) -> None:
        self.crawler.stats.inc_value(f"deptfeeds/{key}", value)

    def recheck_after(self) -> datetime:
        """Articles that appeared before this are settled: an edit of them is unlikely now."""
        return datetime.now(UTC) - timedelta(days=self.config.crawl.recheck_days)

    def to_fetch(self, links: list[ListedLink]) -> tuple[list[tuple[ListedLink, str]], bool, list[str]]:
        """The article links worth a request, whether the page held only settled articles, and the
        canonical URLs of every article it links to.

        Print and PDF views are mapped to their article (or dropped); articles already stored
        are skipped unless younger than the recheck window, when an edit is still likely. A
        page of stored articles all older than that window means the pages after it are too.
        """
        targets = []
        for link in links:
            target = article_for_print_view(link.url, self.profile.print_views)
            if target is None:
                log.debug("%s: skipping print view %s", self.source.id, link.url)
                continue
            targets.append((link, target, canonical_url(target, self.keep_params)))
        # Known to a source still configured: one renamed or removed since gives its articles over.
        known = self.store.known_urls([key for _, _, key in targets],
                                      sources={s.id for s in self.config.sources})
        recheck_after = self.recheck_after()
        wanted = []
        for link, target, key in targets:
            appeared = known.get(key)
            if appeared is not None and appeared < recheck_after:
                self.count("articles_skipped")
                continue
            wanted.append((link, target))
        return wanted, bool(targets) and not wanted, [key for _, _, key in targets]

    def previous_run(self) -> CrawlRun | None:
        """The source's last finished run before this one."""
        return next((run for run in self.store.runs(self.source.id, limit=10)
                     if run.id != getattr(self, "run_id", None) and run.status != "running"), None)

    async def start(self) -> AsyncIterator[scrapy.Request]:
        # A listing page of known articles means the pages after it are known too only when the
        # previous run went through to its end: a run that was stopped or lost pages may have left
        # articles of later pages unstored, which this run must still reach (it then reads every
        # page up to max_pages, skipping what is stored).
        previous = self.previous_run()
        self.stop_early = previous is None or previous.status == "ok"
        # The first listing pages that clean run left marked (core/listings.py); none for documents
        # lists, whose rows are stored from the listing itself.
        self.marks: dict[str, ListingMark] = {}
        if previous is not None and previous.status == "ok" and self.source.kind != "documents":
            self.marks = {url: mark for url, mark in self.store.listing_marks(self.source.id).items()
                          if mark.run_id == previous.id}
        if not self.stop_early:
            log.info("%s: the last run did not finish cleanly; reading every listing page (up to %d)",
                     self.source.id, self.source.max_pages)
        for url in self.source.listing:
            self.listing_seen.add(url)
            yield scrapy.Request(url, callback=self.parse_listing, errback=self.failed,
                                 cb_kwargs={"page": 1})

    def fail(self, url: str, reason: str) -> None:
        """Remember a failure for the run record and say it in the log, then carry on."""
        self.failures.append({"url": url, "error": reason})
        log.warning("%s: %s: %s", self.source.id, url, reason)

    def note_recovered(self, response: Response) -> None:
        """Name the faults a page answered through (retried 500s, resets...) in the run record."""
        faults = response.meta.get("faults")
        if faults:
            url = (response.meta.get("redirect_urls") or [response.request.url])[0]
            reason = f"{', '.join(faults)}, then answered ({len(faults) + 1} tries)"
            self.recovered.append({"url": url, "error": reason})
            log.info("%s: %s: recovered: %s", self.source.id, url, reason)

    def failed(self, failure: Failure) -> None:
        """Errback: name the fault (crawler/failures.py) in the run record and the log."""
        request = getattr(failure, "request", None)
        url = (request.meta.get("redirect_urls") or [request.url])[0] if request is not None else "?"
        self.fail(url, describe(failure))

    def parse_listing(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        self.note_recovered(response)
        if not isinstance(response, TextResponse):
            self.fail(response.url, "listing page is not HTML")
            return
        # A first page is marked by the listing URL the source configures, before any redirect.
        first = ((response.request.meta.get("redirect_urls") or [response.request.url])[0]
                 if page == 1 and self.source.kind != "documents" else None)
        digest = self.listing_digest(response) if first else ""
        if first and self.unchanged_listing(first, digest):
            return
        # Imported here: a recrawl whose listings are unchanged never loads the listing parser.
        from bs4 import BeautifulSoup

        from crawler.listing import Postback, article_links, next_page, next_postback

        soup = BeautifulSoup(response.text, "lxml")
        if self.source.kind == "documents":
            settled = yield from self.document_entries(response)
        else:
            links = article_links(soup, response.url, self.hosts, selectors=self.profile.links,
                                  patterns=self.profile.article_urls, timezone=self.source.timezone)
            log.info("%s: listing page %d: %d article link%s (%s)", self.source.id, page, len(links),
                     "" if len(links) == 1 else "s", response.url)
            if not links:
                self.fail(response.url, "listing page has no article links")
            else:
                self.count("listing_pages_read")
            wanted, settled, keys = self.to_fetch(links)
            if first:
                self.first_pages[first] = (digest, keys)
            for link, target in wanted:
                self.count("articles_requested")
                yield scrapy.Request(target, callback=self.parse_article, errback=self.failed,
                                     cb_kwargs={"listing_date": link.date, "listing_title": link.text})
        following: str | Postback | None = next_page(soup, response.url, self.hosts,
                                                     selectors=self.profile.next_page)
        if following is None:
            following = next_postback(soup, response.url, selectors=self.profile.next_page)
        # A postback posts to the same URL each time: its page is told by its event argument.
        seen = following if not isinstance(following, Postback) else f"{response.url} {following}"
        if following and settled and self.stop_early:
            log.info("%s: listing page %d holds only known articles; not following %s",
                     self.source.id, page, following)
            self.count("listing_stopped_early")
        elif following and page < self.source.max_pages and seen not in self.listing_seen:
            self.listing_seen.add(seen)
            yield self.listing_request(response, following, page + 1)

    def listing_digest(self, response: TextResponse) -> str:
        """What a listing page's links depend on: its address and bytes, and how this source reads them."""
        digest = hashlib.sha256(self.profile.model_dump_json().encode())
        for part in (" ".join(sorted(self.hosts)), response.url):
            digest.update(b"\0" + part.encode())
        digest.update(b"\0" + response.body)
        return digest.hexdigest()

    def unchanged_listing(self, url: str, digest: str) -> bool:
        """Whether a first listing page is as the previous clean run left it, its articles all
        stored and settled: reading it again could only skip them all and stop there."""
        mark = self.marks.get(url)
        if mark is None or mark.digest != digest or mark.newest >= self.recheck_after():
            return False
        self.unchanged_pages[url] = mark
        self.count("listing_pages_read")
        self.count("listing_unchanged")
        self.count("articles_skipped", mark.links)
        log.info("%s: listing page 1 unchanged since run %d, its %d articles all known (%s)",
                 self.source.id, mark.run_id, mark.links, url)
        return True

    def listing_marks(self, run_id: int) -> list[ListingMark]:
        """Marks for the first listing pages whose articles are all stored now, for the pipeline
        to keep when this run ended cleanly; the next run may then leave those pages unread."""
        marks = [ListingMark(source_id=self.source.id, url=url, run_id=run_id, digest=old.digest,
                             newest=old.newest, links=old.links) for url, old in self.unchanged_pages.items()]
        for url, (digest, keys) in self.first_pages.items():
            known = self.store.known_urls(keys, sources={s.id for s in self.config.sources})
            if keys and known.keys() >= set(keys):
                marks.append(ListingMark(source_id=self.source.id, url=url, run_id=run_id, digest=digest,
                                         newest=max(known.values()), links=len(keys)))
        return marks

    def listing_request(self, response: Response, following: str | Postback, page: int) -> scrapy.Request:
        """The request for the next listing page: a link to follow, or the WebForms form posted back."""
        if isinstance(following, str):
            return scrapy.Request(following, callback=self.parse_listing, errback=self.failed,
                                  cb_kwargs={"page": page})
        return scrapy.FormRequest.from_response(
            response, formxpath="//form[.//input[@name='__VIEWSTATE']]", dont_click=True,
            formdata={"__EVENTTARGET": following.target, "__EVENTARGUMENT": following.argument},
            callback=self.parse_listing, errback=self.failed, cb_kwargs={"page": page})

    def document_entries(self, response: Response) -> Generator[ArticleRecord | scrapy.Request, None, bool]:
        """A documents listing: each row an entry, its file the attachment (no page fetched).

        Returns whether every row was stored before, as a listing of known articles does: the
        pages after it are then known too.
        """
        from crawler.documents import document_rows  # here: an unchanged recrawl never needs it

        rows = document_rows(response.text, response.url, self.source.timezone,
                             selectors=self.profile.documents)
        log.info("%s: documents listing: %d documents (%s)", self.source.id, len(rows), response.url)
        if not rows:
            self.fail(response.url, "listing page has no documents list")
            return False
        self.count("listing_pages_read")
        urls = [canonical_url(row.url, self.keep_params) for row in rows]
        known = self.store.known_urls(urls, sources={s.id for s in self.config.sources})
        for row, url in zip(rows, urls, strict=True):
            record = ArticleRecord(
                source_id=self.source.id, url=url, title=row.title,
                summary=row.summary, body_html=row.body_html(), body_text=row.body_text(),
                published=row.issued, date_source="listing" if row.issued else None,
                attachments=[{"url": f.url, "title": f.title, "type": f.type} for f in row.files],
                extraction={"kind": "documents"})
            self.known_files(record)
            yield record
            yield from self.file_requests(record)
        return all(url in known for url in urls)

    def parse_article(self, response: Response, listing_date: datetime | None = None,
                      listing_title: str = "") -> Iterator[ArticleRecord | scrapy.Request]:
        self.count("articles_fetched")
        self.note_recovered(response)
        if "cached" in response.flags:  # the server answered 304: the cached copy is current
            self.count("articles_not_modified")
        if not isinstance(response, TextResponse):
            content_type = response.headers.get("Content-Type", b"").decode("latin-1")
            self.fail(response.url, f"not an HTML page ({content_type or 'no content type'})")
            return
        from crawler.extract.article import NoArticle, extract_article  # loaded on the first article

        content_type = response.headers.get("Content-Type", b"").decode("latin-1") or None
        try:
            article = extract_article(response.body, response.url, content_type=content_type,
                                      rules=self.profile.extract, timezone=self.source.timezone,
                                      listing_date=listing_date, listing_title=listing_title)
        except NoArticle as exc:
            self.fail(response.url, f"no article: {exc}")
            return
        except Exception as exc:  # a page that breaks the parser must not stop the crawl
            log.exception("%s: extraction crashed on %s", self.source.id, response.url)
            self.fail(response.url, f"extraction error: {type(exc).__name__}: {exc}")
            return
        # The URL first asked for, before redirects: the one the listing links next time.
        first_url = (response.request.meta.get("redirect_urls") or [response.request.url])[0]
        url, aliases = article_urls(article.url, first_url, article.canonical, self.source.listing,
                                    self.keep_params, self.profile.print_views)
        record = ArticleRecord.from_page(article, source_id=self.source.id, url=url, aliases=aliases)
        self.known_files(record)
        yield record  # stored now, with what is known of its files; HEAD requests ask for the rest
        yield from self.file_requests(record)
