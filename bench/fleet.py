"""Fleet: many small sources, crawled and recrawled unchanged, three ways side by side.

A fleet of generated sources (bench/mirror.py: several families, a few articles each, every
host served by one mirror through http_proxy) is crawled once, then recrawled with nothing
changed, by the three paths deptfeeds has:

- `batched`: what `deptfeeds schedule` now does when every source is due at once: `deptfeeds
  crawl --skip-busy --source …` children of [schedule] batch sources each, `parallel` at a time;
- `one process`: what it did before (batch = 1): a `deptfeeds crawl --source X` per source,
  measured on a sample of the fleet (it is slow) and reported per source;
- `run`: `deptfeeds run`, every source in one process.

Per path: wall seconds, CPU seconds of every child (wait4), requests the mirror saw, article
fetches (200s of article pages: an unchanged recrawl should make none), peak RSS of one process
and of the processes running together, and CPU milliseconds per source.

    python -m bench.fleet [--sources 2000] [--articles 3] [--batch 100] [--parallel 2] [--sample 20] [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from bench.common import OUT, Measured, child_env, measure, save, table
from bench.mirror import classify, ensure
from bench.serve import MirrorProcess, mirror_process
from core.config import ScheduleConfig

TARGET_RECRAWL_MS = 15.0
TARGET_FLEET_MB = 600.0


def source_ids(mirror: Path) -> list[str]:
    import tomllib

    return [s["id"] for s in tomllib.loads((mirror / "deptfeeds.toml").read_text("utf-8"))["sources"]]


def fresh(mirror: Path) -> None:
    shutil.rmtree(mirror / "data", ignore_errors=True)
    shutil.rmtree(mirror / "public", ignore_errors=True)


def crawl_command(config: Path, ids: list[str]) -> list[str]:
    return ["-m", "deptfeeds", "crawl", "-q", "--skip-busy", "--config", str(config),
            *(arg for source_id in ids for arg in ("--source", source_id))]


def in_processes(server: MirrorProcess, config: Path, batches: list[list[str]], parallel: int,
                 label: str) -> tuple[float, list[Measured]]:
    """Run one crawl child per batch, `parallel` at a time; wall time and every child's figures."""
    env = child_env({"http_proxy": server.proxy_url})
    started = time.perf_counter()
    with ThreadPoolExecutor(parallel) as pool:
        runs = list(pool.map(lambda item: measure(crawl_command(config, item[1]),
                                                  f"fleet-{label}-{item[0]}", env=env),
                             enumerate(batches)))
    # 1 is "a source failed" (its summary printed); without a summary the crawl itself failed
    failed = [r for r in runs if r.returncode not in (0, 1) or not r.stdout.strip()]
    if failed:
        raise RuntimeError(f"{label}: a crawl child failed (exit {failed[0].returncode}):\n"
                           f"{failed[0].stderr[-3000:]}")
    return time.perf_counter() - started, runs


