"""Small article pages and what a careful editor keeps of each: structure, bylines, bad input."""

from __future__ import annotations

import concurrent.futures

import pytest
from cssselect import HTMLTranslator

from crawler.extract.article import NoArticle, SiteRules, extract_article
from crawler.families import FAMILIES

URL = "http://sokhcn.example.gov.vn/tin-tuc/hoi-nghi-123.html"
TITLE = "Hội nghị chuyển giao kết quả nghiên cứu khoa học và công nghệ năm 2023"
LEAD = ("Sáng ngày 07/11/2023, Sở Khoa học và Công nghệ tổ chức Hội nghị chuyển giao kết quả "
        "nghiên cứu và phát triển công nghệ cho 11 đơn vị trên địa bàn tỉnh.")
P2 = ("Tại Hội nghị, Sở đã chuyển giao 09 kết quả nghiên cứu khoa học cấp tỉnh và 31 sản phẩm "
      "thuộc Chương trình khoa học và công nghệ phục vụ phát triển vùng Tây Bắc.")
P3 = ("Phát biểu tại Hội nghị, lãnh đạo UBND tỉnh đề nghị các đơn vị tiếp nhận sớm đưa kết quả "
      "nghiên cứu vào sản xuất, nhân rộng các mô hình hiệu quả./.")


HEADER = ("<div id='header'><div class='menu'><a href='/'>Trang chủ</a> "
          "<a href='/gt'>Giới thiệu</a></div></div>")
FOOTER = "<div id='footer'>Địa chỉ: Số 1 đường Lê Lợi. Điện thoại: 0215.3825.688</div>"


def page(body: str, head: str = "", wrapper: str = "div class='wrap'") -> str:
    """A department page: menu, title, the article container, footer, all inside one wrapper."""
    tag = wrapper.split()[0]
    return (f"<html><head><title>{TITLE} - Sở KH&CN</title>{head}</head><body><{wrapper}>{HEADER}"
            f"<h1>{TITLE}</h1><div class='news-content'>{body}</div>{FOOTER}</{tag}></body></html>")


def extract(html: str | bytes, **kwargs) -> object:
    return extract_article(html, URL, **kwargs)


BODY = f"<p>{LEAD}</p><p>{P2}</p><p>{P3}</p>"


def test_a_plain_article() -> None:
    article = extract(page(BODY))
    assert (article.title, article.summary, article.paragraphs) == (TITLE, LEAD, [P2, P3])
    assert article.body_html.startswith(f"<p>{LEAD}</p>")


@pytest.mark.parametrize("wrapper", ["form id='aspnetForm' method='post'", "div class='header'"])
def test_a_whole_page_wrapper_never_takes_the_article_with_it(wrapper: str) -> None:
    article = extract(page(BODY, wrapper=wrapper))
    assert (article.summary, article.paragraphs) == (LEAD, [P2, P3])
    assert "Giới thiệu" not in article.body_text


def test_the_title_printed_again_in_the_body_goes() -> None:
    article = extract(page(f"<h2>{TITLE}</h2>{BODY}"))
    assert article.paragraphs == [P2, P3] and TITLE not in article.body_text


def test_the_lead_printed_twice_opens_the_body_once() -> None:
    html = page(BODY).replace("</h1>", f"</h1><div class='sapo'><strong>{LEAD}</strong></div>")
    article = extract(html)
    assert article.summary == LEAD and article.body_text.count(LEAD) == 1
    assert article.body_html.startswith(f"<p><strong>{LEAD}</strong></p>")


def test_a_dateline_glued_to_the_lead_stays_in_it() -> None:
    lead = "(Cổng TTĐT ĐB)- " + LEAD
    assert extract(page(f"<p>{lead}</p><p>{P2}</p>")).summary == lead


def test_an_unclosed_embed_does_not_swallow_the_paragraphs_after_it() -> None:
    """libxml2 parses HTML 4 and nested everything after an <embed> inside it (then dropped as code)."""
    article = extract(page(f"<p>{LEAD}</p><p>{P2}</p><embed src='/media/clip.swf' width='480'><p>{P3}</p>"))
    assert article.paragraphs == [P2, P3]


