"""Run every benchmark in turn, print one table of figures against the targets, write summary.json.

The benchmarks run one after another in child processes (the machine has two cores; the
mirror takes one while a crawl takes the other). Each prints its own table and writes
bench/out/<name>.json; this collects them into bench/out/summary.json.

    python -m bench.run_all [--quick] [--only crawl_throughput,recrawl]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

from bench.common import OUT, REPO, child_env, save, table

# In this order: recrawl reuses the store the throughput crawl left.
BENCHMARKS = {
    "crawl_throughput": ["--check-server"],
    "recrawl": ["--reuse-store"],
    "extraction_speed": [],
    "neardup_scale": [],
    "feeds_rebuild": [],
    "scheduler_memory": [],
}


def run(name: str, quick: bool) -> dict[str, Any]:
    """Run one benchmark with its output shown as it comes; return its JSON figures."""
    args = [sys.executable, "-m", f"bench.{name}", *BENCHMARKS[name], *(["--quick"] if quick else [])]
    print(f"\n=== {name} ({' '.join(args[2:])})", flush=True)
    started = time.perf_counter()
    code = subprocess.run(args, cwd=REPO, env=child_env()).returncode
    seconds = time.perf_counter() - started
    path = OUT / f"{name}.json"
    if code != 0 or not path.exists() or path.stat().st_mtime < time.time() - seconds - 1:
        return {"failed": f"exit {code}", "seconds": round(seconds, 1)}
    return {**json.loads(path.read_text("utf-8")), "seconds": round(seconds, 1)}


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else "met" if ok else "MISSED"


def rows(results: dict[str, dict[str, Any]]) -> list[tuple[str, Any, str, str]]:
    """(figure, value, target, met?) for everything measured."""
    out: list[tuple[str, Any, str, str]] = []
    extraction = results.get("extraction_speed", {})
    if "ours" in extraction:
        ratio = extraction["ratio_ours_vs_trafilatura"]
        out += [("extraction CPU ms/page, ours", extraction["ours"]["mean_ms"], "", ""),
                ("extraction CPU ms/page, trafilatura", extraction["trafilatura"]["mean_ms"], "", ""),
                ("extraction ours / trafilatura (CPU)", f"{ratio}x", "<= 0.6x", verdict(ratio <= 0.6)),
                ("extraction ours / trafilatura (wall)", f"{extraction['ratio_ours_vs_trafilatura_wall']}x",
                 "", "")]
    crawl = results.get("crawl_throughput", {})
    if "runs" in crawl:
        for r in crawl["runs"]:
            name = f"crawl pages/s (per cpu s), {r['spider']}, {r['server']} mirror"
            out.append((name, f"{r['pages_per_second']} ({r['pages_per_cpu_second']})", "", ""))
        peak = crawl["runs"][0]["peak_rss_mb"]
        for name in ("cpu", "wall"):
            ratio = crawl["ratios"][f"ours_vs_trafilatura_{name}"]
            out.append((f"crawl ours / trafilatura spider (per {name} second)", f"{ratio}x", ">= 1.4x",
                        verdict(ratio >= 1.4)))
        bare = crawl["ratios"]["ours_vs_fetch_cpu"]
        out += [("crawl ours / bare fetch spider (per cpu second)", f"{bare}x", "", ""),
                ("crawl peak RSS MB, ours", peak, "<= 250", verdict(peak <= 250))]
        out += [(f"crawl peak RSS MB, {r['spider']}", r["peak_rss_mb"], "", "") for r in crawl["runs"][1:3]]
    recrawl = results.get("recrawl", {})
    for r in recrawl.get("runs", []):
        if r["crawl"] == "first":
            continue
        r = {**r, "crawl": {"changed": "1% changed", "recheck": "1% changed, all rechecked"}.get(r["crawl"],
                                                                                               r["crawl"])}
        target = "0 article fetches" if r["crawl"] == "unchanged" else ""
        ok = verdict(r["article_fetches"] == 0) if target else ""
        out.append((f"recrawl {r['crawl']}: requests / article 200s / s",
                    f"{r['requests']} / {r['article_fetches']} / {r['seconds']}", target, ok))
        if r["crawl"] != "unchanged":
            changed = f"{r['changed_articles']} / {r['updated']}"
            out.append((f"recrawl {r['crawl']}: changed / updated", changed, "", ""))
    neardup = results.get("neardup_scale", {})
    for level in neardup.get("levels", []):
        largest = level is neardup["levels"][-1]
        add = level["index_add_ms"]["mean"]
        out.append((f"near-dup index add CPU ms/article at {level['stored']:,}", add,
                    "<= 1 ms" if largest else "", verdict(add <= 1.0) if largest else ""))
        out.append((f"near-dup index add wall ms/article at {level['stored']:,}",
                    level["index_add_wall_ms"]["mean"], "", ""))
        out.append((f"near-dup save_article CPU ms at {level['stored']:,}", level["save_article_ms"]["mean"],
                    "", ""))
        out.append((f"near-dup index MB at {level['stored']:,}", level["index_mb"], "", ""))
    feeds = results.get("feeds_rebuild", {})
    for r in feeds.get("runs", []):
        judged = r.get("judged", False)
        out.append((f"feeds {feeds['articles']:,} articles: {r['build']} (s, cpu s)",
                    f"{r['seconds']} ({r['cpu_seconds']})",
                    "<= 2 s" if judged else "", verdict(r["seconds"] <= 2.0) if judged else ""))
    scheduler = results.get("scheduler_memory", {})
    if scheduler.get("available", True) and "idle_rss_mb" in scheduler:
        mb = scheduler["idle_rss_mb"]
        ok = verdict(mb is not None and mb <= 120)
        out.append(("idle scheduler RSS MB (60 sources)", mb, "<= 120", ok))
    for name, result in results.items():
        if "failed" in result:
            out.append((f"{name}", "FAILED", "", result["failed"]))
        elif result.get("available") is False:
            out.append((f"{name}", "not available on this code", "", "n/a"))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, a couple of minutes in all")
    parser.add_argument("--only", help=f"comma-separated subset of {', '.join(BENCHMARKS)}")
    args = parser.parse_args(argv)
    names = args.only.split(",") if args.only else list(BENCHMARKS)
    unknown = set(names) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    started, load_before = time.perf_counter(), os.getloadavg()
    results = {name: run(name, args.quick) for name in names}
    figures = rows(results)
    load = f"load average {load_before[0]:.1f} before, {os.getloadavg()[0]:.1f} after, {os.cpu_count()} cores"
    kind = "quick" if args.quick else "full"
    print(f"\n=== summary ({kind}, {time.perf_counter() - started:.0f} s, {load})")
    print(table(figures, ("figure", "value", "target", "")))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                            text=True).stdout.strip()
    path = save("summary", {
        "when": datetime.now(UTC).isoformat(timespec="seconds"), "commit": commit, "quick": args.quick,
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                    "platform": platform.platform(), "load_before": load_before,
                    "load_after": os.getloadavg()},
        "seconds": round(time.perf_counter() - started, 1),
        "figures": [{"figure": f, "value": v, "target": t, "met": m} for f, v, t, m in figures],
        "results": results,
    })
    print(f"\nwritten: {path.relative_to(REPO)}")
    return 0 if all("failed" not in r for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
