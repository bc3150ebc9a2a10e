"""Shared fixtures: the sample sites served on 127.0.0.1, and the CLI run as a real process."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from deptfeeds.mirror import MirrorServer, serving

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "samples"


@pytest.fixture(scope="session")
def mirror() -> Iterator[MirrorServer]:
    """The bundled sample sites, reachable as an HTTP proxy for their real host names."""
    with serving(SAMPLES / "sites") as server:
        yield server


def cli_env(proxy: MirrorServer | None = None, env: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of a CLI process: this repository importable, plain HTTP through the mirror."""
    environment = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    for key in ("http_proxy", "HTTP_PROXY", "no_proxy", "NO_PROXY"):
        environment.pop(key, None)
    if proxy is not None:
        environment["http_proxy"] = proxy.proxy_url
    return environment


def run_cli(*args: str, proxy: MirrorServer | None = None, cwd: Path | None = None,
            timeout: float = 300, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run `deptfeeds ARGS` in a fresh process (a Twisted reactor runs only once per process)."""
    return subprocess.run([sys.executable, "-m", "deptfeeds", *args], cwd=cwd or REPO,
                          env=cli_env(proxy, env), capture_output=True, text=True, timeout=timeout)


def start_cli(*args: str, log: Path, proxy: MirrorServer | None = None,
              cwd: Path | None = None) -> subprocess.Popen:
    """Start `deptfeeds ARGS` in the background (e.g. `schedule`), its output going to `log`."""
    with log.open("w", encoding="utf-8") as out:
        return subprocess.Popen([sys.executable, "-m", "deptfeeds", *args], cwd=cwd or REPO,
                                env=cli_env(proxy), stdout=out, stderr=subprocess.STDOUT, text=True)


@pytest.fixture(scope="session")
def fixture_mirror(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MirrorServer]:
    """The sample sites plus the small made-up ones under tests/fixtures/sites, on one mirror."""
    root = tmp_path_factory.mktemp("sites")
    for sites in (SAMPLES / "sites", REPO / "tests" / "fixtures" / "sites"):
        for site in sites.iterdir():
            if site.is_dir():
                shutil.copytree(site, root / site.name)
    with serving(root) as server:
        yield server


@pytest.fixture
def sample_config(tmp_path: Path) -> Path:
    """A copy of samples/deptfeeds.toml whose store and feeds live in a temporary folder."""
    target = tmp_path / "deptfeeds.toml"
    shutil.copy(SAMPLES / "deptfeeds.toml", target)
    return target
