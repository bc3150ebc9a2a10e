"""A real feed reader, Debian's newsboat, subscribes to the served feeds and lists their articles.

newsboat is installed by tests/install-tools.sh (run by `make test`); without it this test skips.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

FEEDS = {"thunghiem": "Sở KH&CN Thử Nghiệm", "lancan": "Sở KH&CN Lân Cận", "all": "Tin KH&CN các tỉnh",
         "topics/do-luong": "Tiêu chuẩn, đo lường, chất lượng",
         "topics/chuyen-doi-so-lan-can": "Chuyển đổi số (Lân Cận)"}
# Every article once: newsboat keeps one copy of an item whose id it already has from another feed.
ARTICLES = {
    ("http://sokhcn.thunghiem.gov.vn/2025/04/tap-huan-an-toan-thong-tin/",
     "Tập huấn an toàn thông tin cho cán bộ năm 2025"),
    ("http://sokhcn.thunghiem.gov.vn/2025/04/hoi-thao-chuyen-doi-so/",
     "Hội thảo chuyển đổi số trong hoạt động khoa học và công nghệ"),
    ("http://sokhcn.thunghiem.gov.vn/2025/04/kiem-tra-do-luong-xang-dau/",
     "Kiểm tra đo lường tại các cửa hàng xăng dầu"),
    ("http://sokhcn.lancan.gov.vn/2025/04/tong-ket-chuong-trinh-nang-suat/",
     "Tổng kết chương trình nâng cao năng suất chất lượng"),
    ("http://sokhcn.lancan.gov.vn/2025/04/hoi-thao-chuyen-doi-so-tinh-ban/",
     "Hội thảo chuyển đổi số trong hoạt động khoa học và công nghệ"),
}

needs_newsboat = pytest.mark.skipif(shutil.which("newsboat") is None,
                                    reason="newsboat is not installed (tests/install-tools.sh installs it "
                                           "with apt-get; it needs root or sudo)")


@needs_newsboat
@pytest.mark.parametrize("suffix", [".rss", ".atom"])
def test_newsboat_reloads_the_served_feeds_and_lists_their_articles(feed_server: str, tmp_path: Path,
                                                                     suffix: str) -> None:
    urls = tmp_path / "urls"
    urls.write_text("".join(f"{feed_server}{name}{suffix}\n" for name in FEEDS), encoding="utf-8")
    (tmp_path / "config").write_text("", encoding="utf-8")
    cache = tmp_path / "cache.db"
    environment = {**os.environ, "HOME": str(tmp_path), "LANG": "C.UTF-8", "XDG_CONFIG_HOME": str(tmp_path),
                   "XDG_DATA_HOME": str(tmp_path)}
    for key in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
        environment.pop(key, None)

    result = subprocess.run(["newsboat", "-u", str(urls), "-C", str(tmp_path / "config"), "-c", str(cache),
                             "-x", "reload", "print-unread"],
                            env=environment, capture_output=True, text=True, timeout=60)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{len(ARTICLES)} unread articles"
    with sqlite3.connect(cache) as db:
        feeds = dict(db.execute("SELECT rssurl, title FROM rss_feed"))
        items = set(db.execute("SELECT url, title FROM rss_item"))
    assert feeds == {f"{feed_server}{name}{suffix}": title for name, title in FEEDS.items()}
    assert items == ARTICLES
