"""Every URL that reaches an article agrees on one canonical form; print views lead back or away."""

from __future__ import annotations

import pytest

from crawler.canonical import article_for_print_view, canonical_url, trusted_canonical
from crawler.families import FAMILIES

ASPNET = FAMILIES["aspnet-portal"].keep_params
SHAREPOINT = FAMILIES["sharepoint"].keep_params
DRUPAL = FAMILIES["drupal"].keep_params

SAME_ARTICLE = {
    "parameters in another order (ASP.NET ignores order)": (
        ["http://skhcn.dienbien.gov.vn/Default.aspx?pid=57&nid=1047",
         "http://skhcn.dienbien.gov.vn/Default.aspx?nid=1047&pid=57"], ASPNET),
    "paging, session and tracking parameters dropped": (
        ["http://skhcn.dienbien.gov.vn/Default.aspx?pid=57&nid=1047",
         "http://skhcn.dienbien.gov.vn/Default.aspx?pid=57&nid=1047&p=3&sid=8f2a&utm_source=zalo"], ASPNET),
    "SharePoint: parameter names without case, Source= return link dropped": (
        ["http://sokhcn.hoabinh.gov.vn/Lists/TinTuc/View_Detail.aspx?ItemID=431",
         "http://sokhcn.hoabinh.gov.vn/Lists/TinTuc/View_Detail.aspx?itemid=431&Source=%2FLists%2FTinTuc"],
        SHAREPOINT),
    "path percent-encoded once, twice, or not at all": (
        ["http://khcncaobang.gov.vn/tin-tuc/h%E1%BB%99i-th%E1%BA%A3o-962.html",
         "http://khcncaobang.gov.vn/tin-tuc/h%25E1%25BB%2599i-th%25E1%25BA%25A3o-962.html",
         "http://khcncaobang.gov.vn/tin-tuc/hội-thảo-962.html",
         "http://khcncaobang.gov.vn/tin-tuc/h%e1%bb%99i-th%e1%ba%a3o-962.html"], None),
    "host case, default port and fragment": (
        ["http://sokhcn.langson.gov.vn/node/1587",
         "http://SOKHCN.langson.gov.vn:80/node/1587#comments"], DRUPAL),
    "cookieless ASP.NET session in the path": (
        ["http://skhcn.kontum.gov.vn/tin-tuc/ca-phe.html",
         "http://skhcn.kontum.gov.vn/(S(x3kq0tq2bd1ymv55))/tin-tuc/ca-phe.html"], None),
    "Drupal keeps no parameters": (
        ["http://sokhcn.langson.gov.vn/index.php/trao-doi-hoc-tap-kinh-nghiem",
         "http://sokhcn.langson.gov.vn/index.php/trao-doi-hoc-tap-kinh-nghiem?page=1&fbclid=IwAR0"], DRUPAL),
}


@pytest.mark.parametrize("case", SAME_ARTICLE, ids=list(SAME_ARTICLE))
def test_variants_of_one_article_url_share_a_canonical_form(case: str) -> None:
    urls, keep = SAME_ARTICLE[case]
    assert len({canonical_url(url, keep) for url in urls}) == 1


def test_identifying_parameters_keep_articles_apart() -> None:
    first = canonical_url("http://skhcn.dienbien.gov.vn/Default.aspx?pid=57&nid=1047", ASPNET)
    second = canonical_url("http://skhcn.dienbien.gov.vn/Default.aspx?pid=57&nid=1052", ASPNET)
    assert first != second
    assert first == "http://skhcn.dienbien.gov.vn/Default.aspx?nid=1047&pid=57"
    generic = canonical_url("http://dost-bentre.gov.vn/tin-tuc.aspx?id=12&cat=4&gclid=abc")
    assert generic == "http://dost-bentre.gov.vn/tin-tuc.aspx?cat=4&id=12"


@pytest.mark.parametrize(("view", "article"), [
    ("http://sokhcn.langson.gov.vn/bm/print/1587", "http://sokhcn.langson.gov.vn/node/1587"),
    ("http://sokhcn.langson.gov.vn/printpdf/1587", "http://sokhcn.langson.gov.vn/node/1587"),
    ("http://sokhcn.langson.gov.vn/print/1355", "http://sokhcn.langson.gov.vn/node/1355"),
    ("http://skhcn.kontum.gov.vn/PrintNews.aspx?id=1375", None),
    ("http://skhcn.binhdinh.gov.vn/tin-tuc/hoi-thao.html?print=1", None),
    ("http://sokhcn.langson.gov.vn/index.php/trao-doi-hoc-tap-kinh-nghiem",
     "http://sokhcn.langson.gov.vn/index.php/trao-doi-hoc-tap-kinh-nghiem"),
])
def test_print_views_lead_to_their_article_or_are_skipped(view: str, article: str | None) -> None:
    assert article_for_print_view(view) == article


LISTING = ["http://sokhcn.langson.gov.vn/index.php/tin-tuc-su-kien"]
PAGE = "http://sokhcn.langson.gov.vn/node/1587"


@pytest.mark.parametrize(("canonical", "trusted"), [
    ("http://sokhcn.langson.gov.vn/index.php/trao-doi-hoc-tap-kinh-nghiem", True),
    ("http://other-site.gov.vn/index.php/trao-doi-hoc-tap-kinh-nghiem", False),
    ("http://sokhcn.langson.gov.vn/", False),
    ("http://sokhcn.langson.gov.vn/index.php/tin-tuc-su-kien", False),
    ("http://sokhcn.langson.gov.vn/bm/print/1587", False),
    (None, False),
])
def test_rel_canonical_is_believed_only_when_it_names_an_article_on_the_site(
        canonical: str | None, trusted: bool) -> None:
    assert trusted_canonical(canonical, PAGE, LISTING) == (canonical if trusted else None)
