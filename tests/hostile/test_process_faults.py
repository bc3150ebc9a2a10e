"""Process faults: SIGKILL a crawl and a feed build at random moments; nothing is left broken.

A few rounds here; bench/kill_loop.py does the same 50+ times. After every kill the store
passes `PRAGMA integrity_check` and every feed file parses; afterwards a full run completes.
"""

from __future__ import annotations

import random
import time
from pathlib import Path

from tests.faults.kill import environment, health, kill_after, run
from tests.faults.server import FaultServer
from tests.hostile.conftest import write_config

ROUNDS = 3


def test_killed_crawls_and_builds_leave_a_sound_store_and_whole_feeds(fault_server: FaultServer,
                                                                       tmp_path: Path) -> None:
    config = write_config(tmp_path, ["kill", "healthy"], extra="[crawl]\ndelay = 0\nrecheck_days = 3650\n")
    database, feeds = tmp_path / "data" / "deptfeeds.db", tmp_path / "public"
    env = environment(fault_server.proxy_url)
    started = time.monotonic()
    assert run("crawl", config, env).returncode == 0
    crawl_window = time.monotonic() - started
    started = time.monotonic()
    assert run("build", config, env).returncode == 0
    build_window = time.monotonic() - started
    stored = health(database, feeds).articles
    assert stored == 64 and health(database, feeds).ok

    rng = random.Random(7)
    kills = []
    for edition in range(1, ROUNDS + 1):
        fault_server.edition = edition  # every article changes, so the crawl is writing when killed
        for command, window in (("crawl", crawl_window), ("build", build_window)):
            kills.append(kill_after(command, config, env, rng.uniform(0.3, window)))
            state = health(database, feeds)
            assert state.integrity == "ok", f"after killing {command}: {state.integrity}"
            assert state.bad_feeds == [], f"after killing {command}: {state.bad_feeds}"
            assert state.articles >= stored
    fault_server.edition = 0
    assert sum(k.killed for k in kills) >= ROUNDS  # most kills land while the process still runs

    complete = run("run", config, env)
    assert complete.returncode == 0, complete.stderr[-2000:]
    state = health(database, feeds)
    assert state.ok and state.articles == stored and state.feeds >= 6
