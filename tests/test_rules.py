"""Every cleaning rule with an example of the noise it removes (a rule without one fails here).

Each example is checked twice: the rule alone removes it (the engine applies the rule as
data), and the whole extractor, given an article with that noise inside its container, keeps
every paragraph of the article and none of the noise.
"""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from crawler.extract.article import SiteRules, extract_article
from crawler.extract.clean import chrome_rule, prune
from crawler.extract.page import parse_page, to_soup
from crawler.extract.rules import RULES, Rule

TITLE = "Hội nghị tổng kết công tác khoa học và công nghệ năm 2024"
PARAGRAPHS = [
    "Ngày 09/01/2025, Sở Khoa học và Công nghệ tổ chức Hội nghị tổng kết công tác năm 2024, "
    "triển khai nhiệm vụ năm 2025 với sự tham dự của lãnh đạo các sở, ngành.",
    "Năm 2024, Sở đã tham mưu ban hành 12 văn bản, triển khai 27 nhiệm vụ khoa học và công nghệ "
    "cấp tỉnh, nghiệm thu 08 nhiệm vụ và chuyển giao kết quả cho các đơn vị ứng dụng.",
    "Nhân dịp này, Sở đã khen thưởng các tập thể, cá nhân có thành tích xuất sắc trong năm./.",
]

# rule name -> (the noise as a page prints it, a string of it that must not survive)
EXAMPLES: dict[str, tuple[str, str]] = {
    "code": ("<script>var luotXem = 1204;</script><style>.x{color:red}</style>", "luotXem"),
    "comments": ("<!--[if gte vml 1]>\n<v:shape alt='x'>\n</v:shape><![endif]-->", "gte vml"),  # over lines
    "word-debris": ("<xml><w:WordDocument>Normal 0 false false false</w:WordDocument></xml>"
                    "<p class=\"MsoNormal\"><o:p>&nbsp;</o:p></p>", "Normal 0 false"),
    "file-path-alt": ('<p><img src="/f/IMG_4774.JPG" alt="Description: C:\\Users\\Tu\\IMG_4774.JPG"></p>',
                      "C:\\Users"),
    "hidden": ('<div style="display:none">Nội dung ẩn dành cho máy tìm kiếm</div>', "Nội dung ẩn"),
    "form-controls": ("<select><option>-- Chọn liên kết website --</option></select>", "Chọn liên kết"),
    "navigation": ('<ul class="menu"><li><a href="/">Trang chủ</a></li><li><a href="/gt">Giới thiệu chung</a>'
                   "</li></ul>", "Giới thiệu chung"),
    "skip-link": ('<div id="skip-link"><a href="#main-content">Skip to main content</a></div>', "Skip to"),
    "site-header": ('<div id="header"><div class="site-name">Cổng thông tin điện tử Sở KH&amp;CN</div></div>',
                    "Cổng thông tin điện tử"),
    "footer": ('<div id="footer"><p>Địa chỉ: Số 02, đường Lê Lợi</p></div>', "đường Lê Lợi"),
    "sidebar": ("<aside><h2>Liên kết website</h2><p>Bộ Khoa học và Công nghệ</p></aside>", "Liên kết"),
    "toolbar": ('<div class="tienich"><a href="#">Chế độ ban đêm</a> <a href="#">Xuất PDF</a></div>',
                "Chế độ ban đêm"),
    "share": ('<div class="fb-like" data-href="x">Thích 12 Chia sẻ</div>', "Thích 12"),
    "rating": ('<div class="rating">Click để đánh giá bài viết</div>', "Click để đánh giá"),
    "comment-box": ('<div class="comments"><p>Chưa có ý kiến nào. Hãy là người đầu tiên!</p></div>',
                    "người đầu tiên"),
    "related": ('<div class="related"><ul><li><a href="/a">Hội nghị sơ kết 6 tháng đầu năm của Sở</a></li>'
                "</ul></div>", "sơ kết 6 tháng"),
    "counter": ('<ul class="thongke"><li>Đang online: <strong>23</strong></li></ul>', "Đang online"),
    "widget": ('<div class="weather"><span>Cao Bằng</span> 17°C Mây cụm</div>', "Mây cụm"),
    "skip-text": ("<p>Skip to main content</p>", "Skip to"),
    "slogan": ("<p>MỪNG ĐẢNG, MỪNG XUÂN NHÂM DẦN 2022!</p>", "MỪNG XUÂN"),
    "site-name": ("<p><strong>SỞ KHOA HỌC VÀ CÔNG NGHỆ THÀNH PHỐ CẦN THƠ</strong></p>", "CẦN THƠ"),
    "welcome": ("<p>Chào mừng bạn đến với Cổng thông tin điện tử Sở Khoa học và Công nghệ tỉnh Điện Biên</p>",
                "Chào mừng"),
    "reading-toolbar": ("<p>Xem với cở chữ : A- A A+</p>", "cở chữ"),
    "page-type": ("<p><strong>Chi tiết tin</strong></p>", "Chi tiết tin"),
    "dateline": ("<p>Thứ sáu - 12/08/2022 08:29 415 0</p>", "415 0"),
    "view-count": ("<p>Lượt xem: 442</p>", "Lượt xem"),
    "rating-text": ("<p>Tổng số điểm của bài viết là: 0 trong 0 đánh giá</p>", "Tổng số điểm"),
    "comment-heading": ("<p>Ý kiến bạn đọc</p><p>Chưa có ý kiến nào. Hãy là người đầu tiên!</p>",
                        "người đầu tiên"),
    "captcha": ("<p>Mã xác thực không đúng.</p>", "Mã xác thực"),
    "related-heading": ("<p><strong>Tin liên quan</strong></p>"
                        "<p>Hội nghị sơ kết công tác 6 tháng năm 2024 (05/07/2024)</p>", "sơ kết công tác"),
    "visitor-counter": ("<p>Đang truy cập56 Hôm nay3,102 Tổng lượt truy cập2,829,628</p>", "truy cập"),
    "advert-label": ("<p>Advertisement</p>", "Advertisement"),
    "read-more": ("<p>READ MORE</p>", "READ MORE"),
    "gallery-counter": ("<p>Image 3 of 8</p>", "3 of 8"),
    "subscribe": ("<p>SUBSCRIBE</p>", "SUBSCRIBE"),
    "tags-line": ("<p>Từ khóa: <a href='/tag/nhan-hieu'>nhãn hiệu</a>, <a href='/tag/shtt'>trí tuệ</a></p>",
                  "nhãn hiệu"),
    "url-line": ("<p>https://sokhcn.example.gov.vn/tin-tuc/hoi-thao-123.html</p>", "hoi-thao-123"),
    "search-text": ("<p>Nhập từ khóa...Tìm kiếm</p>", "Nhập từ khóa"),
    "breadcrumb-text": ("<p>Trang chủ » Tin tức - Sự kiện</p>", "Trang chủ"),
    "cookie-text": ("<p>Trang web này sử dụng cookie để cải thiện trải nghiệm của bạn. Đồng ý</p>", "cookie"),
    "word-path-text": ("<p>Description: C:\\Users\\Tinh Tu Computer\\IMG_4774.JPG</p>", "Description"),
    "table-residue": ("<p>| &nbsp; |</p>", "|"),
}


