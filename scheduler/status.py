"""How each source is doing: last run, next run, articles, failures, and the flags worth a look.

A source is flagged when it keeps failing, when its pages stop yielding articles (the site
changed its layout), or when it has published nothing for `stale_days`. Everything is read
from the store, so `deptfeeds status` works whether or not the scheduler is running.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, text

from core.config import Config, Source
from core.fields import DEFAULT_TIMEZONE
from core.locks import (
    INTERRUPTED,
    SCHEDULER,
    crawl_lock_name,
    describe_owner,
    lock_held,
    lock_taken,
    owner_alive,
)
from core.store import CrawlRun, Store, utcnow

HISTORY = 50  # runs looked at per source
JOBS_TABLE = "apscheduler_jobs"
STANDBY_PREFIX = "standby:"  # scheduler/leader.py names the locks of waiting schedulers so
# What the spider records when a page no longer looks like a listing or an article.
LAYOUT_ERRORS = ("listing page has no article links", "no article:")
SHUTTING_DOWN = "the scheduler is shutting down"


@dataclass
class Flag:
    kind: str  # failing | layout | stale
    message: str


@dataclass
class SourceStatus:
    id: str
    name: str
    last_run: dict[str, Any] | None
    running: bool
    next_run: datetime | None
    articles: int
    newest_article: datetime | None
    consecutive_failures: int
    last_error: dict[str, str] | None
    flags: list[Flag] = field(default_factory=list)


def _run_dict(run: CrawlRun) -> dict[str, Any]:
    return {"id": run.id, "started": run.started, "ended": run.ended, "status": run.status,
            "pages": run.pages, "new": run.new, "updated": run.updated, "duplicate": run.duplicate,
            "unchanged": run.unchanged, "errors": len(run.errors)}


def _stored(run: CrawlRun) -> int:
    return run.new + run.updated + run.duplicate + run.unchanged


def yielded_nothing(run: CrawlRun) -> bool:
    """A finished run that stored no article because its pages no longer looked like the site's."""
    return _stored(run) == 0 and any(e.get("error", "").startswith(LAYOUT_ERRORS) for e in run.errors)


def run_failed(run: CrawlRun) -> bool:
    return run.status == "failed"


def flags_for(config: Config, source: Source, runs: list[CrawlRun], failures: int,
              newest: datetime | None) -> list[Flag]:
    flags = []
    settings = config.schedule
    if failures >= settings.failing_after:
        flags.append(Flag("failing", f"failing: the last {failures} runs failed; "
                                     "its feed keeps the last good entries"))
    finished = [r for r in runs if r.status != "running"]
    if finished and yielded_nothing(finished[0]):
        flags.append(Flag("layout", "layout changed? the last run found no articles on its pages "
                                    f"({finished[0].errors[0]['error']})"))
    if newest is not None and utcnow() - newest > timedelta(days=settings.stale_days):
        days = (utcnow() - newest).days
        local = newest.astimezone(ZoneInfo(source.timezone))
        flags.append(Flag("stale", f"stale: nothing published for {days} days (newest article "
                                   f"{local:%Y-%m-%d}; stale_days = {settings.stale_days:g})"))
    return flags


def close_dead_run(store: Store, config: Config, source: Source, runs: list[CrawlRun]) -> None:
    """Show a run left "running" by a crawl that no longer holds its lock (SIGKILL) as failed.

    Only in what is shown: the next crawl records it so (core.locks.close_running_runs), and
    status writes nothing, so it works on a store it cannot write.
    """
    if not runs or runs[0].status != "running":
        return
    name = crawl_lock_name(source.id)
    taken = lock_taken(store, name)  # on PostgreSQL the server knows, whichever host holds it
    if not (lock_held(config, name) if taken is None else taken):
        runs[0].status = "failed"
        runs[0].errors = [*runs[0].errors, {"url": source.listing[0],
                                            "error": f"{INTERRUPTED} (no process holds its crawl lock)"}]


