"""The `deptfeeds` command: one-off crawls, feed builds, the demo, and the long-running job."""

from __future__ import annotations

import argparse
import gc
import logging
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.exc import DBAPIError

from core.config import Config, ConfigError, config_path, load_config
from core.database import explain
from core.locks import BUSY_EXIT, LockBusy
from core.store import StoreError

log = logging.getLogger("deptfeeds")


def family_names() -> set[str]:
    """The CMS families a source may name (crawler/families.toml)."""
    from crawler.families import FAMILIES

    return set(FAMILIES)

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
# The sample mirror is our own server on loopback: no need to be polite to it.
LOCAL_CRAWL = {"DOWNLOAD_DELAY": 0, "AUTOTHROTTLE_ENABLED": False,
               "CONCURRENT_REQUESTS_PER_DOMAIN": 8}


class CommandError(Exception):
    """A failure worth one line to the user and a non-zero exit."""


SCRAPY_LOG_LEVEL = "WARNING"
THIRD_PARTY = ("scrapy", "twisted", "py.warnings", "filelock", "apscheduler")


def setup_logging(verbose: int, quiet: bool) -> None:
    """Our progress at INFO; Scrapy's own chatter only with -v."""
    global SCRAPY_LOG_LEVEL
    level = logging.WARNING if quiet else logging.DEBUG if verbose > 1 else logging.INFO
    SCRAPY_LOG_LEVEL = "DEBUG" if verbose > 1 else "INFO" if verbose and not quiet else "WARNING"
    logging.basicConfig(level=level, stream=sys.stderr, force=True,
                        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
                        datefmt="%H:%M:%S")
    # A filter on the handler, because Scrapy resets its loggers' levels when a crawl starts.
    floor = logging.getLevelName(SCRAPY_LOG_LEVEL)

    def quiet_libraries(record: logging.LogRecord) -> bool:
        return record.levelno >= floor or not record.name.startswith(THIRD_PARTY)

    for handler in logging.getLogger().handlers:
        handler.addFilter(quiet_libraries)


def summary_table(runs: Sequence) -> str:
    """A per-source table of what the crawl did, with every failure underneath."""
    columns = ("source", "status", "pages", "new", "updated", "dup", "same", "skipped", "errors")
    rows = [(r.source_id, r.status, r.pages, r.new, r.updated, r.duplicate, r.unchanged, r.skipped,
             len(r.errors)) for r in runs]
    widths = [max(len(str(v)) for v in column) for column in zip(columns, *rows, strict=False)]
    lines = ["  ".join(str(v).ljust(w) if i < 2 else str(v).rjust(w)
                       for i, (v, w) in enumerate(zip(row, widths, strict=True)))
             for row in (columns, *rows)]
    lines.insert(1, "-" * len(lines[0]))
    for run in runs:
        for error in run.errors:
            lines.append(f"  {run.source_id}: {error['url']}: {error['error']}")
        for fault in run.recovered or []:
            lines.append(f"  {run.source_id}: {fault['url']}: recovered: {fault['error']}")
    return "\n".join(lines)


def _crawl(config: Config, sources: list[str] | None, overrides: dict | None = None,
           wait: float = 0, skip_busy: bool = False) -> list:
    # Start-up builds many objects and few cycles: the collector is off until the crawl begins
    # (crawler.runner.crawl freezes what there is then and turns it back on).
    gc.disable()
    from core.locks import crawl_locks
    from core.store import Store
    from crawler.runner import crawl

    unknown = [s for s in sources or [] if s not in {x.id for x in config.sources}]
    if unknown:
        raise CommandError(f"unknown source(s): {', '.join(unknown)} (see `deptfeeds sources`)")
    store = Store(config.store_url)
    try:
        # Never two crawls of one source at once, whoever started them (LockBusy says who).
        with crawl_locks(config, store, sources or [s.id for s in config.sources], wait, skip_busy) as held:
            return crawl(config, held, {"LOG_LEVEL": SCRAPY_LOG_LEVEL, **(overrides or {})})
    finally:
        store.close()


def _build(config: Config, force: bool = False) -> dict[Path, bool]:
    from core.store import Store
    from feeds.build import WouldEmptyFeeds, build_feeds

    store = Store(config.store_url, create=False)
    try:
        return build_feeds(store, config, force=force)
    except WouldEmptyFeeds as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.close()


def _report_build(written: dict[Path, bool]) -> None:
    changed = sum(written.values())
    folder = next(iter(written)).parent if written else "?"
    print(f"feeds: {len(written)} files in {folder} ({changed} changed)")


INTERRUPTED_EXIT = 130  # as a shell reports a program stopped by a signal


