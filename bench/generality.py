"""Generality: ours zero-config, trafilatura and readability on trafilatura's own evaluation set.

The set (900+ real pages in many languages, each with passages that must and must not be
extracted) is scored as trafilatura's `tests/evaluate.py` scores every extractor: a passage
counts when it occurs, whitespace-normalised, in the extractor's output; precision, recall,
accuracy and F1 over all passages; a crash or an empty output is a page failed. Ours runs
with no family and no selectors and gives the article's text (lead, paragraphs, captions);
NoArticle is a page failed. trafilatura runs as evaluate.py's "trafilatura" row, readability
as its "readability" row (its HTML summary, scored as it is there). CPU milliseconds per page
are measured in this process, the three interleaved page by page, the order rotating.

The data is not in this repository: clone https://github.com/adbar/trafilatura and pass its
`tests/` folder (`--data PATH` or `$DEPTFEEDS_EVAL_DATA`).

    python -m bench.generality [--data PATH] [--quick | --limit N] [--misses N]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.common import save, table
from crawler.extract.article import NoArticle, extract_article

ENVIRONMENT = "DEPTFEEDS_EVAL_DATA"
HOW_TO_GET = (f"trafilatura's evaluation set is not in this repository. Get it with\n"
              f"  git clone https://github.com/adbar/trafilatura\n"
              f"and point at its tests/ folder: --data trafilatura/tests "
              f"(or ${ENVIRONMENT}=trafilatura/tests).")
QUICK_PAGES = 120
PEER = "trafilatura"


@dataclass(frozen=True)
class Document:
    """One page of the set: its URL, its bytes, and the passages an annotator marked."""

    url: str
    file: str
    html: bytes
    wanted: tuple[str, ...]
    unwanted: tuple[str, ...]


@dataclass
class Tally:
    """One extractor's counts over the set (evaluate.py's confusion matrix), its time and failures."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0
    cpu: float = 0.0
    pages: int = 0
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, counts: tuple[int, int, int, int]) -> None:
        self.tp, self.fp, self.fn, self.tn = (a + b for a, b in zip((self.tp, self.fp, self.fn, self.tn),
                                                                    counts, strict=True))

    def scores(self) -> dict[str, float]:
        precision = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        recall = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        total = self.tp + self.fp + self.fn + self.tn
        f1 = 2 * self.tp / (2 * self.tp + self.fp + self.fn) if self.tp + self.fp + self.fn else 0.0
        return {"precision": round(precision, 4), "recall": round(recall, 4),
                "accuracy": round((self.tp + self.tn) / total, 4) if total else 0.0, "f1": round(f1, 4)}


def find_data(given: str | None) -> Path | None:
    """The annotation file: given as the tests/ folder, the repository, or evaldata.json itself."""
    raw = given or os.environ.get(ENVIRONMENT)
    if not raw:
        return None
    path = Path(raw).expanduser()
    for candidate in (path, path / "evaldata.json", path / "tests" / "evaldata.json"):
        if candidate.is_file():
            return candidate
    return None


def load_documents(annotations: Path, limit: int | None = None) -> tuple[list[Document], int]:
    """Every annotated page whose HTML is in `cache/` or `eval/` beside the file, sorted by URL,
    and how many annotated pages have no HTML there (a copy without `cache/` lacks some)."""
    here = annotations.parent
    data: dict[str, dict[str, Any]] = json.loads(annotations.read_text("utf-8"))
    documents, absent = [], 0
    for url in sorted(data)[:limit]:
        item = data[url]
        path = next((here / sub / item["file"] for sub in ("cache", "eval")
                     if (here / sub / item["file"]).is_file()), None)
        if path is None:
            absent += 1
            continue
        documents.append(Document(url, item["file"], path.read_bytes(), tuple(item["with"]),
                                  tuple(item["without"])))
    return documents, absent


def norm(text: str) -> str:
    """Whitespace-normalised, as evaluate.py compares passages."""
    return re.sub(r"\s+", " ", text).strip()


def count(document: Document, result: str | None) -> tuple[int, int, int, int]:
    """(tp, fp, fn, tn) for one page: which passages occur in the output."""
    text = norm(result) if isinstance(result, str) else None
    tp = sum(1 for passage in document.wanted if text is not None and norm(passage) in text)
    fp = sum(1 for passage in document.unwanted if text is not None and norm(passage) in text)
    return tp, fp, len(document.wanted) - tp, len(document.unwanted) - fp


def ours(document: Document) -> str | None:
    """Our zero-config extraction: the article's text, or None when we find no article."""
    try:
        return extract_article(document.html, document.url).body_text
    except NoArticle:
        return None


def peer(document: Document) -> str | None:
    """trafilatura as evaluate.py runs it (its "trafilatura" row: fallbacks on, tables, no comments)."""
    from trafilatura import extract

    return extract(document.html, fast=False, include_comments=False, include_tables=True,
                   include_formatting=False)


def readability(document: Document) -> str | None:
    """readability-lxml as evaluate.py runs it: the HTML summary of the decoded page."""
    from readability import Document as Readable
    from trafilatura.utils import decode_file

    return Readable(decode_file(document.html)).summary()


SYSTEMS: dict[str, Callable[[Document], str | None]] = {"ours": ours, PEER: peer, "readability": readability}


