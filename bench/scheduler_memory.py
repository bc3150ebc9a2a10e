"""Scheduler: the memory of an idle `deptfeeds schedule` with 60 sources configured.

The sources point at a closed port on 127.0.0.1 and are scheduled by cron for a date far
off (New Year's Day, 04:00), so the process sits idle between jobs as it does for months in
production; were it to crawl, the crawl would fail at once without leaving the machine.
Memory is sampled for a while (resident set of the scheduler and of any child it started),
then the scheduler is stopped with SIGTERM, as a service manager would.

    python -m bench.scheduler_memory [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psutil
import tomli_w

from bench.common import OUT, child_env, save, table

SOURCES = 60
TARGET_MB = 120.0
YEARLY = {"cron": "0 4 1 1 *", "jitter": "1h"}


def write_config(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    sources = [{"id": f"src{n:02d}", "name": f"Sở KH&CN số {n}",
                "listing": [f"http://127.0.0.1:9/tin-tuc/{n}"], "schedule": YEARLY}
               for n in range(SOURCES)]
    config = {"store": {"url": "sqlite:///data/deptfeeds.db"}, "feeds": {"dir": "public"},
              "schedule": YEARLY, "sources": sources}
    path = folder / "deptfeeds.toml"
    path.write_text(tomli_w.dumps(config), "utf-8")
    return path


def rss_mb(process: psutil.Process) -> tuple[float, float, int]:
    """Resident MB of the process, of it with its children, and how many children it has."""
    own = process.memory_info().rss
    children = process.children(recursive=True)
    total = own
    for child in children:
        with contextlib.suppress(psutil.NoSuchProcess):
            total += child.memory_info().rss
    return own / 1e6, total / 1e6, len(children)


def watch(process: psutil.Process, seconds: float) -> list[tuple[float, float, float, int]]:
    """(time, own MB, tree MB, children) every half second."""
    samples, started = [], time.perf_counter()
    while time.perf_counter() - started < seconds:
        if not process.is_running() or process.status() == psutil.STATUS_ZOMBIE:
            raise RuntimeError("the scheduler exited by itself")
        samples.append((round(time.perf_counter() - started, 1), *rss_mb(process)))
        time.sleep(0.5)
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="watch for 10 s instead of 30 s")
    args = parser.parse_args(argv)
    folder = OUT / "scheduler"
    shutil.rmtree(folder, ignore_errors=True)
    config = write_config(folder)
    command = [sys.executable, "-m", "deptfeeds", "schedule", "--config", str(config)]
    if subprocess.run([*command, "--help"], env=child_env(), capture_output=True).returncode != 0:
        print("scheduler: `deptfeeds schedule` does not exist yet; nothing to measure")
        save("scheduler_memory", {"available": False})
        return 0
    log = open(folder / "schedule.log", "w")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(command, env=child_env(), stdout=log, stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    process = psutil.Process(proc.pid)
    try:
        samples = watch(process, 10 if args.quick else 30)
        idle = [s for s in samples if s[3] == 0 and s[0] >= 3]
        stopped = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        stop_seconds = time.perf_counter() - stopped
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log.close()
    result: dict[str, Any] = {
        "sources": SOURCES, "watched_seconds": samples[-1][0],
        "idle_rss_mb": round(max(s[1] for s in idle), 1) if idle else None,
        "max_tree_rss_mb": round(max(s[2] for s in samples), 1),
        "children_seen": max(s[3] for s in samples),
        "exit_code_after_sigterm": code, "stop_seconds": round(stop_seconds, 2),
        "samples": samples,
    }
    result["targets"] = {"idle scheduler <= 120 MB": result["idle_rss_mb"] is not None
                         and result["idle_rss_mb"] <= TARGET_MB}
    print(f"scheduler: `deptfeeds schedule` with {SOURCES} sources, watched {result['watched_seconds']} s")
    print(table([("idle", result["idle_rss_mb"], result["max_tree_rss_mb"], result["children_seen"],
                  code, result["stop_seconds"])],
                ("state", "RSS MB", "max with children MB", "children", "exit on SIGTERM", "stop s")))
    ok = result["targets"]["idle scheduler <= 120 MB"]
    print(f"  target idle scheduler <= {TARGET_MB:.0f} MB: {'met' if ok else 'MISSED'}")
    save("scheduler_memory", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
