"""Crawl runs: what each crawl of a source did, recorded as it starts and closed as it ends."""

from __future__ import annotations

import os
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, func, select, text
from sqlalchemy.orm import Mapped, mapped_column

from core.database import Base, Database, UTCDateTime, utcnow

# Set by `deptfeeds worker` for the crawl processes it starts: whose run it is.
WORKER_ENV = "DEPTFEEDS_WORKER"


class CrawlRun(Base):
    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    started: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="running")
    pages: Mapped[int] = mapped_column(Integer, default=0)
    new: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    duplicate: Mapped[int] = mapped_column(Integer, default=0)
    unchanged: Mapped[int] = mapped_column(Integer, default=0)
    # article pages requested, answered 304 (revalidated from the HTTP cache), and not requested
    fetched: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    not_modified: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    skipped: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    errors: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # faults met on the way to pages that answered in the end (a 500 retried, then 200)
    recovered: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    # the `deptfeeds worker` that ran the crawl ("" when it ran on its own or under a lone scheduler)
    worker: Mapped[str] = mapped_column(Text, default="", server_default=text("''"))


class RunRows(Database):
    def start_run(self, source_id: str) -> int:
        with self.session() as s:
            run = CrawlRun(source_id=source_id, started=utcnow(), status="running",
                           worker=os.environ.get(WORKER_ENV, ""))
            s.add(run)
            s.flush()
            return run.id

    def finish_run(self, run_id: int, status: str, counts: dict[str, int],
                   errors: list[dict[str, str]],
                   recovered: list[dict[str, str]] | None = None) -> CrawlRun:
        with self.session() as s:
            run = s.get_one(CrawlRun, run_id)
            run.ended, run.status, run.errors = utcnow(), status, errors
            run.recovered = recovered or []
            for key, value in counts.items():
                setattr(run, key, value)
            return run

    def run(self, run_id: int) -> CrawlRun:
        with self.session() as s:
            return s.get_one(CrawlRun, run_id)

    def last_run(self, source_id: str) -> CrawlRun | None:
        with self.session() as s:
            return s.scalars(
                select(CrawlRun).where(CrawlRun.source_id == source_id)
                .order_by(CrawlRun.id.desc()).limit(1)
            ).first()

    def runs(self, source_id: str, after_id: int = 0, limit: int | None = None,
             status: str | None = None) -> list[CrawlRun]:
        """Runs of a source newest first, only those after `after_id` (and of `status`) if given."""
        query = (select(CrawlRun).where(CrawlRun.source_id == source_id, CrawlRun.id > after_id)
                 .order_by(CrawlRun.id.desc()).limit(limit))
        if status is not None:
            query = query.where(CrawlRun.status == status)
        with self.session() as s:
            return list(s.scalars(query))

    def last_run_id(self) -> int:
        with self.session() as s:
            return s.scalar(select(func.max(CrawlRun.id))) or 0

    def add_failed_run(self, source_id: str, started: datetime, error: dict[str, str]) -> int:
        """Record a crawl that failed before it could record itself (a crash at start-up)."""
        with self.session() as s:
            run = CrawlRun(source_id=source_id, started=started, ended=utcnow(), status="failed",
                           errors=[error])
            s.add(run)
            s.flush()
            return run.id

    def mark_run(self, run_id: int, status: str, error: dict[str, str]) -> None:
        """Close or amend a run that its own process could not finish honestly (killed, stopped)."""
        with self.session() as s:
            run = s.get_one(CrawlRun, run_id)
            run.status, run.ended = status, run.ended or utcnow()
            run.errors = [*run.errors, error]
