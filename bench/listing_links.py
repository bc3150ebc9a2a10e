"""Link finding on big listing pages: CPU time to read the article links of pages of 500 to 50,000.

An "all news" page of a department site can list every article it ever published in one
flat list. The generic link finder (crawler/listing.py) must stay linear in the page, and the
spider takes at most MAX_LINKS of them. Each page is a flat list of dated news items under
the site's header and menu, parsed with BeautifulSoup+lxml as the spider does; the figure
is the CPU time of `article_links` alone (parsing shown beside it), best of three.

    python -m bench.listing_links [--quick] [--sizes 500,1000,2000,50000]
"""

from __future__ import annotations

import argparse
import sys
import time

from bs4 import BeautifulSoup

from bench.common import save, table
from crawler.listing import MAX_LINKS, article_links

FULL_SIZES = (500, 1_000, 2_000, 10_000, 50_000)
QUICK_SIZES = (500, 2_000, 10_000)
HOST = "sokhcn.example.gov.vn"
TARGET_S = 1.0  # for 50,000 links


def page(links: int) -> str:
    menu = "".join(f'<li><a href="/chuyen-muc-{i}">Chuyên mục {i}</a></li>' for i in range(12))
    items = "".join(
        f'<li class="news-item"><a href="/tin-tuc/hoi-nghi-khoa-hoc-so-{i}.html">Hội nghị khoa học và '
        f'công nghệ số {i} của tỉnh</a><span class="date">{1 + i % 28:02d}/{1 + i % 12:02d}/2024</span></li>'
        for i in range(links))
    return (f'<html><body><header><ul class="menu">{menu}</ul></header><main><h1>Tất cả tin</h1>'
            f'<ul class="list">{items}</ul></main><footer>Sở KH&CN</footer></body></html>')


def cpu(call) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.process_time()
        call()
        best = min(best, time.process_time() - started)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"sizes {QUICK_SIZES}")
    parser.add_argument("--sizes", help="comma-separated numbers of links")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.sizes.split(",")] if args.sizes else None
    sizes = sizes or (QUICK_SIZES if args.quick else FULL_SIZES)
    rows, figures = [], {}
    for size in sizes:
        html = page(size)
        soup = BeautifulSoup(html, "lxml")
        links = article_links(soup, f"http://{HOST}/tin-tuc", {HOST})
        parse_s = cpu(lambda html=html: BeautifulSoup(html, "lxml"))
        find_s = cpu(lambda soup=soup: article_links(soup, f"http://{HOST}/tin-tuc", {HOST}))
        figures[size] = {"links_taken": len(links), "parse_s": round(parse_s, 4), "find_s": round(find_s, 4)}
        rows.append([size, len(links), f"{parse_s:.3f}", f"{find_s:.3f}", f"{find_s / size * 1e6:.1f}"])
    print(table(rows, ["links on page", f"taken (cap {MAX_LINKS})", "parse CPU s", "find CPU s",
                       "find µs/link"]))
    biggest = max(sizes)
    verdict = "met" if figures[biggest]["find_s"] < TARGET_S or biggest < 50_000 else "MISSED"
    print(f"target: {biggest} links found in under {TARGET_S} s of CPU: {verdict}")
    save("listing_links", {"sizes": figures, "target_s": TARGET_S})
    return 0


if __name__ == "__main__":
    sys.exit(main())