def figures(label: str, crawl: str, sources: int, seconds: float, runs: list[Measured], parallel: int,
            server: MirrorProcess, kinds: dict[str, str]) -> dict[str, Any]:
    hits = server.take_hits()
    peaks = sorted((r.peak_rss_mb for r in runs), reverse=True)
    cpu = sum(r.cpu_seconds for r in runs)
    return {"path": label, "crawl": crawl, "sources": sources, "processes": len(runs),
            "seconds": round(seconds, 1), "cpu_seconds": round(cpu, 1), "requests": len(hits),
            "article_fetches": sum(1 for _, url, status in hits
                                   if status == 200 and kinds.get(url) == "article"),
            "peak_rss_mb": round(peaks[0], 1), "peak_rss_together_mb": round(sum(peaks[:parallel]), 1),
            "cpu_ms_per_source": round(1000 * cpu / sources, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=2000)
    parser.add_argument("--articles", type=int, default=3, help="articles per source")
    parser.add_argument("--batch", type=int, default=ScheduleConfig.model_fields["batch"].default,
                        help="sources per crawl process (batched path; default: the [schedule] default)")
    parser.add_argument("--parallel", type=int, default=2, help="crawl processes at once")
    parser.add_argument("--sample", type=int, default=20, help="sources crawled one process each")
    parser.add_argument("--quick", action="store_true", help="200 sources, a sample of 6")
    args = parser.parse_args(argv)
    if args.quick:
        args.sources, args.sample = 200, 6
    mirror = OUT / f"fleet-{args.sources}x{args.articles}"
    print(f"fleet: generating {args.sources} sources of {args.articles} articles in {mirror} ...",
          file=sys.stderr)
    manifest = ensure(mirror, args.sources, args.articles, per_page=max(args.articles, 1))
    kinds, config, ids = classify(manifest), mirror / "deptfeeds.toml", source_ids(mirror)
    batches = [ids[i:i + args.batch] for i in range(0, len(ids), args.batch)]
    sample = [[source_id] for source_id in ids[:: max(len(ids) // args.sample, 1)][:args.sample]]
    rows: list[dict[str, Any]] = []
    with mirror_process(mirror / "sites") as server:
        for crawl in ("first", "unchanged"):
            if crawl == "first":
                fresh(mirror)
            print(f"fleet: {crawl} crawl, batched ...", file=sys.stderr)
            seconds, runs = in_processes(server, config, batches, args.parallel, f"batched-{crawl}")
            rows.append(figures("batched", crawl, len(ids), seconds, runs, args.parallel, server, kinds))
        print("fleet: unchanged recrawl, one process per source (sample) ...", file=sys.stderr)
        seconds, runs = in_processes(server, config, sample, args.parallel, "single")
        rows.append(figures("one process", "unchanged", len(sample), seconds, runs, args.parallel,
                            server, kinds))
        print("fleet: unchanged recrawl, deptfeeds run ...", file=sys.stderr)
        started = time.perf_counter()
        run = measure(["-m", "deptfeeds", "run", "-q", "--config", str(config)], "fleet-run",
                      env=child_env({"http_proxy": server.proxy_url}))
        rows.append(figures("run", "unchanged", len(ids), time.perf_counter() - started, [run], 1,
                            server, kinds))
    batched = next(r for r in rows if r["path"] == "batched" and r["crawl"] == "unchanged")
    single = next(r for r in rows if r["path"] == "one process")
    result = {
        "sources": len(ids), "articles_per_source": args.articles, "batch": args.batch,
        "parallel": args.parallel, "rows": rows,
        "recrawl_cpu_ratio_one_process_vs_batched": round(single["cpu_ms_per_source"]
                                                          / max(batched["cpu_ms_per_source"], 1e-9), 1),
        "targets": {f"unchanged recrawl <= {TARGET_RECRAWL_MS:g} ms CPU per source (batched)":
                    batched["cpu_ms_per_source"] <= TARGET_RECRAWL_MS,
                    f"fleet run <= {TARGET_FLEET_MB:g} MB together (batched)":
                    batched["peak_rss_together_mb"] <= TARGET_FLEET_MB,
                    "unchanged recrawl fetches no article": batched["article_fetches"] == 0},
    }
    print(f"fleet: {len(ids)} sources x {args.articles} articles; batch {args.batch}, "
          f"parallel {args.parallel}")
    print(table([(r["path"], r["crawl"], r["sources"], r["processes"], r["seconds"], r["cpu_seconds"],
                  r["cpu_ms_per_source"], r["requests"], r["article_fetches"], r["peak_rss_mb"],
                  r["peak_rss_together_mb"]) for r in rows],
                ("path", "crawl", "sources", "processes", "wall s", "CPU s", "CPU ms/source", "requests",
                 "article 200s", "peak MB", "together MB")))
    print(f"  unchanged recrawl CPU per source, one process each vs batched: "
          f"{result['recrawl_cpu_ratio_one_process_vs_batched']}x")
    for name, ok in result["targets"].items():
        print(f"  target {name}: {'met' if ok else 'MISSED'}")
    save("fleet", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