def available(names: list[str]) -> dict[str, Callable[[Document], str | None]]:
    """The systems asked for whose library imports; the others are named and left out."""
    chosen = {}
    for name in names:
        try:
            SYSTEMS[name](Document("http://example.org/", "warm-up.html",
                                   b"<html><body><h1>Warm up</h1><p>" + b"Text. " * 40
                                   + b"</p></body></html>",
                                   (), ()))
        except ImportError as exc:
            print(f"skipping {name}: {exc}")
            continue
        chosen[name] = SYSTEMS[name]
    return chosen


def evaluate(documents: list[Document], systems: dict[str, Callable[[Document], str | None]],
             outputs: dict[str, dict[str, str | None]] | None = None) -> dict[str, Tally]:
    """Run every system on every page, interleaved, the order rotating; tally and time each."""
    tallies = {name: Tally() for name in systems}
    names = list(systems)
    for index, document in enumerate(documents):
        first = index % len(names)
        for name in names[first:] + names[:first]:
            tally = tallies[name]
            started = time.process_time()
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    result = systems[name](document)
            except Exception as exc:  # a crash is a page missed, as in evaluate.py
                result = None
                tally.errors.append(f"{document.file}: {type(exc).__name__}: {exc}")
            tally.cpu += time.process_time() - started
            tally.pages += 1
            if not result:
                tally.failed.append(document.file)
            tally.add(count(document, result))
            if outputs is not None:
                outputs.setdefault(name, {})[document.url] = result
    return tallies


def summarise(tallies: dict[str, Tally]) -> dict[str, Any]:
    """The figures per system, and ours against trafilatura."""
    result: dict[str, Any] = {}
    for name, tally in tallies.items():
        result[name] = {**tally.scores(), "pages": tally.pages, "pages_failed": len(tally.failed),
                        "errors": len(tally.errors),
                        "cpu_ms_per_page": round(1000 * tally.cpu / max(tally.pages, 1), 2)}
    if "ours" in result and PEER in result:
        result["ours_vs_trafilatura"] = {
            "f1_difference": round(result["ours"]["f1"] - result[PEER]["f1"], 4),
            "cpu_ratio": round(result["ours"]["cpu_ms_per_page"]
                               / max(result[PEER]["cpu_ms_per_page"], 1e-9), 2),
        }
        result["targets"] = {"ours F1 above trafilatura's": result["ours"]["f1"] > result[PEER]["f1"],
                             "ours CPU <= 1.0x trafilatura":
                                 result["ours_vs_trafilatura"]["cpu_ratio"] <= 1.0}
    return result


def misses(documents: list[Document], outputs: dict[str, dict[str, str | None]], top: int) -> list[str]:
    """The pages where ours loses most passages against trafilatura (wanted missed + unwanted kept)."""
    lines = []
    for document in documents:
        own = count(document, outputs["ours"][document.url])
        theirs = count(document, outputs[PEER][document.url])
        loss = (own[2] + own[1]) - (theirs[2] + theirs[1])
        if loss > 0:
            lines.append((loss, f"{loss:2d}  fn {own[2]} fp {own[1]} "
                                f"(trafilatura fn {theirs[2]} fp {theirs[1]})"
                                f"  {document.file}"))
    return [line for _, line in sorted(lines, key=lambda item: -item[0])[:top]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help=f"trafilatura's tests/ folder (default ${ENVIRONMENT})")
    parser.add_argument("--quick", action="store_true", help=f"the first {QUICK_PAGES} pages only")
    parser.add_argument("--limit", type=int, help="the first N pages only (by URL)")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated subset of "
                        + ", ".join(SYSTEMS))
    parser.add_argument("--misses", type=int, default=0, help="list the N pages where ours loses most")
    args = parser.parse_args(argv)
    annotations = find_data(args.data)
    if annotations is None:
        print(HOW_TO_GET, file=sys.stderr)
        return 2
    documents, absent = load_documents(annotations, args.limit or (QUICK_PAGES if args.quick else None))
    if absent:
        print(f"{absent} annotated pages have no HTML file beside {annotations.name}: left out")
    systems = available(args.systems.split(","))
    outputs: dict[str, dict[str, str | None]] = {}
    result = summarise(evaluate(documents, systems, outputs))
    result["data"] = {"pages": len(documents), "absent": absent, "annotations": str(annotations)}
    rows = [(name, result[name]["precision"], result[name]["recall"], result[name]["accuracy"],
             result[name]["f1"], result[name]["pages_failed"], result[name]["errors"],
             result[name]["cpu_ms_per_page"]) for name in systems]
    print(f"generality: {len(documents)} pages of trafilatura's evaluation set, scored as its evaluate.py")
    print(table(rows, ("extractor", "precision", "recall", "accuracy", "F1", "pages failed", "errors",
                       "CPU ms/page")))
    if "ours_vs_trafilatura" in result:
        versus = result["ours_vs_trafilatura"]
        print(f"  ours vs trafilatura: F1 {versus['f1_difference']:+.4f}, CPU {versus['cpu_ratio']}x")
    if args.misses and "ours" in outputs and PEER in outputs:
        print(f"\npages where ours loses most against trafilatura (top {args.misses}):")
        print("\n".join(misses(documents, outputs, args.misses)))
    save("generality", result)
    print(json.dumps({name: result[name] for name in systems}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
