"""The sources table: one row per configured source, kept in step with the config."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.database import Base, Database, UTCDateTime, utcnow


class SourceRow(Base):
    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    listing: Mapped[list[str]] = mapped_column(JSON, default=list)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NamedSource(Protocol):
    id: str
    name: str
    listing: list[str]


class SourceRows(Database):
    def sync_sources(self, sources: Iterable[NamedSource]) -> None:
        """Insert or update a row for every configured source."""
        with self.session() as s:
            for source in sources:
                row = s.get(SourceRow, source.id)
                if row is None:
                    s.add(SourceRow(id=source.id, name=source.name, listing=list(source.listing)))
                else:
                    row.name, row.listing = source.name, list(source.listing)
