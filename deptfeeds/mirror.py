"""Serve saved department sites on 127.0.0.1 as an HTTP proxy, so crawls use real host names.

`samples/sites/<host>/` is the document root of http://<host>/. The crawler reaches it
through `http_proxy`, which keeps URLs, robots.txt and same-site checks exactly as on the
real web. Query URLs are routed by site.toml with their parameters sorted, as ASP.NET and
SharePoint servers ignore parameter order. Pages get ETag and Last-Modified so conditional
requests can be answered with 304.
"""

from __future__ import annotations

import email.utils
import hashlib
import logging
import mimetypes
import os
import threading
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

log = logging.getLogger("deptfeeds.mirror")


@dataclass
class Site:
    root: Path
    content_type: str = "text/html; charset=utf-8"
    routes: dict[str, str] = field(default_factory=dict)
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)


@lru_cache(maxsize=256)
def load_site(root: Path) -> Site:
    config = root / "site.toml"
    raw: dict[str, Any] = tomllib.loads(config.read_text("utf-8")) if config.exists() else {}
    routes = {route_key(k): v for k, v in raw.get("routes", {}).items()}
    return Site(root, raw.get("content_type", Site.content_type), routes,
                raw.get("headers", {}), raw.get("redirects", {}))


def route_key(path_and_query: str) -> str:
    """`/a.aspx?b=2&a=1` → `/a.aspx?a=1&b=2`: the key routes are stored under."""
    parts = urlsplit(path_and_query)
    query = urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))
    return unquote(parts.path) + ("?" + query if query else "")


def resolve(site: Site, path: str, query: str) -> Path | None:
    """The file that answers a request, by the rules in samples/README.md."""
    if query:
        target = site.routes.get(route_key(f"{path}?{query}"))
        return site.root / target if target else None
    relative = unquote(path).lstrip("/")
    candidate = (site.root / relative).resolve()
    if site.root.resolve() not in (candidate, *candidate.parents):
        return None
    if (candidate / "index.html").is_file():
        candidate = candidate / "index.html"
    elif not candidate.is_file():  # also a folder without an index: /tin-tuc beside /tin-tuc/bai-1
        candidate = candidate.with_name(candidate.name + ".html")
    return candidate if candidate.is_file() else None


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


def answer(root: Path, method: str, target: str, host_header: str,
           request_headers: dict[str, str]) -> tuple[str, Answer]:
    """What the mirror answers one request (the full URL asked for, and the answer).

    `request_headers` has lower-case names. The body is the page even for HEAD; the server
    sending it leaves it out.
    """
    url = urlsplit(target)
    host = (url.hostname or host_header.split(":")[0]).lower()
    full = f"http://{host}{url.path}" + (f"?{url.query}" if url.query else "")
    site_root = root / host
    if not host or not site_root.is_dir():
        return full, Answer(502, {"Content-Type": "text/plain"}, b"unknown host\n")
    site = load_site(site_root)
    if url.path in site.redirects and not url.query:
        return full, Answer(301, {"Location": f"http://{host}{site.redirects[url.path]}"}, b"")
    path = resolve(site, url.path, url.query)
    if path is None:
        return full, Answer(404, {"Content-Type": "text/plain"}, b"not found\n")
    data = path.read_bytes()
    etag = '"' + hashlib.sha1(data).hexdigest()[:16] + '"'
    modified = email.utils.formatdate(path.stat().st_mtime, usegmt=True)
    relative = path.relative_to(site.root).as_posix()
    ctype = site.content_type if path.suffix == ".html" else (
        mimetypes.guess_type(path.name)[0] or "application/octet-stream")
    headers = {"Content-Type": ctype, "ETag": etag, "Last-Modified": modified,
               **site.headers.get(relative, {})}
    since, match = request_headers.get("if-modified-since"), request_headers.get("if-none-match")
    if match == etag or (since and not match and since == modified):
        headers.pop("Content-Type")
        return full, Answer(304, headers, b"")
    return full, Answer(200, headers, data)


class MirrorHandler(BaseHTTPRequestHandler):
    server: MirrorServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_HEAD(self) -> None:
        self.answer(head=True)

    def do_GET(self) -> None:
        self.answer(head=False)

    def do_POST(self) -> None:
        """An ASP.NET WebForms postback (a pager's "Page$2"): routed like a GET of the page with its
        event target and argument as the query, the only fields that say which page is asked for."""
        length = int(self.headers.get("Content-Length") or 0)
        form = dict(parse_qsl(self.rfile.read(length).decode("latin-1"), keep_blank_values=True))
        event = {k: form[k] for k in ("__EVENTTARGET", "__EVENTARGUMENT") if form.get(k)}
        base = self.path.split("?")[0]
        self.answer(head=False, target=f"{base}?{urlencode(event)}" if event else self.path)

    def answer(self, head: bool, target: str | None = None) -> None:
        request_headers = {name.lower(): value for name, value in self.headers.items()}
        full, reply = answer(self.server.root, self.command, target or self.path,
                             self.headers.get("Host", ""), request_headers)
        self.send(reply.status, reply.body, None, full, head, reply.headers)

    def send(self, status: int, body: bytes, ctype: str | None, url: str, head: bool,
             headers: dict[str, str] | None = None) -> None:
        self.server.record(self.command, url, status)
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head and body:
            self.wfile.write(body)


class MirrorServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path, host: str = "127.0.0.1", port: int = 0):
        self.root = Path(root).resolve()
        self.hits: list[tuple[str, str, int]] = []
        self._lock = threading.Lock()
        super().__init__((host, port), MirrorHandler)

    def record(self, method: str, url: str, status: int) -> None:
        with self._lock:
            self.hits.append((method, url, status))

    @property
    def proxy_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"


@contextmanager
def serving(root: Path, host: str = "127.0.0.1", port: int = 0) -> Iterator[MirrorServer]:
    """Serve `root` in a background thread for the duration of the block."""
    server = MirrorServer(root, host, port)
    thread = threading.Thread(target=server.serve_forever, name="mirror", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def proxied(server: MirrorServer) -> Iterator[None]:
    """Route this process's (and its children's) plain-HTTP requests through the mirror."""
    saved = {k: os.environ.get(k) for k in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY")}
    os.environ["http_proxy"] = os.environ["HTTP_PROXY"] = server.proxy_url
    os.environ["no_proxy"] = os.environ["NO_PROXY"] = ""
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
