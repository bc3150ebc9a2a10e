"""[alerts]: a webhook and an e-mail when a source is flagged and when it recovers, once per change.

Real `deptfeeds run` processes crawl the fixture sites over HTTP; the alerts go to a local HTTP
receiver and a local SMTP server (aiosmtpd). A receiver that is down is told at the next check.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from deptfeeds.mirror import MirrorServer
from deptfeeds.servers import free_port
from tests.conftest import run_cli

DEAD = "http://sokhcn.vidu.gov.vn/khong-con-trang-nay/"
GOOD = "http://sokhcn.vidu.gov.vn/tin-tuc/"


class Receiver(ThreadingHTTPServer):
    """A webhook endpoint that keeps every JSON body posted to it."""

    def __init__(self, port: int = 0) -> None:
        self.posts: list[dict] = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(handler) -> None:  # noqa: N805 - the handler's own self
                body = handler.rfile.read(int(handler.headers["Content-Length"]))
                self.posts.append(json.loads(body))
                handler.send_response(204)
                handler.end_headers()

            def log_message(handler, *args: object) -> None:  # noqa: N805
                pass

        super().__init__(("127.0.0.1", port), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list = []

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Mailbox, int]]:
    mailbox, port = Mailbox(), free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


def write_config(folder: Path, listing: str, webhook_port: int, smtp_port: int) -> Path:
    path = folder / "deptfeeds.toml"
    path.write_text(f'''[store]
url = "sqlite:///data/deptfeeds.db"

[crawl]
delay = 0

[schedule]
failing_after = 1
stale_days = 100000

[alerts]
webhook = "http://127.0.0.1:{webhook_port}/hook"
email = {{ host = "127.0.0.1", port = {smtp_port}, sender = "deptfeeds@localhost", to = ["ops@localhost"] }}

[[sources]]
id = "vidu"
name = "Sở KH&CN Ví Dụ"
listing = ["{listing}"]
''', encoding="utf-8")
    return path


def run(config: Path, mirror: MirrorServer):
    result = run_cli("run", "--config", str(config), proxy=mirror)
    assert result.returncode in (0, 1), result.stderr[-3000:]  # 1: the source failed, as it should
    return result


def test_flagged_then_recovered_each_told_once_by_webhook_and_mail(tmp_path: Path,
                                                                    fixture_mirror: MirrorServer,
                                                                    smtp: tuple[Mailbox, int]) -> None:
    mailbox, smtp_port = smtp
    hook = Receiver()
    try:
        config = write_config(tmp_path, DEAD, hook.server_address[1], smtp_port)
        run(config, fixture_mirror)
        assert [p["source"] for p in hook.posts] == ["vidu"]
        assert "failing" in [r["kind"] for r in hook.posts[0]["raised"]]
        assert len(mailbox.messages) == 1
        assert mailbox.messages[0]["Subject"].startswith("deptfeeds: vidu failing")

        run(config, fixture_mirror)  # still failing: nothing new to tell
        assert len(hook.posts) == 1 and len(mailbox.messages) == 1

        write_config(tmp_path, GOOD, hook.server_address[1], smtp_port)
        run(config, fixture_mirror)
        assert hook.posts[-1]["recovered"] and hook.posts[-1]["flags"] == []
        assert "recovered" in mailbox.messages[-1]["Subject"] and len(mailbox.messages) == 2
    finally:
        hook.stop()


def test_a_receiver_that_is_down_is_told_at_the_next_check(tmp_path: Path, fixture_mirror: MirrorServer,
                                                           smtp: tuple[Mailbox, int]) -> None:
    mailbox, smtp_port = smtp
    port = free_port()  # nobody listens there yet
    config = write_config(tmp_path, DEAD, port, smtp_port)
    first = run(config, fixture_mirror)
    assert "alert by webhook not delivered" in first.stderr
    assert "trying again at the next check" in first.stderr
    assert len(mailbox.messages) == 1  # the other channel was told

    hook = Receiver(port)
    try:
        run(config, fixture_mirror)
        assert [p["source"] for p in hook.posts] == ["vidu"] and len(mailbox.messages) == 1
    finally:
        hook.stop()


def test_the_scheduler_tells_after_its_crawl(tmp_path: Path, fixture_mirror: MirrorServer,
                                             smtp: tuple[Mailbox, int]) -> None:
    import signal
    import time

    from tests.conftest import start_cli

    mailbox, smtp_port = smtp
    hook = Receiver()
    config = write_config(tmp_path, DEAD, hook.server_address[1], smtp_port)
    scheduled = config.read_text("utf-8").replace("failing_after = 1", 'failing_after = 1\nevery = "1h"')
    config.write_text(scheduled, "utf-8")
    log = tmp_path / "schedule.log"
    scheduler = start_cli("schedule", "--config", str(config), log=log, proxy=fixture_mirror)
    try:
        deadline = time.monotonic() + 90
        while not hook.posts and time.monotonic() < deadline:
            assert scheduler.poll() is None, log.read_text()
            time.sleep(0.2)
        assert [p["source"] for p in hook.posts] == ["vidu"], log.read_text()
        assert "vidu: alert sent by webhook" in log.read_text()
    finally:
        scheduler.send_signal(signal.SIGTERM)
        scheduler.wait(60)
        hook.stop()
