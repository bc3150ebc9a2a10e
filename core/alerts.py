"""What the alerts last told each channel about each source: a change of flags is told once.

Kept per channel (webhook, email), so a channel that failed is tried again at the next check
while one that delivered is not told twice.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, select
from sqlalchemy.orm import Mapped, mapped_column

from core.database import Base, Database, UTCDateTime, utcnow


class AlertedRow(Base):
    __tablename__ = "alerted"

    source_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)  # the flag kinds last told
    sent: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AlertRows(Database):
    def alerted_flags(self, channel: str) -> dict[str, set[str]]:
        with self.session() as s:
            rows = s.scalars(select(AlertedRow).where(AlertedRow.channel == channel))
            return {row.source_id: set(row.flags) for row in rows}

    def set_alerted_flags(self, source_id: str, channel: str, flags: set[str]) -> None:
        with self.session() as s:
            s.merge(AlertedRow(source_id=source_id, channel=channel, flags=sorted(flags), sent=utcnow()))
