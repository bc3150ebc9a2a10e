"""CMS family profiles: many provinces run the same CMS, so one profile serves them all.

The profiles are data (families.toml); a source names one with `family = "..."` and may
still override single selectors. Each selector list is an ordered fallback.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from crawler.extract.article import SiteRules

if TYPE_CHECKING:
    from crawler.config import Source

FAMILIES_FILE = Path(__file__).with_name("families.toml")


class Family(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    description: str = ""
    links: list[str] = Field(default_factory=list)
    next_page: list[str] = Field(default_factory=list)
    title: list[str] = Field(default_factory=list)
    date: list[str] = Field(default_factory=list)
    body: list[str] = Field(default_factory=list)
    author: list[str] = Field(default_factory=list)
    lead: list[str] = Field(default_factory=list)
    strip: list[str] = Field(default_factory=list)
    article_urls: list[str] = Field(default_factory=list)
    keep_params: list[str] = Field(default_factory=list)


def load_families(path: Path = FAMILIES_FILE) -> dict[str, Family]:
    """Read every [name] table of families.toml into a Family."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    return {name: Family(name=name, **table) for name, table in raw.items()}


FAMILIES: dict[str, Family] = load_families()


class Profile(BaseModel):
    """Everything the crawler needs about one source: its selectors merged over its family."""

    model_config = ConfigDict(frozen=True)

    links: tuple[str, ...] = ()
    next_page: tuple[str, ...] = ()
    article_urls: tuple[str, ...] = ()
    keep_params: tuple[str, ...] = ()
    extract: SiteRules = SiteRules()


def profile_for(source: Source) -> Profile:
    """Merge a source's own selectors over its family's, field by field."""
    family = FAMILIES[source.family] if source.family else Family(name="generic")
    own = source.selectors

    def pick(field: str) -> tuple[str, ...]:
        mine = getattr(own, field, None)
        return (mine,) if mine else tuple(getattr(family, field))

    def origin(field: str) -> str:
        return "selector" if getattr(own, field, None) else f"family:{family.name}"

    fields = ("title", "date", "body", "author", "lead")
    rules = SiteRules(
        title=pick("title"), date=pick("date"), body=pick("body"), author=pick("author"),
        lead=pick("lead"), strip=(*family.strip, *own.strip), origins={f: origin(f) for f in fields},
    )
    return Profile(links=pick("links"), next_page=pick("next_page"),
                   article_urls=tuple(family.article_urls), keep_params=tuple(family.keep_params),
                   extract=rules)