def crawl_exit(runs: Sequence) -> int:
    """0 when every source was crawled to its end, 130 when the crawl was stopped, 1 when one failed."""
    stopped = [r.source_id for r in runs if r.status == "interrupted"]
    if stopped:
        print(f"deptfeeds: interrupted; the runs of {', '.join(stopped)} are recorded as interrupted, "
              "and the next run crawls what they did not finish", file=sys.stderr)
        return INTERRUPTED_EXIT
    return 0 if all(r.status != "failed" for r in runs) else 1


def cmd_crawl(args: argparse.Namespace, config: Config) -> int:
    runs = _crawl(config, args.source, wait=args.wait, skip_busy=args.skip_busy)
    print(summary_table(runs))
    return crawl_exit(runs)


def cmd_build(args: argparse.Namespace, config: Config) -> int:
    _report_build(_build(config, force=args.force))
    return 0


def cmd_prune(args: argparse.Namespace, config: Config) -> int:
    from core.store import Store

    configured = {s.id for s in config.sources}
    store = Store(config.store_url, create=False)
    try:
        gone = [source_id for source_id in store.stored_source_ids() if source_id not in configured]
        if not gone:
            print(f"prune: every source in the store is in {config.path}; nothing to remove")
            return 0
        for source_id in gone:
            if args.dry_run:
                print(f"prune: would remove {source_id!r} and its {store.count_articles(source_id)} articles")
            else:
                print(f"prune: removed {source_id!r} and its {store.remove_source(source_id)} articles")
    finally:
        store.close()
    if args.dry_run:
        print("prune: nothing removed (--dry-run)")
    return 0


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    runs = _crawl(config, args.source, wait=args.wait, skip_busy=args.skip_busy)
    print(summary_table(runs))
    _report_build(_build(config))  # what was stored is whole: the feeds may show it
    if config.alerts is not None:
        from core.store import Store
        from scheduler.alerts import check_alerts

        store = Store(config.store_url)
        try:
            check_alerts(config, store)
        finally:
            store.close()
    return crawl_exit(runs)


def cmd_sources(args: argparse.Namespace, config: Config) -> int:
    print(f"{config.path}: {len(config.sources)} sources, all valid")
    for s in config.sources:
        kind = f"family {s.family}" if s.family else "generic"
        if any(getattr(s.selectors, f) for f in ("links", "title", "date", "body", "author")):
            kind += " + selectors"
        print(f"  {s.id:<12} {s.name}  [{kind}, up to {s.max_pages} listing pages]")
        for url in s.listing:
            print(f"  {'':<12} {url}")
    return 0


def cmd_schedule(args: argparse.Namespace, config: Config) -> int:
    from scheduler.service import serve

    return serve(config, ["-q"] if args.quiet else ["-v"] * args.verbose)


def cmd_worker(args: argparse.Namespace, config: Config) -> int:
    from scheduler.worker import serve

    if config.cluster is None:
        raise CommandError(f"{config.path} has no [cluster] table: a worker needs its broker "
                           '(broker = "redis://host:6379/0") and a PostgreSQL store')
    return serve(config, ["-q"] if args.quiet else ["-v"] * args.verbose, args.concurrency, args.name,
                 verbose=args.verbose > 1)


def _fetcher(config: Config | None):
    from core.config import CrawlConfig
    from crawler.preview import Fetcher

    return Fetcher((config.crawl if config else CrawlConfig()).user_agent)


def cmd_discover(args: argparse.Namespace, config: Config | None) -> int:
    from crawler.discover import discover
    from crawler.preview import FetchError
    from deptfeeds.onboard import add_source, as_json, discovery_text

    if urlsplit(args.url).scheme not in ("http", "https") or not urlsplit(args.url).hostname:
        print(f"deptfeeds: not a web address: {args.url!r} (give http://… or https://…)", file=sys.stderr)
        return 2
    try:
        found = discover(_fetcher(config), args.url, articles=args.articles,
                         progress=lambda message: print(f"discover: {message}", file=sys.stderr))
    except FetchError as exc:
        raise CommandError(f"cannot read the page: {exc}") from None
    added = None
    if args.add and found.source is not None:
        assert config is not None
        try:
            add_source(config.path, found.source, set(family_names()))
        except (ValueError, ConfigError) as exc:
            raise CommandError(str(exc)) from None
        added = config.path
    print(as_json(found) if args.json else discovery_text(found, added))
    return 0 if found.source is not None else 1


def cmd_preview(args: argparse.Namespace, config: Config) -> int:
    from crawler.preview import preview
    from deptfeeds.onboard import as_json, preview_table

    if args.source not in {s.id for s in config.sources}:
        raise CommandError(f"unknown source: {args.source} (see `deptfeeds sources`)")
    shown = preview(_fetcher(config), config.source(args.source), args.articles)
    print(as_json(shown) if args.json else preview_table(shown))
    return 0 if shown.usable else 1