@pytest.mark.parametrize("stray", ["</html></body>", "</body>", "</HTML >"])
def test_text_after_a_stray_end_of_page_tag_is_kept(stray: str) -> None:
    """Browsers ignore a </body> or </html> printed mid-page; libxml2 stopped reading there."""
    article = extract(page(f"<p>{LEAD}</p><p>{P2}{stray}<p>{P3}</p>"))
    assert article.paragraphs == [P2, P3]


def test_empty_and_nbsp_paragraphs_go() -> None:
    empty = "<p>&nbsp;</p><p> </p><p class='MsoNormal'><o:p></o:p></p>"
    article = extract(page(f"<p>{LEAD}</p>{empty}<p>{P2}</p>"))
    assert article.paragraphs == [P2]


def test_photos_get_absolute_urls_lazy_sources_and_their_captions() -> None:
    body = (f"<p>{LEAD}</p><p><img src='/themes/default/images/pix.gif' data-src='../uploads/a.jpg'></p>"
            "<p><em>Đồng chí Vừ A Bằng phát biểu chỉ đạo</em></p><p><em>tại Hội nghị</em></p>"
            f"<p><img src='/images/spacer.gif' width='1' height='1'></p><p>{P2}</p>"
            "<table><tr><td><img src='http://cdn.example.gov.vn/b.jpg'></td></tr>"
            "<tr><td>Ảnh: Các đại biểu tham quan mô hình</td></tr></table>")
    article = extract(page(body))
    assert [(i.url, i.caption) for i in article.images] == [
        ("http://sokhcn.example.gov.vn/uploads/a.jpg", "Đồng chí Vừ A Bằng phát biểu chỉ đạo tại Hội nghị"),
        ("http://cdn.example.gov.vn/b.jpg", "Ảnh: Các đại biểu tham quan mô hình"),
    ]
    assert article.paragraphs == [P2]
    assert '<figcaption>Ảnh: Các đại biểu tham quan mô hình</figcaption>' in article.body_html


@pytest.mark.parametrize(("closing", "author"), [
    ("<p style='text-align:right'><strong>Nguyễn Thị Nga</strong></p>"
     "<p style='text-align:right'><strong>Phòng Quản lý khoa học</strong></p>",
     "Nguyễn Thị Nga - Phòng Quản lý khoa học"),
    ("<p><strong>Nông Thị Huyền</strong><br>Phòng Quản lý chuyên ngành</p>",
     "Nông Thị Huyền - Phòng Quản lý chuyên ngành"),
    ("<p align='right'>Hoàng Thu Trang (Phòng Quản lý chuyên ngành)</p>",
     "Hoàng Thu Trang - Phòng Quản lý chuyên ngành"),
    ("<p align='right'><b>Trung tâm Thông tin và Ứng dụng TBKHCN</b></p>",
     "Trung tâm Thông tin và Ứng dụng TBKHCN"),
    ("<p>Tin, ảnh: Mai Anh</p>", "Mai Anh"),
])
def test_the_closing_byline_becomes_the_author_and_leaves_the_body(closing: str, author: str) -> None:
    article = extract(page(BODY + closing))
    assert (article.author, article.paragraphs) == (author, [P2, P3])


def test_a_source_line_is_content_not_an_author() -> None:
    article = extract(page(BODY + "<p>Nguồn tin: Cổng TTĐT tỉnh Lạng Sơn</p>"))
    assert article.author is None and article.paragraphs[-1] == "Nguồn tin: Cổng TTĐT tỉnh Lạng Sơn"


def test_a_labelled_byline_by_the_title_is_the_author() -> None:
    html = page(BODY).replace("</h1>", "</h1><p class='tacgia'>Bài, ảnh: Trần Văn Sơn</p>")
    assert extract(html).author == "Trần Văn Sơn"


