"""Generate a large local mirror of department sites from the bundled samples.

Each generated site copies one sample site (its CMS family, markup, chrome, charset and
robots.txt) and fills it with new articles: titles, body text and URLs are generated, so
no two articles collide and every page is extracted for real. The output folder holds
`sites/<host>/` (served by deptfeeds.mirror or bench.serve), `deptfeeds.toml` (one source
per site, politeness off) and `manifest.json` (every listing and article URL).

    python -m bench.mirror bench/out/mirror --sites 30 --articles 400
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import random
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit, urlunsplit

import tomli_w

import crawler
from bench.templates import SAMPLES, ArticleTemplate, Sample, encode_page, fill, load_samples, path_of
from deptfeeds.mirror import route_key

PER_PAGE = 20
FIRST_ID = 100_000


@dataclass
class GeneratedSite:
    """One generated site: where its pages are and what its source entry says."""

    id: str
    host: str
    sample: Sample
    articles: list[str]
    pages: list[str]


def _numbers(text: str) -> list[re.Match]:
    """Runs of digits, leaving alone those inside percent-escapes (%C4%90 is a letter)."""
    return [m for m in re.finditer(r"%[0-9A-Fa-f]{2}|(\d+)", text) if m.group(1)]


def _replace_last_number(text: str, number: int) -> str:
    last = _numbers(text)[-1]
    return text[:last.start()] + str(number) + text[last.end():]


def article_url(template_url: str, host: str, index: int) -> str:
    """A new article URL of the same shape as the sample's: another id, or another slug."""
    parts = urlsplit(template_url)
    path, query = parts.path, parts.query
    if _numbers(query):
        query = _replace_last_number(query, FIRST_ID + index)
    else:
        head, _, last = path.rstrip("/").rpartition("/")
        trail = "/" if path.endswith("/") else ""
        if re.match(r"\d+-", last):  # Joomla's "1612-slug": the leading number is the id
            last = f"{FIRST_ID + index}{last[last.index('-'):]}"
        elif _numbers(last):
            last = _replace_last_number(last, FIRST_ID + index)
        else:
            stem, dot, ext = last.rpartition(".") if "." in last else (last, "", "")
            last = f"{stem}-{index}{dot}{ext}"
        path = f"{head}/{last}{trail}"
    return urlunsplit(("http", host, path, query, ""))


def listing_urls(sample: Sample, host: str, count: int) -> list[str]:
    """Page 1 is the sample's listing URL; later pages follow the shape of its next link."""
    first = urlsplit(sample.listing_url)._replace(netloc=host).geturl()
    following = sample.listing.next_url if sample.listing else None
    urls = [first]
    for k in range(1, count):
        if following and re.search(r"\d", path_of(following)):
            start = int(re.findall(r"\d+", path_of(following))[-1])
            path = _replace_last_number(path_of(following), start + k - 1)
            urls.append(f"http://{host}{path}")
        else:
            urls.append(f"{first}{'&' if '?' in first else '?'}page={k}")
    return urls


def file_for(url: str) -> tuple[str, str | None]:
    """Where the mirror finds a URL's page, and the route key when the URL has a query."""
    parts = urlsplit(url)
    if parts.query:
        key = route_key(path_of(url))
        return f"_q/{hashlib.sha1(key.encode()).hexdigest()[:16]}.html", key
    path = unquote(parts.path).lstrip("/")
    if not path or path.endswith("/"):
        return path + "index.html", None
    return (path if path.endswith((".html", ".htm")) else path + ".html"), None


def words_text(rng: random.Random, words: list[str], length: int) -> str:
    out: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(words)
        out.append(word)
        size += len(word) + 1
    return " ".join(out)


def article_title(site: GeneratedSite, index: int, seed: int) -> str:
    rng = random.Random(f"{seed}/{site.host}/{index}/title")
    title = words_text(rng, site.sample.words, rng.randint(40, 110)).rstrip(",.")
    return title[:1].upper() + title[1:]


