"""The disk under the store, and a crawl that died without a word: one clear message, nothing corrupt.

A full filesystem (a real 1 MB tmpfs) stops the crawl at the first failed write, with one line
naming the file and the errno; a store the user may only read is opened read-only by `status`
and `build`; a crawl killed with SIGKILL leaves its run "running", which `status` shows as
failed once no process holds its lock; a `base_url` without its final slash still names a folder.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from core.config import load_config
from tests.faults.kill import environment
from tests.faults.server import FaultServer
from tests.hostile.conftest import REPO, cli

SOURCE = """
[[sources]]
id = "big"
name = "Sở KH&CN thử nghiệm big"
listing = ["http://big.example.gov.vn/index.php/tin-tuc"]
family = "drupal"
max_pages = 15
"""


def config_with(folder: Path, store: Path) -> Path:
    path = folder / "deptfeeds.toml"
    path.write_text(f'[store]\nurl = "sqlite:///{store}"\n\n[crawl]\ndelay = 0\nconcurrency_per_domain = 8\n'
                    f'[feeds]\ndir = "public"\n{SOURCE}', encoding="utf-8")
    return path


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A real filesystem of 1 MB (tmpfs), mounted for the test and unmounted after."""
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {made.stderr.strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_stops_the_crawl_with_one_message_and_a_sound_store(
        fault_server: FaultServer, tmp_path: Path, small_disk: Path) -> None:
    store = small_disk / "deptfeeds.db"
    config = config_with(tmp_path, store)
    result = cli("crawl", "--config", str(config), proxy=fault_server, timeout=240)

    assert result.returncode != 0, result.stdout + result.stderr[-2000:]
    failures = [line for line in result.stderr.splitlines() if "No space left on device" in line
                or "SQLITE_FULL" in line]
    assert failures, result.stderr[-3000:]
    named = [line for line in failures if str(small_disk) in line]
    assert named and ("errno 28" in named[0] or "SQLITE_FULL" in named[0]), failures
    assert len({line.split(" ", 1)[1] for line in failures}) <= 2, failures  # said once, not per page
    assert "Traceback" not in result.stderr
    with sqlite3.connect(store) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        status, errors = db.execute("SELECT status, errors FROM crawl_runs ORDER BY id DESC").fetchone()
    assert status == "failed" and "storage: " in errors


def _as_reader(*command: str) -> list[str]:
    """`command` run so that file permissions bind it, root or not (root ignores them otherwise)."""
    if os.geteuid() != 0:
        return list(command)
    return ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--", *command]


def as_reader(config: Path, proxy: FaultServer, *command: str) -> subprocess.CompletedProcess:
    """`deptfeeds COMMAND` bound by file permissions, root or not (root ignores them otherwise)."""
    argv = [sys.executable, "-m", "deptfeeds", *command, "--config", str(config)]
    if os.geteuid() == 0:
        argv = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner", "--", *argv]
    return subprocess.run(argv, cwd=REPO, env=environment(proxy.proxy_url), capture_output=True,
                          text=True, timeout=240)


def test_a_read_only_store_is_read_by_status_and_build(fault_server: FaultServer, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    config = config_with(tmp_path, data / "deptfeeds.db")
    assert cli("run", "--config", str(config), proxy=fault_server, timeout=240).returncode == 0
    (data / "deptfeeds.db").chmod(0o444)
    data.chmod(0o555)
    try:
        status = as_reader(config, fault_server, "status", "--json")
        assert status.returncode == 0, status.stderr[-2000:]
        assert json.loads(status.stdout)["sources"][0]["articles"] > 0
        build = as_reader(config, fault_server, "build")
        assert build.returncode == 0, build.stderr[-2000:]
        crawl = as_reader(config, fault_server, "crawl")
        assert crawl.returncode != 0, crawl.stdout
        assert str(data) in crawl.stderr and "Traceback" not in crawl.stderr, crawl.stderr[-2000:]
    finally:
        data.chmod(0o755)
        (data / "deptfeeds.db").chmod(0o644)


def test_a_killed_crawl_shows_as_failed_once_no_process_holds_its_lock(
        fault_server: FaultServer, tmp_path: Path) -> None:
    database = tmp_path / "data" / "deptfeeds.db"
    config = config_with(tmp_path, database)
    config.write_text(config.read_text("utf-8").replace("delay = 0\nconcurrency_per_domain = 8",
                                                        "delay = 0.2\nconcurrency_per_domain = 1"))
    process = subprocess.Popen([sys.executable, "-m", "deptfeeds", "crawl", "--config", str(config)],
                               cwd=REPO, env=environment(fault_server.proxy_url),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None and not _running(database):
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    assert _running(database), "the killed crawl should have left its run running"

    done = cli("status", "--json", "--config", str(config), proxy=fault_server)
    source = json.loads(done.stdout)["sources"][0]
    assert source["last_run"]["status"] == "failed", source
    assert "no process holds its crawl lock" in json.dumps(source["last_error"]), source


def _running(database: Path) -> bool:
    try:
        with sqlite3.connect(database, timeout=5) as db:
            row = db.execute("SELECT status FROM crawl_runs ORDER BY id DESC").fetchone()
    except sqlite3.OperationalError:
        return False
    return row is not None and row[0] == "running"


def test_a_base_url_without_its_final_slash_still_names_the_folder(tmp_path: Path) -> None:
    config = tmp_path / "deptfeeds.toml"
    config.write_text('[feeds]\nbase_url = "https://example.org/feeds"\n' + SOURCE, encoding="utf-8")
    assert load_config(config).feeds.base_url == "https://example.org/feeds/"
