"""SIGKILL a crawl or a feed build at a random moment, then check that nothing was left broken.

Shared by tests/hostile/test_process_faults.py (a few rounds) and bench/kill_loop.py (50+):
after every kill the store must pass `PRAGMA integrity_check`, every feed file must parse,
and the next complete run must finish.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import feedparser

REPO = Path(__file__).resolve().parents[2]
FEED_SUFFIXES = (".rss", ".atom", ".json")


@dataclass
class Kill:
    """One process killed (or not: it may finish before the chosen moment)."""

    command: str
    after: float
    killed: bool
    seconds: float


@dataclass
class Health:
    integrity: str
    articles: int
    runs_left_running: int
    feeds: int
    bad_feeds: list[str] = field(default_factory=list)
    temp_files: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.integrity == "ok" and not self.bad_feeds


def environment(proxy_url: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "http_proxy": proxy_url, "no_proxy": ""}
    for key in ("HTTP_PROXY", "NO_PROXY", "https_proxy", "HTTPS_PROXY"):
        env.pop(key, None)
    return env


def deptfeeds(command: str, config: Path) -> list[str]:
    return [sys.executable, "-m", "deptfeeds", command, "--config", str(config), "-q"]


def run(command: str, config: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    """A complete `deptfeeds COMMAND`, to the end."""
    return subprocess.run(deptfeeds(command, config), env=env, capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


def kill_after(command: str, config: Path, env: dict[str, str], seconds: float) -> Kill:
    """Start `deptfeeds COMMAND` and SIGKILL it `seconds` later if it is still running."""
    started = time.monotonic()
    process = subprocess.Popen(deptfeeds(command, config), env=env, cwd=REPO,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=seconds)
        killed = False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        killed = True
    return Kill(command, seconds, killed, time.monotonic() - started)


def check_store(database: Path) -> tuple[str, int, int]:
    """Integrity check result, article count and crawl runs left "running" by a killed crawl."""
    connection = sqlite3.connect(database, timeout=30)
    try:
        integrity = "; ".join(row[0] for row in connection.execute("PRAGMA integrity_check"))
        articles = connection.execute("SELECT count(*) FROM articles").fetchone()[0]
        running = connection.execute("SELECT count(*) FROM crawl_runs WHERE status = 'running'").fetchone()[0]
    finally:
        connection.close()
    return integrity, articles, running


def bad_feed(path: Path) -> str | None:
    """Why a feed file is unusable (half-written, invalid), or None."""
    data = path.read_bytes()
    if path.suffix == ".json":
        try:
            feed = json.loads(data)
        except ValueError as exc:
            return f"{path.name}: invalid JSON: {exc}"
        return None if isinstance(feed.get("items"), list) else f"{path.name}: no items list"
    parsed = feedparser.parse(data)
    if parsed.bozo:
        return f"{path.name}: {parsed.get('bozo_exception')}"
    return None if parsed.version else f"{path.name}: not RSS or Atom"


def health(database: Path, feeds: Path) -> Health:
    integrity, articles, running = check_store(database)
    files = sorted(feeds.iterdir()) if feeds.is_dir() else []
    feed_files = [p for p in files if p.suffix in FEED_SUFFIXES and not p.name.startswith(".")]
    problems = [problem for p in feed_files if (problem := bad_feed(p))]
    temp = [p.name for p in files if p.name.startswith(".") or p.suffix == ".tmp"]
    return Health(integrity, articles, running, len(feed_files), problems, temp)
