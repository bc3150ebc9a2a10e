"""Two `deptfeeds schedule`s on one PostgreSQL store: one leads, the other stands by and takes over.

Real processes, a real PostgreSQL server, the sample sites over HTTP. The leader is SIGKILLed
(no goodbye): the standby must lead within 30 s, and a job the dead leader ran is not run again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import load_config
from core.store import Store
from deptfeeds.mirror import MirrorServer
from deptfeeds.servers import PostgresServer
from scheduler.leader import LEAD_CHECK
from tests.cluster import wait_for
from tests.conftest import run_cli, start_cli
from tests.test_scheduler import LANGSON

TAKE_OVER_WITHIN = 30.0


@pytest.fixture
def shared_store(tmp_path: Path, postgres: PostgresServer) -> Iterator[Path]:
    url = postgres.create_database()
    path = tmp_path / "deptfeeds.toml"
    # every hour from now: the leader crawls once at start, then not for an hour
    path.write_text(f'[store]\nurl = "{url}"\n\n[feeds]\ndir = "public"\n\n[crawl]\ndelay = 0\n\n'
                    f'[schedule]\nevery = "1h"\njitter = "0s"\n' + LANGSON, encoding="utf-8")
    yield path
    postgres.drop_database(url)


def status(config: Path, mirror: MirrorServer) -> dict:
    result = run_cli("status", "--json", "--config", str(config), proxy=mirror)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)["scheduler"]


def test_a_standby_scheduler_takes_over_when_the_leader_dies(shared_store: Path, fixture_mirror) -> None:
    config = shared_store
    logs = [config.parent / "leader.log", config.parent / "standby.log"]
    leader = start_cli("schedule", "--config", str(config), log=logs[0], proxy=fixture_mirror)
    store = Store(load_config(config).store_url)
    standby = None
    try:
        wait_for(lambda: leader.poll() is None and "scheduler started" in logs[0].read_text(), "the leader")
        wait_for(lambda: [r for r in store.runs("langson") if r.status == "ok"], "the leader's first crawl")
        standby = start_cli("schedule", "--config", str(config), log=logs[1], proxy=fixture_mirror)
        wait_for(lambda: standby.poll() is None and "standby:" in logs[1].read_text(), "the standby")
        state = status(config, fixture_mirror)
        assert state["running"] and state["pid"] == leader.pid
        assert [s["pid"] for s in state["standby"]] == [standby.pid]

        leader.kill()
        leader.wait()
        killed = time.monotonic()
        wait_for(lambda: "scheduler started" in logs[1].read_text(), "the standby to take over",
                 timeout=TAKE_OVER_WITHIN + 10)
        assert time.monotonic() - killed <= TAKE_OVER_WITHIN
        assert "taking over" in logs[1].read_text()
        state = status(config, fixture_mirror)
        assert state["running"] and state["pid"] == standby.pid and state["standby"] == []

        time.sleep(3)  # the new leader had time to run anything it thought was due
        assert len(store.runs("langson")) == 1, "the crawl the old leader ran was run again"
        assert "langson: crawl starts" not in logs[1].read_text()
    finally:
        store.close()
        for process in (leader, standby):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(60)
    assert standby.returncode == 0, logs[1].read_text()


def test_on_sqlite_a_second_scheduler_is_refused(tmp_path: Path, fixture_mirror) -> None:
    path = tmp_path / "deptfeeds.toml"
    path.write_text('[store]\nurl = "sqlite:///data/deptfeeds.db"\n\n[crawl]\ndelay = 0\n\n'
                    '[schedule]\ncron = "0 0 1 1 *"\n' + LANGSON, encoding="utf-8")
    log = tmp_path / "first.log"
    first = start_cli("schedule", "--config", str(path), log=log, proxy=fixture_mirror)
    try:
        wait_for(lambda: first.poll() is None and "scheduler started" in log.read_text(), "the scheduler")
        second = run_cli("schedule", "--config", str(path), proxy=fixture_mirror, timeout=60)
        assert second.returncode == 75, second.stdout + second.stderr
    finally:
        first.terminate()
        first.wait(60)


def test_after_a_postgresql_restart_one_scheduler_leads_and_the_other_stands_by(
        shared_store: Path, fixture_mirror, postgres: PostgresServer) -> None:
    config = shared_store
    logs = [config.parent / "first.log", config.parent / "second.log"]
    first = start_cli("schedule", "--config", str(config), log=logs[0], proxy=fixture_mirror)
    second = None
    try:
        wait_for(lambda: first.poll() is None and "scheduler started" in logs[0].read_text(), "the leader")
        second = start_cli("schedule", "--config", str(config), log=logs[1], proxy=fixture_mirror)
        wait_for(lambda: second.poll() is None and "standby:" in logs[1].read_text(), "the standby")
        postgres.stop()
        time.sleep(LEAD_CHECK * 2.5)  # both find the database gone: the leader pauses, the standby waits
        postgres.start()
        # whoever asks first gets the lock; the other (leader or not) stands by, and nobody exits
        wait_for(lambda: status(config, fixture_mirror)["running"]
                 and len(status(config, fixture_mirror)["standby"]) == 1, "a leader and a standby again",
                 timeout=TAKE_OVER_WITHIN + 30)
        state = status(config, fixture_mirror)
        assert {state["pid"], state["standby"][0]["pid"]} == {first.pid, second.pid}
        assert first.poll() is None and second.poll() is None
        assert "does not answer" in logs[0].read_text() and "does not answer" in logs[1].read_text()
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.terminate()
                process.wait(60)
    assert first.returncode == 0 and second.returncode == 0, logs[0].read_text() + logs[1].read_text()
