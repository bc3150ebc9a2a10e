"""A crawl stopped by SIGTERM or Ctrl-C says so, exits non-zero, and loses nothing for good.

`deptfeeds run` on a fresh store is stopped once some articles are stored. Its run is recorded
as interrupted (in the summary, the exit status and `deptfeeds status`), and the next run
stores every article the listing pages lead to, though the first pages hold only known ones.
"""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.faults.kill import environment
from tests.faults.server import FaultServer
from tests.hostile.conftest import REPO, cli

PAGES = 5  # listing pages of 20 articles each are followed: 100 articles in all
CONFIG = f"""[store]
url = "sqlite:///data/deptfeeds.db"

[crawl]
delay = 0.05
concurrency_per_domain = 1

[[sources]]
id = "big"
name = "Sở KH&CN thử nghiệm big"
listing = ["http://big.example.gov.vn/index.php/tin-tuc"]
family = "drupal"
max_pages = {PAGES}
"""


def stored(database: Path) -> int:
    try:
        with sqlite3.connect(database) as db:
            return db.execute("SELECT count(*) FROM articles").fetchone()[0]
    except sqlite3.OperationalError:  # not created yet
        return 0


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_stopped_crawl_is_recorded_interrupted_and_finished_by_the_next_run(
        fault_server: FaultServer, tmp_path: Path, stop_with: int) -> None:
    config = tmp_path / "deptfeeds.toml"
    config.write_text(CONFIG, encoding="utf-8")
    database = tmp_path / "data" / "deptfeeds.db"
    process = subprocess.Popen([sys.executable, "-m", "deptfeeds", "run", "--config", str(config)],
                               cwd=REPO, env=environment(fault_server.proxy_url), text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while stored(database) < 5 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    process.send_signal(stop_with)
    out, err = process.communicate(timeout=60)
    first = stored(database)

    assert process.returncode == 130, out + err
    assert 0 < first < PAGES * 20
    assert re.search(r"^big\s+interrupted\s", out, re.M), out
    assert "interrupted; the runs of big are recorded as interrupted" in err
    assert "big: crawl interrupted (shutdown)" in err
    status = json.loads(cli("status", "--json", "--config", str(config), proxy=fault_server).stdout)
    [source] = status["sources"]
    assert source["last_run"]["status"] == "interrupted" and not source["running"]

    again = cli("run", "--config", str(config), proxy=fault_server)
    assert again.returncode == 0, again.stderr[-3000:]
    assert "the last run did not finish cleanly; reading every listing page" in again.stderr
    assert stored(database) == PAGES * 20

    # Once a run has gone through, known pages stop the walk again: page 1, the same as that run
    # saw it, is not even parsed (core/listings.py).
    third = cli("run", "--config", str(config), proxy=fault_server)
    assert third.returncode == 0 and "big: listing page 1 unchanged since run" in third.stderr