def article_with(noise: str, at_end: bool = False) -> str:
    """An article page with the noise inside its container, mid-text (or after it, for sections)."""
    first, *rest = [f"<p>{text}</p>" for text in PARAGRAPHS]
    inner = first + "".join(rest) + noise if at_end else first + noise + "".join(rest)
    return (f"<html><head><title>{TITLE}</title></head><body><h1>{TITLE}</h1>"
            f'<div class="noidung">{inner}</div></body></html>')


def test_every_rule_has_a_name_a_reason_and_exactly_one_kind() -> None:
    for rule in RULES:
        kinds = [rule.selector, rule.text, rule.comment, rule.attribute]
        assert rule.name and rule.reason and sum(kind is not None for kind in kinds) == 1, rule.name
    assert len({rule.name for rule in RULES}) == len(RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_the_rule_alone_removes_its_example(rule: Rule) -> None:
    noise, marker = EXAMPLES[rule.name]
    if rule.text is not None:
        first_line = BeautifulSoup(noise, "lxml").find("p").get_text(" ")
        assert chrome_rule(first_line, [rule]) is rule
        return
    page = parse_page(article_with(noise))
    assert marker in str(to_soup(page))
    prune(page, rules=[rule])
    assert marker not in str(to_soup(page))


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.name)
def test_the_extractor_keeps_the_article_and_drops_the_noise(rule: Rule) -> None:
    noise, marker = EXAMPLES[rule.name]
    article = extract_article(article_with(noise, at_end=rule.cut), "http://example.gov.vn/tin/1",
                              rules=SiteRules(body=(".noidung",)))
    assert article.paragraphs == PARAGRAPHS[1:] and article.summary == PARAGRAPHS[0]
    assert marker not in article.body_text and marker not in article.body_html


def test_rules_never_remove_prose_that_mentions_a_chrome_word() -> None:
    prose = ("Theo thống kê của Sở, lượt xem các bài viết về chuyển đổi số tăng mạnh; bạn đọc có thể "
             "gửi bình luận, góp ý qua Cổng thông tin điện tử của tỉnh.")
    assert chrome_rule(prose) is None
    assert chrome_rule("Đánh giá hiệu quả mô hình nuôi cá lồng trên lòng hồ thủy điện Sơn La") is None


def test_a_widget_class_on_the_article_container_does_not_remove_the_article() -> None:
    """A WordPress theme names its entry "entry themeform share": the share rule's class on a
    container of paragraphs is the article, while a share bar beside it still goes."""
    root = parse_page("<html><body><div class='entry share'>" + "".join(f"<p>{p} {p}</p>" for p in PARAGRAPHS)
                      + "</div><div class='share'><a href='#'>Facebook</a> <a href='#'>Zalo</a></div>"
                      + "<div class='sidebar'>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div>"
                      + "<p>" + "Tin khác. " * 200 + "</p></body></html>")
    prune(root)
    text = " ".join(root.itertext())
    assert all(p in text for p in PARAGRAPHS) and "Zalo" not in text
    assert text.count(PARAGRAPHS[0]) == 2  # the sidebar (no widget rule) goes, paragraphs or not
