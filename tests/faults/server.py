"""A web that fails on purpose: an HTTP proxy on 127.0.0.1 whose sites misbehave per path.

Every host it is asked for is a small Drupal-like department site made from the pages in
`sites/_template/` (a listing with pagination and numbered articles); a folder
`sites/<host>/` adds real pages of its own. `faults.toml` says, per host and path, how
the site misbehaves once the server is armed (500/503 then success, 429 with Retry-After,
connection reset, silence, a slow or truncated or huge body, redirect loops, moves to other
hosts, non-HTML and empty answers, hostile pages). Disarmed, every site is healthy, so a
test can crawl cleanly first and then crawl the same sites under attack.
"""

from __future__ import annotations

import contextlib
import html
import socket
import struct
import sys
import threading
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from string import Template
from typing import Any
from urllib.parse import parse_qs, urlsplit

HERE = Path(__file__).resolve().parent
SITES = HERE / "sites"
FAULTS = HERE / "faults.toml"
XSS_VECTORS = HERE.parent / "hostile" / "xss_vectors.txt"
HTML = "text/html; charset=utf-8"
LISTING = "/index.php/tin-tuc"
ARTICLE = "/index.php/bai-"


@dataclass(frozen=True, eq=False)
class Fault:
    """One misbehaviour: `kind` at `path` of `host` ("*" for every path), with parameters."""

    host: str
    path: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


@dataclass(frozen=True)
class Shape:
    """How many articles a generated site has and how they are listed."""

    articles: int = 4
    per_page: int = 3
    generator: str = "news"
    same_as: str | None = None  # a host whose articles this one repeats (a site that moved here)


@dataclass(frozen=True)
class Hit:
    at: float
    host: str
    path: str
    outcome: str


def load_faults(path: Path = FAULTS) -> tuple[list[Fault], dict[str, Shape]]:
    """The fault table and the site shapes from faults.toml."""
    raw = tomllib.loads(path.read_text("utf-8"))
    faults = []
    for entry in raw.get("faults", []):
        entry = dict(entry)
        faults.append(Fault(entry.pop("host"), entry.pop("path"), entry.pop("kind"), entry))
    shapes = {host: Shape(**table) for host, table in raw.get("sites", {}).items()}
    for host, shape in shapes.items():
        if shape.generator == "xss":
            count = len(xss_vectors())
            shapes[host] = Shape(articles=count, per_page=count, generator="xss")
    return faults, shapes


