"""Editing the config is routine, and a wrong store path is a mistake to report, not to publish.

A source or topic taken out of the config leaves its articles in the store (until `deptfeeds
prune`) but its feeds leave the output folder, the OPML and index.html; build, run and
schedule carry on. A store path that names no store, or an empty file, is refused by the
commands that only read it, and a build never empties feeds from a store that was never crawled.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from core.config import load_config
from core.store import Store
from deptfeeds.mirror import serving
from tests.conftest import FEED_SITES, run_cli, start_cli

LANCAN_SOURCE = re.compile(r'\[\[sources\]\]\nid = "lancan".*?(?=\n\[\[)', re.S)
LANCAN_TOPIC = re.compile(r'\n\[\[topics\]\]\nid = "chuyen-doi-so-lan-can".*', re.S)


def without_lancan(config: Path) -> None:
    """Take the Lân Cận source and the topic that names it out of the config."""
    text = LANCAN_TOPIC.sub("\n", LANCAN_SOURCE.sub("", config.read_text("utf-8")))
    assert 'id = "lancan"' not in text
    config.write_text(text, encoding="utf-8")


def stored(config: Path, source_id: str) -> int:
    store = Store(load_config(config).store_url)
    try:
        return store.count_articles(source_id)
    finally:
        store.close()


def sqlite_only(store_backend: str) -> None:
    if store_backend != "sqlite":
        pytest.skip("a mistyped path or an empty file is a matter of SQLite store files")


def test_a_removed_source_and_topic_leave_the_feeds_but_not_the_store(feed_sites_copy: Path,
                                                                      store_backend: str) -> None:
    config = feed_sites_copy
    public = config.parent / "public"
    assert (public / "lancan.atom").exists() and (public / "topics" / "chuyen-doi-so-lan-can.rss").exists()
    before = stored(config, "lancan")
    without_lancan(config)

    result = run_cli("build", "--config", str(config))

    assert result.returncode == 0, result.stderr
    assert not list(public.glob("lancan.*")) and not list(public.glob("topics/chuyen-doi-so-lan-can.*"))
    for name in ("feeds.opml", "index.html", "all.rss", "all.atom", "all.json"):
        assert "lancan" not in (public / name).read_text("utf-8"), name
    assert {p.suffix for p in public.glob("thunghiem.*")} == {".rss", ".atom", ".json"}
    assert stored(config, "lancan") == before > 0

    status = run_cli("status", "--config", str(config))
    assert status.returncode == 0 and "lancan" not in status.stdout

    dry = run_cli("prune", "--dry-run", "--config", str(config))
    assert dry.returncode == 0 and f"would remove 'lancan' and its {before} articles" in dry.stdout
    assert stored(config, "lancan") == before
    pruned = run_cli("prune", "--config", str(config))
    assert pruned.returncode == 0 and f"removed 'lancan' and its {before} articles" in pruned.stdout
    assert stored(config, "lancan") == 0 and stored(config, "thunghiem") > 0
    store = Store(load_config(config).store_url)
    try:
        with store.engine.connect() as db:
            orphans = db.execute(text("SELECT count(*) FROM near_docs WHERE article_id NOT IN "
                                      "(SELECT id FROM articles)"))
            assert orphans.scalar() == 0
    finally:
        store.close()
    if store_backend == "sqlite":
        with sqlite3.connect(config.parent / "data" / "deptfeeds.db") as db:
            assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
            assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert run_cli("build", "--config", str(config)).returncode == 0


def test_run_and_schedule_carry_on_after_a_source_left_the_config(feed_sites_copy: Path,
                                                                   tmp_path: Path) -> None:
    config = feed_sites_copy
    without_lancan(config)
    with serving(FEED_SITES) as server:
        run = run_cli("run", "--config", str(config), proxy=server)
        assert run.returncode == 0, run.stderr[-3000:]
        assert "KeyError" not in run.stderr
        log = tmp_path / "schedule.log"
        scheduler = start_cli("schedule", "--config", str(config), log=log, proxy=server)
        try:
            for _ in range(300):
                if "scheduler started" in log.read_text("utf-8") or scheduler.poll() is not None:
                    break
                time.sleep(0.1)
        finally:
            scheduler.terminate()
            code = scheduler.wait(timeout=60)
    text = log.read_text("utf-8")
    assert "scheduler started" in text and "KeyError" not in text and "cannot schedule" not in text, text
    assert code == 0, text


def test_a_mistyped_store_path_is_refused_by_commands_that_only_read(feed_sites_copy: Path,
                                                                    store_backend: str) -> None:
    sqlite_only(store_backend)
    config = feed_sites_copy
    text = config.read_text("utf-8")
    config.write_text(text.replace("sqlite:///data/deptfeeds.db", "sqlite:///data/deptfeed.db"), "utf-8")
    feeds_before = {p: p.read_bytes() for p in (config.parent / "public").rglob("*") if p.is_file()}
    missing = config.parent / "data" / "deptfeed.db"

    for command in ("build", "status", "prune"):
        result = run_cli(command, "--config", str(config))
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        assert f"no store at {missing}" in result.stderr, (command, result.stderr)
        assert not missing.exists()

    missing.write_bytes(b"")  # a 0-byte file, as `touch` or a failed copy leaves it
    result = run_cli("build", "--config", str(config))
    assert result.returncode == 1 and f"the store {missing} is an empty file" in result.stderr
    assert {p: p.read_bytes() for p in (config.parent / "public").rglob("*") if p.is_file()} == feeds_before


def test_a_build_from_a_never_crawled_store_keeps_feeds_with_entries(feed_sites_copy: Path,
                                                                     store_backend: str) -> None:
    sqlite_only(store_backend)
    config = feed_sites_copy
    public = config.parent / "public"
    text = config.read_text("utf-8")
    config.write_text(text.replace("sqlite:///data/deptfeeds.db", "sqlite:///other/deptfeeds.db"), "utf-8")
    # A store that was created (as a crawl of the wrong path creates one) but never crawled into.
    Store(f"sqlite:///{config.parent / 'other' / 'deptfeeds.db'}").close()
    entries = len(json.loads((public / "all.json").read_text("utf-8"))["items"])

    refused = run_cli("build", "--config", str(config))
    assert refused.returncode == 1
    assert "has never been crawled" in refused.stderr and "--force" in refused.stderr
    assert len(json.loads((public / "all.json").read_text("utf-8"))["items"]) == entries > 0

    forced = run_cli("build", "--force", "--config", str(config))
    assert forced.returncode == 0, forced.stderr
    assert json.loads((public / "all.json").read_text("utf-8"))["items"] == []


def test_a_renamed_source_takes_its_stored_articles_over(feed_sites_copy: Path) -> None:
    config = feed_sites_copy
    before = stored(config, "lancan")
    config.write_text(config.read_text("utf-8").replace('id = "lancan"', 'id = "lancan-moi"')
                      .replace('"lancan"]', '"lancan-moi"]'), encoding="utf-8")
    with serving(FEED_SITES) as server:
        run = run_cli("run", "--config", str(config), proxy=server)
    assert run.returncode == 0, run.stderr[-3000:]
    assert stored(config, "lancan-moi") == before > 0 and stored(config, "lancan") == 0
    public = config.parent / "public"
    assert not list(public.glob("lancan.*"))
    assert (public / "lancan-moi.atom").read_text("utf-8").count("<entry>") == before
