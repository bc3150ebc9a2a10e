"""Recrawl: what a second crawl of the mirror costs, with nothing changed and with 1 % changed.

A first crawl fills the store (or --reuse-store keeps the one crawl_throughput left); then the
same crawl runs again on the unchanged mirror, then again after the last paragraph of 1 % of
the articles was rewritten, and once more with a recheck window wide enough that every known
article is asked for again (conditionally: 304 when unchanged), which is what it costs to
notice edits to old articles. The mirror counts every request by kind (listing, article,
robots) and status (200, 304); an unchanged recrawl should fetch no article at all. The
changed articles are put back afterwards, so the mirror stays as generated.

    python -m bench.recrawl [--quick] [--reuse-store]
"""

from __future__ import annotations

import argparse
import json
import sys
import tomllib
from pathlib import Path
from typing import Any

import tomli_w

from bench.common import child_env, measure, save, table
from bench.crawl_throughput import FULL, QUICK, fresh_store, mirror_dir
from bench.mirror import change_articles, classify, ensure
from bench.serve import MirrorProcess, mirror_process

CHANGED = 0.01
LABELS = {"changed": f"{CHANGED:.0%} changed", "recheck": f"{CHANGED:.0%} changed, all rechecked"}


def recheck_config(mirror: Path) -> Path:
    """The generated config with every stored article inside the recheck window."""
    raw = tomllib.loads((mirror / "deptfeeds.toml").read_text("utf-8"))
    raw["crawl"]["recheck_days"] = 36500.0
    path = mirror / "deptfeeds-recheck.toml"
    path.write_text(tomli_w.dumps(raw), "utf-8")
    return path


def crawl(server: MirrorProcess, config: Path, kinds: dict[str, str], label: str) -> dict[str, Any]:
    """One crawl by deptfeeds; the requests the mirror saw, by kind and status."""
    run = measure(["-m", "bench.crawl", "ours", str(config)], f"recrawl-{label}",
                  env=child_env({"http_proxy": server.proxy_url}))
    child = run.last_json()
    hits = server.take_hits()
    requests: dict[str, int] = {}
    for _method, url, status in hits:
        kind = kinds.get(url, "robots" if url.endswith("/robots.txt") else "other")
        requests[f"{kind} {status}"] = requests.get(f"{kind} {status}", 0) + 1
    return {"crawl": label, "requests": len(hits), "by_kind": dict(sorted(requests.items())),
            "article_fetches": sum(1 for _, url, status in hits
                                   if status == 200 and kinds.get(url) == "article"),
            "seconds": round(child["seconds"], 2), "process_seconds": round(run.seconds, 2),
            "new": child["new"], "updated": child["updated"], "unchanged": child["unchanged"],
            "duplicate": child["duplicate"], "skipped": child.get("skipped", 0),
            "not_modified": child.get("not_modified", 0), "peak_rss_mb": round(run.peak_rss_mb, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reuse-store", action="store_true",
                        help="start from the store crawl_throughput left instead of a first crawl")
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    mirror = mirror_dir(args.quick)
    manifest = ensure(mirror, size["sites"], size["articles"])
    kinds = classify(manifest)
    config, runs = mirror / "deptfeeds.toml", []
    with mirror_process(mirror / "sites") as server:
        if not (args.reuse_store and (mirror / "data").exists()):
            fresh_store(mirror)
            runs.append(crawl(server, config, kinds, "first"))
        runs.append(crawl(server, config, kinds, "unchanged"))
        changed = change_articles(mirror, CHANGED, revision=1)
        try:
            runs.append({**crawl(server, config, kinds, "changed"), "changed_articles": len(changed)})
            runs.append({**crawl(server, recheck_config(mirror), kinds, "recheck"),
                         "changed_articles": len(changed)})
        finally:
            change_articles(mirror, CHANGED, revision=0)
    unchanged = next(r for r in runs if r["crawl"] == "unchanged")
    result = {"articles": len(kinds) - sum(len(s["pages"]) for s in manifest["sites"]), "runs": runs,
              "targets": {"unchanged recrawl fetches no article": unchanged["article_fetches"] == 0}}
    print(f"recrawl: {result['articles']} articles; requests by kind and HTTP status")
    rows = [(LABELS.get(r["crawl"], r["crawl"]), r["requests"], r["article_fetches"], r["seconds"], r["new"],
             r["updated"], r["unchanged"], r["skipped"], json.dumps(r["by_kind"])) for r in runs]
    print(table(rows, ("crawl", "requests", "article 200s", "seconds", "new", "updated", "unchanged",
                       "skipped", "by kind")))
    for r in runs[-2:]:
        print(f"  {LABELS[r['crawl']]}: {r['changed_articles']} articles changed, {r['updated']} picked up")
    ok = result["targets"]["unchanged recrawl fetches no article"]
    print(f"  target unchanged recrawl fetches no article: {'met' if ok else 'MISSED'}")
    save("recrawl", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