def cmd_status(args: argparse.Namespace, config: Config) -> int:
    from core.store import Store
    from scheduler.status import collect, render_json, render_table

    store = Store(config.store_url, create=False)
    try:
        print((render_json if args.json else render_table)(*collect(store, config)))
    finally:
        store.close()
    return 0


DEMO_FOLDER = Path("deptfeeds-demo")


def demo_config() -> Path:
    """The samples' config: in the checkout, or (installed, where the package folder is read-only
    or shared) copied with the sample sites into ./deptfeeds-demo, where the store and feeds go."""
    bundled = SAMPLES / "deptfeeds.toml"
    if not bundled.is_file():
        raise SystemExit(f"deptfeeds: the sample sites are not at {SAMPLES}; run the demo from a "
                         "checkout, or give --config PATH/samples/deptfeeds.toml")
    if (SAMPLES.parent / "pyproject.toml").is_file():
        return bundled  # a checkout: the demo writes samples/data and samples/public
    target = DEMO_FOLDER.resolve()
    if not (target / "deptfeeds.toml").is_file():
        shutil.copytree(SAMPLES / "sites", target / "sites", dirs_exist_ok=True)
        shutil.copy2(bundled, target / "deptfeeds.toml")
    print(f"demo: installed package; working in {target} (sample sites, store and feeds)")
    return target / "deptfeeds.toml"


def cmd_demo(args: argparse.Namespace, config: Config) -> int:
    from deptfeeds.mirror import proxied, serving

    if args.fresh:
        shutil.rmtree(config.feeds_dir, ignore_errors=True)
        for suffix in ("", "-wal", "-shm"):
            Path(config.store_url.removeprefix("sqlite:///") + suffix).unlink(missing_ok=True)
    sites = config.folder / "sites"
    with serving(sites) as server, proxied(server):
        print(f"demo: serving {sites} on {server.proxy_url} (as an HTTP proxy for the sample hosts)")
        runs = _crawl(config, None, LOCAL_CRAWL)
    print(summary_table(runs))
    written = _build(config)
    _report_build(written)
    for path in sorted(p for p, changed in written.items() if changed):
        print(f"  {path}")
    print(f"open them in a feed reader, or run: {deptfeeds_command()} serve --config {config.path}")
    return crawl_exit(runs)


def deptfeeds_command() -> str:
    """How to run deptfeeds again from here: the command on PATH, else the one beside this Python."""
    on_path = shutil.which("deptfeeds")
    beside = Path(sys.executable).parent / "deptfeeds"
    if on_path and Path(on_path).resolve() == beside.resolve():
        return "deptfeeds"
    return str(beside) if beside.exists() else f"{sys.executable} -m deptfeeds"


def cmd_serve(args: argparse.Namespace, config: Config) -> int:
    from feeds.serve import serve

    try:
        serve(config.feeds_dir, args.host, args.port)
    except (FileNotFoundError, OSError) as exc:
        raise CommandError(str(exc)) from None
    return 0


