"""Load deptfeeds.toml and reject every mistake before a single request is made.

Loose config formats let typos through silently, so every table forbids unknown keys and
every value is checked for its type; errors name the file, the source and the key.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
import typing
from collections.abc import Collection
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from core.fields import (
    DEFAULT_TIMEZONE,
    DatabaseUrl,
    Duration,
    HttpUrl,
    NonEmpty,
    Selectors,
    SourceId,
    Strict,
    Timezone,
    parse_duration,
)

__all__ = ["COMBINED_FEED", "DEFAULT_TIMEZONE", "Config", "ConfigError", "Source", "Topic", "load_config",
           "parse_config", "parse_duration"]

DEFAULT_CONFIG = "deptfeeds.toml"
CONFIG_ENV = "DEPTFEEDS_CONFIG"
COMBINED_FEED = "all"


class ConfigError(Exception):
    """A config file that cannot be used; each problem names file, source and key."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = Path(path)
        self.problems = problems
        super().__init__("\n".join(f"{self.path}: {p}" for p in problems))


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
    parallel: int = Field(default=2, ge=1, le=64)  # crawl processes at the same time
    batch: int = Field(default=100, ge=1, le=500)  # due sources crawled together by one process
    failing_after: int = Field(default=3, ge=1)  # consecutive failed runs before a source is flagged
    stale_days: float = Field(default=30.0, gt=0)  # flag a source whose newest article is older


class Source(Strict):
    """A department site: only id, name and listing are required."""

    id: SourceId
    name: NonEmpty
    listing: list[HttpUrl] = Field(min_length=1)
    family: str | None = None  # a CMS profile (crawler/families.toml), checked by `load_config`
    selectors: Selectors = Field(default_factory=Selectors)
    max_pages: int = Field(default=5, ge=1, le=1000)
    timezone: Timezone = DEFAULT_TIMEZONE
    schedule: Schedule | None = None
    # "documents": its listing pages are tables of documents (number, date issued, summary, file),
    # each row an entry (crawler/documents.py); "news": a listing of article pages.
    kind: Literal["news", "documents"] = "news"

    @field_validator("family")
    @classmethod
    def _known_family(cls, value: str | None, info: ValidationInfo) -> str | None:
        known = (info.context or {}).get("families")
        if value is not None and known is not None and value not in known:
            raise ValueError(f"unknown family {value!r}; known: {', '.join(sorted(known))}")
        return value

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
    url: DatabaseUrl = "sqlite:///data/deptfeeds.db"


def _folder_url(url: str) -> str:
    """A base URL names a folder: "…/feeds" is "…/feeds/", or every feed link would drop "feeds"."""
    parts = urlsplit(url)
    if parts.path.endswith("/") or parts.query:
        return url
    return urlunsplit(parts._replace(path=parts.path + "/"))


class FeedsConfig(Strict):
    dir: NonEmpty = "public"
    base_url: Annotated[HttpUrl, AfterValidator(_folder_url)] = "http://localhost:8080/"
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


class EmailAlerts(Strict):
    """Alerts by e-mail through an SMTP server (no authentication: a local relay)."""

    host: NonEmpty
    port: int = Field(default=25, ge=1, le=65535)
    sender: NonEmpty  # the From address
    to: list[NonEmpty] = Field(min_length=1)


