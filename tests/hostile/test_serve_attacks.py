"""Attacks on `deptfeeds serve`: path traversal and absurd requests get nothing, and it keeps serving.

The server runs as its own process on a free loopback port; requests are raw bytes on a
socket, so nothing is normalised on the way. Next to the feed folder sit a secret file,
the config and the SQLite store: none of them may ever come back.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.kill import environment
from tests.faults.served import Served, get, raw_request, serving, status_of
from tests.faults.server import FaultServer
from tests.hostile.conftest import cli, write_config
from tests.hostile.feedcheck import read_feed

SECRET = "BÍ-MẬT-7f3a9c"
# Answers that refuse a request; 500 would mean the attack reached unhandled code.
REFUSALS = {400, 403, 404, 405, 406, 411, 413, 414, 416, 417, 421, 422, 431, 501, 505}

TRAVERSALS = [
    "/../secret.txt", "/../../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt",
    "/%2e%2e%2fsecret.txt", "/%252e%252e/secret.txt", "/..%252fsecret.txt", "/....//secret.txt",
    "/..\\secret.txt", "/%5c..%5csecret.txt", "/..;/secret.txt", "/%c0%ae%c0%ae/secret.txt",
    "/.%2e/secret.txt", "/%2e%2e/deptfeeds.toml", "/../deptfeeds.toml", "/../data/deptfeeds.db",
    "/./../data/deptfeeds.db", "/%00/../secret.txt", "/all.rss/../../secret.txt",
    "//etc/passwd", "/../../../../../../../../etc/passwd", "/%2f%2fetc%2fpasswd", "/proc/self/environ",
    "/leak.txt", "/secret-link/secret.txt", "http://127.0.0.1/../secret.txt",
]


def request(line: str, headers: list[str] | None = None, body: bytes = b"") -> bytes:
    head = [line, *(headers if headers is not None else ["Host: 127.0.0.1"]), "Connection: close"]
    return ("\r\n".join(head) + "\r\n\r\n").encode("utf-8") + body


ABSURD = {
    "100 KB header value": request("GET /all.rss HTTP/1.1", ["Host: 127.0.0.1", "X-Big: " + "a" * 100_000]),
    "10,000 headers": request("GET /all.rss HTTP/1.1",
                              ["Host: 127.0.0.1", *(f"X-H{i}: {i}" for i in range(10_000))]),
    "1 MB request target": request("GET /" + "a" * 1_000_000 + " HTTP/1.1"),
    "header without a colon": request("GET /all.rss HTTP/1.1", ["Host: 127.0.0.1", "Không có dấu hai chấm"]),
    "non-ASCII bytes in a header": b"GET /all.rss HTTP/1.1\r\nHost: 127.0.0.1\r\nX-T\xean: S\xff\xfe\r\n\r\n",
    "NUL byte in the path": b"GET /all.rss\x00.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "unknown method": request("BREW /all.rss HTTP/1.1"),
    "DELETE": request("DELETE /all.rss HTTP/1.1"),
    "POST with a body": request("POST /all.rss HTTP/1.1", ["Host: 127.0.0.1", "Content-Length: 5"], b"hello"),
    "HTTP/9.9": request("GET /all.rss HTTP/9.9"),
    "no Host on HTTP/1.1": request("GET /all.rss HTTP/1.1", []),
    "10 KB Host": request("GET /all.rss HTTP/1.1", ["Host: " + "h" * 10_000]),
    "negative Content-Length": request("GET /all.rss HTTP/1.1", ["Host: 127.0.0.1", "Content-Length: -1"]),
    "two different Content-Lengths": request(
        "GET /all.rss HTTP/1.1", ["Host: 127.0.0.1", "Content-Length: 5", "Content-Length: 6"], b"hello!"),
    "Content-Length and chunked (smuggling)": request(
        "POST /all.rss HTTP/1.1", ["Host: 127.0.0.1", "Content-Length: 4", "Transfer-Encoding: chunked"],
        b"0\r\n\r\nGET /../secret.txt HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"),
    "1,000 byte ranges": request("GET /all.rss HTTP/1.1", [
        "Host: 127.0.0.1", "Range: bytes=" + ",".join(f"{i}-{i}" for i in range(1000))]),
    "10,000 ETags in If-None-Match": request("GET /all.rss HTTP/1.1", [
        "Host: 127.0.0.1", "If-None-Match: " + ", ".join(f'"{i}"' for i in range(10_000))]),
    "TLS handshake on the HTTP port": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(64),
    "bare LF line endings": b"GET /all.rss HTTP/1.1\nHost: 127.0.0.1\nConnection: close\n\n",
    "garbage": bytes(range(256)) * 8,
}


@pytest.fixture(scope="module")
def served(fault_server: FaultServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp("serve")
    config = write_config(folder, ["healthy"])
    assert cli("run", "--config", str(config), proxy=fault_server).returncode == 0
    (folder / "secret.txt").write_text(SECRET, "utf-8")
    outside = folder / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET, "utf-8")
    (folder / "public" / "leak.txt").symlink_to(folder / "secret.txt")
    (folder / "public" / "secret-link").symlink_to(outside, target_is_directory=True)
    with serving(config, environment(fault_server.proxy_url)) as server:
        yield server


def still_serving(served: Served) -> None:
    """The server process is alive and a plain request for a feed gets the whole, valid feed."""
    assert served.process.poll() is None, served.log.read_text()[-2000:]
    response = get(served.port, "/all.rss")
    assert status_of(response) == 200, response[:300]


def test_a_plain_request_gets_the_feed(served: Served, tmp_path: Path) -> None:
    response = get(served.port, "/all.rss")
    assert status_of(response) == 200
    feed = tmp_path / "all.rss"
    feed.write_bytes(response.split(b"\r\n\r\n", 1)[1])
    assert read_feed(feed).entries


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_never_leaves_the_feed_folder(served: Served, path: str) -> None:
    response = get(served.port, path)
    assert SECRET.encode() not in response
    assert b"[[sources]]" not in response and b"SQLite format 3" not in response
    assert b"root:" not in response and b"PATH=" not in response
    assert status_of(response) in REFUSALS | {None}, response[:300]
    still_serving(served)


@pytest.mark.parametrize("case", ABSURD, ids=list(ABSURD))
def test_absurd_requests_are_refused_and_the_server_goes_on(served: Served, case: str) -> None:
    response = raw_request(served.port, ABSURD[case], timeout=5)
    assert SECRET.encode() not in response
    assert status_of(response) in REFUSALS | {200, 206, 304, None}, response[:300]
    still_serving(served)


def test_half_open_connections_do_not_starve_real_readers(served: Served) -> None:
    idle = []
    try:
        for _ in range(200):
            sock = socket.create_connection(("127.0.0.1", served.port), timeout=5)
            sock.sendall(b"GET /all.rss HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            idle.append(sock)
        started = time.monotonic()
        still_serving(served)
        assert time.monotonic() - started < 5
    finally:
        for sock in idle:
            sock.close()


def test_conditional_requests_get_304(served: Served) -> None:
    response = get(served.port, "/all.rss")
    etag = next(line.split(b":", 1)[1].strip() for line in response.split(b"\r\n")
                if line.lower().startswith(b"etag:"))
    again = get(served.port, "/all.rss", f"If-None-Match: {etag.decode()}\r\n")
    assert status_of(again) == 304 and again.split(b"\r\n\r\n", 1)[1] == b""
