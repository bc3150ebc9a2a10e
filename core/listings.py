"""Listing pages as the last clean run of their source left them: unchanged, they need no reading.

An unchanged recrawl asks each source for its first listing page and gets it answered 304 (or
the same bytes again). When the previous run went through cleanly, every article that page
links to was stored then, so parsing it again can only find what is known. A mark says which
run saw the page, a digest of the page and of how the source reads it, and when the newest of
its articles appeared: once that is inside the recheck window, the page is read again, so an
edit of a young article is still caught (crawler/spiders/department.py decides).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Integer, String, Text, delete, select
from sqlalchemy.orm import Mapped, mapped_column

from core.database import Base, Database, UTCDateTime


class ListingMark(Base):
    """One listing page of a source, as the run that ended cleanly saw it."""

    __tablename__ = "listing_marks"

    source_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    url: Mapped[str] = mapped_column(Text, primary_key=True)  # the listing URL the source configures
    run_id: Mapped[int] = mapped_column(Integer)  # valid only while that run is the source's last
    digest: Mapped[str] = mapped_column(String(64))  # of the page's URL and body and of the source's profile
    newest: Mapped[datetime] = mapped_column(UTCDateTime)  # when its newest article appeared
    links: Mapped[int] = mapped_column(Integer)  # the stored articles it links to


class ListingRows(Database):
    def listing_marks(self, source_id: str) -> dict[str, ListingMark]:
        """A source's marks by listing URL."""
        with self.session() as s:
            marks = s.scalars(select(ListingMark).where(ListingMark.source_id == source_id))
            return {mark.url: mark for mark in marks}

    def save_listing_marks(self, source_id: str, marks: Iterable[ListingMark]) -> None:
        """Replace a source's marks with those of its run that just ended cleanly."""
        with self.session() as s:
            s.execute(delete(ListingMark).where(ListingMark.source_id == source_id))
            s.add_all(marks)
