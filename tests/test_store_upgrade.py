"""A store written by an older version opens and gains the columns newer versions declare."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from crawler.store import Store


def test_a_store_from_before_recovered_faults_opens_and_records_them(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    Store(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as db:  # as the version before the column existed left it
        db.execute("ALTER TABLE crawl_runs DROP COLUMN recovered")
        db.execute("INSERT INTO sources (id, name, listing, created) VALUES ('langson', 'Sở KH&CN Lạng Sơn',"
                   " '[]', '2026-11-01 00:00:00')")
        db.execute("INSERT INTO crawl_runs (source_id, started, status, pages, new, updated, duplicate,"
                   " unchanged, errors) VALUES ('langson', '2026-11-01 00:00:00', 'ok', 3, 1, 0, 0, 0, '[]')")

    store = Store(f"sqlite:///{path}")
    try:
        old = store.last_run("langson")
        assert old is not None and old.recovered == [] and old.pages == 3
        fault = {"url": "https://sokhcn.langson.gov.vn/a", "error": "http-500, then answered (2 tries)"}
        run_id = store.start_run("langson")
        store.finish_run(run_id, "ok", {"pages": 2}, [], [fault])
        assert store.last_run("langson").recovered == [fault]
    finally:
        store.close()
