"""The noise table: named cleaning rules, each with the reason it exists.

Four kinds, applied by one small engine (clean.py):
- `selector`: remove every element it matches (never one that holds the article; `widget`:
  never one that holds paragraphs of prose, as a theme may name its entry "share");
- `text`: remove a short block whose whole text matches (`upper`: only when printed in
  capitals; `cut`: the line heads a trailing section, so everything after it goes too);
- `comment`: remove HTML comments that match (Word's conditional comments carry VML);
- `attribute`: blank an attribute whose value matches (alt text that is a file path).
tests/test_rules.py holds one example of the noise each rule removes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    name: str
    reason: str
    selector: str | None = None
    text: re.Pattern[str] | None = None
    upper: bool = False
    cut: bool = False
    comment: re.Pattern[str] | None = None
    attribute: tuple[str, re.Pattern[str]] | None = None
    widget: bool = False  # its selector names small widgets: a match holding prose is kept


def _t(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


# A date as these sites print it, for lines that are nothing but a date, a label and counters.
_DATE = (r"(?:\d{1,2}\s*[/.-]\s*\d{1,2}\s*[/.-]\s*\d{4}|\d{4}-\d{2}-\d{2}"
         r"|(?:ngày\s+)?\d{1,2}\s+tháng\s+\d{1,2}\s*,?\s+(?:năm\s+)?\d{4}|[a-z]+\s+\d{1,2},\s+\d{4})")
_TIME = r"\d{1,2}\s*[:hg]\s*\d{2}(?::\d{2})?(?:\s*(?:SA|CH|AM|PM))?"
_WEEKDAY = r"(?:thứ\s*(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s*nhật|t[2-7]|cn|[a-z]+day)"
_LABEL = (r"(?:ngày\s*đăng|ngày\s*cập\s*nhật|ngày\s*tạo|cập\s*nhật(?:\s*(?:ngày|lúc|lần\s*cuối))?"
          r"|đăng\s*(?:ngày|lúc)"
          r"|tin\s*đăng\s*ngày|ngày\s*ban\s*hành|ngày|thời\s*gian|hôm\s*nay|posted\s*on|published(?:\s*on)?"
          r"|(?:last\s*)?updated(?:\s*on)?"
          r"|gửi\s*bởi\s*.{1,40}?\s*vào|đăng\s*bởi\s*.{1,40}?\s*(?:vào|lúc|ngày))")
_COUNT = (r"(?:(?:lượt\s*xem|số\s*lượt\s*xem|lượt\s*đọc|xem|views?|bình\s*luận)\s*:?\s*[\d.,]+"
          r"|[\d.,]+\s*(?:lượt\s*xem|lượt\s*đọc|views?)|\d+)")
_N = r"\s*:?\s*[\d.,]+"  # a counter's number, glued to its label or not
_DATELINE = (rf"[\[(]?\s*(?:{_LABEL}\s*:?\s*)?(?:{_WEEKDAY}\s*[,-]?\s*)?(?:ngày\s*)?"
             rf"(?:{_TIME}\s*[|,-]?\s*(?:ngày\s*)?)?{_DATE}(?:\s*[-:|,]?\s*(?:lúc\s*)?{_TIME})?\s*[\])]?"
             rf"(?:\s*[-|/]?\s*{_COUNT})*")

RULES: list[Rule] = [
    # Markup that is never content.
    Rule("code", "scripts, styles and embedded objects are not text",
         selector="script, style, noscript, template, link, meta, iframe, object, embed, svg, canvas, map"),
    Rule("comments", "HTML comments, including Word's conditional comments that carry VML",
         comment=re.compile(r".*", re.S)),  # Word's VML spans lines
    Rule("word-debris", "Word-paste tags: <o:p>, VML shapes, smart tags",
         selector="o\\:p, v\\:shape, v\\:imagedata, v\\:shapetype, w\\:worddocument, xml, st1\\:place"),
    Rule("file-path-alt", "Word-paste alt text that is a path on the author's disk",
         attribute=("alt", _t(r"\s*(?:description:\s*)?(?:[a-z]:\\|file:|/users/|\\\\).*"))),
    Rule("hidden", "elements the page never shows",
         selector="[hidden], [style*='display:none'], [style*='display: none'], .element-invisible, "
                  ".element-hidden, .hidden, .sr-only, .visually-hidden, .ms-hide"),
    Rule("form-controls", "search boxes, comment and captcha forms",
         selector="input, select, textarea, button"),
    # Page furniture around the article.
    Rule("navigation", "menus, breadcrumbs and pagers",
         selector="nav, [role=navigation], .breadcrumb, .breadcrumbs, #breadcrumb, .menu, #menu, "
                  ".navbar, .main-menu, #main-menu, .pagination, .pager"),
    Rule("skip-link", "accessibility jump links", selector="#skip-link, .skip-link, a[href='#main-content']"),
    Rule("site-header", "site banners, logos and slogans",
         selector="header:not(:is(article, main) header), #header, .header, #banner, .banner, #site-slogan, "
                  ".slogan, marquee, #logo, .logo"),
    Rule("footer", "site footers with addresses and copyright", selector="footer, #footer, .footer"),
    Rule("sidebar", "side columns of widgets and other news",
         selector="aside, .sidebar, #sidebar, .region-sidebar-second"),
    Rule("toolbar", "reading toolbars: print, PDF, night mode, font size",
         selector=".tienich, .print, .print-link, .print-page, .print_html, .font-size, .textsize, "
                  ".toolbar, .tools", widget=True),
    Rule("share", "share, like, print and e-mail buttons",
         selector=".share, .social, .sharedaddy, .addthis_toolbox, .fb-like, .fb-share-button, "
                  ".zalo-share-button, .socialicon, .links.inline", widget=True),
    Rule("rating", "star ratings and their counts", selector=".rating, .news-rating, .star-rating, .rate",
         widget=True),
    Rule("comment-box", "reader comments, comment forms and captchas",
         selector="#comments, .comments, .comment-form, .fb-comments, .captcha, .binhluan"),
    Rule("related", "related, latest and other-news lists",
         selector=".related, .tin-lien-quan, .other-news, .news-other, .related-news, .jp-relatedposts"),
    Rule("counter", "visitor counters and view counts",
         selector=".counter, .thongke, .statistics, .view-count", widget=True),
    Rule("widget", "search boxes, weather, clocks, cookie banners and adverts",
         selector=".search, #search, .search-box, .weather, .clock, #cookie-notice, .cookie-banner, "
                  ".advertisement, .ads"),
    # Short lines of chrome printed inside the article container.
    Rule("skip-text", "skip link printed as text",
         text=_t(r"skip to (?:main )?content|bỏ qua (?:để )?(?:tới |đến )?nội dung chính")),
    Rule("slogan", "banner slogans that change with the political term",
         text=_t(r"(?:quyết tâm thực hiện thắng lợi nghị quyết|mừng đảng|mừng đất nước|chào mừng đại hội"
                 r"|khoa học, công nghệ và đổi mới sáng tạo\s*-\s*khơi dậy).{0,160}")),
    Rule("site-name", "the site's name printed in capitals as a header", upper=True,
         text=re.compile(r"(?:SỞ|CỔNG THÔNG TIN|UBND|ỦY BAN NHÂN DÂN|TRANG THÔNG TIN)[^a-zđ.]{0,120}")),
    Rule("welcome", "greeting banners", text=_t(r"chào mừng (?:bạn|quý vị) đến với .{0,120}")),
    Rule("reading-toolbar", "night mode, print, PDF, read-aloud and font size controls printed as text",
         text=_t(r"(?:chế độ ban đêm|in trang|xuất pdf|đọc nội dung|-?a\s*a\s*\+a|-?a\s*\+?a|"
                 r"kích cỡ chữ\s*:?(?:\s*a[+-]?\s*\|?)*|xem với c[ỡở] chữ\s*:?(?:\s*a[+-]?)*|cỡ chữ|100\s*%"
                 r"|quay lại|trở về|về đầu trang|lên đầu trang|bản in|in bài(?: viết)?|gửi email|e-?mail"
                 r"|chia sẻ|share|tweet|lưu bài(?: viết)?|[|\s])+")),
    Rule("dateline", "date lines with their labels and counters, kept as the date, never as text",
         text=_t(_DATELINE)),
    Rule("view-count", "view counters",
         text=_t(r"(?:số\s*)?lượt\s*(?:xem|đọc)" + _N + r"|[\d.,]+\s*lượt\s*(?:xem|đọc)")),
    Rule("rating-text", "star ratings and their empty counts",
         text=_t(r"đánh giá\s*:?\s*(?:lượt đánh giá\s*:?\s*,?\s*trung bình\s*:?)?[\s\d.,/]*"
                 r"|tổng số điểm của bài viết là.*|bình chọn.{0,40}")),
    Rule("comment-heading", "comment sections: their heading and everything below it", cut=True,
         text=_t(r"bình luận(?: bài viết)?|ý kiến bạn đọc|góp ý của bạn đọc|gửi (?:ý kiến|bình luận)"
                 r"|ý kiến của bạn|viết bình luận")),
    Rule("captcha", "captcha messages",
         text=_t(r"mã xác thực không đúng\.?|nhập mã (?:bảo vệ|xác nhận|xác thực)\s*:?|hình ảnh captcha"
                 r"|captcha")),
    Rule("related-heading", "related-news lists: their heading and everything below it", cut=True,
         text=_t(r"(?:các |những )?(?:tin|bài viết|bài) (?:liên quan|mới nhất|mới|khác|cùng chuyên mục"
                 r"|cùng loại|đã đưa|đọc nhiều|xem nhiều|nổi bật|tiêu điểm)\s*:?"
                 r"|những tin (?:mới hơn|cũ hơn)\s*:?|xem thêm|chuyên mục|danh mục"
                 r"|(?:related(?: stories| articles| posts| news| content)?|more (?:great |top )?stories"
                 r"|you (?:may|might) also like|recommended(?: for you)?"
                 r"|more (?:from|on|in) .{1,40}|trending(?: now)?|most (?:read|popular|viewed))\s*:?")),
    Rule("visitor-counter", "visitor counters and online counts",
         text=_t(r"(?:thống kê truy cập|thống kê" + _N + r"|(?:đang )?online" + _N
                 + r"|[\d.,]+\s*người đang online|đang (?:truy cập|online)" + _N + r"|hôm (?:nay|qua)" + _N
                 + r"|(?:tuần|tháng|năm) (?:này|trước|hiện tại)" + _N
                 + r"|(?:tổng (?:số )?)?lượt truy cập" + _N + r"|truy cập" + _N + r"|[\s|])+")),
    Rule("advert-label", "the label an advert slot prints when its advert is not loaded",
         text=_t(r"(?:advertisement|advertising|quảng cáo|sponsored(?: content)?|anzeige|werbung"
                 r"|publicité)\s*")),
    Rule("read-more", "a bare 'read more' line: a button, or the heading of a box of links mid-article",
         text=_t(r"(?:read (?:more|next|also)|đọc (?:thêm|tiếp))\s*:?\s*[»›>]*")),
    Rule("gallery-counter", "slideshow counters", text=_t(r"(?:image|photo|picture|slide|ảnh|hình)\s*\d+"
                                                           r"\s*(?:of|/|trên|trong số)\s*\d+")),
    Rule("subscribe", "newsletter and subscription calls",
         text=_t(r"(?:subscribe|sign up|đăng ký nhận (?:tin|bản tin))(?: now| today| here)?\W*"
                 r"|(?:subscribe|sign up) (?:to|for) (?:our|the) .{0,60}"
                 r"|get (?:our|the) .{0,40}newsletter.{0,60}")),
    Rule("tags-line", "the post's tag links printed as a line under the text",
         text=_t(r"(?:từ khóa|từ khoá|thẻ|tags?|keywords?|schlagwörter|schlagworte)\s*:.{0,160}")),
    Rule("url-line", "the page's own address printed as a line", text=_t(r"(?:url|link)?\s*:?\s*https?://\S+")),
    Rule("search-text", "search box labels and weather widget leftovers",
         text=_t(r"nhập từ khóa.{0,20}|tìm kiếm\.*|°\s*c?|\d+\s*°\s*c?")),
    Rule("breadcrumb-text", "breadcrumbs printed as text", text=_t(r"trang chủ\s*[»>/|›].{0,160}")),
    Rule("cookie-text", "cookie banners", text=_t(r".{0,80}(?:sử dụng cookie|uses cookies).{0,160}")),
    Rule("word-path-text", "Word-paste alt text printed as text", text=_t(r"description:\s*[a-z]:\\.*")),
    Rule("table-residue", "pipes, dashes and dots left from layout tables", text=_t(r"[|\-–—_.·•*\s]*")),
]

# Headings that name the page or its section, never one article: "Chi tiết tin" (news detail)
# printed above the article, a section's name ("Tin tức - Sự kiện", "Thông báo") as its heading,
# a <title> that is only such a name. Never taken as the title; the `page-type` rule drops the
# unambiguous ones from the text too (a section's name may be a real sub-heading in a body).
PAGE_TYPE = _t(r"(?:nội dung |xem )?chi tiết"
               r"(?: (?:tin(?: tức| bài)?|bài(?: viết)?|thông báo|sự kiện|văn bản))?"
               r"|tin chi tiết|bài viết chi tiết|news details?|article details?|detail")
SECTION_NAME = _t(r"(?:tin(?: tức)?|thông tin)(?:\s*[-–&,/]?\s*(?:sự kiện|hoạt động|tổng hợp|nổi bật|mới|"
                  r"trong (?:tỉnh|nước)|địa phương|khoa học(?: và| &)? công nghệ|kh\s*&\s*cn|khcn))*"
                  r"|tin hoạt động(?: của sở)?|hoạt động(?: của sở| kh\s*&\s*cn| khcn)?|thông báo|sự kiện"
                  r"|bài viết|tin bài|trang chủ|news(?: (?:and|&) events)?|latest news|articles?"
                  r"|press releases?"
                  r"|blog|posts?|stories|home")
RULES.insert(RULES.index(next(r for r in RULES if r.name == "dateline")),
             Rule("page-type", "page-type headings printed above the article (\"Chi tiết tin\": news detail)",
                  text=PAGE_TYPE))

# Lines longer than this are prose even when they contain a chrome word.
MAX_CHROME_LINE = 200
