"""`deptfeeds discover` and `preview` on the sample sites over HTTP: from a homepage to a source entry.

Every sample site has a homepage (its banner, menus and footer around the latest news, and
menu entries that lead nowhere, as real menus do); two of them announce a feed of their own.
Discover must find the listing that samples/deptfeeds.toml uses and the family the site runs
(the held-out Liferay and Joomla sites are configured without one, but discover names it; the
old Kon Tum table layout has none, and its zero-config entry must crawl all the same), print an
entry that crawls, add it to a commented config without losing a comment, and store nothing on
the way; preview must store nothing either.
"""

from __future__ import annotations

import json
import re
import shutil
import tomllib
from pathlib import Path

import pytest
from lxml import html as lxml_html

from crawler.discover import family_of, listing_candidates
from crawler.preview import Page
from deptfeeds.mirror import MirrorServer, serving
from tests.conftest import REPO, SAMPLES, run_cli

CONFIGURED = {source["id"]: source for source in
              tomllib.loads((SAMPLES / "deptfeeds.toml").read_text("utf-8"))["sources"]}
HOMEPAGES = {"langson": "http://sokhcn.langson.gov.vn/", "caobang": "http://khcncaobang.gov.vn/",
             "dienbien": "http://skhcn.dienbien.gov.vn/", "hoabinh": "http://sokhcn.hoabinh.gov.vn/",
             "kontum": "http://skhcn.kontum.gov.vn/", "bacgiang": "http://bacgiang.tcvn.gov.vn/",
             "quangtri": "http://sokhcn.quangtri.gov.vn/", "hatinh": "http://khcn.hatinh.gov.vn/"}
# bacgiang, quangtri and hatinh are configured zero-config in the samples, but they run WordPress,
# Liferay and Joomla and discover says so; kontum runs no CMS we know (its search box posting to
# an .aspx page on every page is no ASP.NET portal)
FAMILIES = {"langson": "drupal", "caobang": "nukeviet", "dienbien": "aspnet-portal", "hoabinh": "sharepoint",
            "kontum": None, "bacgiang": "wordpress", "quangtri": "liferay", "hatinh": "joomla"}
COMMENTED = """# Our departments. Keep this comment.
[store]
url = "sqlite:///data/deptfeeds.db"   # the store, beside this file

[[sources]]
id = "vidu"   # the first one
name = "Sở KH&CN Ví Dụ"
listing = ["http://sokhcn.vidu.gov.vn/tin-tuc/"]
"""


def entry_of(stdout: str) -> str:
    return stdout[stdout.index("[[sources]]"):]


