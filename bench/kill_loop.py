"""SIGKILL crawls and feed builds at random moments, many times; prove nothing is ever left broken.

    python bench/kill_loop.py [--iterations 50] [--host big.example.gov.vn] [--seed 1]

Serves a generated department site (tests/faults/server.py) on 127.0.0.1, crawls it once to
measure how long a crawl and a build take, then repeats: change every article's text,
SIGKILL `deptfeeds crawl` at a random moment of its run, check; SIGKILL `deptfeeds build`
likewise, check; run `deptfeeds run` to the end, check. A check is: the SQLite store passes
`PRAGMA integrity_check`, every feed file parses (feedparser, no bozo; JSON loads), and the
complete run exits 0. Prints one line per iteration, the figures, and a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.faults.kill import Health, environment, health, kill_after, run  # noqa: E402
from tests.faults.server import serving  # noqa: E402

CONFIG = """[store]
url = "sqlite:///data/deptfeeds.db"

[feeds]
dir = "public"
limit = 500

[crawl]
delay = 0
concurrency_per_domain = 8
timeout = 10
recheck_days = 3650

[[sources]]
id = "big"
name = "Sở KH&CN thử nghiệm"
listing = ["http://{host}/index.php/tin-tuc"]
family = "drupal"
max_pages = 100

[[sources]]
id = "healthy"
name = "Sở KH&CN đối chứng"
listing = ["http://healthy.example.gov.vn/index.php/tin-tuc"]
family = "drupal"
"""


def timed(command: str, config: Path, env: dict[str, str]) -> float:
    started = time.monotonic()
    result = run(command, config, env)
    if result.returncode != 0:
        raise SystemExit(f"`deptfeeds {command}` failed on a healthy site:\n{result.stderr[-2000:]}")
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=50)
    parser.add_argument("--host", default="big.example.gov.vn", help="generated site to crawl")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="kill-loop-"))
    config = folder / "deptfeeds.toml"
    config.write_text(CONFIG.format(host=args.host), encoding="utf-8")
    database, feeds = folder / "data" / "deptfeeds.db", folder / "public"

    tally = {"crawl_kills": 0, "crawl_finished_first": 0, "build_kills": 0, "build_finished_first": 0,
             "integrity_failures": 0, "bad_feed_files": 0, "runs_completed": 0, "runs_failed": 0}
    checks: list[Health] = []
    started = time.monotonic()
    with serving() as server:
        env = environment(server.proxy_url)
        crawl_seconds, build_seconds = timed("crawl", config, env), timed("build", config, env)
        print(f"healthy crawl {crawl_seconds:.1f}s, build {build_seconds:.1f}s; killing within those windows")
        for iteration in range(1, args.iterations + 1):
            server.edition = iteration  # every article changes, so the crawl writes all along
            line = [f"{iteration:3d}"]
            for command, window in (("crawl", crawl_seconds), ("build", build_seconds)):
                kill = kill_after(command, config, env, rng.uniform(0.05, window))
                tally[f"{command}_kills" if kill.killed else f"{command}_finished_first"] += 1
                state = health(database, feeds)
                checks.append(state)
                tally["integrity_failures"] += state.integrity != "ok"
                tally["bad_feed_files"] += len(state.bad_feeds)
                line.append(f"{command} {'killed' if kill.killed else 'done'} at {kill.after:4.2f}s: "
                            f"{state.integrity}, {state.feeds} feeds ok" if state.ok else
                            f"{command} at {kill.after:4.2f}s: BROKEN {state.integrity} {state.bad_feeds}")
            complete = run("run", config, env)
            state = health(database, feeds)
            checks.append(state)
            done = complete.returncode == 0 and state.ok
            tally["runs_completed" if done else "runs_failed"] += 1
            line.append(f"next run {'completed' if done else 'FAILED'} ({state.articles} articles)")
            print(" | ".join(line), flush=True)
            if not done:
                print(complete.stderr[-2000:])
    final = checks[-1]
    summary = {
        "iterations": args.iterations, "seed": args.seed, "host": args.host,
        "crawl_seconds": round(crawl_seconds, 2), "build_seconds": round(build_seconds, 2),
        **tally, "articles": final.articles,
        "stale_running_runs": final.runs_left_running, "leftover_temp_files": len(final.temp_files),
        "elapsed_seconds": round(time.monotonic() - started, 1),
    }
    print(f"\n{summary['crawl_kills']} crawls and {summary['build_kills']} builds killed mid-way "
          f"({summary['crawl_finished_first']} + {summary['build_finished_first']} finished first); "
          f"integrity failures {summary['integrity_failures']}, bad feed files {summary['bad_feed_files']}, "
          f"next runs completed {summary['runs_completed']}/{args.iterations}")
    print(f"left behind: {summary['stale_running_runs']} crawl runs still marked 'running', "
          f"{summary['leftover_temp_files']} temporary files in the feed folder")
    print(json.dumps(summary))
    ok = not summary["integrity_failures"] and not summary["bad_feed_files"] and not summary["runs_failed"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
