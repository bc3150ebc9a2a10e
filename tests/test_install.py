"""Installed like a tool: `pip install .` and then `deptfeeds demo` and `--version`, outside the checkout.

The package is built and installed (without its dependencies, which the test environment
already has) into a temporary folder; the demo then runs from another temporary folder, where
it copies the sample sites and writes its store and feeds.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

import feedparser

REPO = Path(__file__).resolve().parent.parent


def test_an_installed_package_runs_the_demo_and_knows_its_version(tmp_path: Path) -> None:
    target, work = tmp_path / "installed", tmp_path / "work"
    work.mkdir()
    built = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                            str(target), str(REPO)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    assert (target / "samples" / "sites").is_dir() and (target / "crawler" / "families.toml").is_file()
    env = {**os.environ, "PYTHONPATH": str(target)}

    version = subprocess.run([sys.executable, "-m", "deptfeeds", "--version"], cwd=work, env=env,
                             capture_output=True, text=True, timeout=60)
    expected = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    assert version.stdout.strip() == f"deptfeeds {expected}"

    demo = subprocess.run([sys.executable, "-m", "deptfeeds", "demo"], cwd=work, env=env,
                          capture_output=True, text=True, timeout=600)
    assert demo.returncode == 0, demo.stderr[-3000:]
    public = work / "deptfeeds-demo" / "public"
    assert f"working in {work / 'deptfeeds-demo'}" in demo.stdout
    combined = feedparser.parse((public / "all.atom").read_bytes())
    assert not combined.bozo and len(combined.entries) > 20
    assert not (target / "samples" / "data").exists()  # nothing written into the installed package
