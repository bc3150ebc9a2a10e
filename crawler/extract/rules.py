"""The noise table: named cleaning rules, each with the reason it exists.

Selector rules remove whole elements; text rules remove a short block whose entire text
matches. One small engine (clean.py) applies them; tests show each rule's noise going away.
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


def _t(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.I)


RULES: list[Rule] = [
    # Page furniture that is never inside an article.
    Rule("scripts", "code and styling are not content",
         selector="script, style, noscript, template, link, meta, iframe, object, embed, svg"),
    Rule("forms", "search boxes, comment and captcha forms", selector="input, select, textarea, button"),
    Rule("navigation", "menus and breadcrumbs", selector="nav, .breadcrumb, .breadcrumbs, [role=navigation], .menu, #menu"),
    Rule("skip-link", "accessibility jump links", selector="a[href^='#main'], a[href='#content'], .skip-link, #skip-link"),
    Rule("share", "share, print, e-mail and back links",
         selector=".share, .social, .sharedaddy, .print, .print-link, .addthis_toolbox"),
    Rule("comments", "reader comment blocks and their forms", selector="#comments, .comments, .comment-form"),
    Rule("related", "related and latest-news lists", selector=".related, .tin-lien-quan, .other-news"),
    # Short lines of chrome that sit inside the article container on these sites.
    Rule("skip-text", "skip link printed as text", text=_t(r"skip to main content|bỏ qua để tới nội dung chính")),
    Rule("reading-toolbar", "night mode, print, PDF, read-aloud and font size controls",
         text=_t(r"(chế độ ban đêm|in trang|xuất pdf|đọc nội dung|-?a\s*a\s*\+a|\s|kích cỡ chữ:?.*|xem với cở chữ.*|100%|quay lại|bản in)+")),
    Rule("rating", "star ratings and their empty counts",
         text=_t(r"đánh giá:?\s*(lượt đánh giá:?\s*,?\s*trung bình:?)?.*|tổng số điểm của bài viết là.*")),
    Rule("comment-captcha", "comment form labels and captcha messages",
         text=_t(r"bình luận|ý kiến bạn đọc|góp ý của bạn đọc|mã xác thực không đúng\.?|nhập mã bảo vệ|hình ảnh captcha")),
    Rule("related-heading", "headings of related-news lists",
         text=_t(r"tin liên quan|tin mới nhất|các tin khác|những tin mới hơn|những tin cũ hơn|bài viết liên quan")),
    Rule("visitor-counter", "visitor counters and online counts",
         text=_t(r"(thống kê truy cập|thống kê:?\s*[\d.,]+|online:?\s*\d+|\d+\s*người đang online"
                 r"|đang truy cập\s*[\d.,]+|hôm nay\s*[\d.,]+|tổng lượt truy cập\s*[\d.,]+|\s)+")),
    Rule("view-count", "view counters", text=_t(r"(lượt xem:?\s*[\d.,]+|[\d.,]+\s*lượt xem)")),
    Rule("word-path-alt", "Word-paste alt text that is a file path",
         text=_t(r"description:\s*[a-z]:\\.*")),
    Rule("table-residue", "pipes and dashes left from layout tables", text=_t(r"[|\-–—_.\s]*")),
]
