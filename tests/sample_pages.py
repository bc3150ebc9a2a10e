"""The sample article pages with their expected JSON, read offline the way the crawler sees them.

Shared by tests/test_samples.py and bench/quality.py. Each page comes with the Content-Type
the mirror would send (site.toml, including per-file lies), its source's profile, and the
date its listing page prints for it (listing pages are read from disk through the mirror's
own routing, following the next-page links as the spider would).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

from core.config import Source, load_config
from crawler.extract.article import Article, extract_article
from crawler.listing import article_links, next_page
from crawler.profiles import Profile, profile_for
from deptfeeds.mirror import Site, load_site, resolve, route_key

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
SITES = SAMPLES / "sites"
ZERO_CONFIG = Profile()

# Chrome seen on department sites (FIELD_NOTES "Chrome", the seeds, samples/README.md):
# none of it may appear anywhere in an article's text.
CHROME = [
    "Skip to main content", "Bỏ qua để tới nội dung chính", "MỪNG ĐẢNG", "MỪNG XUÂN", "MỪNG ĐẤT NƯỚC",
    "Quyết tâm thực hiện thắng lợi Nghị quyết", "Khơi dậy khát vọng kiến tạo tương lai",
    "SỞ KHOA HỌC VÀ CÔNG NGHỆ", "Chế độ ban đêm", "Xuất PDF", "Đọc nội dung", "-A A +A", "Kích cỡ chữ",
    "Xem với cở chữ", "In trang", "Bản in", "In bài viết", "Quay lại", "Lượt xem", "lượt xem", "Xem:",
    "Tin đăng ngày", "Ngày đăng", "Gửi bởi", "Posted on", "Đánh giá:", "lượt đánh giá", "trung bình:",
    "Tổng số điểm của bài viết", "Bình luận", "Ý kiến bạn đọc", "Góp ý của bạn đọc", "Để lại bình luận",
    "Mã xác thực", "Nhập mã bảo vệ", "CAPTCHA", "Tin liên quan", "Tin mới nhất", "Tin tiêu điểm",
    "Các tin khác", "Các tin đã đưa", "Những tin mới hơn", "Những tin cũ hơn", "Bài viết liên quan",
    "Thống kê", "Online:", "người đang online", "Đang truy cập", "Hôm nay", "Tổng lượt truy cập",
    "Nhập từ khóa", "Tìm kiếm", "°", "Chào mừng bạn đến với", "Description:", "Từ khóa:", "Chia sẻ",
    "cookie", "Trang chủ", "Liên kết website", "bientap", "admin", "Chi tiết tin", "Advertisement",
    "SUBSCRIBE", "Image 1 of", "More great stories", "Trending", "Drone spraying trial",
]


@dataclass(frozen=True)
class SamplePage:
    """One sample article: its bytes as served, what an editor expects, and its source."""

    path: Path
    expected: dict = field(hash=False)
    source: Source = field(hash=False)
    content_type: str | None

    @property
    def url(self) -> str:
        return self.expected["url"]

    @property
    def id(self) -> str:
        return f"{self.source.id}/{self.path.stem}"

    def extract(self, profile: Profile | None = None) -> Article:
        """Extract as the spider would: with the source's profile, or with the one given."""
        profile = profile_for(self.source) if profile is None else profile
        return extract_article(self.path.read_bytes(), self.url, content_type=self.content_type,
                               rules=profile.extract, timezone=self.source.timezone,
                               listing_date=listing_dates(self.source.id, profile is ZERO_CONFIG).get(
                                   route_key_of(self.url)))


def route_key_of(url: str) -> str:
    """What a URL reaches: the file the mirror serves for it (links may add parameters such as
    Liferay's `?redirect=`), or its route when no file answers."""
    served = page_file(url)
    if served is not None:
        return served.relative_to(SITES).as_posix()
    parts = urlsplit(url)
    return f"{parts.hostname}{route_key(parts.path + ('?' + parts.query if parts.query else ''))}"


def _site(url: str) -> Site:
    return load_site(SITES / (urlsplit(url).hostname or ""))


def page_file(url: str) -> Path | None:
    """The file the mirror serves for `url`."""
    parts = urlsplit(url)
    return resolve(_site(url), parts.path or "/", parts.query)


def content_type(path: Path) -> str:
    """The Content-Type header the mirror sends with a page (site.toml, per-file headers first)."""
    root = next(parent for parent in path.parents if parent.parent == SITES)
    site = load_site(root)
    return site.headers.get(path.relative_to(root).as_posix(), {}).get("Content-Type", site.content_type)


@cache
def sources() -> dict[str, Source]:
    return {source.id: source for source in load_config(SAMPLES / "deptfeeds.toml").sources}


def listing_pages(source: Source, profile: Profile) -> list[tuple[str, BeautifulSoup]]:
    """The source's listing pages as the spider walks them, up to its page limit."""
    pages = []
    for start in source.listing:
        url: str | None = start
        seen: set[str] = set()
        while url and url not in seen and len(seen) < source.max_pages:
            seen.add(url)
            path = page_file(url)
            if path is None:
                break
            soup = BeautifulSoup(path.read_bytes(), "lxml")
            pages.append((url, soup))
            url = next_page(soup, url, source.hosts, selectors=profile.next_page)
    return pages


@cache
def listing_dates(source_id: str, zero_config: bool) -> dict[str, datetime]:
    """The date each listing page prints beside each article link, keyed by route."""
    source = sources()[source_id]
    profile = ZERO_CONFIG if zero_config else profile_for(source)
    dates: dict[str, datetime] = {}
    for url, soup in listing_pages(source, profile):
        for link in article_links(soup, url, source.hosts, selectors=profile.links,
                                  patterns=profile.article_urls, timezone=source.timezone):
            if link.date is not None:
                dates.setdefault(route_key_of(link.url), link.date)
    return dates


def expected_pages(kind: str) -> list[tuple[Path, dict, Source]]:
    """Each page of a kind ("news": articles, "documents": documents lists) with its expected
    JSON and its source (a documents list's JSON holds `documents`)."""
    by_host = {host: source for source in sources().values() if source.kind == kind
               for host in source.hosts}
    found = []
    for expected_file in sorted(SITES.rglob("*.json")):
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        if ("documents" in expected) == (kind == "documents"):
            found.append((expected_file.with_suffix(".html"), expected,
                          by_host[urlsplit(expected["url"]).hostname or ""]))
    return found


@cache
def sample_pages() -> tuple[SamplePage, ...]:
    """Every article page under samples/sites that has an expected JSON beside it."""
    return tuple(SamplePage(path, expected, source, content_type(path))
                 for path, expected, source in expected_pages("news"))
