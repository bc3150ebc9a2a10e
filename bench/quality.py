"""Extraction quality on every sample page: ours (with profiles, and zero-config) against trafilatura.

Body text is compared as bags of word tokens with what the editor kept (lead + paragraphs +
captions); a page "has chrome" when any known chrome string (tests/sample_pages.CHROME)
appears in its extracted text. Titles, authors and leads must match exactly; dates are scored
by day and by day and time (trafilatura gives days only). Prints a table, the weakest pages,
and a JSON summary as the last line.

    .venv/bin/python -m bench.quality [--json PATH]
"""

from __future__ import annotations

import argparse
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

from crawler.extract import NoArticle
from tests.sample_pages import CHROME, ZERO_CONFIG, SamplePage, sample_pages

TARGETS = {"ours": {"f1": 0.98}, "ours-zero-config": {"f1": 0.96}}


@dataclass
class Extracted:
    """What one system made of one page, in comparable terms."""

    text: str = ""
    title: str | None = None
    day: str | None = None
    moment: str | None = None
    author: str | None = None
    lead: str | None = None
    seconds: float = 0.0


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
    seconds: float = 0.0


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
        started = time.perf_counter()
        try:
            got = system(page)
        except NoArticle as exc:
            total.failures.append(f"{page.id}: {exc}")
            got = Extracted()
        total.seconds += time.perf_counter() - started
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


def summary(result: Score, pages: int) -> dict[str, float | int]:
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
        "ms_per_page": round(1000 * result.seconds / max(pages, 1), 1),
    }


ROWS = [("body precision", "precision"), ("body recall", "recall"), ("body F1 (all tokens)", "f1"),
        ("body F1 (mean of pages)", "mean_page_f1"), ("body F1 (worst page)", "min_page_f1"),
        ("pages with chrome", "pages_with_chrome"), ("title exact", "title"), ("date (day)", "date_day"),
        ("date and time", "date_time"), ("author exact", "author"), ("lead exact", "lead"),
        ("no article", "no_article"), ("ms per page", "ms_per_page")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="also write the JSON summary to this file")
    args = parser.parse_args()
    pages = sample_pages()
    systems = {"ours": ours(None), "ours-zero-config": ours(ZERO_CONFIG), "trafilatura": peer}
    results = {name: score(system, pages) for name, system in systems.items()}
    table = {name: summary(result, len(pages)) for name, result in results.items()}

    print(f"Extraction quality on {len(pages)} sample article pages "
          f"({len({page.source.id for page in pages})} sites)\n")
    print(f"{'':26}" + "".join(f"{name:>18}" for name in systems))
    for label, key in ROWS:
        print(f"{label:26}" + "".join(f"{table[name][key]:>18}" for name in systems))
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
                      and table[name]["date_time"] == 1}
               for name, goal in TARGETS.items()}
    document = {"systems": table, "targets": verdict}
    if args.json:
        args.json.write_text(json.dumps(document, indent=2), "utf-8")
    print("\n" + json.dumps(document))


if __name__ == "__main__":
    main()