def package_version() -> str:
    """The installed distribution's version, or the checkout's pyproject.toml when not installed."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("deptfeeds")
    except PackageNotFoundError:
        import tomllib

        return tomllib.loads((SAMPLES.parent / "pyproject.toml").read_text("utf-8"))["project"]["version"]


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH",
                        help="config file (default: ./deptfeeds.toml or $DEPTFEEDS_CONFIG)")
    common.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-vv for debug)")
    common.add_argument("-q", "--quiet", action="store_true", help="only warnings and errors")

    top = argparse.ArgumentParser(
        prog="deptfeeds",
        description="Turn department news pages into clean RSS and Atom feeds.",
        epilog="Run `deptfeeds COMMAND --help` for a command's options.")
    top.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, func: Callable, help: str, description: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, parents=[common], help=help, description=description)
        sub.set_defaults(func=func)
        return sub

    for name, func, help in (("crawl", cmd_crawl, "crawl sources once and store their articles"),
                             ("run", cmd_run, "crawl, then rebuild the feeds (for cron)")):
        sub = add(name, func, help, help[0].upper() + help[1:] + ".")
        sub.add_argument("--source", action="append", metavar="ID",
                         help="only this source (repeatable; default: all)")
        sub.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                         help="if a source is being crawled already, wait this long for it "
                              f"(default: refuse at once, exit status {BUSY_EXIT})")
        sub.add_argument("--skip-busy", action="store_true",
                         help="leave out sources being crawled already and crawl the others "
                              f"(exit status {BUSY_EXIT} only when all are busy)")
    build = add("build", cmd_build, "write the feeds from the store",
                "Write every feed from what is stored; files whose content did not change are left alone, "
                "feeds of sources and topics no longer in the config are removed.")
    build.add_argument("--force", action="store_true",
                       help="build even from a never-crawled store, emptying feeds that have entries")
    prune = add("prune", cmd_prune, "delete stored articles of sources no longer in the config",
                "Delete from the store every source that is no longer in the config, with its articles "
                "and crawl runs (they are already out of every feed).")
    prune.add_argument("--dry-run", action="store_true", help="only say what would be removed")
    add("sources", cmd_sources, "list and validate the configured sources",
        "Validate the config and list its sources.")
    add("schedule", cmd_schedule, "recrawl every source on its schedule until stopped",
        "Run in the foreground: crawl each source on its [schedule] (each crawl in its own process), "
        "rebuild the feeds a crawl changed, and stop cleanly on SIGTERM or Ctrl-C.")
    worker = add("worker", cmd_worker, "run the crawls a clustered scheduler queues, until stopped",
                 "With [cluster] in the config: take 'crawl source X' and 'rebuild feeds' tasks from the "
                 "Redis broker and run them (each crawl in its own process, with the time limit); run "
                 "one on as many machines as you like. Stops cleanly on SIGTERM or Ctrl-C, letting "
                 "running crawls finish.")
    worker.add_argument("--concurrency", type=int, default=2, metavar="N",
                        help="crawls at the same time in this worker (default: 2)")
    worker.add_argument("--name", metavar="NAME",
                        help="this worker's name in logs and crawl runs (default: deptfeeds-PID@HOST)")
    status = add("status", cmd_status, "show each source's last and next run, failures and flags",
                 "Show each source's last run, next run, stored articles, consecutive failures, "
                 "last error, and flags for sources that keep failing, stopped yielding articles, "
                 "or have published nothing for [schedule] stale_days.")
    status.add_argument("--json", action="store_true", help="print JSON for machines")
    demo = add("demo", cmd_demo, "crawl the bundled sample sites and build their feeds",
               "Serve samples/sites on 127.0.0.1, crawl every sample source over HTTP, "
               "build the feeds and print a per-source summary.")
    demo.add_argument("--fresh", action="store_true",
                      help="start from an empty store and feed folder")
    discover = add("discover", cmd_discover, "find a site's news listing and family; print its source entry",
                   "Read a page of a department site (its homepage will do): say whether it publishes a "
                   "feed already, find its news listings and CMS family, preview the best listings and "
                   "three of their articles as a crawl would read them (nothing is stored), and print the "
                   "source entry to paste, or append it to the config with --add. Exit 0: an entry was "
                   "found; 1: no usable listing; 2: bad arguments.")
    discover.add_argument("url", help="a page of the site, e.g. https://sokhcn.langson.gov.vn/")
    discover.add_argument("--add", action="store_true", help="append the entry to the config file "
                          "(validated; comments and layout kept)")
    discover.add_argument("--json", action="store_true", help="the findings as JSON, for scripts")
    discover.add_argument("--articles", type=int, default=3, metavar="N",
                          help="articles to preview (default 3)")
    preview = add("preview", cmd_preview, "show what a configured source gives, storing nothing",
                  "Read the source's first listing page and three of its articles with its family and "
                  "selectors, as a crawl would, and show what each gives (title, date, author, text "
                  "length, images, files, chrome left). Nothing is stored and no feed is touched.")
    preview.add_argument("source", help="the source's id")
    preview.add_argument("--json", action="store_true", help="the preview as JSON, for scripts")
    preview.add_argument("--articles", type=int, default=3, metavar="N",
                         help="articles to preview (default 3)")
    serve = add("serve", cmd_serve, "serve the feed folder over HTTP",
                "Serve the feed folder with feed media types, ETag/Last-Modified, 304s, gzip and "
                "Cache-Control, until interrupted.")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default: 8080; 0 picks a free one)")
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    setup_logging(args.verbose, args.quiet)
    config_file = args.config
    if args.command == "demo" and not config_file:
        config_file = demo_config()
    config: Config | None = None
    try:
        if args.command == "discover" and not args.add and not config_path(config_file).exists():
            return args.func(args, None)  # a first look at a site needs no config yet
        config = load_config(config_file, families=family_names())
        return args.func(args, config)
    except ConfigError as exc:
        print(f"deptfeeds: invalid config\n{exc}", file=sys.stderr)
        return 2
    except LockBusy as exc:
        print(f"deptfeeds: {exc}", file=sys.stderr)
        return BUSY_EXIT
    except (CommandError, StoreError) as exc:
        print(f"deptfeeds: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("deptfeeds: interrupted", file=sys.stderr)
        return 130
    except (DBAPIError, OSError) as exc:  # the store's disk or server: which file, what it said
        log.debug("failure", exc_info=True)
        print(f"deptfeeds: {explain(exc, config.store_url) if config else exc}", file=sys.stderr)
        return 1
    except Exception as exc:
        log.debug("failure", exc_info=True)
        print(f"deptfeeds: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
