"""`deptfeeds status`: how each source is doing, and the sources that need a person's look."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest

from deptfeeds.cli import main
from deptfeeds.mirror import MirrorServer
from tests.conftest import run_cli, use_store

# Every test here touches the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.usefixtures("store_url")


def write_config(folder: Path, listing: str, schedule: str = "") -> Path:
    path = folder / "deptfeeds.toml"
    path.write_text(f'''
[store]
url = "sqlite:///data/deptfeeds.db"

[crawl]
delay = 0

[schedule]
{schedule}

[[sources]]
id = "vidu"
name = "Sở KH&CN Ví Dụ"
listing = ["{listing}"]
''', encoding="utf-8")
    return use_store(path)


def status(config: Path, *args: str) -> str:
    """`deptfeeds status` in this process (it starts no reactor), its output as printed."""
    output = io.StringIO()
    with redirect_stdout(output):
        assert main(["status", "--config", str(config), *args]) == 0
    return output.getvalue()


def test_a_healthy_source_then_one_whose_pages_stop_yielding_articles(tmp_path: Path,
                                                                      fixture_mirror: MirrorServer) -> None:
    config = write_config(tmp_path, "http://sokhcn.vidu.gov.vn/tin-tuc/", "stale_days = 100000")
    assert run_cli("run", "--config", str(config), proxy=fixture_mirror).returncode == 0

    table = status(config)
    assert "scheduler: not running" in table
    assert "times in Asia/Ho_Chi_Minh (UTC+07:00)" in table  # as the feeds and index.html show them
    [row] = [line for line in table.splitlines() if line.startswith("vidu ")]
    assert row.split()[3:7] == ["ok", "2", "0", "0"]  # result, new, updated, unchanged
    assert row.split()[-3:] == ["2", "0", "-"]  # articles, consecutive failures, flags

    # The site is redesigned: where the news list was, there is now a page without article links.
    write_config(tmp_path, "http://sokhcn.vidu.gov.vn/gioi-thieu", "stale_days = 100000")
    assert run_cli("run", "--config", str(config), proxy=fixture_mirror).returncode == 1  # a failed run

    table = status(config)
    assert ("  vidu: layout changed? the last run found no articles on its pages "
            "(listing page has no article links)") in table
    assert ("  vidu: last error (run 2): http://sokhcn.vidu.gov.vn/gioi-thieu: "
            "listing page has no article links") in table
    report = json.loads(status(config, "--json"))
    assert report["scheduler"] == {"running": False}
    [vidu] = report["sources"]
    assert [f["kind"] for f in vidu["flags"]] == ["layout"]
    assert vidu["last_run"]["status"] == "failed" and vidu["last_run"]["pages"] == 2
    assert vidu["articles"] == 2 and vidu["consecutive_failures"] == 1
    newest = datetime.fromisoformat(vidu["newest_article"]).astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert newest.date() == date(2024, 11, 12)
    feed = feedparser.parse((tmp_path / "public" / "vidu.rss").read_bytes())
    assert not feed.bozo and len(feed.entries) == 2  # the feed keeps the last good entries


def test_a_source_that_keeps_failing_is_flagged_with_its_last_error(tmp_path: Path,
                                                                    fixture_mirror: MirrorServer) -> None:
    config = write_config(tmp_path, "http://sokhcn.vidu.gov.vn/tin-tuc-cu/",
                          "failing_after = 2\nstale_days = 100000")
    for _ in range(2):  # the news list has moved: every crawl ends in a 404
        run_cli("crawl", "--config", str(config), proxy=fixture_mirror)

    table = status(config)
    assert "  vidu: failing: the last 2 runs failed; its feed keeps the last good entries" in table
    assert ("  vidu: last error (run 2): http://sokhcn.vidu.gov.vn/tin-tuc-cu/: "
            "http-404: Not Found (1 try)") in table
    [vidu] = json.loads(status(config, "--json"))["sources"]
    assert vidu["consecutive_failures"] == 2
    assert [f["kind"] for f in vidu["flags"]] == ["failing"]
    assert vidu["last_error"]["error"] == "http-404: Not Found (1 try)"


def test_a_source_that_published_nothing_for_stale_days_is_flagged(tmp_path: Path,
                                                                   fixture_mirror: MirrorServer) -> None:
    config = write_config(tmp_path, "http://sokhcn.vidu.gov.vn/tin-tuc/", "stale_days = 100000")
    assert run_cli("crawl", "--config", str(config), proxy=fixture_mirror).returncode == 0
    assert "stale" not in status(config)

    write_config(tmp_path, "http://sokhcn.vidu.gov.vn/tin-tuc/", "stale_days = 7")
    [vidu] = json.loads(status(config, "--json"))["sources"]
    [flag] = vidu["flags"]
    assert flag["kind"] == "stale"
    assert flag["message"].startswith("stale: nothing published for ")
    assert flag["message"].endswith(" days (newest article 2024-11-12; stale_days = 7)")
