"""The schema of CMS family profiles: many provinces run the same CMS, so one profile serves them all.

A family is data (a table in crawler/families.toml): the same selectors a source may set,
checked the same way, plus what the CMS does with URLs (which links are articles, which
query parameters name one, where its print views lead). The table named `generic` is not a
family: it is the base every source starts from, family or not (like FiveFilters' global.txt).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from pydantic import Field, ValidationError

from core.fields import Fallbacks, NonEmpty, Pattern, Selectors, Strict

GENERIC = "generic"


class PrintView(Strict):
    """A URL shape that shows an article for printing or as PDF, and where the article is."""

    name: NonEmpty
    pattern: Pattern  # matched against the path plus query of a same-site URL
    article: str | None = None  # a template over the pattern's named groups; none: skip the view
    reason: NonEmpty


class Family(Selectors):
    """One CMS's selectors (ordered fallbacks) and URL habits."""

    name: NonEmpty
    description: str = ""
    article_urls: list[Pattern] = Field(default_factory=list)  # paths (and queries) of article links
    keep_params: list[NonEmpty] = Field(default_factory=list)  # the query parameters naming an article
    print_views: list[PrintView] = Field(default_factory=list)
    canonical_from_form_action: bool = False  # <form action> may name the page (ASP.NET WebForms)
    # Markup only this CMS prints (a generator meta, its own classes): `deptfeeds discover` tells
    # the family of a site it has never seen by how many of these its pages match.
    fingerprints: Fallbacks = ()


class FamiliesError(Exception):
    """A families file that cannot be used; the message names the file, the family and the key."""


def load_families(path: Path) -> tuple[dict[str, Family], Family]:
    """Every family of a families file by name, and the generic base profile."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FamiliesError(f"{path}: {exc}") from None
    families: dict[str, Family] = {}
    for name, table in raw.items():
        try:
            families[name] = Family.model_validate({**table, "name": name})
        except ValidationError as exc:
            problems = "; ".join(f"key {'.'.join(map(str, e['loc']))!r}: "
                                 f"{e['msg'].removeprefix('Value error, ')}" for e in exc.errors())
            raise FamiliesError(f"{path}: family {name!r} {problems}") from None
    generic = families.pop(GENERIC, Family(name=GENERIC))
    return families, generic
