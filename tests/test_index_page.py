"""index.html as a browser shows it: Debian's headless Chromium renders the served page.

A small probe script added to a copy of the page measures what is on screen (visible boxes,
font sizes, horizontal overflow) and leaves the figures in the DOM that `--dump-dom` prints.
Chromium is installed by tests/install-tools.sh (run by `make test`); without it this skips.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from lxml import html

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]

PROBE = """<script>
const shown = el => { const box = el.getBoundingClientRect(), style = getComputedStyle(el);
  return box.width > 0 && box.height > 0 && style.visibility !== "hidden" && style.display !== "none"; };
const texts = selector =>
  [...document.querySelectorAll(selector)].filter(shown).map(el => el.innerText.trim());
addEventListener("load", () => document.body.dataset.report = JSON.stringify({
  title: document.title,
  heading: texts("h1"),
  sections: texts("h2"),
  sources: texts("#sources .source-name"),
  feedLinks: [...document.querySelectorAll("#sources tbody tr")]
    .map(row => texts("#" + row.id + " .feeds a")),
  latest: texts("#latest a.entry-title"),
  headerRowShown: shown(document.querySelector("#sources thead tr")),
  bodyFontPx: parseFloat(getComputedStyle(document.body).fontSize),
  headingFontPx: parseFloat(getComputedStyle(document.querySelector("h1")).fontSize),
  viewport: innerWidth,
  pageWidth: document.documentElement.scrollWidth,
}));
</script>"""


def render(page: Path, width: int, profile: Path) -> dict:
    """The probe's report for `page` shown in a window `width` pixels wide."""
    result = subprocess.run([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},900",
                             "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    report = html.fromstring(result.stdout).body.get("data-report")
    assert report, f"the probe did not run: {result.stderr[-2000:]}"
    return json.loads(report)


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (tests/install-tools.sh installs "
                                              "Debian's chromium with apt-get; it needs root or sudo)")
@pytest.mark.parametrize(("width", "table_header"), [(1280, True), (390, False)], ids=["desktop", "phone"])
def test_the_index_page_shows_sources_feeds_and_latest_news(feed_sites: Path, tmp_path: Path, width: int,
                                                           table_header: bool) -> None:
    page = tmp_path / "index.html"
    page.write_text((feed_sites.parent / "public" / "index.html").read_text(encoding="utf-8")
                    .replace("</body>", PROBE + "</body>"), encoding="utf-8")

    shown = render(page, width, tmp_path / "profile")

    assert shown["title"] == "Tin KH&CN các tỉnh"
    assert shown["heading"] == ["Tin KH&CN các tỉnh"]
    assert shown["sections"] == ["Nguồn tin (2)", "Chủ đề", "Tin mới nhất"]
    assert shown["sources"] == ["Sở KH&CN Thử Nghiệm", "Sở KH&CN Lân Cận"]
    assert shown["feedLinks"] == [["RSS", "Atom", "JSON Feed"]] * 2
    assert shown["latest"] == ["Tập huấn an toàn thông tin cho cán bộ năm 2025",
                               "Tổng kết chương trình nâng cao năng suất chất lượng",
                               "Hội thảo chuyển đổi số trong hoạt động khoa học và công nghệ",
                               "Hội thảo chuyển đổi số trong hoạt động khoa học và công nghệ",
                               "Kiểm tra đo lường tại các cửa hàng xăng dầu"]
    assert shown["headerRowShown"] is table_header  # on a phone the table becomes stacked cards
    assert shown["bodyFontPx"] >= 15 and shown["headingFontPx"] > shown["bodyFontPx"] * 1.5
    assert shown["pageWidth"] <= shown["viewport"], "nothing sticks out sideways"
