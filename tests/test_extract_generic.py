"""The generic path on shapes the held-out sites (Liferay 6.2, Joomla 3) showed it, each on a small page.

Written after the held-out pages were measured: a portal that prints the title in a block marked
as a header and lists other articles under a class named "title-list"; a CMS that keeps the photo
beside the body and draws its caption from the image's `title` with a script.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from crawler.extract.article import extract_article

VN = ZoneInfo("Asia/Ho_Chi_Minh")

URL = "http://sokhcn.example.gov.vn/web/guest/tin-tuc/-/content/hoi-nghi"
SITE = "Sở Khoa học và Công nghệ tỉnh Quảng Trị"
TITLE = "Hội nghị phổ biến chính sách hỗ trợ doanh nghiệp khoa học và công nghệ"
LEAD = ("Sáng ngày 12/3/2024, tại thành phố Đông Hà, Sở Khoa học và Công nghệ tổ chức Hội nghị phổ biến "
        "chính sách hỗ trợ doanh nghiệp khoa học và công nghệ năm 2024.")
P2 = ("Tại Hội nghị, đại diện Phòng Quản lý Công nghệ đã giới thiệu điều kiện, hồ sơ, trình tự cấp Giấy "
      "chứng nhận doanh nghiệp khoa học và công nghệ và các ưu đãi mà doanh nghiệp được hưởng.")
P3 = ("Hiện nay, toàn tỉnh có 7 doanh nghiệp được cấp Giấy chứng nhận doanh nghiệp khoa học và công nghệ, "
      "chủ yếu hoạt động trong lĩnh vực chế biến nông sản và dược liệu.")
BODY = f"<p>{LEAD}</p><p>{P2}</p><p>{P3}</p>"
OTHERS = ("<section><h2>Các tin khác</h2><ul class='title-list'>"
          "<li><a href='/tin/lua-huu-co'>Nghiệm thu mô hình sản xuất lúa hữu cơ tại huyện Triệu Phong</a>"
          " <span>(22/04/2025)</span></li>"
          "<li><a href='/tin/toa-dam'>Tọa đàm phát triển tài sản trí tuệ cho sản phẩm OCOP</a>"
          " <span>(24/04/2023)</span></li></ul></section>")


def liferay(title: str = TITLE, dateline: str = "Cập nhật ngày: 12/03/2024 | 14:20") -> str:
    """A portal page: banner with the site's name, the title in a `taglib-header`, other articles after."""
    return (f"<html><head><title>{title} - Tin tức - {SITE}</title></head><body>"
            f"<header id='banner'><span class='clock'>Thứ Hai, 23/11/2026</span>"
            f"<h1 class='site-title'>{SITE.upper()}</h1></header>"
            f"<div class='portlet-body'>"
            f"<div class='taglib-header'><h3 class='header-title'>{title}</h3></div>"
            f"<div class='journal-content-article'><div class='ngay-cap-nhat'>{dateline}</div>"
            f"<div class='noi-dung'>{BODY}</div></div></div>{OTHERS}</body></html>")


def test_the_title_printed_in_a_header_block_is_the_title() -> None:
    article = extract_article(liferay(), URL)
    assert (article.title, article.paths["title"]) == (TITLE, "generic:heading")
    assert article.published.isoformat() == "2024-03-12T14:20:00+07:00"


def test_a_list_of_other_titles_is_never_the_title() -> None:
    html = liferay().replace(f"<h3 class='header-title'>{TITLE}</h3>", "").replace(
        f"<title>{TITLE} - Tin tức - {SITE}</title>", f"<title>{TITLE}</title>")
    article = extract_article(html, URL)
    assert (article.title, article.paths["title"]) == (TITLE, "generic:title-tag")


def test_the_site_name_in_the_banner_is_not_the_title_though_the_page_title_ends_with_it() -> None:
    """"Sở hữu trí tuệ" in the title keeps the site's name on `<title>`: its end is the banner's text."""
    title = "Tọa đàm phát triển tài sản trí tuệ hưởng ứng Ngày Sở hữu trí tuệ thế giới 26/4/2023"
    article = extract_article(liferay(title, "Ngày cập nhật 24/04/2023"), URL)
    assert article.title == title
    assert article.published.isoformat() == "2023-04-24T00:00:00+07:00"


