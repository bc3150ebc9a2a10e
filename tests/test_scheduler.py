"""`deptfeeds schedule` as it runs for months: real processes, real crawls over HTTP, seconds apart."""

from __future__ import annotations

import json
import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest

from core.config import load_config
from core.locks import crawl_locks
from core.store import CrawlRun, Store
from deptfeeds.mirror import MirrorServer
from scheduler.status import next_runs
from tests.cluster import wait_for
from tests.conftest import run_cli, start_cli, use_store

# Every test here touches the store: each runs on SQLite and on PostgreSQL.
pytestmark = pytest.mark.usefixtures("store_url")

LANGSON = '''
[[sources]]
id = "langson"
name = "Sở KH&CN Lạng Sơn"
listing = ["http://sokhcn.langson.gov.vn/index.php/tin-tuc-su-kien"]
family = "drupal"
'''
VIDU = '''
[[sources]]
id = "vidu"
name = "Sở KH&CN Ví Dụ"
listing = ["http://sokhcn.vidu.gov.vn/tin-tuc/"]
'''
VIDU_ABOUT = '''
[[sources]]
id = "vidu-about"
name = "Sở KH&CN Ví Dụ, trang giới thiệu"
listing = ["http://sokhcn.vidu.gov.vn/gioi-thieu"]
'''
# Once a year: the scheduler starts and plans, but does not crawl.
NEVER_SOON = 'cron = "0 0 1 1 *"\njitter = "0s"'


def write_config(folder: Path, schedule: str, *sources: str, crawl: str = "delay = 0") -> Path:
    path = folder / "deptfeeds.toml"
    path.write_text(f'[store]\nurl = "sqlite:///data/deptfeeds.db"\n\n[crawl]\n{crawl}\n\n'
                    f'[schedule]\n{schedule}\n' + "".join(sources), encoding="utf-8")
    return use_store(path)


class Scheduler:
    """`deptfeeds schedule` in the background, with its log and its store at hand."""

    def __init__(self, config: Path, mirror: MirrorServer):
        self.config, self.log = config, config.parent / f"schedule-{time.monotonic_ns()}.log"
        self.process = start_cli("schedule", "--config", str(config), log=self.log, proxy=mirror)
        self.store = Store(load_config(config).store_url)

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8")

    def started(self) -> bool:
        assert self.process.poll() is None, self.output()
        return "scheduler started" in self.output()

    def runs(self, source_id: str) -> list[CrawlRun]:
        """Runs oldest first."""
        return list(reversed(self.store.runs(source_id)))

    def finished_runs(self, source_id: str) -> list[CrawlRun]:
        return [r for r in self.runs(source_id) if r.status != "running"]

    def stop(self, signum: int = signal.SIGTERM, timeout: float = 60) -> int:
        self.process.send_signal(signum)
        try:
            return self.process.wait(timeout)
        finally:
            self.store.close()


@pytest.fixture
def schedulers(fixture_mirror: MirrorServer) -> Iterator[Callable[[Path], Scheduler]]:
    """Start schedulers; whatever a failing test leaves running is killed at the end."""
    started: list[Scheduler] = []

    def start(config: Path) -> Scheduler:
        started.append(Scheduler(config, fixture_mirror))
        return started[-1]

    yield start
    for scheduler in started:
        if scheduler.process.poll() is None:
            scheduler.process.kill()
            scheduler.process.wait()


def parsed_feed(path: Path) -> feedparser.FeedParserDict:
    feed = feedparser.parse(path.read_bytes())
    assert not feed.bozo, f"{path}: {feed.get('bozo_exception')}"
    return feed


