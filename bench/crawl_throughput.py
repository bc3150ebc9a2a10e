"""Crawl throughput: a full crawl of the generated mirror by deptfeeds and by the peers.

In one run, against one mirror process: our crawl (extraction, dedup, SQLite store), the bare
Scrapy spider that only fetches the same pages, and the same spider extracting with
trafilatura. Pages per second (of wall time and of the crawl process's CPU time), peak
memory of each crawl process, and the ratios. With
--check-server, the bare spider runs again against deptfeeds.mirror's threaded server, to
show whether the server limits what is measured.

    python -m bench.crawl_throughput [--quick]
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from bench.common import OUT, child_env, measure, save, table
from bench.mirror import classify, ensure
from bench.serve import MirrorProcess, mirror_process

FULL = {"sites": 30, "articles": 400}
QUICK = {"sites": 6, "articles": 60}
TARGET_RATIO = 1.4
TARGET_RSS_MB = 250


def mirror_dir(quick: bool) -> Path:
    return OUT / ("mirror-quick" if quick else "mirror")


def fresh_store(mirror: Path) -> None:
    """Remove the generated config's store and feeds, so a crawl starts from nothing."""
    shutil.rmtree(mirror / "data", ignore_errors=True)
    shutil.rmtree(mirror / "public", ignore_errors=True)


def run_crawl(server: MirrorProcess, spider: str, mirror: Path, kinds: dict[str, str],
              label: str) -> dict[str, Any]:
    """One crawl in a child process; what it fetched (by kind and status) and what it cost."""
    cpu_before = server.cpu_seconds()
    args = ["-m", "bench.crawl", spider, str(mirror / "deptfeeds.toml")]
    if spider != "ours":
        args += ["--items", str(OUT / f"{label}.jsonl")]
    run = measure(args, label, env=child_env({"http_proxy": server.proxy_url}))
    child = run.last_json()
    hits = server.take_hits()
    by_kind = Counter(f"{kinds.get(url, 'robots' if url.endswith('/robots.txt') else 'other')} {status}"
                      for _method, url, status in hits)
    fetched = sum(1 for *_, status in hits if status == 200)
    return {
        "spider": spider, "requests": len(hits), "pages": fetched, "by_kind": dict(sorted(by_kind.items())),
        "articles": child.get("new", child.get("items", 0)) + child.get("updated", 0),
        "crawl_seconds": round(child["seconds"], 2), "process_seconds": round(run.seconds, 2),
        "pages_per_second": round(fetched / child["seconds"], 1),
        "crawl_cpu_seconds": round(child["cpu_seconds_crawl"], 2),
        "pages_per_cpu_second": round(fetched / child["cpu_seconds_crawl"], 1),
        "peak_rss_mb": round(run.peak_rss_mb, 1), "cpu_seconds": round(run.cpu_seconds, 2),
        "mirror_cpu_seconds": round(server.cpu_seconds() - cpu_before, 2),
        "errors": child.get("errors", 0),
    }


def summarise(manifest: dict[str, Any], runs: list[dict[str, Any]], server: str) -> dict[str, Any]:
    """The runs, their ratios and the targets."""
    wall = {r["spider"]: r["pages_per_second"] for r in runs if r["server"] == server}
    cpu = {r["spider"]: r["pages_per_cpu_second"] for r in runs if r["server"] == server}
    sites = manifest["sites"]
    ratios = {}
    for name, speed in (("wall", wall), ("cpu", cpu)):
        ratios |= {f"ours_vs_trafilatura_{name}": round(speed["ours"] / speed["trafilatura"], 2),
                   f"ours_vs_fetch_{name}": round(speed["ours"] / speed["fetch"], 2),
                   f"trafilatura_vs_fetch_{name}": round(speed["trafilatura"] / speed["fetch"], 2)}
    return {
        "mirror": {"sites": len(sites), "articles": len(sites) * manifest["articles_per_site"],
                   "listing_pages": sum(len(s["pages"]) for s in sites), "samples": manifest["samples"]},
        "runs": runs,
        "ratios": ratios,
        "targets": {"ours_vs_trafilatura >= 1.4 (wall)": ratios["ours_vs_trafilatura_wall"] >= TARGET_RATIO,
                    "ours_vs_trafilatura >= 1.4 (cpu)": ratios["ours_vs_trafilatura_cpu"] >= TARGET_RATIO,
                    "peak_rss_mb <= 250": runs[0]["peak_rss_mb"] <= TARGET_RSS_MB},
    }


def report(result: dict[str, Any]) -> None:
    mirror = result["mirror"]
    print(f"crawl throughput: {mirror['sites']} sites, {mirror['articles']} articles, "
          f"{mirror['listing_pages']} listing pages")
    rows = [(r["spider"], r["server"], r["pages"], r["articles"], r["crawl_seconds"], r["pages_per_second"],
             r["crawl_cpu_seconds"], r["pages_per_cpu_second"], r["peak_rss_mb"], r["mirror_cpu_seconds"])
            for r in result["runs"]]
    print(table(rows, ("crawl", "server", "pages", "articles", "seconds", "pages/s", "cpu s", "pages/cpu s",
                       "peak MB", "mirror cpu s")))
    for name, value in result["ratios"].items():
        print(f"  {name}: {value}x")
    for name, ok in result["targets"].items():
        print(f"  target {name}: {'met' if ok else 'MISSED'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"a small mirror ({QUICK})")
    parser.add_argument("--sites", type=int)
    parser.add_argument("--articles", type=int, help="articles per site")
    parser.add_argument("--server", choices=("twisted", "stdlib"), default="twisted")
    parser.add_argument("--check-server", action="store_true",
                        help="also run the bare spider against deptfeeds.mirror's threaded server")
    args = parser.parse_args(argv)
    size = {**(QUICK if args.quick else FULL),
            **{k: v for k, v in (("sites", args.sites), ("articles", args.articles)) if v}}
    mirror = mirror_dir(args.quick)
    manifest = ensure(mirror, size["sites"], size["articles"])
    kinds = classify(manifest)
    runs = []
    with mirror_process(mirror / "sites", args.server) as server:
        for spider in ("ours", "fetch", "trafilatura"):
            if spider == "ours":
                fresh_store(mirror)
            run = run_crawl(server, spider, mirror, kinds, f"crawl-{spider}")
            runs.append({**run, "server": args.server})
    if args.check_server:
        other = "stdlib" if args.server == "twisted" else "twisted"
        with mirror_process(mirror / "sites", other) as server:
            run = run_crawl(server, "fetch", mirror, kinds, f"crawl-fetch-{other}")
            runs.append({**run, "server": other})
    result = summarise(manifest, runs, args.server)
    report(result)
    save("crawl_throughput", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