class AlertsConfig(Strict):
    """The [alerts] table: tell people when a source is flagged (failing, layout, stale) and recovers."""

    webhook: NonEmpty | None = None  # a URL that gets a JSON POST per change
    email: EmailAlerts | None = None

    @field_validator("webhook")
    @classmethod
    def _web(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError(f"the webhook must be an http(s) URL, not {value!r}")
        return value


class ClusterConfig(Strict):
    """The [cluster] table: crawls run as Celery tasks on `deptfeeds worker`s, through a Redis broker.

    Needs a store that every machine reaches (PostgreSQL): the workers record their runs there,
    and the locks that keep one crawl per source live there.
    """

    broker: NonEmpty  # "redis://host:6379/0"
    queue: NonEmpty = "deptfeeds"
    # Sources due together go in one crawl task (one crawl process on a worker, whose start costs
    # about 2 s of CPU): larger saves CPU, smaller spreads a small fleet over more workers.
    batch: int = Field(default=10, ge=1, le=500)

    @field_validator("broker")
    @classmethod
    def _redis(cls, value: str) -> str:
        if urlsplit(value).scheme not in ("redis", "rediss"):
            raise ValueError(f"the broker must be a Redis URL (redis://host:6379/0), not {value!r}")
        return value


class Config(Strict):
    """The whole file; `path` is where it was read from, for messages and relative paths."""

    path: Path = Path(DEFAULT_CONFIG)
    store: StoreConfig = Field(default_factory=StoreConfig)
    feeds: FeedsConfig = Field(default_factory=FeedsConfig)
    crawl: CrawlConfig = Field(default_factory=CrawlConfig)
    schedule: ScheduleConfig = Field(default_factory=lambda: ScheduleConfig(every="2h"))
    sources: list[Source] = Field(min_length=1)
    topics: list[Topic] = Field(default_factory=list)
    cluster: ClusterConfig | None = None
    alerts: AlertsConfig | None = None

    @model_validator(mode="after")
    def _shared_store(self) -> Config:
        if self.cluster is not None and self.store.url.startswith("sqlite"):
            raise ValueError("[cluster] needs a store every machine reaches: set [store] url to a "
                             "PostgreSQL URL (postgresql+psycopg://user@host/db), not SQLite")
        return self

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

    def source(self, source_id: str) -> Source:
        for source in self.sources:
            if source.id == source_id:
                return source
        raise KeyError(source_id)


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The config to use: an explicit path, $DEPTFEEDS_CONFIG, or ./deptfeeds.toml."""
    return Path(explicit or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)


def load_config(path: str | os.PathLike[str] | None = None, *,
                families: Collection[str] | None = None) -> Config:
    """Read and validate a config file, raising ConfigError with every problem found.

    `families` are the CMS family names a source may give (the crawler's families.toml);
    the command line always passes them, so a mistyped family is refused before any run.
    """
    path = config_path(path)
    try:
        # utf-8-sig: editors on Windows save TOML with a byte-order mark.
        raw = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise ConfigError(path, ["file not found (give another with --config PATH or $DEPTFEEDS_CONFIG; "
                                 "samples/deptfeeds.toml is an example)"]) from None
    except OSError as exc:
        raise ConfigError(path, [f"cannot read the file: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(path, [f"not UTF-8 text: {exc}"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"not valid TOML: {exc}"]) from None
    return parse_config(raw, path, families)


def parse_config(raw: dict[str, Any], path: Path, families: Collection[str] | None = None) -> Config:
    """Validate already-parsed TOML; split out so tests can feed dictionaries."""
    if "path" in raw:
        raise ConfigError(path, ["key 'path': unknown key"])
    try:
        return Config.model_validate({**raw, "path": path.resolve()}, context={"families": families})
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
    if loc and isinstance(loc[-1], int) and isinstance(_at(raw, err["loc"][:-1]), str):
        loc = loc[:-1]  # one selector given where a list may stand: no index to point at
    key = ""
    for part in loc:
        key += f"[{part}]" if isinstance(part, int) else (f".{part}" if key else str(part))
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        message = "unknown key"
        unknown = next((part for part in reversed(err["loc"]) if isinstance(part, str)), "")
        close = difflib.get_close_matches(unknown, sorted(_known_keys()), n=1, cutoff=0.75)
        if close:
            message += f" (did you mean {close[0]!r}?)"
    elif err["type"] == "missing":
        message = "missing required key"
    return f"{where}key {key!r}: {message}" if key else f"{where}{message}".strip()


def _known_keys(model: type[BaseModel] | None = None) -> set[str]:
    """Every key any table of the config takes, for "did you mean" on a mistyped one."""
    keys: set[str] = set()
    for name, info in (model or Config).model_fields.items():
        keys.add(name)
        for inner in typing.get_args(info.annotation) or (info.annotation,):
            for candidate in typing.get_args(inner) or (inner,):
                if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                    keys |= _known_keys(candidate)
    return keys - {"path"}


def _at(raw: Any, loc: tuple[Any, ...]) -> Any:
    """The raw value at a pydantic error location, or None when it is not there."""
    for part in loc:
        try:
            raw = raw[part]
        except (KeyError, IndexError, TypeError):
            return None
    return raw