def render_article(site: GeneratedSite, index: int, seed: int, revision: int = 0) -> bytes:
    """The page of article `index`; a revision > 0 rewrites its last paragraph only.

    The last, because a sample may print its lead twice and the extractor keeps one copy.
    """
    template = _template_for(site, index)
    url = site.articles[index]
    rng = random.Random(f"{seed}/{site.host}/{index}/body")
    values = {f"P{k}": words_text(rng, site.sample.words, n) for k, n in enumerate(template.lengths)}
    if revision:
        edit = random.Random(f"{seed}/{site.host}/{index}/revision{revision}")
        last = len(template.lengths) - 1
        values[f"P{last}"] = words_text(edit, site.sample.words, template.lengths[last])
    values = {k: html.escape(v) for k, v in values.items()}
    values |= {"T": html.escape(article_title(site, index, seed)), "UA": html.escape(url),
               "UP": html.escape(path_of(url))}
    return encode_page(fill(template.html, values), template.encoding)


def _template_for(site: GeneratedSite, index: int) -> ArticleTemplate:
    return site.sample.articles[index % len(site.sample.articles)]


def render_listing(site: GeneratedSite, page: int, per_page: int, seed: int) -> bytes:
    """Listing page `page` (0-based): its rows, sidebar links and the link to the next page."""
    listing = site.sample.listing
    assert listing is not None
    first = page * per_page
    rows = []
    for n, index in enumerate(range(first, min(first + per_page, len(site.articles)))):
        rows.append(fill(listing.rows[n % len(listing.rows)], {
            "H": html.escape(path_of(site.articles[index])),
            "T": html.escape(article_title(site, index, seed))}))
    rng = random.Random(f"{seed}/{site.host}/sidebar")
    values = {f"S{k}": html.escape(path_of(rng.choice(site.articles))) for k in range(listing.sidebar)}
    last = page + 1 >= len(site.pages)
    values["N"] = html.escape(path_of(site.pages[page if last else page + 1]))
    values["ROWS"] = "\n".join(rows)
    encoding = site.sample.articles[0].encoding
    return encode_page(fill(listing.html, values), encoding)


