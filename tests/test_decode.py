"""Decoding and text hygiene: legacy code pages, lying headers, decomposed Vietnamese, invisibles."""

from __future__ import annotations

import unicodedata

import pytest

from crawler.extract.article import extract_article
from crawler.extract.decode import decode_html
from crawler.extract.text import clean_text

TITLE = "Hội thảo khoa học bảo tồn và phát triển sâm Ngọc Linh"
LEAD = ("Ngày 16/11/2018, tại thành phố Kon Tum, Sở Khoa học và Công nghệ tỉnh Kon Tum phối hợp với "
        "Viện Dược liệu tổ chức hội thảo khoa học về bảo tồn và phát triển sâm Ngọc Linh.")


def page(charset_meta: str = "", title: str = TITLE, lead: str = LEAD) -> str:
    return (f"<html><head>{charset_meta}<title>{title}</title></head><body><h1>{title}</h1>"
            f"<div class='noi-dung'><p>{lead}</p><p>{lead}</p></div></body></html>")


TONES = "\u0300\u0301\u0303\u0309\u0323"


def windows_1258(text: str) -> bytes:
    """Bytes as an old Vietnamese site writes them: precomposed base letters, combining tones."""
    letters = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONES))
        letters.append(base + "".join(c for c in parts if c in TONES))
    return "".join(letters).encode("cp1258")


WIN1258_META = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">'


def test_windows_1258_declared_only_in_meta() -> None:
    body = windows_1258(page(WIN1258_META))
    article = extract_article(body, "http://skhcn.kontum.gov.vn/tin-tuc/a.html", content_type="text/html")
    assert (article.title, article.summary, article.encoding) == (TITLE, LEAD, "cp1258")


@pytest.mark.parametrize("header", ["text/html; charset=utf-8", "text/html; charset=iso-8859-1"])
def test_a_lying_http_charset_is_overruled_by_the_bytes(header: str) -> None:
    body = windows_1258(page(WIN1258_META))
    assert decode_html(body, header) == (page(WIN1258_META), "cp1258")


def test_windows_1258_mislabelled_as_western_is_recognised() -> None:
    meta = '<meta charset="iso-8859-1">'
    assert decode_html(windows_1258(page(meta)), None) == (page(meta), "cp1258")


def test_utf8_bytes_win_over_a_legacy_header() -> None:
    body = page().encode("utf-8")
    assert decode_html(body, "text/html; charset=windows-1258") == (page(), "utf-8")


def test_utf8_with_a_few_broken_bytes_stays_utf8() -> None:
    body = page().encode("utf-8").replace(b"Linh</h1>", b"Linh\xff</h1>")
    text, encoding = decode_html(body, None)
    assert encoding == "utf-8" and LEAD in text


def test_decomposed_input_comes_out_composed() -> None:
    decomposed = page(title=unicodedata.normalize("NFD", TITLE), lead=unicodedata.normalize("NFD", LEAD))
    assert decomposed != page()
    article = extract_article(decomposed.encode("utf-8"), "http://x.gov.vn/a")
    assert (article.title, article.summary) == (TITLE, LEAD)
    assert unicodedata.is_normalized("NFC", article.body_html)


def test_zero_width_and_control_characters_are_removed() -> None:
    dirty_title = "Hội\u200b thảo khoa học\u00ad bảo tồn và phát triển\ufeff sâm Ngọc\u0007 Linh"
    dirty_lead = LEAD.replace("Kon Tum,", "Kon\u200d Tum,\u200e").replace("Viện", "Vi\x0bện")
    article = extract_article(page(title=dirty_title, lead=dirty_lead), "http://x.gov.vn/a")
    assert (article.title, article.summary) == (TITLE, LEAD)
    assert not any(char in article.body_html for char in "\u200b\u200d\u200e\ufeff\u00ad\x07\x0b")


@pytest.mark.parametrize(("printed", "kept"), [
    ("Nhà khoa học 👩\u200d🔬 nữ", "Nhà khoa học 👩\u200d🔬 nữ"),          # one emoji: woman scientist
    ("Gia đình 👨\u200d👩\u200d👧", "Gia đình 👨\u200d👩\u200d👧"),
    ("Cờ 🏳\ufe0f\u200d🌈", "Cờ 🏳\ufe0f\u200d🌈"),                       # a variation selector before it
    ("Kon\u200d Tum", "Kon Tum"),                                          # between letters: invisible debris
    ("\u200d🔬 đầu dòng", "🔬 đầu dòng"),
    ("chữ\u202e ngược\u202c và\u200b cách", "chữ ngược và cách"),         # bidi overrides, zero-width space
])
def test_the_zero_width_joiner_stays_only_inside_an_emoji(printed: str, kept: str) -> None:
    assert clean_text(printed) == kept


def test_clean_text_folds_non_breaking_spaces_and_collapses_whitespace() -> None:
    assert clean_text("  Đại biểu\xa0\xa0 Ban\tTuyên giáo\n Tỉnh ủy ") == "Đại biểu Ban Tuyên giáo Tỉnh ủy"
