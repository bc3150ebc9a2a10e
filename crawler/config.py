"""Load deptfeeds.toml and reject every mistake before a single request is made.

Loose config formats let typos through silently, so every table forbids unknown keys and
every value is checked for its type; errors name the file, the source and the key.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import soupsieve
from cssselect import HTMLTranslator
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_validator,
)

from crawler.families import FAMILIES

DEFAULT_CONFIG = "deptfeeds.toml"
CONFIG_ENV = "DEPTFEEDS_CONFIG"
COMBINED_FEED = "all"


class ConfigError(Exception):
    """A config file that cannot be used; each problem names file, source and key."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = Path(path)
        self.problems = problems
        super().__init__("\n".join(f"{self.path}: {p}" for p in problems))


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        raise ValueError(f"not an http(s) URL: {value!r}")
    return value


def _css(value: str) -> str:
    """A selector both engines run: soupsieve (listing pages) and cssselect (article pages, on lxml)."""
    try:
        soupsieve.compile(value)
        HTMLTranslator().css_to_xpath(value)
    except Exception as exc:  # soupsieve and cssselect raise several exception types
        reason = str(exc).splitlines()[0]  # soupsieve draws the position over several lines
        raise ValueError(f"not a valid CSS selector: {value!r} ({reason})") from None
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


def _family(value: str) -> str:
    if value not in FAMILIES:
        raise ValueError(f"unknown family {value!r}; known: {', '.join(sorted(FAMILIES))}")
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
Css = Annotated[str, AfterValidator(_css)]
NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
SourceId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")]
Duration = Annotated[str, AfterValidator(_duration)]


class Strict(BaseModel):
    # No NaN or infinity: `timeout = inf` would otherwise pass every bound and hang a crawl.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False)


class Selectors(Strict):
    """CSS overrides of the generic extractor; each one wins over the family profile."""

    links: Css | None = None
    next_page: Css | None = None
    title: Css | None = None
    date: Css | None = None
    body: Css | None = None
    author: Css | None = None
    strip: list[Css] = Field(default_factory=list)


class Schedule(Strict):
    """When to crawl: `every` ("30m", "2h", "1d") or `cron` ("15 */2 * * *"), with jitter."""

    every: Duration | None = None
    cron: NonEmpty | None = None
    jitter: Duration = "3m"

    @model_validator(mode="after")
    def _one_trigger(self) -> Schedule:
        if self.every and self.cron:
            raise ValueError("give either 'every' or 'cron', not both")
        if self.every is not None and parse_duration(self.every) <= 0:
            raise ValueError(f"'every' must be longer than zero: {self.every!r}")
        if self.cron:
            from apscheduler.triggers.cron import CronTrigger

            fields = self.cron.split()
            # APScheduler 3 counts weekdays from Monday = 0, crontab from Sunday = 0: names are unambiguous.
            if len(fields) == 5 and re.search(r"(?<![/\d])\d", fields[4]):
                raise ValueError(f"bad cron expression {self.cron!r}: write the day of week as names "
                                 "(mon-fri, sun), not numbers")
            try:
                CronTrigger.from_crontab(self.cron)
            except ValueError as exc:
                raise ValueError(f"bad cron expression {self.cron!r}: {exc}") from None
        return self


class ScheduleConfig(Schedule):
    """The [schedule] table: the default schedule plus how the long-running job behaves."""

    misfire_grace: Duration = "1d"  # a run missed while the scheduler was down still happens once
    grace_period: Duration = "60s"  # on SIGTERM, how long a running crawl may go on before it is stopped
    parallel: int = Field(default=2, ge=1, le=64)  # crawls at the same time (each is a process)
    failing_after: int = Field(default=3, ge=1)  # consecutive failed runs before a source is flagged
    stale_days: float = Field(default=30.0, gt=0)  # flag a source whose newest article is older


class Source(Strict):
    """A department site: only id, name and listing are required."""

    id: SourceId
    name: NonEmpty
    listing: list[HttpUrl] = Field(min_length=1)
    family: Annotated[str, AfterValidator(_family)] | None = None
    selectors: Selectors = Field(default_factory=Selectors)
    max_pages: int = Field(default=5, ge=1, le=1000)
    timezone: Annotated[str, AfterValidator(_timezone)] = "Asia/Ho_Chi_Minh"
    schedule: Schedule | None = None

    @property
    def hosts(self) -> set[str]:
        return {urlsplit(u).hostname or "" for u in self.listing}


class Topic(Strict):
    """A feed across sources: articles whose text has a keyword or whose page has a category."""

    id: SourceId
    name: NonEmpty
    keywords: list[NonEmpty] = Field(default_factory=list)
    categories: list[NonEmpty] = Field(default_factory=list)
    sources: list[SourceId] | None = None

    @model_validator(mode="after")
    def _has_a_filter(self) -> Topic:
        if not self.keywords and not self.categories:
            raise ValueError("give 'keywords' or 'categories' (or both)")
        if self.sources is not None and not self.sources:
            raise ValueError("'sources' is empty; leave it out to cover every source")
        return self


