"""The database under the store: one declarative base, aware UTC datetimes, the engine and migrations.

SQLAlchemy, so another database URL can be given; SQLite by default, in WAL mode with one
short transaction per article, so a killed process never leaves the store corrupt; PostgreSQL
(`postgresql+psycopg://…`) for stores that several machines share. Each
table is declared by the module that owns it (articles, runs, sources, dedup, locks) on this
one base; the store imports them all before it creates the schema.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Computed, DateTime, TypeDecorator, create_engine, event, inspect, text
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.schema import CreateColumn


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out (SQLite keeps no zone of its own)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return value.replace(tzinfo=UTC) if value is not None else None


class Base(DeclarativeBase):
    pass


@compiles(Computed, "postgresql")
def _stored_computed(column: Computed, compiler: Any, **kw: Any) -> str:
    """PostgreSQL computes a column for an index only when it stores it (SQLite's may stay virtual)."""
    expression = compiler.sql_compiler.process(column.sqltext, include_table=False, literal_binds=True)
    return f"GENERATED ALWAYS AS ({expression}) STORED"


def sqlite_file(url: str) -> Path | None:
    """The database file of a SQLite URL (None for other databases and in-memory SQLite)."""
    parsed = make_url(url)
    if parsed.drivername.startswith("sqlite") and parsed.database not in (None, "", ":memory:"):
        return Path(parsed.database)
    return None


def store_name(url: str) -> str:
    """The store as messages name it: its file for SQLite, else the URL without its password."""
    database = sqlite_file(url)
    return str(database) if database is not None else make_url(url).render_as_string(hide_password=True)


def explain(error: BaseException, url: str) -> str:
    """One line for a failed open, read or write: which file, what the system said, what to check."""
    cause = error.orig if isinstance(error, DBAPIError) else error
    if isinstance(cause, OSError) and cause.errno:
        name = errno.errorcode.get(cause.errno, "?")
        return f"{cause.filename or store_name(url)}: {cause.strerror} (errno {cause.errno}, {name})"
    where, code = store_name(url), getattr(cause, "sqlite_errorname", None) or type(cause).__name__
    message = f"store {where}: {str(cause).splitlines()[0] if str(cause) else code} ({code})"
    database = sqlite_file(url)
    if database is None:
        return message
    folder = database.parent
    if code == "SQLITE_FULL" and folder.is_dir():
        return f"{message}: {shutil.disk_usage(folder).free} bytes free on the filesystem of {folder}"
    if code.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN")) and folder.is_dir() \
            and not os.access(folder, os.W_OK):
        return f"{message}: its folder {folder} is read-only"
    if code.startswith("SQLITE_CANTOPEN") and not folder.is_dir():
        return f"{message}: its folder {folder} does not exist"
    return message


def is_postgresql(bind: Engine | Connection) -> bool:
    return bind.dialect.name == "postgresql"


def advisory_key(name: str) -> int:
    """A PostgreSQL advisory lock key (a signed 64-bit integer) for a lock name."""
    digest = hashlib.sha256(f"deptfeeds:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def schema_lock(connection: Connection) -> None:
    """Let one process at a time create or upgrade the schema (until commit).

    Two crawl processes starting together on a new store (a scheduler's batches, two workers)
    would otherwise both see no tables, both create them, and one fail ("table already exists").
    PostgreSQL: an advisory lock; SQLite: its write lock, taken before the tables are looked at
    (a plain BEGIN would take it only at the first write, after both had looked).
    """
    if is_postgresql(connection):
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key("schema")})
    elif connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_pragmas(engine: Engine, read_only: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        if not read_only:  # a read-only file keeps the journal mode it was written with
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        # 8 MB of pages, not 2: at a million articles the inner pages of the LSH buckets
        # (near_bands) alone take 1.8 MB; page reads per indexed article 72 -> 57 (32 MB: 54,
        # not worth the memory a crawl would then hold).
        cursor.execute("PRAGMA cache_size=-8192")
        cursor.close()


def open_engine(url: str, read_only: str = "") -> Engine:
    """An engine for the URL, a SQLite file's folder created first.

    `read_only` opens a SQLite file without writing to it: "ro", or "immutable" where not even
    the WAL index beside it can be made (a read-only folder).
    """
    database = sqlite_file(url)
    if database is not None and read_only:
        flags = "mode=ro" + ("&immutable=1" if read_only == "immutable" else "")
        url = f"sqlite:///file:{quote(str(database))}?{flags}&uri=true"
    elif database is not None:
        database.parent.mkdir(parents=True, exist_ok=True)
    # Last in, first out: the same pooled connection serves transaction after transaction, so
    # its SQLite page cache stays valid (two connections taken in turn each find the other's
    # writes and drop their cache: 84 instead of 54 page reads per indexed article at 1M).
    if make_url(url).drivername.startswith("sqlite"):
        engine = create_engine(url, pool_use_lifo=True)
        _sqlite_pragmas(engine, bool(read_only))
        return engine
    # A database server can restart under a long-running scheduler or worker: a pooled
    # connection is checked before use and replaced if the server dropped it.
    return create_engine(url, pool_use_lifo=True, pool_pre_ping=True)


def create_schema(engine: Engine) -> None:
    """Create missing tables, then bring tables an older version created up to date."""
    with engine.begin() as connection:
        schema_lock(connection)
        Base.metadata.create_all(connection)
        _add_missing_columns(connection)


def _add_missing_columns(connection: Connection) -> None:
    """Add columns and indexes that newer versions declare to tables an older version created."""
    inspector = inspect(connection)
    for table in Base.metadata.sorted_tables:
        present = {c["name"] for c in inspector.get_columns(table.name)}
        for column in table.columns:
            if column.name not in present and column.computed is not None:
                # The database computes the column, so adding it backfills every row.
                spec = CreateColumn(column).compile(dialect=connection.dialect)
                connection.execute(text(f"ALTER TABLE {table.name} ADD COLUMN {spec}"))
            elif column.name not in present and column.server_default is not None:
                kind = column.type.compile(connection.dialect)
                default = column.server_default.arg  # type: ignore[attr-defined]
                connection.execute(text(f'ALTER TABLE {table.name} ADD COLUMN {column.name} '
                                        f"{kind} NOT NULL DEFAULT {default}"))
        for index in table.indexes:
            index.create(connection, checkfirst=True)


class Database:
    """An engine and its sessions: what every part of the store works through."""

    def __init__(self, url: str, read_only: str = ""):
        self.url = url
        self.read_only = read_only
        self.engine = open_engine(url, read_only)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed on success, rolled back on any error."""
        with self._sessions.begin() as session:
            yield session

    def close(self) -> None:
        self.engine.dispose()