@pytest.mark.parametrize("head", [
    '<meta name="author" content="admin">',
    '<script type="application/ld+json">{"@type": "NewsArticle", "author": {"name": "bientap"}}</script>',
])
def test_a_cms_account_is_never_the_author(head: str) -> None:
    html = page(BODY, head=head).replace("</h1>", "</h1><p>Gửi bởi admin vào T6, 24/02/2023 - 15:11</p>")
    assert extract(html).author is None


def test_the_configured_author_selector_wins_and_leaves_the_body() -> None:
    article = extract(page(BODY + "<p class='tg'>Lò Văn Minh</p>"), rules=SiteRules(author=(".tg",)))
    assert article.author == "Lò Văn Minh" and "Lò Văn Minh" not in article.body_text
    assert article.paths["author"] == "selector"


def test_paths_say_which_rule_produced_each_field() -> None:
    generic = extract(page(BODY)).paths
    configured = extract(page(BODY), rules=SiteRules(
        title=("h1",), body=(".news-content",), origins={"title": "family:drupal"})).paths
    assert (generic["title"], generic["body"]) == ("generic:heading", "generic:.news-content")
    assert (configured["title"], configured["body"]) == ("family:drupal", "selector")


def test_canonical_is_kept_only_on_the_same_site() -> None:
    same = page(BODY, head='<link rel="canonical" href="/tin-tuc/hoi-nghi-123.html">')
    other = page(BODY, head='<link rel="canonical" href="http://baodienbien.vn/hoi-nghi">')
    assert extract(same).canonical == URL and extract(other).canonical is None


NOT_ARTICLES = {
    "empty": b"",
    "binary": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Catalog>>\x00\x01\x02" * 50,
    "error page": "<html><head><title>404</title></head><body><h1>Không tìm thấy trang</h1></body></html>",
    "chrome only": page("<div class='counter'>Thống kê truy cập Online: 15</div><p>Lượt xem: 442</p>"),
    "listing": "<html><body><h1>Tin tức - Sự kiện</h1>" + "".join(
        f"<div class='item'><h3><a href='/tin-tuc/bai-{i}.html'>Hội nghị chuyển giao kết quả số {i}</a></h3>"
        f"<span>(0{i}/11/2023)</span><p>{LEAD}</p></div>" for i in range(1, 6)) + "</body></html>",
    "menu page": "<html><body><h1>Sơ đồ trang web của Sở Khoa học</h1><div>" + "".join(
        f"<p><a href='/muc-{i}'>Chuyên mục số {i} của cổng thông tin</a></p>" for i in range(30))
    + "</div></body></html>",
}


@pytest.mark.parametrize("html", NOT_ARTICLES.values(), ids=NOT_ARTICLES.keys())
def test_a_page_without_an_article_raises_no_article(html: str | bytes) -> None:
    with pytest.raises(NoArticle):
        extract(html)


PATHOLOGICAL = {
    "deep nesting": page("<div>" * 20000 + BODY + "</div>" * 20000),
    "unclosed tags": "<html><body><h1>" + TITLE + "<p><b><i><table><tr><td>" + LEAD * 3,
    "huge table": page(BODY + "<table>" + "<tr><td>ô</td><td>1</td></tr>" * 5000 + "</table>"),
    "many links": page(BODY + "".join(f"<a href='/{i}'>liên kết số {i}</a> " for i in range(5000))),
    "one huge paragraph": page(f"<p>{LEAD * 2000}</p>"),
    "too many elements": page(BODY + "<span>x</span>" * 120_000),
}


@pytest.mark.parametrize("html", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_a_page_that_breaks_the_parser_raises_no_article_or_returns_in_time(html: str) -> None:
    def attempt() -> str:
        try:
            return extract(html).title
        except NoArticle as exc:
            return f"no article: {exc}"

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(attempt).result(timeout=60)


def test_every_family_selector_is_one_lxml_runs() -> None:
    """Article pages are searched with lxml (cssselect's XPath): a selector it cannot translate
    would fail every page of the family."""
    fields = ("title", "date", "body", "author", "lead", "strip")
    selectors = [selector for family in FAMILIES.values() for field in fields
                 for selector in getattr(family, field)]
    assert selectors and all(HTMLTranslator().css_to_xpath(selector) for selector in selectors)