JOOMLA_URL = "http://khcn.example.gov.vn/index.php/tin-tuc/1587-huou"
JOOMLA_PHOTO = "http://khcn.example.gov.vn/images/tin-tuc/huou-sao.jpg"
CAPTION = "Mô hình nuôi hươu sao của hộ ông Nguyễn Văn Sửu ở xã Sơn Trường"


def joomla(picture: str, body: str = BODY) -> str:
    return (f"<html><head><title>{TITLE}</title></head><body><main><div class='item-page'>"
            f"<div class='page-header'><h2 itemprop='headline'>{TITLE}</h2></div>"
            f"<dl class='article-info'><dd class='hits'>Lượt xem: 274</dd></dl>"
            f"{picture}<div itemprop='articleBody'>{body}</div></div></main></body></html>")


def test_the_photo_beside_the_body_comes_with_its_script_drawn_caption() -> None:
    picture = f"<div class='item-image'><img class='caption' title='{CAPTION}' src='{JOOMLA_PHOTO}'></div>"
    article = extract_article(joomla(picture), JOOMLA_URL)
    assert [(image.url, image.caption) for image in article.images] == [(JOOMLA_PHOTO, CAPTION)]
    assert (article.summary, article.paragraphs) == (LEAD, [P2, P3])
    assert f"<figcaption>{CAPTION}</figcaption>" in article.body_html


def test_an_image_title_is_a_caption_only_when_no_printed_caption_follows() -> None:
    photo = f"<p><img title='{CAPTION}' src='{JOOMLA_PHOTO}'></p>"
    printed = "<p><em>Ảnh: Hươu sao</em></p>"
    last = extract_article(joomla("", BODY + photo), JOOMLA_URL)
    followed = extract_article(joomla("", f"<p>{LEAD}</p>{photo}{printed}<p>{P2}</p>"), JOOMLA_URL)
    short = extract_article(joomla("", BODY + photo.replace(CAPTION, "Hươu sao")), JOOMLA_URL)
    assert [image.caption for image in last.images] == [CAPTION]
    assert [image.caption for image in followed.images] == ["Ảnh: Hươu sao"]
    assert [image.caption for image in short.images] == [""]


def test_a_box_of_other_articles_is_no_date_line() -> None:
    """Under the title, other articles with their dates: the search for a date line stops there."""
    html = liferay().replace("<div class='ngay-cap-nhat'>Cập nhật ngày: 12/03/2024 | 14:20</div>", OTHERS)
    listed = datetime(2024, 3, 12, 14, 20, tzinfo=VN)
    article = extract_article(html, URL, listing_date=listed)
    assert (article.published, article.date_source) == (listed, "listing")


def test_a_sidebar_of_dated_documents_is_no_date_line() -> None:
    """"Văn bản mới": titles of documents with their dates, in a column after a title with no date."""
    documents = ("<div class='portlet-column'><ul class='van-ban-moi'><li><a href='/van-ban/1462'>"
                 "Quyết định số 318/QĐ-SKHCN ngày 18/11/2026 về việc phê duyệt danh mục nhiệm vụ</a></li>"
                 "</ul></div>")
    html = (f"<html><head><title>{TITLE}</title></head><body><div class='col'><h1>{TITLE}</h1>"
            f"<div class='tools'>In bài viết</div></div>{documents}<div class='content'>{BODY}</div>"
            "</body></html>")
    assert extract_article(html, URL).date_source != "dateline"


def test_a_header_clock_is_never_the_date() -> None:
    clock = ("<header><div class='top-bar'><time datetime='2026-11-20T08:00'>Thứ Sáu, 20/11/2026</time>"
             "</div></header>")
    html = (f"<html><head><title>{TITLE} | {SITE}</title></head><body>{clock}<div id='main'>"
            f"<div class='post'><time datetime='2024-03-12T14:20:00+07:00'>12/03/2024</time>{BODY}</div>"
            f"</div></body></html>")
    assert extract_article(html, URL).published.isoformat() == "2024-03-12T14:20:00+07:00"


def test_the_modification_time_a_page_states_is_kept_and_one_before_publication_is_not() -> None:
    """article:modified_time (or JSON-LD dateModified) becomes the entry's `updated`."""
    def page(modified: str) -> str:
        return (f"<html><head><title>{TITLE}</title>"
                f"<meta property='article:published_time' content='2024-03-12T14:20:00+07:00'>"
                f"<meta property='article:modified_time' content='{modified}'></head>"
                f"<body><h1>{TITLE}</h1><div class='content'>{BODY}</div></body></html>")

    assert extract_article(page("2024-03-13T09:05:00+07:00"), URL).modified == datetime(
        2024, 3, 13, 9, 5, tzinfo=VN)
    assert extract_article(page("2020-01-01T00:00:00+07:00"), URL).modified is None


