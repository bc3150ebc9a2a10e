"""Extraction speed: our cleaning + metadata extraction against trafilatura, page by page.

Both run in this process on the same article pages of the generated mirror, interleaved
(the order alternates per page, so neither profits from warm caches the other left). The
figures are CPU milliseconds (what the code costs, whatever else runs on the machine), with
wall milliseconds beside them. Ours
gets the page bytes and Content-Type as the spider does (decoding included); trafilatura
gets `bare_extraction(text, url=..., with_metadata=True)` with the text already decoded, as
a Scrapy spider would hand it `response.text`.

    python -m bench.extraction_speed [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from w3lib.encoding import html_to_unicode

from bench.common import Clock, save, table
from bench.crawl_throughput import FULL, QUICK, mirror_dir
from bench.mirror import ensure, file_for
from core.config import Source, load_config
from crawler.extract.article import NoArticle, extract_article
from crawler.profiles import Profile, profile_for
from deptfeeds.mirror import load_site

TARGET = 0.6


@dataclass
class Page:
    url: str
    body: bytes
    content_type: str
    family: str
    source: Source
    profile: Profile


def pick_pages(mirror: Path, manifest: dict[str, Any], count: int) -> list[Page]:
    """`count` article pages, spread evenly over the generated sites (and so the families)."""
    config = load_config(mirror / "deptfeeds.toml")
    sites = manifest["sites"]
    pages = []
    for n in range(count):
        site = sites[n % len(sites)]
        url = site["articles"][(n // len(sites)) % len(site["articles"])]
        root = mirror / "sites" / site["host"]
        source = config.source(site["id"])
        pages.append(Page(url, (root / file_for(url)[0]).read_bytes(), load_site(root).content_type,
                          site["family"] or "generic", source, profile_for(source)))
    return pages


def ours(page: Page) -> bool:
    try:
        extract_article(page.body, page.url, content_type=page.content_type, rules=page.profile.extract,
                        timezone=page.source.timezone)
    except NoArticle:
        return False
    return True


def trafilatura(page: Page, text: str) -> bool:
    from trafilatura import bare_extraction

    return bare_extraction(text, url=page.url, with_metadata=True) is not None


Timing = tuple[str, float, float, bool]  # family, wall ms, CPU ms, extracted


def measure_pages(pages: list[Page]) -> dict[str, list[Timing]]:
    """Wall and CPU milliseconds per page for each extractor, alternating which goes first."""
    times: dict[str, list[Timing]] = {"ours": [], "trafilatura": []}
    for n, page in enumerate(pages):
        text = html_to_unicode(page.content_type, page.body)[1]
        runs = [("ours", lambda p=page: ours(p)), ("trafilatura", lambda p=page, t=text: trafilatura(p, t))]
        for name, run in runs if n % 2 == 0 else runs[::-1]:
            with Clock() as clock:
                ok = run()
            times[name].append((page.family, clock.wall * 1000, clock.cpu * 1000, ok))
    return times


def _figures(values: list[float]) -> dict[str, float]:
    p90 = statistics.quantiles(values, n=10)[-1] if len(values) > 1 else values[0]
    return {"mean_ms": round(statistics.fmean(values), 2), "median_ms": round(statistics.median(values), 2),
            "p90_ms": round(p90, 2)}


def summarise(times: dict[str, list[Timing]]) -> dict[str, Any]:
    """Per extractor: CPU ms per page (the figure that counts), wall ms, and by family."""
    result: dict[str, Any] = {}
    for name, rows in times.items():
        families: dict[str, list[float]] = defaultdict(list)
        for family, _, cpu_ms, _ in rows:
            families[family].append(cpu_ms)
        result[name] = {"pages": len(rows), "extracted": sum(ok for *_, ok in rows),
                        **_figures([cpu for _, _, cpu, _ in rows]),
                        "wall": _figures([wall for _, wall, _, _ in rows]),
                        "by_family_mean_ms": {f: round(statistics.fmean(v), 2)
                                              for f, v in sorted(families.items())}}
    ratio = result["ours"]["mean_ms"] / result["trafilatura"]["mean_ms"]
    result["ratio_ours_vs_trafilatura"] = round(ratio, 2)
    result["ratio_ours_vs_trafilatura_wall"] = round(
        result["ours"]["wall"]["mean_ms"] / result["trafilatura"]["wall"]["mean_ms"], 2)
    result["targets"] = {"ours <= 0.6x trafilatura": ratio <= TARGET}
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--pages", type=int, help="article pages to time (default 600, quick 60)")
    args = parser.parse_args(argv)
    size = QUICK if args.quick else FULL
    mirror = mirror_dir(args.quick)
    manifest = ensure(mirror, size["sites"], size["articles"])
    pages = pick_pages(mirror, manifest, args.pages or (60 if args.quick else 600))
    measure_pages(pages[:6])  # warm-up: imports, regex compilation, lazy tables
    result = summarise(measure_pages(pages))
    families = sorted(result["ours"]["by_family_mean_ms"])
    rows = [(name, result[name]["pages"], result[name]["extracted"], result[name]["mean_ms"],
             result[name]["median_ms"], result[name]["wall"]["mean_ms"],
             *(result[name]["by_family_mean_ms"][f] for f in families)) for name in ("ours", "trafilatura")]
    print(f"extraction speed: {len(pages)} article pages of the generated mirror, CPU ms per page")
    print(table(rows, ("extractor", "pages", "extracted", "mean", "median", "wall mean", *families)))
    print(f"  ours vs trafilatura: {result['ratio_ours_vs_trafilatura']}x of CPU time, "
          f"{result['ratio_ours_vs_trafilatura_wall']}x of wall time "
          f"(target <= {TARGET}: {'met' if result['targets']['ours <= 0.6x trafilatura'] else 'MISSED'})")
    save("extraction_speed", result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
