"""One Store per database in a crawl process, shared by every spider and pipeline in it.

A crawl of every source runs one Scrapy crawler per source in one process; a Store each for
the spider and the pipeline of every crawler made 60 engines, connections and statement
caches for one SQLite file. The last one to let go closes it.
"""

from __future__ import annotations

from core.store import Store

_open: dict[str, Store] = {}
_users: dict[str, int] = {}


def open_store(url: str) -> Store:
    """The process's Store for this database URL, opened on first use."""
    if url not in _open:
        _open[url] = Store(url)
        _users[url] = 0
    _users[url] += 1
    return _open[url]


def release_store(store: Store) -> None:
    """Done with a store from open_store; it is closed when nobody else holds it."""
    _users[store.url] -= 1
    if not _users[store.url]:
        del _open[store.url], _users[store.url]
        store.close()
