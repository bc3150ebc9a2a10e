"""Serve the output folder like a good feed host: right types, validators, 304s, gzip, caching.

Starlette's StaticFiles does the HTTP (ETag, Last-Modified, 304, HEAD, staying inside the
folder); this module only adds the feed media types, Cache-Control and gzip, and serves RSS
and Atom to a browser as plain XML so it applies their stylesheet.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import MutableHeaders
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from feeds.formats import MEDIA_TYPES

DEFAULT_MAX_AGE = 300


class FeedFiles(StaticFiles):
    """Static files with feed media types (charset utf-8) and a Cache-Control max-age."""

    def __init__(self, directory: Path, max_age: int):
        super().__init__(directory=directory, html=True)
        self.max_age = max_age

    def file_response(self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope,
                      status_code: int = 200) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        suffix = Path(full_path).suffix
        media_type = MEDIA_TYPES.get(suffix)
        if suffix in BROWSER_READABLE and _from_a_browser(scope):
            # Browsers apply a feed's stylesheet only to a generic XML type (Chromium shows
            # application/rss+xml as plain text); readers keep the feed types.
            media_type = "application/xml"
        if media_type and response.status_code != 304:
            response.headers["content-type"] = f"{media_type}; charset=utf-8"
        response.headers["cache-control"] = f"public, max-age={self.max_age}"
        # The 200 varies by Accept-Encoding (gzip), and a feed's type by Accept; a 304 must say
        # the same, or a cache may revalidate the gzipped copy for a client that cannot read it
        # (RFC 9110, 15.4.5).
        varies = "Accept, Accept-Encoding" if suffix in BROWSER_READABLE else "Accept-Encoding"
        response.headers["vary"] = varies
        return response


BROWSER_READABLE = (".rss", ".atom")  # they name feed.xsl (feeds/templates/feed.xsl)


def _from_a_browser(scope: Scope) -> bool:
    """A request whose Accept asks for a web page first: a person opening the feed's link."""
    accept = next((value for name, value in scope.get("headers", ()) if name == b"accept"), b"")
    return b"text/html" in accept


class WeakETagWhenCompressed:
    """A gzipped body is another representation: its ETag must not claim byte equality."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_weak_etag(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(raw=message["headers"])
                etag = headers.get("etag")
                if etag and headers.get("content-encoding") and not etag.startswith("W/"):
                    headers["etag"] = "W/" + etag
                vary = headers.get("vary")
                if vary:  # the files and the gzip layer both name Accept-Encoding: say it once
                    headers["vary"] = ", ".join(dict.fromkeys(v.strip() for v in vary.split(",")))
            await send(message)

        await self.app(scope, receive, send_with_weak_etag)


def create_app(directory: Path, max_age: int = DEFAULT_MAX_AGE) -> Starlette:
    """The ASGI app serving `directory`; GET and HEAD only, nothing outside it."""
    middleware = [Middleware(WeakETagWhenCompressed), Middleware(GZipMiddleware, minimum_size=500)]
    return Starlette(routes=[Mount("/", app=FeedFiles(directory, max_age))], middleware=middleware)


def serve(directory: Path, host: str = "127.0.0.1", port: int = 8080, max_age: int = DEFAULT_MAX_AGE) -> None:
    """Serve until interrupted; port 0 picks a free port, and the address is printed either way."""
    if not directory.is_dir():
        raise FileNotFoundError(f"no feed folder at {directory}: run `deptfeeds build` first")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)  # from now on connections queue, so the printed address is usable at once
    bound_host, bound_port = sock.getsockname()[:2]
    shown = f"[{bound_host}]" if family == socket.AF_INET6 else bound_host
    print(f"serving {directory} on http://{shown}:{bound_port}/", flush=True)
    config = uvicorn.Config(create_app(directory, max_age), log_level="warning", server_header=False,
                            proxy_headers=False, lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        sock.close()
        sys.stdout.flush()