@pytest.mark.parametrize("source_id", sorted(HOMEPAGES))
def test_discover_finds_the_configured_listing_and_family_from_the_homepage(
        source_id: str, tmp_path: Path, mirror: MirrorServer) -> None:
    result = run_cli("discover", HOMEPAGES[source_id], proxy=mirror, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "discover: reading" in result.stderr  # progress on stderr
    entry = tomllib.loads(entry_of(result.stdout))["sources"][0]
    assert entry["listing"] == CONFIGURED[source_id]["listing"]
    assert entry.get("family") == FAMILIES[source_id]
    assert not (tmp_path / "data").exists() and not list(tmp_path.iterdir())  # nothing stored anywhere

    # the printed entry crawls
    config = tmp_path / "deptfeeds.toml"
    config.write_text('[store]\nurl = "sqlite:///data/deptfeeds.db"\n[crawl]\ndelay = 0\n\n'
                      + entry_of(result.stdout), "utf-8")
    crawl = run_cli("crawl", "--config", str(config), proxy=mirror)
    assert crawl.returncode == 0, crawl.stderr[-2000:]
    assert re.search(rf"{entry['id']}\s+ok\s+\d+\s+([1-9]\d*)", crawl.stdout), crawl.stdout


def test_a_feed_the_site_publishes_is_said_first(mirror: MirrorServer) -> None:
    result = run_cli("discover", HOMEPAGES["bacgiang"], proxy=mirror)
    assert "feeds the site publishes already: http://bacgiang.tcvn.gov.vn/feed/" in result.stdout
    assert result.stdout.index("feeds the site publishes") < result.stdout.index("[[sources]]")


def test_discover_json_is_for_scripts(mirror: MirrorServer) -> None:
    result = run_cli("discover", "--json", HOMEPAGES["caobang"], proxy=mirror)
    found = json.loads(result.stdout)
    assert found["family"] == "nukeviet" and found["source"]["id"] == "caobang"
    assert found["best"]["links"] > 0 and all(a["title"] for a in found["best"]["articles"])
    assert found["entry"].startswith("[[sources]]")


def test_add_appends_the_entry_and_keeps_the_comments(tmp_path: Path, mirror: MirrorServer) -> None:
    config = tmp_path / "deptfeeds.toml"
    config.write_text(COMMENTED, "utf-8")
    added = run_cli("discover", "--add", "--config", str(config), HOMEPAGES["langson"], proxy=mirror)
    assert added.returncode == 0, added.stderr
    text = config.read_text("utf-8")
    assert text.startswith(COMMENTED)  # every comment and line as it was, the entry after
    assert [s["id"] for s in tomllib.loads(text)["sources"]] == ["vidu", "langson"]
    assert run_cli("sources", "--config", str(config)).returncode == 0

    again = run_cli("discover", "--add", "--config", str(config), HOMEPAGES["langson"], proxy=mirror)
    assert again.returncode == 1 and "already has a source with id 'langson'" in again.stderr
    assert config.read_text("utf-8") == text


def test_nothing_usable_exits_1_and_a_bad_address_2(tmp_path: Path) -> None:
    site = tmp_path / "sites" / "trong.example.gov.vn"
    site.mkdir(parents=True)
    (site / "index.html").write_text("<html><head><title>Trang trống</title></head><body>"
                                     "<p>Trang đang được xây dựng.</p></body></html>", "utf-8")
    with serving(tmp_path / "sites") as empty:
        nothing = run_cli("discover", "http://trong.example.gov.vn/", proxy=empty)
    assert nothing.returncode == 1 and "no listing page with articles found" in nothing.stdout
    assert run_cli("discover", "sokhcn.langson").returncode == 2


def test_preview_stores_nothing(tmp_path: Path, mirror: MirrorServer) -> None:
    config = tmp_path / "deptfeeds.toml"
    shutil.copy(SAMPLES / "deptfeeds.toml", config)
    public = tmp_path / "public"
    public.mkdir()
    (public / "langson.atom").write_text("<feed/>", "utf-8")
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    shown = run_cli("preview", "langson", "--config", str(config), proxy=mirror)
    assert shown.returncode == 0, shown.stderr
    assert "family: drupal" in shown.stdout and "chrome left: none" in shown.stdout
    as_json = json.loads(run_cli("preview", "langson", "--json", "--config", str(config),
                                 proxy=mirror).stdout)
    assert as_json["links"] > 0 and len(as_json["articles"]) == 3

    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before
    assert (public / "langson.atom").read_text("utf-8") == "<feed/>"


def test_a_site_without_news_menus_is_found_through_its_sitemap(tmp_path: Path) -> None:
    sites = tmp_path / "sites"
    site = sites / "sokhcn.vidu.gov.vn"
    shutil.copytree(REPO / "tests" / "fixtures" / "sites" / "sokhcn.vidu.gov.vn", site)
    (site / "index.html").write_text("<html><head><title>Sở KH&amp;CN Ví Dụ</title></head><body>"
                                     "<p>Chào mừng</p></body></html>", "utf-8")
    pages = ["/tin-tuc/hoi-thao-chuyen-doi-so-trong-nong-nghiep.html",
             "/tin-tuc/nghiem-thu-de-tai-giong-lua-chiu-han.html", "/tin-tuc/bai-cu.html", "/gioi-thieu"]
    (site / "sitemap.xml").write_text('<?xml version="1.0"?><urlset>' + "".join(
        f"<url><loc>http://sokhcn.vidu.gov.vn{p}</loc></url>" for p in pages) + "</urlset>", "utf-8")
    with serving(sites) as server:
        found = run_cli("discover", "http://sokhcn.vidu.gov.vn/", proxy=server)
    assert found.returncode == 0, found.stdout + found.stderr
    entry = tomllib.loads(entry_of(found.stdout))["sources"][0]
    assert entry["listing"] == ["http://sokhcn.vidu.gov.vn/tin-tuc/"]


def test_one_fingerprint_on_every_page_is_no_family() -> None:
    search_box = '<html><body><form action="/TimKiem.aspx"><input name="q"></form></body></html>'
    assert family_of([lxml_html.fromstring(search_box) for _ in range(3)]) == ("", 0)
    portal = ('<html><body><form action="./Default.aspx?pid=57">'
              '<input name="__VIEWSTATE"></form></body></html>')
    assert family_of([lxml_html.fromstring(portal)]) == ("aspnet-portal", 2)


def test_a_menu_parent_linking_nowhere_is_no_listing_candidate() -> None:
    menu = ('<html><body><ul><li><a href="#">Tin tức</a><ul><li><a href="/tin-tuc/hoat-dong/">'
            'Tin hoạt động</a></li></ul></li><li><a href="javascript:void(0)">Thông báo</a></li>'
            '<li><a href="/thong-bao/">Thông báo</a></li></ul></body></html>')
    page = Page("http://sokhcn.vidu.gov.vn/", menu, "text/html")
    assert listing_candidates(page, lxml_html.fromstring(menu)) == [
        "http://sokhcn.vidu.gov.vn/tin-tuc/hoat-dong/", "http://sokhcn.vidu.gov.vn/thong-bao/"]
