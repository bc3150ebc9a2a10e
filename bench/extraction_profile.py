"""Where extraction spends its time: cProfile over every sample page, by file:function.

Runs our extractor over the sample pages (with the sources' profiles, or zero-config) for a
few rounds after a warm-up round, and prints in milliseconds per page this project's functions
by cumulative time and the busiest functions anywhere by their own time. cProfile's overhead
is included (about twice the plain time: bench.quality has the real figures). A JSON summary
is the last line.

    .venv/bin/python -m bench.extraction_profile [--zero-config] [--rounds N] [--top N]
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
from pathlib import Path

from tests.sample_pages import ZERO_CONFIG, sample_pages

REPO = Path(__file__).resolve().parent.parent

Row = tuple[str, int, float, float]  # file:function, calls, own ms per page, cumulative ms per page


def where(file: str, function: str) -> str:
    """`crawler/extract/page.py:to_soup`, or `bs4/element.py:find_all` for an installed package."""
    path = Path(file)
    if path.is_relative_to(REPO) and ".venv" not in path.parts:
        return f"{path.relative_to(REPO).as_posix()}:{function}"
    if "site-packages" in path.parts:
        return f"{'/'.join(path.parts[path.parts.index('site-packages') + 1:])}:{function}"
    return f"{path.name or file}:{function}"


def profile(zero_config: bool, rounds: int) -> tuple[list[Row], int]:
    """Profile `rounds` passes over the sample pages; rows per function, and pages extracted."""
    pages = sample_pages()
    chosen = ZERO_CONFIG if zero_config else None
    for page in pages:  # warm-up: imports, compiled patterns, the listing dates the pages read
        page.extract(chosen)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        for page in pages:
            page.extract(chosen)
    profiler.disable()
    runs = rounds * len(pages)
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rows = [(where(file, function), calls, 1000 * own / runs, 1000 * cumulative / runs)
            for (file, _, function), (_, calls, own, cumulative, _) in stats.items()]
    return rows, runs


def show(title: str, rows: list[Row], runs: int) -> None:
    print(f"\n{title}\n{'ms/page':>9} {'own':>7} {'calls/page':>11}  file:function")
    for name, calls, own, cumulative in rows:
        print(f"{cumulative:9.3f} {own:7.3f} {calls / runs:11.1f}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--zero-config", action="store_true", help="no family, no selectors")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    rows, runs = profile(args.zero_config, args.rounds)
    ours = sorted((row for row in rows if row[0].startswith("crawler/")), key=lambda row: -row[3])[:args.top]
    busiest = sorted(rows, key=lambda row: -row[2])[:args.top]
    mode = "zero-config" if args.zero_config else "the sources' profiles"
    print(f"Extraction profile: {runs} extractions of the sample pages with {mode} (cProfile)")
    show("this project, by cumulative time", ours, runs)
    show("anything, by own time", busiest, runs)
    print("\n" + json.dumps({
        "extractions": runs, "zero_config": args.zero_config,
        "cumulative_ms_per_page": {name: round(cumulative, 3) for name, _, _, cumulative in ours},
        "own_ms_per_page": {name: round(own, 3) for name, _, own, _ in busiest},
    }))


if __name__ == "__main__":
    main()
