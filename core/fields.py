"""The value types config files are checked against: URLs, selectors, durations, ids, timezones.

Shared by deptfeeds.toml (core/config.py) and the CMS family profiles (core/families.py), so a
selector or a pattern is checked the same way wherever it is written.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import soupsieve
from cssselect import HTMLTranslator
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

# Every source's dates are read and shown in its own timezone; this one unless it says otherwise.
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"


class Strict(BaseModel):
    # No NaN or infinity: `timeout = inf` would otherwise pass every bound and hang a crawl.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value


def check_css(value: str) -> str:
    """A selector both engines run: soupsieve (listing pages) and cssselect (article pages, on lxml)."""
    try:
        soupsieve.compile(value)
        HTMLTranslator().css_to_xpath(value)
    except Exception as exc:  # soupsieve and cssselect raise several exception types
        reason = str(exc).splitlines()[0]  # soupsieve draws the position over several lines
        raise ValueError(f"not a valid CSS selector: {value!r} ({reason})") from None
    return value


def _fallbacks(value: Any) -> Any:
    """One selector, or an ordered list of fallbacks, as a tuple (each is then checked as CSS)."""
    if isinstance(value, str):
        return (value,)
    return tuple(value) if isinstance(value, list) else value


def _pattern(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {value!r} ({exc})") from None
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown timezone: {value!r}") from None
    return value


def _database_url(value: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    try:
        make_url(value).get_dialect()
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise ValueError(f"not a database URL SQLAlchemy can open: {value!r} ({exc})") from None
    return value


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: str) -> float:
    """Seconds in "90s", "30m", "2h" or "1.5d"."""
    text = value.strip()
    try:
        number, unit = float(text[:-1]), _UNITS[text[-1:]]
    except (ValueError, KeyError):
        raise ValueError(f"not a duration like '30m' or '2h' (units s, m, h, d): {value!r}") from None
    if number < 0:
        raise ValueError(f"duration must not be negative: {value!r}")
    return number * unit


def _duration(value: str) -> str:
    parse_duration(value)
    return value


HttpUrl = Annotated[str, AfterValidator(_http_url)]
Css = Annotated[str, AfterValidator(check_css)]
Fallbacks = Annotated[tuple[Css, ...], BeforeValidator(_fallbacks)]
Pattern = Annotated[str, AfterValidator(_pattern)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
SourceId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
Duration = Annotated[str, AfterValidator(_duration)]
Timezone = Annotated[str, AfterValidator(_timezone)]
DatabaseUrl = Annotated[NonEmpty, AfterValidator(_database_url)]


class DocumentSelectors(Strict):
    """Where a documents list that is no headed table keeps each document and its parts.

    `rows` finds each document (a list item, a views row); the others are read inside it. A
    row's files are its links to files (every link of its `file` part, which may be download
    addresses without an extension), its page the summary's link (crawler/documents.py).
    """

    rows: Fallbacks = ()
    summary: Fallbacks = ()
    number: Fallbacks = ()
    date: Fallbacks = ()
    issuer: Fallbacks = ()
    file: Fallbacks = ()


class Selectors(Strict):
    """CSS selectors per field, for a source or a CMS family: one selector or ordered fallbacks.

    A source's selectors win over its family's, field by field; `strip` adds to the family's.
    """

    links: Fallbacks = ()
    next_page: Fallbacks = ()
    title: Fallbacks = ()
    date: Fallbacks = ()
    body: Fallbacks = ()
    author: Fallbacks = ()
    lead: Fallbacks = ()
    strip: Fallbacks = Field(default=())
    documents: DocumentSelectors = Field(default_factory=DocumentSelectors)  # for kind = "documents"