def xss_vectors(path: Path = XSS_VECTORS) -> list[str]:
    """The known XSS vectors, one a line (lines starting with # are comments)."""
    lines = path.read_text("utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def _template(name: str) -> Template:
    return Template((SITES / "_template" / name).read_text("utf-8"))


def article_date(n: int) -> date:
    """A publication date per article number, newest first, so feeds have a stable order."""
    return date(2024, 12, 31) - timedelta(days=3 * n)


def article_title(host: str, n: int, shape: Shape) -> str:
    """The article's title as text (pages escape it, as a CMS does; the XSS site's bodies do not)."""
    if shape.generator == "xss":
        return f"Bài {n}: {xss_vectors()[n - 1]}"
    return f"Hội nghị triển khai nhiệm vụ khoa học và công nghệ số {n} tại {shape.same_as or host}"


def article_body(host: str, n: int, shape: Shape, edition: int = 0) -> str:
    """A few paragraphs of plain department prose; the XSS site adds its vector in several places."""
    host = shape.same_as or host
    paragraphs = [
        f"Ngày {article_date(n):%d/%m/%Y}, Sở Khoa học và Công nghệ ({host}) tổ chức hội nghị "
        f"triển khai nhiệm vụ số {n} với sự tham dự của đại diện các sở, ngành và địa phương.",
        "Tại hội nghị, các đại biểu đã thảo luận về kết quả thực hiện các đề tài, dự án khoa học "
        "và công nghệ cấp tỉnh, đồng thời đề xuất giải pháp nâng cao hiệu quả ứng dụng vào sản xuất.",
        f"Phát biểu kết luận, lãnh đạo Sở đề nghị các đơn vị tiếp tục phối hợp chặt chẽ để hoàn "
        f"thành nhiệm vụ số {n} đúng tiến độ và bảo đảm chất lượng.",
    ]
    html = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    if shape.generator == "xss":
        vector = xss_vectors()[n - 1]
        html = (f"<p>Nội dung cảnh báo số {n}: {vector}</p>\n{html}\n<div>{vector}</div>\n"
                f"<p><a href=\"{vector}\">Tài liệu đính kèm số {n}</a> {vector} hết.</p>")
    if edition:
        html += f"\n<p>Bài viết được cập nhật lần thứ {edition}.</p>"
    return html + "\n<p>Phòng Quản lý khoa học</p>"


def listing_page(host: str, page: int, shape: Shape) -> bytes | None:
    """Listing page `page` (0-based, as Drupal's ?page=N) of a generated site."""
    first = page * shape.per_page + 1
    if first > shape.articles and page > 0:
        return None
    numbers = range(first, min(first + shape.per_page, shape.articles + 1))
    item = _template("item.html")
    items = "\n".join(item.substitute(url=f"{ARTICLE}{n}", title=html.escape(article_title(host, n, shape)),
                                      date=f"{article_date(n):%d/%m/%Y}") for n in numbers)
    pager = ""
    if numbers.stop <= shape.articles:
        pager = (f'<div class="item-list"><ul class="pager"><li class="pager-current">{page + 1}</li>'
                 f'<li class="pager-next"><a title="Đến trang tiếp theo" href="{LISTING}?page={page + 1}">'
                 f"tiếp ›</a></li></ul></div>")
    return _template("listing.html").substitute(host=host, items=items, pager=pager).encode()


def article_page(host: str, n: int, shape: Shape, edition: int = 0) -> bytes | None:
    if not 1 <= n <= shape.articles:
        return None
    return _template("article.html").substitute(
        host=host, title=html.escape(article_title(host, n, shape)), date=f"{article_date(n):%d/%m/%Y}",
        body=article_body(host, n, shape, edition)).encode()


def generated(host: str, path: str, query: str, shape: Shape, edition: int = 0) -> bytes | None:
    """The healthy page at `path` of a generated site, or None for a 404."""
    if path == "/robots.txt":
        return (SITES / "_template" / "robots.txt").read_bytes()
    if path == LISTING:
        pages = parse_qs(query).get("page", ["0"])
        return listing_page(host, int(pages[0]), shape) if pages[0].isdigit() else None
    if path.startswith(ARTICLE) and path[len(ARTICLE):].isdigit():
        return article_page(host, int(path[len(ARTICLE):]), shape, edition)
    return None


class FaultHandler(BaseHTTPRequestHandler):
    server: FaultServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def finish(self) -> None:
        with contextlib.suppress(OSError, ValueError):  # a fault closed or reset the socket on purpose
            super().finish()

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        self.host = (url.hostname or self.headers.get("Host", "").split(":")[0]).lower()
        self.target = url.path + (f"?{url.query}" if url.query else "")
        fault = self.server.fault_for(self.host, url.path, self.target)
        if fault is None:
            return self.healthy(url.path, url.query)
        try:
            getattr(self, "fault_" + fault.kind)(fault, url.path)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the crawler gave up first, as it should

    def healthy(self, path: str, query: str, outcome: str = "200") -> None:
        body = generated(self.host, path, query, self.server.shape(self.host), self.server.edition)
        static = SITES / self.host / path.lstrip("/")
        if body is None and SITES / self.host in static.parents:
            for candidate in (static, static.with_name(static.name + ".html")):
                if candidate.is_file():
                    body = candidate.read_bytes()
                    break
        if body is None:
            return self.answer(404, b"<html><body><h1>Not found</h1></body></html>", HTML, "404")
        ctype = "text/plain" if path == "/robots.txt" else HTML
        self.answer(200, body, ctype, outcome)

    def answer(self, status: int, body: bytes, ctype: str | None, outcome: str,
               headers: dict[str, str] | None = None, length: int | None = None) -> None:
        self.server.record(self.host, self.target, outcome)
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body) if length is None else length))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()

    # One method per kind of fault in faults.toml.

    def fault_status(self, fault: Fault, path: str) -> None:
        """Answer `status` for the first `times` requests (every request without `times`)."""
        times = fault.get("times")
        if times is not None and self.server.count(fault) > times:
            return self.healthy(path, urlsplit(self.path).query, "200-after-fault")
        headers = {"Retry-After": str(fault.get("retry_after"))} if fault.get("retry_after") else {}
        body = f"<html><body><h1>Lỗi {fault.get('status')}</h1></body></html>".encode()
        self.answer(fault.get("status"), body, HTML, str(fault.get("status")), headers)

    def fault_page(self, fault: Fault, path: str) -> None:
        """Serve a file of the fault's site (or a literal body) with the content type given."""
        body = (SITES / fault.get("file")).read_bytes() if fault.get("file") else fault.get(
            "body", "").encode("utf-8")
        self.answer(fault.get("status", 200), body, fault.get("content_type", HTML), fault.kind)

    def fault_redirect(self, fault: Fault, path: str) -> None:
        to = fault.get("to")
        self.answer(fault.get("status", 302), b"", HTML, f"{fault.get('status', 302)}->{to}",
                    {"Location": to})

    def fault_moved(self, fault: Fault, path: str) -> None:
        """The whole site answers with a permanent redirect to the same path on a new host."""
        to = f"http://{fault.get('to_host')}{self.target}"
        self.answer(301, b"", HTML, f"301->{to}", {"Location": to})

    def fault_bloated(self, fault: Fault, path: str) -> None:
        """The article with its title repeated to `title_chars` and a bold lead of `lead_chars`."""
        n = int(path.rsplit("-", 1)[-1]) if path.rsplit("-", 1)[-1].isdigit() else 1
        shape = self.server.shape(self.host)
        words = article_title(self.host, n, shape) + " "
        title = (words * (fault.get("title_chars", 0) // len(words) + 1))[: fault.get("title_chars", 0)]
        sentence = "Sáng nay, Sở Khoa học và Công nghệ tổ chức hội nghị tổng kết năm. "
        lead = sentence * (fault.get("lead_chars", 0) // len(sentence) + 1)
        body = _template("article.html").substitute(
            host=self.host, title=html.escape(title), date=f"{article_date(n):%d/%m/%Y}",
            body=f"<p><strong>{lead}</strong></p>\n{article_body(self.host, n, shape)}").encode()
        self.answer(200, body, HTML, "bloated")

    def fault_reset(self, fault: Fault, path: str) -> None:
        self.server.record(self.host, self.target, "reset")
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def fault_hang(self, fault: Fault, path: str) -> None:
        """Accept the request and never answer."""
        self.server.record(self.host, self.target, "hang")
        self.server.stopping.wait(fault.get("seconds", 600))
        self.close_connection = True

    def fault_slow(self, fault: Fault, path: str) -> None:
        """Wait `delay` seconds, then drip the page over `seconds` seconds."""
        self.server.stopping.wait(fault.get("delay", 0))
        body = generated(self.host, path, "", self.server.shape(self.host)) or b""
        self.server.record(self.host, self.target, "slow")
        self.send_response(200)
        self.send_header("Content-Type", HTML)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        steps = max(1, int(fault.get("seconds", 0) * 4))
        chunk = len(body) // steps + 1
        for start in range(0, len(body), chunk):
            self.wfile.write(body[start:start + chunk])
            self.wfile.flush()
            if self.server.stopping.wait(fault.get("seconds", 0) / steps):
                break
        self.close_connection = True

    def fault_truncated(self, fault: Fault, path: str) -> None:
        """Promise the whole page in Content-Length, send a third of it and hang up."""
        body = generated(self.host, path, "", self.server.shape(self.host)) or b""
        self.answer(200, body[: len(body) // 3], HTML, "truncated", length=len(body))
        self.close_connection = True

    def fault_huge(self, fault: Fault, path: str) -> None:
        """A page of `size` bytes, announced in Content-Length or sent in chunks without one."""
        size = fault.get("size")
        filler = ("<p>" + "Nội dung rất dài. " * 50 + "</p>\n").encode()
        self.server.record(self.host, self.target, "huge")
        self.send_response(200)
        self.send_header("Content-Type", HTML)
        if fault.get("chunked"):
            self.send_header("Transfer-Encoding", "chunked")
        else:
            self.send_header("Content-Length", str(size))
        self.end_headers()
        sent = 0
        while sent < size:
            piece = filler[: size - sent]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if fault.get("chunked") else piece)
            sent += len(piece)
        if fault.get("chunked"):
            self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()
        self.close_connection = True


class FaultServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def __init__(self, faults: list[Fault], shapes: dict[str, Shape], host: str = "127.0.0.1",
                 port: int = 0):
        self.faults = faults
        self.shapes = shapes
        self.armed = False
        self.edition = 0  # bump it to change every article's text, so a recrawl writes to the store
        self.hits: list[Hit] = []
        self.stopping = threading.Event()
        self._counts: dict[Fault, int] = {}
        self._lock = threading.Lock()
        super().__init__((host, port), FaultHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Crawlers hanging up mid-answer are expected here; anything else is worth a traceback."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    @property
    def proxy_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def shape(self, host: str) -> Shape:
        return self.shapes.get(host, Shape())

    def fault_for(self, host: str, path: str, target: str) -> Fault | None:
        if not self.armed:
            return None
        for fault in self.faults:
            prefix = fault.path.endswith("*") and path.startswith(fault.path[:-1])
            if fault.host == host and (prefix or fault.path in (target, path)):
                with self._lock:
                    self._counts[fault] = self._counts.get(fault, 0) + 1
                return fault
        return None

    def count(self, fault: Fault) -> int:
        """How many requests this fault has answered since it was armed."""
        with self._lock:
            return self._counts.get(fault, 0)

    def arm(self) -> None:
        with self._lock:
            self._counts.clear()
            self.armed = True

    def disarm(self) -> None:
        self.armed = False

    def record(self, host: str, path: str, outcome: str) -> None:
        with self._lock:
            self.hits.append(Hit(time.monotonic(), host, path, outcome))

    def hits_for(self, host: str, path: str | None = None) -> list[Hit]:
        with self._lock:
            return [h for h in self.hits if h.host == host and (path is None or h.path == path)]


@contextmanager
def serving(faults_file: Path = FAULTS, host: str = "127.0.0.1", port: int = 0) -> Iterator[FaultServer]:
    """Run the fault server in a background thread for the duration of the block."""
    faults, shapes = load_faults(faults_file)
    server = FaultServer(faults, shapes, host, port)
    thread = threading.Thread(target=server.serve_forever, name="faults", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
