"""Serve a (generated) mirror in its own process and count what it was asked for.

Two servers: `stdlib` is deptfeeds.mirror's threaded server as the tests use it; `twisted`
answers the same requests the same way (same files, routes, ETag, Last-Modified, 304) from a
single event loop, so a fast crawler measures itself and not the server. Both answer
GET /__bench__/hits with every (method, URL, status) since the last call.

    python -m bench.serve bench/out/mirror/sites --kind twisted
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil

from bench.common import child_env
from deptfeeds.mirror import MirrorHandler, MirrorServer, answer

HITS_PATH = "/__bench__/hits"


class CountingHandler(MirrorHandler):
    """deptfeeds.mirror's handler, plus the hits endpoint."""

    def do_GET(self) -> None:
        if self.path == HITS_PATH:
            with self.server._lock:
                hits, self.server.hits = self.server.hits, []
            body = json.dumps(hits).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


def serve_stdlib(root: Path) -> None:
    server = MirrorServer(root)
    server.RequestHandlerClass = CountingHandler
    print(f"listening {server.proxy_url}", flush=True)
    server.serve_forever()


def serve_twisted(root: Path) -> None:
    from twisted.internet import reactor
    from twisted.web.resource import Resource
    from twisted.web.server import Site

    hits: list[tuple[str, str, int]] = []

    class Mirror(Resource):
        isLeaf = True

        def render(self, request: Any) -> bytes:
            target = request.uri.decode("latin-1")
            if target == HITS_PATH:
                body = json.dumps(hits).encode()
                hits.clear()
                return body
            method = request.method.decode()
            headers = {k.decode().lower(): v[0].decode("latin-1")
                       for k, v in request.requestHeaders.getAllRawHeaders()}
            full, reply = answer(root, method, target, headers.get("host", ""), headers)
            hits.append((method, full, reply.status))
            request.setResponseCode(reply.status)
            for name, value in reply.headers.items():
                request.setHeader(name, value)
            return b"" if method == "HEAD" else reply.body

    site = Site(Mirror())
    site.noisy = False
    site.log = lambda request: None
    port = reactor.listenTCP(0, site, interface="127.0.0.1", backlog=512)
    print(f"listening http://127.0.0.1:{port.getHost().port}", flush=True)
    reactor.run()


class MirrorProcess:
    """A running mirror process: its proxy URL, its hits and its CPU time."""

    def __init__(self, proc: subprocess.Popen[str], proxy_url: str):
        self.proc = proc
        self.proxy_url = proxy_url
        self.process = psutil.Process(proc.pid)

    def take_hits(self) -> list[tuple[str, str, int]]:
        """Every request since the last call, as (method, URL, status)."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(self.proxy_url + HITS_PATH, timeout=60) as reply:
            return [tuple(h) for h in json.loads(reply.read())]

    def cpu_seconds(self) -> float:
        times = self.process.cpu_times()
        return times.user + times.system


@contextmanager
def mirror_process(sites: Path, kind: str = "twisted") -> Iterator[MirrorProcess]:
    """Run `python -m bench.serve SITES --kind KIND` for the duration of the block."""
    proc = subprocess.Popen([sys.executable, "-m", "bench.serve", str(sites), "--kind", kind],
                            env=child_env(), stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline() if proc.stdout else ""
        if not line.startswith("listening "):
            raise RuntimeError(f"mirror did not start: {line!r}")
        yield MirrorProcess(proc, line.split()[1])
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sites", type=Path, help="folder of <host>/ document roots")
    parser.add_argument("--kind", choices=("stdlib", "twisted"), default="twisted")
    args = parser.parse_args(argv)
    root = args.sites.resolve()
    (serve_stdlib if args.kind == "stdlib" else serve_twisted)(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