def test_each_source_is_crawled_again_and_again_never_twice_at_once(tmp_path: Path, schedulers) -> None:
    config = write_config(tmp_path, 'every = "2s"\njitter = "0s"', LANGSON, VIDU)
    scheduler = schedulers(config)

    wait_for(lambda: all(len(scheduler.finished_runs(s)) >= 2 for s in ("langson", "vidu")),
             "two finished runs of each source")
    assert scheduler.stop() == 0, scheduler.output()

    for source_id, articles in (("langson", 9), ("vidu", 2)):
        runs = scheduler.runs(source_id)
        assert all(r.status in ("ok", "partial") for r in runs), [(r.status, r.errors) for r in runs]
        for earlier, later in zip(runs, runs[1:], strict=False):
            assert earlier.ended <= later.started, f"{source_id}: runs {earlier.id} and {later.id} overlap"
        assert runs[0].new == articles
        assert [r.new for r in runs[1:]] == [0] * (len(runs) - 1)
        assert Store(scheduler.store.url).count_articles(source_id) == articles
        assert len(parsed_feed(tmp_path / "public" / f"{source_id}.atom").entries) == articles
    log = scheduler.output()
    assert "langson: feeds rebuilt" in log and "langson: nothing new; feeds left as they are" in log
    assert len(parsed_feed(tmp_path / "public" / "all.rss").entries) == 11


def test_a_scheduled_recrawl_fetches_no_known_article(tmp_path: Path, schedulers,
                                                      fixture_mirror: MirrorServer) -> None:
    config = write_config(tmp_path, 'every = "1h"\njitter = "0s"', VIDU)
    assert run_cli("crawl", "--config", str(config), proxy=fixture_mirror).returncode == 0
    known = {a.url for a in Store(load_config(config).store_url).articles("vidu")}
    hits_before = len(fixture_mirror.hits)

    scheduler = schedulers(config)  # a new job's first run is right away
    wait_for(lambda: len(scheduler.finished_runs("vidu")) == 2, "the scheduled run")
    assert scheduler.stop() == 0

    requested = {url for method, url, status in fixture_mirror.hits[hits_before:]}
    assert "http://sokhcn.vidu.gov.vn/tin-tuc/" in requested  # the listing is revalidated
    assert not requested & known


@pytest.mark.parametrize("grace, outcome", [("30s", "finishes"), ("0s", "is stopped")])
def test_sigterm_during_a_crawl_exits_0_with_valid_feeds(tmp_path: Path, schedulers,
                                                         fixture_mirror: MirrorServer,
                                                         grace: str, outcome: str) -> None:
    config = write_config(tmp_path, "", VIDU)
    assert run_cli("run", "--config", str(config), proxy=fixture_mirror).returncode == 0
    # Slow the crawls down (the listing and its two articles rechecked, a second apart; robots.txt
    # is cached) so that one is under way at the signal.
    write_config(tmp_path, f'every = "1h"\njitter = "0s"\ngrace_period = "{grace}"', VIDU,
                 crawl="delay = 1\nrecheck_days = 100000")
    scheduler = schedulers(config)
    wait_for(lambda: scheduler.runs("vidu")[-1].status == "running", "the scheduled crawl to start")

    assert scheduler.stop() == 0, scheduler.output()

    last = scheduler.runs("vidu")[-1]
    stopped = [e["error"] for e in last.errors if e["error"].startswith("stopped:")]
    if outcome == "finishes":
        assert last.status == "ok" and not stopped
        assert (last.new, last.updated, last.fetched, last.not_modified) == (0, 0, 2, 2)
    else:
        assert stopped == ["stopped: the scheduler is shutting down (grace period 0s over)"]
        assert last.status == "interrupted"
    assert last.ended is not None
    for name in ("vidu.rss", "vidu.atom", "all.rss", "all.atom"):
        assert len(parsed_feed(tmp_path / "public" / name).entries) == 2
    assert "scheduler stopped" in scheduler.output()


def test_a_killed_crawl_is_recorded_failed_and_the_next_run_succeeds(tmp_path: Path, schedulers) -> None:
    config = write_config(tmp_path, 'every = "2s"\njitter = "0s"', VIDU, crawl="delay = 0.5")
    scheduler = schedulers(config)
    wait_for(lambda: scheduler.runs("vidu") and scheduler.runs("vidu")[-1].status == "running",
             "the first crawl to start")
    crawler_pid = scheduler.store.lock_owner("crawl-vidu").pid
    assert crawler_pid != scheduler.process.pid

    os.kill(crawler_pid, signal.SIGKILL)
    wait_for(lambda: len(scheduler.finished_runs("vidu")) >= 2, "a run after the killed one")
    assert scheduler.stop() == 0, scheduler.output()

    killed, following = scheduler.runs("vidu")[:2]
    assert killed.status == "failed"
    assert killed.errors[-1]["error"] == "crawl process was killed by SIGKILL"
    assert following.status == "ok" and following.new == 2
    assert len(parsed_feed(tmp_path / "public" / "vidu.rss").entries) == 2