def plan(samples: list[Sample], sites: int, articles: int, per_page: int = PER_PAGE) -> list[GeneratedSite]:
    """Which sample each site copies, its host, its source id and all its URLs."""
    planned = []
    for j in range(sites):
        sample = samples[j % len(samples)]
        host = f"s{j + 1:02d}.{sample.host}"
        urls = [article_url(sample.articles[i % len(sample.articles)].url, host, i) for i in range(articles)]
        pages = listing_urls(sample, host, max(1, -(-articles // per_page)))
        planned.append(GeneratedSite(f"{sample.source['id']}-{j + 1:02d}"[:63], host, sample, urls, pages))
    return planned


def write_page(sites_dir: Path, site: GeneratedSite, url: str, data: bytes,
               routes: dict[str, str]) -> None:
    relative, key = file_for(url)
    target = sites_dir / site.host / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    if key:
        routes[key] = relative


def generate(out: Path, sites: int = 30, articles: int = 400, per_page: int = PER_PAGE,
             seed: int = 1) -> dict[str, Any]:
    """Write the mirror, its config and its manifest under `out`; return the manifest."""
    samples = load_samples()
    planned = plan(samples, sites, articles, per_page)
    sites_dir = out / "sites"
    shutil.rmtree(sites_dir, ignore_errors=True)
    for site in planned:
        routes: dict[str, str] = {}
        for index, url in enumerate(site.articles):
            write_page(sites_dir, site, url, render_article(site, index, seed), routes)
        for page, url in enumerate(site.pages):
            write_page(sites_dir, site, url, render_listing(site, page, per_page, seed), routes)
        robots = site.sample.root / "robots.txt"
        if robots.exists():
            shutil.copy(robots, sites_dir / site.host / "robots.txt")
        site_toml = {"content_type": site.sample.site.content_type, "routes": routes}
        (sites_dir / site.host / "site.toml").write_text(tomli_w.dumps(site_toml), "utf-8")
    write_config(out, planned)
    manifest = {
        "fingerprint": fingerprint(), "seed": seed, "per_page": per_page, "articles_per_site": articles,
        "samples": [s.host for s in samples],
        "sites": [{"id": s.id, "host": s.host, "sample": s.sample.host,
                   "family": s.sample.source.get("family"), "pages": s.pages, "articles": s.articles}
                  for s in planned],
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1), "utf-8")
    return manifest


def write_config(out: Path, planned: list[GeneratedSite]) -> Path:
    """A deptfeeds.toml with one source per generated site and no politeness delay."""
    sources = []
    for site in planned:
        entry = {k: v for k, v in site.sample.source.items()
                 if k not in ("id", "name", "listing", "max_pages")}
        sources.append({"id": site.id, "name": f"{site.sample.source['name']} ({site.host})",
                        "listing": [site.pages[0]], "max_pages": min(1000, len(site.pages) + 1), **entry})
    config = {"store": {"url": "sqlite:///data/deptfeeds.db"},
              "feeds": {"dir": "public", "base_url": "http://localhost:8080/"},
              "crawl": {"delay": 0.0, "concurrency_per_domain": 8},
              "sources": sources}
    path = out / "deptfeeds.toml"
    path.write_text("# Generated by bench/mirror.py for the benchmarks.\n" + tomli_w.dumps(config), "utf-8")
    return path


def fingerprint() -> str:
    """Changes when the generator or the samples it copies change."""
    digest = hashlib.sha1()
    for path in (Path(__file__), Path(__file__).with_name("templates.py")):
        digest.update(path.read_bytes())
    for sample in sorted((SAMPLES / "sites").rglob("*")):
        if sample.suffix in (".json", ".html", ".toml", ".txt"):
            digest.update(str(sample.relative_to(SAMPLES)).encode() + sample.read_bytes())
    for config in (SAMPLES / "deptfeeds.toml", Path(crawler.__file__).with_name("families.toml")):
        if config.exists():
            digest.update(config.read_bytes())
    return digest.hexdigest()[:16]


def ensure(out: Path, sites: int, articles: int, per_page: int = PER_PAGE) -> dict[str, Any]:
    """The mirror under `out`, generated again only if its size, generator or samples changed."""
    manifest_path = out / "manifest.json"
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text("utf-8"))
        if (manifest.get("fingerprint"), len(manifest["sites"]), manifest["articles_per_site"],
                manifest["per_page"]) == (fingerprint(), sites, articles, per_page):
            return manifest
    return generate(out, sites, articles, per_page)


def classify(manifest: dict[str, Any]) -> dict[str, str]:
    """URL → "listing" or "article", for counting a mirror's hits."""
    kinds = {}
    for site in manifest["sites"]:
        kinds |= dict.fromkeys(site["pages"], "listing") | dict.fromkeys(site["articles"], "article")
    return kinds


def change_articles(out: Path, fraction: float, revision: int = 1) -> list[str]:
    """Rewrite the last paragraph of `fraction` of all articles; return their URLs.

    Revision 0 is the page as generated, so calling again with revision=0 undoes a change.
    """
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    samples = {s.host: s for s in load_samples()}
    seed, changed = manifest["seed"], []
    everything = [(site, i) for site in manifest["sites"] for i in range(len(site["articles"]))]
    rng = random.Random(f"{seed}/change/{fraction}")  # the same articles for every revision
    chosen = rng.sample(everything, max(1, round(len(everything) * fraction)))
    for entry, index in chosen:
        site = GeneratedSite(entry["id"], entry["host"], samples[entry["sample"]], entry["articles"],
                             entry["pages"])
        url = site.articles[index]
        relative, _ = file_for(url)
        (out / "sites" / site.host / relative).write_bytes(render_article(site, index, seed, revision))
        changed.append(url)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="folder to write (its sites/ is replaced)")
    parser.add_argument("--sites", type=int, default=30)
    parser.add_argument("--articles", type=int, default=400, help="articles per site")
    parser.add_argument("--per-page", type=int, default=PER_PAGE, help="articles per listing page")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    manifest = generate(args.out, args.sites, args.articles, args.per_page, args.seed)
    pages = sum(len(s["pages"]) + len(s["articles"]) for s in manifest["sites"])
    print(f"mirror: {len(manifest['sites'])} sites from {len(manifest['samples'])} samples, "
          f"{pages} pages in {args.out} ({time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
