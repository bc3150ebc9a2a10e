"""The command line: help everywhere, clear one-line failures, the demo, and Scrapy's own commands."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import feedparser
import pytest

from deptfeeds.cli import main, parser
from tests.conftest import REPO, SAMPLES, run_cli

COMMANDS = sorted(parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main([command, "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert f"usage: deptfeeds {command}" in out and "--config" in out


def test_unknown_source_is_a_one_line_failure(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crawl", "--config", str(SAMPLES / "deptfeeds.toml"), "--source", "hanoi"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert err == ["deptfeeds: unknown source(s): hanoi (see `deptfeeds sources`)"]


def test_sources_lists_the_sample_sources(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sources", "--config", str(SAMPLES / "deptfeeds.toml")]) == 0
    out = capsys.readouterr().out
    for source_id in ("langson", "caobang", "dienbien", "hoabinh", "kontum", "bacgiang"):
        assert f"  {source_id} " in out


def test_scrapy_list_shows_one_spider_per_source() -> None:
    env = {**os.environ, "DEPTFEEDS_CONFIG": str(SAMPLES / "deptfeeds.toml"), "PYTHONPATH": str(REPO)}
    result = subprocess.run([sys.executable, "-m", "scrapy", "list"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == sorted(["langson", "caobang", "dienbien", "hoabinh", "kontum",
                                            "bacgiang", "quangtri", "hatinh",
                                            "langson-vanban", "caobang-vanban"])  # documents sections


def test_demo_crawls_the_samples_and_prints_where_the_feeds_are(tmp_path: Path) -> None:
    config = tmp_path / "deptfeeds.toml"
    config.write_text((SAMPLES / "deptfeeds.toml").read_text("utf-8"), "utf-8")
    (tmp_path / "sites").symlink_to(SAMPLES / "sites")
    result = run_cli("demo", "--config", str(config))
    assert result.returncode == 0, result.stderr[-3000:]
    assert "source" in result.stdout and "langson" in result.stdout
    feed_path = tmp_path / "public" / "all.atom"
    assert str(feed_path) in result.stdout
    feed = feedparser.parse(feed_path.read_bytes())
    assert not feed.bozo and len(feed.entries) >= 30
    # the way to serve them works from here, whatever is on PATH
    assert f"{Path(sys.executable).parent / 'deptfeeds'} serve --config" in result.stdout

    again = run_cli("demo", "--config", str(config))  # nothing changed: no file listed as written
    assert again.returncode == 0 and "(0 changed)" in again.stdout and str(feed_path) not in again.stdout


def test_a_crawl_reads_only_the_config_it_was_given(tmp_path: Path, mirror) -> None:
    """A broken ./deptfeeds.toml in the working folder (of a cron line, say) is none of its business."""
    (tmp_path / "deptfeeds.toml").write_text("broken = [\n", encoding="utf-8")
    config = tmp_path / "other.toml"
    config.write_text((SAMPLES / "deptfeeds.toml").read_text("utf-8"), "utf-8")
    result = run_cli("run", "--config", str(config), "--source", "langson", proxy=mirror, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "langson  ok" in result.stdout
    assert (tmp_path / "public" / "langson.atom").is_file()