def test_a_crawl_that_crashes_is_recorded_failed_and_the_scheduler_carries_on(tmp_path: Path,
                                                                              schedulers) -> None:
    config = write_config(tmp_path, 'every = "2s"\njitter = "0s"', VIDU)
    scheduler = schedulers(config)
    wait_for(lambda: scheduler.finished_runs("vidu"), "a first run")
    # Someone breaks the config while the scheduler runs: the next crawl process dies at start.
    config.write_text(config.read_text() + 'titel = "x"\n', encoding="utf-8")
    wait_for(lambda: any(r.status == "failed" for r in scheduler.runs("vidu")), "a failed run")
    assert scheduler.process.poll() is None
    assert scheduler.stop() == 0, scheduler.output()

    failed = next(r for r in scheduler.runs("vidu") if r.status == "failed")
    assert failed.errors == [{
        "url": "http://sokhcn.vidu.gov.vn/tin-tuc/",
        "error": f"crawl process exited with status 2 before recording a run: {config}: "
                 "source 'vidu' key 'titel': unknown key (did you mean 'title'?)"}]
    assert failed.ended is not None


def test_a_source_crawled_by_someone_else_is_skipped_this_time(tmp_path: Path, schedulers) -> None:
    config = write_config(tmp_path, 'every = "1h"\njitter = "0s"', VIDU)
    store = Store(load_config(config).store_url)
    with crawl_locks(load_config(config), store, ["vidu"]):  # as a one-off `deptfeeds crawl` would
        scheduler = schedulers(config)
        wait_for(lambda: "vidu: skipped this time" in scheduler.output(), "the scheduled run to give way")
    assert scheduler.stop() == 0
    assert (f"vidu: skipped this time: deptfeeds: source 'vidu' is being crawled right now by pid "
            f"{os.getpid()}") in scheduler.output()
    assert store.runs("vidu") == []
    store.close()


def test_a_source_whose_pages_yield_no_articles_is_flagged_in_the_log(tmp_path: Path, schedulers) -> None:
    config = write_config(tmp_path, 'every = "1h"\njitter = "0s"\nstale_days = 100000', VIDU_ABOUT)
    scheduler = schedulers(config)
    wait_for(lambda: scheduler.finished_runs("vidu-about"), "the first run")
    assert scheduler.stop() == 0
    assert ("WARNING deptfeeds.scheduler: vidu-about: layout changed? the last run found no articles "
            "on its pages (listing page has no article links)") in scheduler.output()


def test_a_crawl_over_its_time_limit_is_stopped_and_recorded_failed(tmp_path: Path, schedulers) -> None:
    # Fifteen requests a second apart cannot fit in four seconds.
    config = write_config(tmp_path, 'every = "1h"\njitter = "0s"', LANGSON,
                          crawl='delay = 1\ntime_limit = "4s"')
    scheduler = schedulers(config)
    wait_for(lambda: scheduler.finished_runs("langson"), "the crawl to be stopped")
    assert scheduler.stop() == 0, scheduler.output()

    [run] = scheduler.runs("langson")
    assert run.status == "failed"
    # "stopped: time limit of 4s reached" once the crawl is under way, or, on a machine so slow
    # that Scrapy had not started yet, "crawl process was stopped (time limit of 4s reached) and ..."
    assert "time limit of 4s reached" in run.errors[-1]["error"]
    # Stopped before the fifteen requests were made (seconds of shutdown on a loaded machine aside).
    assert run.pages < 15 and (run.ended - run.started).total_seconds() < 30
    assert "langson: stopping the crawl: time limit of 4s reached" in scheduler.output()


