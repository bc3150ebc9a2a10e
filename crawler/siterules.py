"""The selectors one source's article pages are read with, per field, in their own light module.

crawler/profiles.py builds them for every source at start-up; kept apart from the extractor so
that a crawl which fetches no article page (an unchanged recrawl) never imports it.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SiteRules:
    """Ordered CSS fallbacks per field, from the source's selectors and its family profile."""

    title: tuple[str, ...] = ()
    date: tuple[str, ...] = ()
    body: tuple[str, ...] = ()
    author: tuple[str, ...] = ()
    lead: tuple[str, ...] = ()
    strip: tuple[str, ...] = ()
    origins: dict[str, str] = field(default_factory=dict)

    def origin(self, name: str) -> str:
        """Which configuration supplied the selectors for a field ("selector", "family:x")."""
        return self.origins.get(name, "selector")