def source_status(store: Store, config: Config, source: Source,
                  next_runs: dict[str, datetime | None] | None = None) -> SourceStatus:
    runs = store.runs(source.id, limit=HISTORY)
    close_dead_run(store, config, source, runs)
    finished = [r for r in runs if r.status != "running"]
    failures = 0
    for run in finished:
        if run.status == "interrupted":  # stopped on purpose: neither a failure nor a success
            continue
        if not run_failed(run):
            break
        failures += 1
    last_error = next(({**r.errors[-1], "run": str(r.id), "time": r.started.isoformat()}
                       for r in runs if r.errors), None)
    newest = store.newest_article_date(source.id)
    return SourceStatus(
        id=source.id, name=source.name,
        last_run=_run_dict(runs[0]) if runs else None,
        running=bool(runs) and runs[0].status == "running",
        next_run=(next_runs or {}).get(source.id),
        articles=store.count_articles(source.id), newest_article=newest,
        consecutive_failures=failures, last_error=last_error,
        flags=flags_for(config, source, runs, failures, newest),
    )


def next_runs(store: Store) -> dict[str, datetime | None]:
    """Each source's next run as the scheduler's job store has it (read without starting one)."""
    if not inspect(store.engine).has_table(JOBS_TABLE):
        return {}
    with store.engine.connect() as connection:
        rows = connection.execute(text(f"SELECT id, next_run_time FROM {JOBS_TABLE}"))
        return {job_id.removeprefix("crawl:"): (datetime.fromtimestamp(ts, UTC) if ts else None)
                for job_id, ts in rows if job_id.startswith("crawl:")}


def scheduler_state(store: Store) -> dict[str, Any]:
    owner = store.lock_owner(SCHEDULER)
    taken = lock_taken(store, SCHEDULER)  # on PostgreSQL the server knows, whichever host holds it
    if not (owner_alive(owner) if taken is None else taken and owner is not None):
        return {"running": False}
    assert owner is not None
    standby = [{"pid": row.pid, "host": row.host, "since": row.since, "text": describe_owner(row)}
               for row in store.lock_owners(STANDBY_PREFIX) if lock_taken(store, row.name)]
    return {"running": True, "pid": owner.pid, "host": owner.host, "since": owner.since,
            "text": describe_owner(owner), "standby": standby}


def collect(store: Store, config: Config) -> tuple[dict[str, Any], list[SourceStatus]]:
    planned = next_runs(store)
    return scheduler_state(store), [source_status(store, config, s, planned) for s in config.sources]


SHOWN_ZONE = ZoneInfo(DEFAULT_TIMEZONE)  # the feeds' and index.html's time, not the server's


def _when(value: datetime | None) -> str:
    return value.astimezone(SHOWN_ZONE).strftime("%m-%d %H:%M:%S") if value else "-"


def render_table(scheduler: dict[str, Any], statuses: list[SourceStatus]) -> str:
    """A table for people: one line per source, then flags and last errors underneath."""
    state = (f"scheduler: running, {scheduler['text']}" if scheduler["running"]
             else "scheduler: not running (next runs are those it planned when it stopped)")
    for standby in scheduler.get("standby", []):
        state += f"\nscheduler standing by to take over: {standby['text']}"
    width = max([12, *(len(s.id) for s in statuses)])  # ids are up to 63 characters
    head = (f"{'source':<{width}} {'last run':<14} {'result':<11} {'new':>4} {'upd':>4} {'same':>4} "
            f"{'next run':<14} {'articles':>8} {'fails':>5}  flags")
    offset = datetime.now(SHOWN_ZONE).strftime("%z")
    lines = [state, f"times in {DEFAULT_TIMEZONE} (UTC{offset[:3]}:{offset[3:]})", "", head, "-" * len(head)]
    for s in statuses:
        run = s.last_run or {}
        lines.append(
            f"{s.id:<{width}} {_when(run.get('started')):<14} {run.get('status', 'never'):<11} "
            f"{run.get('new', 0):>4} {run.get('updated', 0):>4} {run.get('unchanged', 0):>4} "
            f"{_when(s.next_run):<14} {s.articles:>8} {s.consecutive_failures:>5}  "
            f"{','.join(f.kind for f in s.flags) or '-'}")
    for s in statuses:
        for flag in s.flags:
            lines.append(f"  {s.id}: {flag.message}")
        if s.last_error and (s.flags or (s.last_run or {}).get("status") in ("failed", "interrupted")):
            lines.append(f"  {s.id}: last error (run {s.last_error['run']}): "
                         f"{s.last_error.get('url', '')}: {s.last_error['error']}")
    return "\n".join(lines)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def render_json(scheduler: dict[str, Any], statuses: list[SourceStatus]) -> str:
    """The same facts for machines."""
    scheduler = {k: v for k, v in scheduler.items() if k != "text"}
    return json.dumps({"scheduler": scheduler, "sources": [asdict(s) for s in statuses]},
                      default=_jsonable, ensure_ascii=False, indent=2)
