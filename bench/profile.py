"""Profile a benchmark's workload with py-spy and print where the time goes, by file:function.

Each workload runs in a child process under `py-spy record` (sampling, so the figures are of
the code running at full speed); the samples are then summed per function, inclusive of what
it calls. py-spy is a development tool: `.venv/bin/pip install py-spy`.

    python -m bench.profile crawl|extraction|neardup|feeds [--top 40] [--match crawler/]
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

from bench.common import OUT, REPO, child_env

FRAME = re.compile(r"(?P<function>.*?) \((?P<file>.*?):\d+\)$")
WORKLOADS = ("crawl", "extraction", "neardup", "feeds")


def run_workload(name: str) -> None:
    """The work to profile, in this process."""
    if name == "extraction":
        from bench.crawl_throughput import QUICK, mirror_dir
        from bench.extraction_speed import ours, pick_pages
        from bench.mirror import ensure

        mirror = mirror_dir(True)
        pages = pick_pages(mirror, ensure(mirror, QUICK["sites"], QUICK["articles"]), 300)
        for page in pages:
            ours(page)
    elif name == "neardup":
        from bench.neardup_scale import measure_size

        stores = sorted((OUT / "neardup").glob("store-*.db"), key=lambda p: p.stat().st_size)
        if not stores:
            raise SystemExit("no kept near-duplicate store: run `python -m bench.neardup_scale` first")
        measure_size(stores[-1], int(stores[-1].name.split("-")[1]), 300)
    elif name == "feeds":
        from bench.feeds_rebuild import FULL_ARTICLES, cached_store
        from core.config import load_config
        from core.store import Store
        from feeds.build import build_feeds

        folder = cached_store(FULL_ARTICLES)
        config = load_config(folder / "deptfeeds.toml")
        store = Store(config.store_url)
        build_feeds(store, config)  # into the kept store's folder, never the work copy
        store.close()


def record(name: str) -> Path:
    """Run the workload under py-spy; return the collapsed stacks."""
    spy = shutil.which("py-spy", path=str(Path(sys.executable).parent)) or shutil.which("py-spy")
    if spy is None:
        raise SystemExit("py-spy is not installed: .venv/bin/pip install py-spy")
    out = OUT / f"profile-{name}.txt"
    OUT.mkdir(parents=True, exist_ok=True)
    if name == "crawl":
        from bench.crawl_throughput import QUICK, fresh_store, mirror_dir
        from bench.mirror import ensure
        from bench.serve import mirror_process

        mirror = mirror_dir(True)
        ensure(mirror, QUICK["sites"], QUICK["articles"])
        fresh_store(mirror)
        with mirror_process(mirror / "sites") as server:
            command = ["-m", "bench.crawl", "ours", str(mirror / "deptfeeds.toml")]
            env = child_env({"http_proxy": server.proxy_url})
            subprocess.run([spy, "record", "-r", "200", "-f", "raw", "-o", str(out), "--", sys.executable,
                            *command], env=env, cwd=REPO, check=True, capture_output=True)
    else:
        subprocess.run([spy, "record", "-r", "200", "-f", "raw", "-o", str(out), "--", sys.executable, "-m",
                        "bench.profile", "--run", name], env=child_env(), cwd=REPO, check=True,
                       capture_output=True)
    return out


def hot_spots(collapsed: Path, within: str = "") -> tuple[int, Counter[str], Counter[str]]:
    """Total samples, and samples per file:function inclusive and self (only in stacks through
    a function matching `within`, when given)."""
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if within and not re.search(within, stack):
            continue
        samples = int(count)
        total += samples
        names = []
        for frame in stack.split(";"):
            found = FRAME.match(frame)
            if found:
                path = found["file"].split("site-packages/")[-1].replace(str(REPO) + "/", "")
                names.append(f"{path}:{found['function']}")
        for name in set(names):
            inclusive[name] += samples
        if names:
            own[names[-1]] += samples
    return total, inclusive, own


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("workload", nargs="?", choices=WORKLOADS)
    parser.add_argument("--run", choices=WORKLOADS, help=argparse.SUPPRESS)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--match", default="", help="only functions whose file:function matches this regex")
    parser.add_argument("--within", default="", help="only time spent inside functions matching this regex")
    args = parser.parse_args(argv)
    if args.run:
        run_workload(args.run)
        return 0
    if not args.workload:
        parser.error("name a workload")
    total, inclusive, own = hot_spots(record(args.workload), args.within)
    print(f"profile of {args.workload}: {total} samples at 200/s; % of samples in each function "
          f"(inclusive, self)")
    shown = 0
    for name, samples in inclusive.most_common():
        if args.match and not re.search(args.match, name):
            continue
        print(f"  {100 * samples / total:5.1f}%  {100 * own[name] / total:5.1f}%  {name}")
        shown += 1
        if shown >= args.top:
            break
    return 0


if __name__ == "__main__":
    sys.exit(main())
