"""Extraction quality on every sample page: ours (with profiles, and zero-config) against trafilatura.

Body text is compared as bags of word tokens with what the editor kept (lead + paragraphs +
captions); a page "has chrome" when any known chrome string (tests/sample_pages.CHROME)
appears in its extracted text. Titles, authors and leads must match exactly; dates are scored
by day and by day and time (trafilatura gives days only). Prints a table, the weakest pages,
and a JSON summary as the last line.

Speed is CPU time per page (what the code costs on a shared machine), all three systems
interleaved page by page in this process after a warm-up round (imports, compiled patterns,
the listing dates the sample pages read), the order rotating so none always runs first. Each
gets the page bytes as served: ours decodes them as the spider does, trafilatura too.

    .venv/bin/python -m bench.quality [--json PATH] [--rounds N]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import time
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura

from crawler.extract.article import NoArticle
from tests.sample_pages import CHROME, ZERO_CONFIG, SamplePage, sample_pages

TARGETS = {"ours": {"f1": 0.98}, "ours-zero-config": {"f1": 0.96}}
SPEED_TARGET = 0.6  # ours at most this share of trafilatura's time per page (issue 8)


@dataclass
class Extracted:
    """What one system made of one page, in comparable terms."""

    text: str = ""
    title: str | None = None
    day: str | None = None
    moment: str | None = None
    author: str | None = None
    lead: str | None = None


@dataclass
class Score:
    """Totals for one system over all pages."""

    overlap: int = 0
    produced: int = 0
    wanted: int = 0
    page_f1: list[tuple[float, str]] = field(default_factory=list)
    chrome_pages: list[str] = field(default_factory=list)
    title: int = 0
    day: int = 0
    moment: int = 0
    author: int = 0
    lead: int = 0
    failures: list[str] = field(default_factory=list)


def tokens(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", unicodedata.normalize("NFC", text).casefold()))


def reference_text(page: SamplePage) -> str:
    expected = page.expected
    return "\n".join([expected["lead"], *expected["paragraphs"], *expected.get("captions", [])])


def ours(profile: object | None) -> Callable[[SamplePage], Extracted]:
    def run(page: SamplePage) -> Extracted:
        article = page.extract(profile)  # type: ignore[arg-type]
        published = article.published
        return Extracted(text=article.body_text, title=article.title, author=article.author,
                         day=published.date().isoformat() if published else None,
                         moment=published.isoformat() if published else None, lead=article.summary)
    return run


def peer(page: SamplePage) -> Extracted:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        document = trafilatura.bare_extraction(page.path.read_bytes(), url=page.url, with_metadata=True,
                                               include_comments=False, include_tables=True)
    if document is None:
        raise NoArticle("trafilatura found nothing")
    text = document.text or ""
    return Extracted(text=text, title=document.title, author=document.author, day=document.date,
                     lead=text.split("\n", 1)[0].strip())


def score(system: Callable[[SamplePage], Extracted], pages: tuple[SamplePage, ...]) -> Score:
    total = Score()
    for page in pages:
        try:
            got = system(page)
        except NoArticle as exc:
            total.failures.append(f"{page.id}: {exc}")
            got = Extracted()
        produced, wanted = tokens(got.text), tokens(reference_text(page))
        overlap = sum((produced & wanted).values())
        total.overlap += overlap
        total.produced += sum(produced.values())
        total.wanted += sum(wanted.values())
        precision = overlap / max(sum(produced.values()), 1)
        recall = overlap / max(sum(wanted.values()), 1)
        total.page_f1.append((2 * precision * recall / max(precision + recall, 1e-9), page.id))
        if any(chrome in got.text for chrome in CHROME):
            total.chrome_pages.append(page.id)
        expected = page.expected
        total.title += got.title == expected["title"]
        total.day += got.day == expected["published"][:10]
        total.moment += got.moment == expected["published"]
        total.author += got.author == expected.get("author")
        total.lead += got.lead == expected["lead"]
    return total


def cpu_ms_per_page(systems: dict[str, Callable[[SamplePage], Extracted]], pages: tuple[SamplePage, ...],
                    rounds: int) -> dict[str, float]:
    """CPU milliseconds per page for each system, interleaved page by page, after a warm-up round."""
    names = list(systems)
    spent = dict.fromkeys(names, 0.0)
    for round_ in range(rounds + 1):
        for index, page in enumerate(pages):
            first = (index + round_) % len(names)
            for name in names[first:] + names[:first]:
                started = time.process_time()
                with contextlib.suppress(NoArticle):
                    systems[name](page)
                if round_:
                    spent[name] += time.process_time() - started
    return {name: 1000 * seconds / (rounds * len(pages)) for name, seconds in spent.items()}


def summary(result: Score, pages: int, ms_per_page: float) -> dict[str, float | int]:
    precision = result.overlap / max(result.produced, 1)
    recall = result.overlap / max(result.wanted, 1)
    return {
        "pages": pages,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(2 * precision * recall / max(precision + recall, 1e-9), 4),
        "mean_page_f1": round(sum(f for f, _ in result.page_f1) / max(pages, 1), 4),
        "min_page_f1": round(min(f for f, _ in result.page_f1), 4),
        "pages_with_chrome": len(result.chrome_pages),
        "title": round(result.title / pages, 4),
        "date_day": round(result.day / pages, 4),
        "date_time": round(result.moment / pages, 4),
        "author": round(result.author / pages, 4),
        "lead": round(result.lead / pages, 4),
        "no_article": len(result.failures),
        "ms_per_page": round(ms_per_page, 2),
    }


ROWS = [("body precision", "precision"), ("body recall", "recall"), ("body F1 (all tokens)", "f1"),
        ("body F1 (mean of pages)", "mean_page_f1"), ("body F1 (worst page)", "min_page_f1"),
        ("pages with chrome", "pages_with_chrome"), ("title exact", "title"), ("date (day)", "date_day"),
        ("date and time", "date_time"), ("author exact", "author"), ("lead exact", "lead"),
        ("no article", "no_article"), ("CPU ms per page", "ms_per_page")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the JSON summary to this file")
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds over the pages (default 5)")
    args = parser.parse_args()
    pages = sample_pages()
    systems = {"ours": ours(None), "ours-zero-config": ours(ZERO_CONFIG), "trafilatura": peer}
    results = {name: score(system, pages) for name, system in systems.items()}
    speed = cpu_ms_per_page(systems, pages, args.rounds)
    table = {name: summary(result, len(pages), speed[name]) for name, result in results.items()}

    print(f"Extraction quality on {len(pages)} sample article pages "
          f"({len({page.source.id for page in pages})} sites)\n")
    print(f"{'':26}" + "".join(f"{name:>18}" for name in systems))
    for label, key in ROWS:
        print(f"{label:26}" + "".join(f"{table[name][key]:>18}" for name in systems))
    ratios = {name: round(speed[name] / speed["trafilatura"], 2) for name in TARGETS}
    print(f"{'time vs trafilatura':26}" + "".join(f"{ratios[name]:>18}" for name in TARGETS)
          + f"{'1.0':>18}   (target <= {SPEED_TARGET}, CPU time, {args.rounds} interleaved rounds)")
    for name, result in results.items():
        weak = sorted(item for item in result.page_f1 if item[0] < 0.98)
        print(f"\n{name}: {len(weak)} pages under F1 0.98"
              + "".join(f"\n  {f:.3f} {page}" for f, page in weak[:8]))
        if result.chrome_pages:
            print(f"  chrome on: {', '.join(result.chrome_pages[:8])}")
        for failure in result.failures[:5]:
            print(f"  no article: {failure}")
    verdict = {name: {"f1_target": goal["f1"], "met": table[name]["f1"] >= goal["f1"]
                      and table[name]["pages_with_chrome"] == 0 and table[name]["title"] == 1
                      and table[name]["date_time"] == 1,
                      "time_vs_trafilatura": ratios[name], "speed_target": SPEED_TARGET,
                      "speed_met": ratios[name] <= SPEED_TARGET}
               for name, goal in TARGETS.items()}
    document = {"systems": table, "targets": verdict}
    if args.json:
        args.json.write_text(json.dumps(document, indent=2), "utf-8")
    print("\n" + json.dumps(document))


if __name__ == "__main__":
    main()
