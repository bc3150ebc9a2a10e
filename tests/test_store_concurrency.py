"""Writers racing on one store: the same articles saved by several processes at once are stored once.

A crawl redelivered to a second worker, or two sources that link one page, save the same URL at
the same time; on PostgreSQL both transactions see no row and both insert. The loser of the race
on the unique URL must merge into the winner's row, never fail and never make a second row.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.store import ArticleRecord, ArticleUrl, Store

WRITERS = 4
ARTICLES = 25


@dataclass(frozen=True)
class FakeSource:
    id: str
    name: str
    listing: tuple[str, ...] = ()


def records() -> list[ArticleRecord]:
    day = datetime(2025, 3, 1, tzinfo=UTC)
    return [ArticleRecord(source_id="vidu", url=f"http://sokhcn.vidu.gov.vn/tin/{n}.html",
                          aliases=[f"http://sokhcn.vidu.gov.vn/in/{n}"], title=f"Tin số {n}, đề tài {n * 7}",
                          body_text=f"Nội dung của tin số {n}: " + " ".join(f"t{n}x{k}" for k in range(60)),
                          published=day + timedelta(hours=n))
            for n in range(ARTICLES)]


def test_the_same_articles_saved_by_racing_writers_are_stored_once(store_url: str) -> None:
    setup = Store(store_url)
    setup.sync_sources([FakeSource("vidu", "Sở KH&CN Ví Dụ")])
    setup.close()
    outcomes: list[str] = []
    failures: list[BaseException] = []
    start = threading.Barrier(WRITERS)

    def writer() -> None:
        store = Store(store_url)  # a store of its own: its own connections, as another process has
        try:
            start.wait()
            for record in records():
                outcomes.append(store.save_article(record))
        except BaseException as exc:  # noqa: BLE001 - reported below
            failures.append(exc)
        finally:
            store.close()

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not failures, failures
    assert outcomes.count("new") == ARTICLES
    assert outcomes.count("unchanged") == ARTICLES * (WRITERS - 1)
    store = Store(store_url)
    try:
        assert store.count_articles("vidu") == ARTICLES
        with store.session() as session:
            assert session.scalar(select(func.count()).select_from(ArticleUrl)) == 2 * ARTICLES
    finally:
        store.close()


def test_processes_opening_a_new_store_at_once_all_get_it(store_url: str) -> None:
    # A scheduler's batches (or two workers) start together on a store nobody has created yet:
    # each must find the tables made, none may fail with "table already exists".
    import subprocess
    import sys

    code = "import sys; from core.store import Store; Store(sys.argv[1]).close()"
    openers = [subprocess.Popen([sys.executable, "-c", code, store_url], stderr=subprocess.PIPE, text=True)
               for _ in range(6)]
    errors = [opener.communicate(timeout=120)[1] for opener in openers]
    assert [opener.returncode for opener in openers] == [0] * 6, errors
