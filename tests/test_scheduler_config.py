"""Schedules in the config: a default in [schedule], an override per source, every mistake refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from core.config import ConfigError, load_config
from scheduler.schedules import describe, effective_schedule, trigger_for

SOURCE = '''
[[sources]]
id = "{id}"
name = "Sở KH&CN"
listing = ["https://sokhcn.example.gov.vn/tin-tuc"]
'''


def config_with(tmp_path: Path, text: str):
    path = tmp_path / "deptfeeds.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_sources_follow_the_default_unless_they_say_otherwise(tmp_path: Path) -> None:
    config = config_with(tmp_path, '[schedule]\nevery = "6h"\njitter = "10m"\n'
                         + SOURCE.format(id="plain")
                         + SOURCE.format(id="morning") + '[sources.schedule]\ncron = "15 7 * * mon-fri"\n'
                         + SOURCE.format(id="calm") + '[sources.schedule]\njitter = "0s"\n')
    described = {s.id: describe(effective_schedule(config, s), s.timezone) for s in config.sources}
    assert described == {
        "plain": "every 6h, jitter 10m",
        "morning": "cron '15 7 * * mon-fri' (Asia/Ho_Chi_Minh), jitter 10m",
        "calm": "every 6h, jitter 0s",
    }


def test_without_a_schedule_table_every_source_is_crawled_every_two_hours(tmp_path: Path) -> None:
    config = config_with(tmp_path, SOURCE.format(id="plain"))
    assert describe(effective_schedule(config, config.sources[0]), "UTC") == "every 2h, jitter 3m"
    assert config.schedule.grace_period == "60s" and config.schedule.misfire_grace == "1d"


def test_triggers_count_from_now_or_follow_the_clock_of_the_source(tmp_path: Path) -> None:
    config = config_with(tmp_path, '[schedule]\nevery = "90s"\njitter = "0s"\n'
                         + SOURCE.format(id="fast")
                         + SOURCE.format(id="morning") + '[sources.schedule]\ncron = "15 7 * * *"\n')
    now = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    fast, morning = config.sources

    interval = trigger_for(effective_schedule(config, fast), fast.timezone, now)
    assert isinstance(interval, IntervalTrigger) and interval.interval == timedelta(seconds=90)
    assert interval.get_next_fire_time(now, now + timedelta(seconds=1)) == now + timedelta(seconds=90)

    cron = trigger_for(effective_schedule(config, morning), morning.timezone, now)
    assert isinstance(cron, CronTrigger)
    # 07:15 in Hanoi is 00:15 UTC: the next one after noon UTC is the following day.
    assert cron.get_next_fire_time(None, now) == datetime(2025, 6, 2, 0, 15, tzinfo=UTC)


X = SOURCE.format(id="x")
BAD_SCHEDULES = {
    "both every and cron": ('[schedule]\nevery = "2h"\ncron = "0 * * * *"\n' + X,
                            "give either 'every' or 'cron', not both"),
    "zero interval": ('[schedule]\nevery = "0s"\n' + X, "'every' must be longer than zero"),
    "bad cron": ('[schedule]\ncron = "61 * * * *"\n' + X, "bad cron expression '61 * * * *'"),
    "weekday as a number": ('[schedule]\ncron = "0 8 * * 1-5"\n' + X,
                            "write the day of week as names (mon-fri, sun), not numbers"),
    "unknown key": ('[schedule]\ngrace = "1m"\n' + X, "[schedule] key 'grace': unknown key"),
    "bad grace period": ('[schedule]\ngrace_period = "soon"\n' + X,
                         "[schedule] key 'grace_period': not a duration"),
    "scheduler setting in a source": (X + "[sources.schedule]\nparallel = 4\n",
                                      "source 'x' key 'schedule.parallel': unknown key"),
}


@pytest.mark.parametrize("case", BAD_SCHEDULES, ids=list(BAD_SCHEDULES))
def test_bad_schedules_are_refused_with_table_and_key(case: str, tmp_path: Path) -> None:
    text, expected = BAD_SCHEDULES[case]
    with pytest.raises(ConfigError) as error:
        config_with(tmp_path, text)
    assert expected in str(error.value)