@pytest.mark.parametrize("stop_with", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_second_scheduler_on_the_same_store_refuses_to_start(tmp_path: Path, schedulers,
                                                               fixture_mirror: MirrorServer,
                                                               stop_with: int, store_backend: str) -> None:
    if store_backend == "postgresql":
        pytest.skip("on PostgreSQL a second scheduler stands by instead (tests/test_leader.py)")
    config = write_config(tmp_path, NEVER_SOON, LANGSON)
    first = schedulers(config)
    wait_for(first.started, "the first scheduler to start")
    other_folder = tmp_path / "elsewhere"
    other_folder.mkdir()
    other = other_folder / "deptfeeds.toml"
    other.write_text(config.read_text().replace("sqlite:///data/", f"sqlite:///{tmp_path}/data/"))

    second = run_cli("schedule", "--config", str(other), proxy=fixture_mirror, timeout=60)
    report = json.loads(run_cli("status", "--json", "--config", str(other)).stdout)

    assert second.returncode == 75
    assert "another `deptfeeds schedule` is already running on store" in second.stderr
    assert f"pid {first.process.pid} on host" in second.stderr
    assert report["scheduler"]["running"] and report["scheduler"]["pid"] == first.process.pid
    assert first.stop(stop_with) == 0
    assert not first.runs("langson")  # a yearly schedule: nothing crawled, nothing half-done


def test_a_restart_with_a_changed_config_updates_the_jobs(tmp_path: Path, schedulers) -> None:
    config = write_config(tmp_path, NEVER_SOON, LANGSON, VIDU)
    store = Store(load_config(config).store_url)

    def restart() -> str:
        scheduler = schedulers(config)
        wait_for(scheduler.started, "the scheduler to start")
        assert scheduler.stop() == 0
        return scheduler.output()

    assert "jobs: added langson, vidu" in restart()
    planned = next_runs(store)
    assert set(planned) == {"langson", "vidu"}

    assert "jobs: kept langson, vidu" in restart()
    assert next_runs(store) == planned

    write_config(tmp_path, NEVER_SOON, LANGSON + '[sources.schedule]\ncron = "30 6 * * *"\n', VIDU_ABOUT)
    assert "jobs: added vidu-about; updated langson; removed vidu" in restart()
    changed = next_runs(store)
    assert set(changed) == {"langson", "vidu-about"}
    local = changed["langson"].astimezone(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert (local.hour, local.minute) == (6, 30)
    assert changed["vidu-about"] == planned["vidu"]  # the same yearly slot
    store.close()


def test_sources_due_together_share_one_crawl_process_and_keep_their_own_runs(tmp_path: Path,
                                                                               schedulers) -> None:
    config = write_config(tmp_path, 'every = "1h"\njitter = "0s"', LANGSON, VIDU, VIDU_ABOUT)
    scheduler = schedulers(config)
    wait_for(lambda: all(scheduler.finished_runs(s) for s in ("langson", "vidu", "vidu-about")),
             "a run of each source")
    assert scheduler.stop() == 0, scheduler.output()
    starts = [line for line in scheduler.output().splitlines() if line.endswith(": crawl starts")]
    assert len(starts) == 1 and all(s in starts[0] for s in ("langson", "vidu", "vidu-about")), starts
    # one source failing in the batch fails only itself
    assert [r.status for r in scheduler.runs("langson")] == ["ok"]
    assert [r.status for r in scheduler.runs("vidu")] == ["ok"]
    assert [r.status for r in scheduler.runs("vidu-about")] == ["failed"]
    feeds = tmp_path / "public"
    assert len(parsed_feed(feeds / "langson.atom").entries) > 0 and parsed_feed(feeds / "vidu.rss").entries


def test_batch_1_crawls_each_source_in_a_process_of_its_own(tmp_path: Path, schedulers) -> None:
    config = write_config(tmp_path, 'every = "1h"\njitter = "0s"\nbatch = 1', LANGSON, VIDU)
    scheduler = schedulers(config)
    wait_for(lambda: all(scheduler.finished_runs(s) for s in ("langson", "vidu")), "a run of each source")
    assert scheduler.stop() == 0, scheduler.output()
    starts = sorted(line.split()[-3] for line in scheduler.output().splitlines()
                    if line.endswith(": crawl starts"))
    assert starts == ["langson:", "vidu:"]
