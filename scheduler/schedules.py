"""Turn the config's schedules into APScheduler jobs, and bring the job store in line with it.

Jobs live in a persistent store, so a restart keeps each job's next run time; only jobs
whose schedule changed are replaced, new sources get a job and removed ones lose theirs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.config import Config, Schedule, Source, parse_duration
from core.store import utcnow

log = logging.getLogger("deptfeeds.scheduler")

JOB_PREFIX = "crawl:"
JOB_FUNC = "scheduler.jobs:crawl_job"
DEFAULT_EVERY = "2h"


def job_id(source_id: str) -> str:
    return JOB_PREFIX + source_id


def effective_schedule(config: Config, source: Source) -> Schedule:
    """The source's own `every`/`cron`/`jitter` where it sets them, else the [schedule] default."""
    default, own = config.schedule, source.schedule
    every, cron = default.every, default.cron
    if own is not None and (own.every or own.cron):
        every, cron = own.every, own.cron
    if not every and not cron:
        every = DEFAULT_EVERY
    jitter = own.jitter if own is not None and "jitter" in own.model_fields_set else default.jitter
    return Schedule(every=every, cron=cron, jitter=jitter)


def describe(schedule: Schedule, timezone: str) -> str:
    """A one-line description, also stored as the job's name to notice a changed schedule."""
    when = f"every {schedule.every}" if schedule.every else f"cron '{schedule.cron}' ({timezone})"
    return f"{when}, jitter {schedule.jitter}"


def trigger_for(schedule: Schedule, timezone: str, now: datetime | None = None) -> BaseTrigger:
    """An interval trigger counted from now, or a cron trigger in the source's time zone."""
    jitter = round(parse_duration(schedule.jitter)) or None
    if schedule.cron:
        trigger = CronTrigger.from_crontab(schedule.cron, timezone=timezone)
        trigger.jitter = jitter
        return trigger
    return IntervalTrigger(seconds=parse_duration(schedule.every or DEFAULT_EVERY),
                           start_date=now or utcnow(), timezone=timezone, jitter=jitter)


@dataclass
class JobChanges:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        parts = [f"{name} {', '.join(ids)}" for name, ids in
                 (("added", self.added), ("updated", self.updated), ("removed", self.removed),
                  ("kept", self.kept)) if ids]
        return "; ".join(parts) or "no jobs"


def sync_jobs(scheduler: BaseScheduler, config: Config) -> JobChanges:
    """Add, replace or remove crawl jobs so the job store matches the config."""
    existing = {job.id: job for job in scheduler.get_jobs() if job.id.startswith(JOB_PREFIX)}
    misfire = round(parse_duration(config.schedule.misfire_grace))
    changes = JobChanges()
    for source in config.sources:
        schedule = effective_schedule(config, source)
        name = f"{source.id}: {describe(schedule, source.timezone)}"
        old = existing.pop(job_id(source.id), None)
        if old is not None and old.name == name and old.func_ref == JOB_FUNC and old.args == (source.id,):
            scheduler.modify_job(old.id, misfire_grace_time=misfire, coalesce=True, max_instances=1)
            changes.kept.append(source.id)
            continue
        # A new or changed interval schedule starts with a crawl now; a cron one waits for its time.
        first = {"next_run_time": utcnow()} if schedule.every else {}
        scheduler.add_job(JOB_FUNC, trigger_for(schedule, source.timezone), args=[source.id],
                          id=job_id(source.id), name=name, replace_existing=True,
                          misfire_grace_time=misfire, coalesce=True, max_instances=1, **first)
        (changes.added if old is None else changes.updated).append(source.id)
    for job in existing.values():
        scheduler.remove_job(job.id)
        changes.removed.append(job.id.removeprefix(JOB_PREFIX))
    return changes
