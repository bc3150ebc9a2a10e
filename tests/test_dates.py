"""Publication dates: every format and trap of FIELD_NOTES "Date traps", and the order of trust."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crawler.extract.article import SiteRules, extract_article
from crawler.extract.clean import chrome_rule
from crawler.extract.dates import find_dates, parse_date

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def vn(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=VN)


@pytest.mark.parametrize(("printed", "meant"), [
    ("16/01/2020", vn(2020, 1, 16)),
    ("16/5/2022", vn(2022, 5, 16)),
    ("16-01-2020", vn(2020, 1, 16)),
    ("18-5-2020", vn(2020, 5, 18)),
    ("02 - 03 - 2022", vn(2022, 3, 2)),
    ("16/ 11 /2018", vn(2018, 11, 16)),
    ("[13/08/2023 15:11]", vn(2023, 8, 13, 15, 11)),
    ("17/03/2023 : 00:03", vn(2023, 3, 17, 0, 3)),
    ("08:09 | 29-05-2024", vn(2024, 5, 29, 8, 9)),
    ("(01/08/2022 10:03 SA)", vn(2022, 8, 1, 10, 3)),
    ("(07/11/2023 03:45 CH)", vn(2023, 11, 7, 15, 45)),
    ("(10/01/2025 12:05 SA)", vn(2025, 1, 10, 0, 5)),
    ("ngày 07 tháng 11 năm 2023", vn(2023, 11, 7)),
    ("14 Tháng 3 2024 08:15", vn(2024, 3, 14, 8, 15)),                      # Joomla 3 in Vietnamese
    ("Ngày đăng: Thứ năm, 14 Tháng 3 2024 08:15", vn(2024, 3, 14, 8, 15)),
    ("Cập nhật lần cuối: Thứ hai, 19 Tháng 9 2022 07:58", vn(2022, 9, 19, 7, 58)),
    ("Thứ Ba, ngày 14/01/2020", vn(2020, 1, 14)),
    ("Thursday, May 26, 2022", vn(2022, 5, 26)),
    ("Posted on 26 May 2022 by bientap", vn(2022, 5, 26)),
    ("Thứ sáu - 12/08/2022 08:29 415 0", vn(2022, 8, 12, 8, 29)),
    ("Gửi bởi admin vào T6, 24/02/2023 - 15:11", vn(2023, 2, 24, 15, 11)),
    ("Ngày đăng: 17/05/2022 - 08:30", vn(2022, 5, 17, 8, 30)),
    ("Tin đăng ngày: 25/10/2019 - Xem: 544", vn(2019, 10, 25)),
    ("Ngày 22-01-2024 Lượt xem 53", vn(2024, 1, 22)),
    ("lúc 15h30 ngày 17/5/2022", vn(2022, 5, 17, 15, 30)),
    ("2024-05-17T10:35:00+07:00", vn(2024, 5, 17, 10, 35)),
    ("2022-05-26T07:20:00+00:00", vn(2022, 5, 26, 14, 20)),
])
def test_every_printed_form_is_read(printed: str, meant: datetime) -> None:
    assert parse_date(printed) == meant


@pytest.mark.parametrize("impossible", [
    "-0001-11-30 00:00:00",       # zero date of an empty database field
    "Tin đăng ngày: 11/8/20203",  # typo year
    "31/02/2020",                 # no such day
    "15/13/2021",                 # no such month
    "Ngày 04/3/1959",             # history, not a publication
    "1.284.377 lượt truy cập",    # a counter, not a date
])
def test_impossible_dates_are_rejected(impossible: str) -> None:
    assert parse_date(impossible) is None


def test_a_count_of_months_is_not_a_date() -> None:
    assert parse_date("Dự án thực hiện trong 24 tháng 3 đợt, từ năm 2022") is None


def test_a_joomla_article_info_line_is_chrome() -> None:
    for line in ("Ngày đăng: Thứ năm, 14 Tháng 3 2024 08:15", "Ngày tạo: Thứ năm, 15 Tháng 9 2022 16:47",
                 "Cập nhật lần cuối: Thứ hai, 19 Tháng 9 2022 07:58"):
        assert chrome_rule(line).name == "dateline", line


def test_a_date_in_the_future_is_rejected() -> None:
    next_year = datetime.now(VN) + timedelta(days=400)
    assert parse_date(next_year.strftime("%d/%m/%Y")) is None


def test_a_broken_structured_date_keeps_its_day_and_invents_no_time() -> None:
    found = find_dates("2023-06-22+0710:15:00")  # NukeViet's PHP format with a stray "T"
    assert [(f.value, f.has_time) for f in found] == [(vn(2023, 6, 22), False)]


def test_dates_are_found_in_reading_order_and_say_whether_a_time_was_printed() -> None:
    found = find_dates("Cập nhật 08:09 | 29-05-2024; sự kiện ngày 27/05/2024")
    assert [(f.value, f.has_time) for f in found] == [(vn(2024, 5, 29, 8, 9), True), (vn(2024, 5, 27), False)]


BODY = ("<p>Ngày 16/01/2020, Sở Khoa học và Công nghệ tổ chức hội nghị tổng kết hoạt động năm 2019, "
        "theo Luật Khoa học và Công nghệ ngày 18/6/2013, với sự tham dự của các sở, ngành.</p>"
        "<p>Hội nghị đã đánh giá kết quả, chỉ ra hạn chế và đề ra nhiệm vụ trọng tâm cho năm tới.</p>")


def page(*, meta: str = "", before_title: str = "", after_title: str = "",
         title: str = "Hội nghị tổng kết hoạt động khoa học và công nghệ năm 2019") -> str:
    return (f"<html><head><title>{title} | Sở KH&CN</title>{meta}</head><body>"
            f"<div class='clock'>{before_title}</div><h1>{title}</h1>{after_title}"
            f"<div class='content'>{BODY}</div></body></html>")


def published(html: str, **kwargs) -> tuple[datetime | None, str | None]:
    article = extract_article(html, "http://example.gov.vn/tin/1", **kwargs)
    return article.published, article.date_source


JSON_LD = ('<script type="application/ld+json">{"@type": "NewsArticle", '
           '"datePublished": "2020-01-17T09:42:00+07:00"}</script>')


@pytest.mark.parametrize(("html", "kwargs", "expected"), [
    (page(meta=JSON_LD, after_title="<p>Ngày đăng: 18/01/2020 - 10:00</p>"),
     {"listing_date": vn(2020, 1, 19)}, (vn(2020, 1, 17, 9, 42), "metadata")),
    (page(after_title="<time datetime='2020-01-17T09:42:00+07:00'>17/01</time><p>Cập nhật: 18/01/2020</p>"),
     {"listing_date": vn(2020, 1, 19)}, (vn(2020, 1, 17, 9, 42), "time")),
    (page(after_title="<p class='meta'>Cập nhật ngày 17/01/2020 09:42</p>"),
     {"listing_date": vn(2020, 1, 19)}, (vn(2020, 1, 17, 9, 42), "dateline")),
    (page(), {"listing_date": vn(2020, 1, 19)}, (vn(2020, 1, 19), "listing")),
    (page(), {}, (vn(2020, 1, 16), "body")),
], ids=["metadata-over-all", "time-over-dateline", "dateline-over-listing", "listing-over-body", "body-last"])
def test_date_sources_in_order_of_trust(html: str, kwargs: dict, expected: tuple) -> None:
    assert published(html, **kwargs) == expected


def test_a_site_selector_is_trusted_first() -> None:
    html = page(meta=JSON_LD, after_title="<span class='ngay'>20/01/2020 08:00</span>")
    assert published(html, rules=SiteRules(date=(".ngay",))) == (vn(2020, 1, 20, 8), "selector")


def test_a_header_clock_before_the_title_is_never_the_date() -> None:
    html = page(before_title="Thứ Hai, 23/11/2026 | 08:47")
    assert published(html, listing_date=vn(2020, 1, 17)) == (vn(2020, 1, 17), "listing")


def test_a_date_inside_the_title_is_never_the_date() -> None:
    html = page(title="Gặp mặt kỷ niệm Ngày Khoa học và Công nghệ Việt Nam 18/5/2024")
    assert published(html) == (vn(2020, 1, 16), "body")


def test_a_day_without_time_borrows_the_time_of_a_less_trusted_source_on_the_same_day() -> None:
    html = page(meta='<meta property="article:published_time" content="2020-01-17">',
                after_title="<p>Ngày đăng: 17/01/2020 - 09:42</p>")
    assert published(html) == (vn(2020, 1, 17, 9, 42), "metadata")


def test_utc_metadata_is_given_in_local_time() -> None:
    html = page(meta='<meta property="article:published_time" content="2022-05-26T07:20:00+00:00">')
    assert published(html) == (vn(2022, 5, 26, 14, 20), "metadata")