class StoreConfig(Strict):
    url: Annotated[NonEmpty, AfterValidator(_database_url)] = "sqlite:///data/deptfeeds.db"


class FeedsConfig(Strict):
    dir: NonEmpty = "public"
    base_url: HttpUrl = "http://localhost:8080/"
    limit: int = Field(default=50, ge=1, le=10000)
    title: NonEmpty = "deptfeeds"


class CrawlConfig(Strict):
    """Politeness and limits applied to every source."""

    user_agent: NonEmpty = "deptfeeds/0.1 (+https://github.com/deptfeeds/deptfeeds)"
    delay: float = Field(default=1.0, ge=0)
    concurrency_per_domain: int = Field(default=2, ge=1, le=32)
    timeout: float = Field(default=30.0, gt=0)
    max_page_bytes: int = Field(default=5_000_000, ge=10_000)
    recheck_days: float = Field(default=2.0, ge=0)
    time_limit: Duration = "30m"


class Config(Strict):
    """The whole file; `path` is where it was read from, for messages and relative paths."""

    path: Path = Path(DEFAULT_CONFIG)
    store: StoreConfig = Field(default_factory=StoreConfig)
    feeds: FeedsConfig = Field(default_factory=FeedsConfig)
    crawl: CrawlConfig = Field(default_factory=CrawlConfig)
    schedule: ScheduleConfig = Field(default_factory=lambda: ScheduleConfig(every="2h"))
    sources: list[Source] = Field(min_length=1)
    topics: list[Topic] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_ids(self) -> Config:
        seen: set[str] = set()
        for source in self.sources:
            if source.id in seen:
                raise ValueError(f"duplicate source id {source.id!r}")
            if source.id == COMBINED_FEED:
                raise ValueError(f"source id {COMBINED_FEED!r} is reserved for the combined feed")
            seen.add(source.id)
        topics: set[str] = set()
        for topic in self.topics:
            if topic.id in topics:
                raise ValueError(f"duplicate topic id {topic.id!r}")
            topics.add(topic.id)
            unknown = [s for s in topic.sources or [] if s not in seen]
            if unknown:
                raise ValueError(f"topic {topic.id!r} key 'sources': unknown source(s) {', '.join(unknown)}")
        return self

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def store_url(self) -> str:
        """The store URL with a relative SQLite path resolved against the config's folder."""
        prefix = "sqlite:///"
        url = self.store.url
        if url.startswith(prefix) and not url.startswith(prefix + "/") and url != "sqlite://":
            return prefix + str((self.folder / url[len(prefix) :]).resolve())
        return url

    @property
    def feeds_dir(self) -> Path:
        return (self.folder / self.feeds.dir).resolve()

    def topic_covers(self, topic: Topic, source_id: str) -> bool:
        """Whether a topic takes articles from this source."""
        return topic.sources is None or source_id in topic.sources

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The config to use: an explicit path, $DEPTFEEDS_CONFIG, or ./deptfeeds.toml."""
    return Path(explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate a config file, raising ConfigError with every problem found."""
    path = config_path(path)
    try:
        # utf-8-sig: editors on Windows save TOML with a byte-order mark.
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(path, ["file not found"]) from None
    except OSError as exc:
        raise ConfigError(path, [f"cannot read the file: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, [f"not UTF-8 text: {exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from None
    return parse_config(raw, path)


def parse_config(raw: dict[str, Any], path: Path) -> Config:
    """Validate already-parsed TOML; split out so tests can feed dictionaries."""
    if "path" in raw:
        raise ConfigError(path, ["key 'path': unknown key"])
    try:
        return Config.model_validate({**raw, "path": path.resolve()})
    except ValidationError as exc:
        raise ConfigError(path, [_describe(err, raw) for err in exc.errors()]) from None


def _describe(err: Any, raw: dict[str, Any]) -> str:
    """Turn a pydantic error into "source 'x' key 'listing[0]': message"."""
    loc = [p for p in err["loc"] if not (isinstance(p, str) and ("[" in p or p.startswith("function-")))]
    where = ""
    if len(loc) >= 2 and loc[0] in ("sources", "topics") and isinstance(loc[1], int):
        index, kind = loc[1], "source" if loc[0] == "sources" else "topic"
        entries = raw.get(loc[0])
        sid = None
        if isinstance(entries, list) and index < len(entries) and isinstance(entries[index], dict):
            sid = entries[index].get("id")
        where = f"{kind} {sid!r} " if isinstance(sid, str) else f"{kind} #{index + 1} "
        loc = loc[2:]
    elif len(loc) >= 2:
        where = f"[{loc[0]}] "
        loc = loc[1:]
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "unknown key"
    elif err["type"] == "missing":
        message = "missing required key"
    return f"{where}key {key!r}: {message}" if key else f"{where}{message}".strip()