def section_page(page_title: str, heading: str, article_title: str) -> str:
    """A portal whose <title> and first heading name the section; the article's own title is a bold line."""
    return (f"<html><head><title>{page_title}</title>"
            f"<meta property='og:title' content='{page_title}'></head><body>"
            f"<div class='breadcrumb'><a href='/'>Trang chủ</a> » <a href='/tin-tuc'>{heading}</a></div>"
            f"<h1>{heading}</h1><div class='news-view'>"
            f"<p><b>{article_title}</b></p><p>Ngày 12/03/2024</p>{BODY}</div></body></html>")


def test_a_heading_that_names_the_page_or_its_section_is_never_the_title() -> None:
    for page_title, heading in [("Chi tiết tin", "Chi tiết tin"), ("Tin hoạt động", "Tin hoạt động"),
                                ("Chi tiết bài viết | " + SITE, "Tin tức - Sự kiện"), ("News", "Article")]:
        article = extract_article(section_page(page_title, heading, TITLE), URL, listing_title=TITLE)
        assert article.title == TITLE, (page_title, heading)
        assert article.paths["title"] in ("generic:heading", "generic:listing")
        assert heading not in article.body_text or heading == "Article"


def test_the_listing_link_text_picks_the_heading_even_when_cut_short() -> None:
    page = (f"<html><head><title>Chi tiết tin</title></head><body><h1>Chi tiết tin</h1>"
            f"<div class='tin'><h2>Tin mới nhất trong tuần của Sở</h2><h3>{TITLE}</h3>"
            f"<p>Ngày 12/03/2024</p>{BODY}</div></body></html>")
    article = extract_article(page, URL, listing_title=TITLE[:40] + "...")
    assert article.title == TITLE and article.paths["title"] == "generic:heading"


CARDS = "".join(f"<div class='card'><a href='/tin/{n}'>{title}</a><p>{teaser}</p></div>"
                for n, title, teaser in [
    (1, "Chương trình hỗ trợ đổi mới công nghệ năm 2025",
     "Doanh nghiệp được hỗ trợ đến 30% kinh phí mua sắm thiết bị, chuyển giao công nghệ."),
    (2, "Chương trình phát triển tài sản trí tuệ của tỉnh",
     "Hỗ trợ đăng ký nhãn hiệu, chỉ dẫn địa lý cho sản phẩm đặc sản của các địa phương."),
    (3, "Chương trình hỗ trợ khởi nghiệp đổi mới sáng tạo",
     "Dành cho các nhóm khởi nghiệp có sản phẩm mẫu, được ươm tạo tại trung tâm của tỉnh."),
])


def test_an_article_with_teaser_cards_is_still_an_article() -> None:
    # a list-style article: the cards between its paragraphs are its text
    listed = extract_article(f"<html><body><h1>{TITLE}</h1><p>Ngày 12/03/2024</p><div class='news-view'>"
                             f"<p>{LEAD}</p><p>{P2}</p>{CARDS}<p>{P3}</p></div></body></html>", URL)
    assert "Chương trình phát triển tài sản trí tuệ của tỉnh" in listed.body_text
    # previous, next and related stories after the text are not
    related = extract_article(f"<html><body><h1>{TITLE}</h1><p>Ngày 12/03/2024</p><div class='news-view'>"
                              f"{BODY}{CARDS}</div></body></html>", URL)
    assert related.paragraphs[-1] == P3 and "Chương trình" not in related.body_text


def test_a_short_article_under_a_longer_list_of_related_cards_is_still_an_article() -> None:
    """More card text than prose, but every card after the prose (and only the post's tag line
    after them): a related-stories list under a short article, not a listing's introduction."""
    many = "".join(CARDS for _ in range(3))
    tags = "<p>Tags: <a href='/tag/a'>doanh nghiệp khoa học</a>, <a href='/tag/b'>chính sách hỗ trợ</a></p>"
    more = BODY.replace("<p>", "<p>Thêm: ")
    article = extract_article(f"<html><body><h1>{TITLE}</h1><p>Ngày 12/03/2024</p><div class='news-view'>"
                              f"{BODY}{more}{many}{tags}</div></body></html>", URL)
    assert P3 in article.body_text and "Chương trình" not in article.body_text
