"""`deptfeeds serve` behaves like a good feed host, checked over real HTTP on 127.0.0.1."""

from __future__ import annotations

import gzip
import http.client
import json
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest

NO_PROXY = urllib.request.ProxyHandler({})
FEEDS = ["thunghiem", "lancan", "all", "topics/do-luong", "topics/chuyen-doi-so-lan-can"]
ENTRIES = {"thunghiem": 3, "lancan": 2, "all": 5, "topics/do-luong": 2, "topics/chuyen-doi-so-lan-can": 2}


def request(base: str, method: str, path: str, headers: dict[str, str] | None = None
            ) -> tuple[http.client.HTTPResponse, bytes]:
    """One raw request, path sent exactly as given (no normalising, no decompression)."""
    address = urlsplit(base)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


@pytest.mark.parametrize("suffix", [".rss", ".atom"])
def test_feedparser_fetches_every_feed_and_then_gets_304(feed_server: str, suffix: str) -> None:
    for name in FEEDS:
        url = f"{feed_server}{name}{suffix}"
        first = feedparser.parse(url, handlers=[NO_PROXY])
        assert first.status == 200 and not first.bozo, (url, first.get("bozo_exception"))
        assert len(first.entries) == ENTRIES[name]
        assert first.etag and first.modified

        again = feedparser.parse(url, etag=first.etag, modified=first.modified, handlers=[NO_PROXY])
        assert again.status == 304 and again.entries == [], url
        by_date_only = feedparser.parse(url, modified=first.modified, handlers=[NO_PROXY])
        assert by_date_only.status == 304, url


def test_json_feeds_are_served_and_revalidated_too(feed_server: str) -> None:
    for name in FEEDS:
        response, body = request(feed_server, "GET", f"/{name}.json")
        assert response.status == 200
        assert len(json.loads(body)["items"]) == ENTRIES[name]
        again, empty = request(feed_server, "GET", f"/{name}.json",
                               {"If-None-Match": response.getheader("ETag")})
        assert (again.status, empty) == (304, b"")


@pytest.mark.parametrize(("path", "media_type"), [
    ("/all.rss", "application/rss+xml; charset=utf-8"),
    ("/topics/do-luong.atom", "application/atom+xml; charset=utf-8"),
    ("/lancan.json", "application/feed+json; charset=utf-8"),
    ("/feeds.opml", "text/x-opml; charset=utf-8"),
    ("/index.html", "text/html; charset=utf-8"),
    ("/", "text/html; charset=utf-8"),
])
def test_each_file_has_its_media_type_validators_and_cache_lifetime(feed_server: str, feed_sites: Path,
                                                                    path: str, media_type: str) -> None:
    response, body = request(feed_server, "GET", path)
    assert response.status == 200
    assert response.getheader("Content-Type") == media_type
    assert response.getheader("Cache-Control") == "public, max-age=300"
    assert response.getheader("ETag") and response.getheader("Last-Modified")
    on_disk = feed_sites.parent / "public" / (path.strip("/") or "index.html")
    assert body == on_disk.read_bytes()

    since, _ = request(feed_server, "GET", path, {"If-Modified-Since": response.getheader("Last-Modified")})
    assert since.status == 304
    assert since.getheader("ETag") == response.getheader("ETag")
    assert since.getheader("Cache-Control") == "public, max-age=300"


def test_head_answers_with_the_headers_and_no_body(feed_server: str, feed_sites: Path) -> None:
    response, body = request(feed_server, "HEAD", "/all.atom")
    assert response.status == 200 and body == b""
    assert response.getheader("Content-Type") == "application/atom+xml; charset=utf-8"
    size = (feed_sites.parent / "public" / "all.atom").stat().st_size
    assert int(response.getheader("Content-Length")) == size
    assert response.getheader("ETag")


def test_gzip_only_when_asked(feed_server: str, feed_sites: Path) -> None:
    on_disk = (feed_sites.parent / "public" / "all.rss").read_bytes()

    zipped, body = request(feed_server, "GET", "/all.rss", {"Accept-Encoding": "gzip"})
    assert zipped.getheader("Content-Encoding") == "gzip"
    assert zipped.getheader("Vary") == "Accept, Accept-Encoding"  # and its type by Accept
    assert gzip.decompress(body) == on_disk and len(body) < len(on_disk)
    # Different bytes on the wire: the validator is weak, and still revalidates.
    assert zipped.getheader("ETag").startswith('W/"')
    again, _ = request(feed_server, "GET", "/all.rss",
                       {"Accept-Encoding": "gzip", "If-None-Match": zipped.getheader("ETag")})
    assert again.status == 304
    assert again.getheader("Vary") == "Accept, Accept-Encoding"  # the 304 varies as the 200 did

    plain, body = request(feed_server, "GET", "/all.rss")
    assert plain.getheader("Content-Encoding") is None
    assert body == on_disk and not plain.getheader("ETag").startswith("W/")


@pytest.mark.parametrize("path", [
    "/../deptfeeds.toml",
    "/../data/deptfeeds.db",
    "/topics/../../deptfeeds.toml",
    "/%2e%2e/deptfeeds.toml",
    "/%2E%2E%2Fdeptfeeds.toml",
    "/..%2f..%2f..%2f..%2fetc/passwd",
    "/topics/%2e%2e/%2e%2e/data/deptfeeds.db",
    "//etc/passwd",
    "/%00../deptfeeds.toml",
])
def test_nothing_outside_the_output_folder_is_served(feed_server: str, path: str) -> None:
    response, body = request(feed_server, "GET", path)
    assert response.status == 404, body[:200]
    assert b"[store]" not in body and b"root:" not in body


def test_a_missing_file_is_404_and_other_methods_are_refused(feed_server: str) -> None:
    assert request(feed_server, "GET", "/khong-co.rss")[0].status == 404
    assert request(feed_server, "GET", "/topics/")[0].status == 404
    refused, _ = request(feed_server, "POST", "/all.rss")
    assert refused.status == 405 and refused.getheader("Allow") == "GET, HEAD"
