"""What every benchmark needs: where results go, measuring a child process, printing a table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"


@dataclass
class Measured:
    """A finished child process: exit status, wall time, peak memory and CPU time."""

    returncode: int
    seconds: float
    peak_rss_mb: float
    cpu_seconds: float
    stdout: str
    stderr: str

    def last_json(self) -> dict[str, Any]:
        """The last line of stdout, where bench children print their own figures."""
        lines = [line for line in self.stdout.splitlines() if line.startswith("{")]
        if self.returncode != 0 or not lines:
            raise RuntimeError(f"benchmark child failed (exit {self.returncode}):\n{self.stderr[-3000:]}")
        return json.loads(lines[-1])


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a child: the repository importable, no proxy unless given."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY")}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return {**env, **(extra or {})}


def measure(args: Sequence[str], name: str, env: dict[str, str] | None = None,
            timeout: float = 3600, logs: Path | None = None) -> Measured:
    """Run `python ARGS`; report its wall time, peak RSS and CPU time (from wait4).

    Output goes to LOGS/NAME.out and .err (bench/out/logs by default), to be read afterwards.
    """
    logs = logs or OUT / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logs / f"{name}.out", logs / f"{name}.err"
    with open(out_path, "w") as out, open(err_path, "w") as err:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, *args], cwd=REPO, env=env or child_env(),
                                stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    return Measured(proc.returncode, seconds, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime,
                    out_path.read_text(), err_path.read_text())


class Clock:
    """Wall and CPU time of a block: on a shared machine the CPU time is what the code costs."""

    def __enter__(self) -> Clock:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu


def own_usage() -> dict[str, float]:
    """This process's peak resident memory (MB) and CPU seconds so far."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 2)}


def save(name: str, data: dict[str, Any]) -> Path:
    """Write one benchmark's figures to bench/out/<name>.json."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.json"
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str), "utf-8")
    return path


def table(rows: Sequence[Sequence[Any]], head: Sequence[str]) -> str:
    """A plain aligned text table."""
    cells = [[str(c) for c in head], *[[_cell(c) for c in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(head))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                       for i, (c, w) in enumerate(zip(r, widths, strict=True))) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 10 else f"{value:,.1f}"
    return str(value)
