"""Make every text and HTML fragment safe to put in a feed: valid XML, nothing executable.

Pages come from sites we do not control; a stray control character makes a whole feed
unreadable and a script tag in a feed runs in web-based readers, so everything passes here.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urljoin

import nh3

# Characters XML 1.0 forbids, plus C1 controls and noncharacters that validators flag.
XML_INVALID = re.compile("[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufdcf\ufdf0-\ufffd\U00010000-\U0010ffff]")

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "code", "hr",
    "ul", "ol", "li", "dl", "dt", "dd",
    "table", "caption", "thead", "tbody", "tfoot", "tr", "td", "th",
    "figure", "figcaption", "img",
    "a", "strong", "em", "b", "i", "u", "s", "sub", "sup", "small", "abbr", "q", "cite",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan", "scope"},
    "abbr": {"title"},
}
# Removed together with everything inside them, not just unwrapped.
DROPPED_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template",
                        "svg", "math", "frameset", "applet", "audio", "video", "form", "select",
                        "textarea", "button"}
URL_SCHEMES = {"http", "https", "mailto"}
URL_ATTRIBUTES = {"href", "src"}
IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")
EMPTY_BLOCK = re.compile(r"<(p|figure|li|blockquote)>\s*</\1>")
# Runs of layout whitespace render as one space anywhere but in <pre>.
SPACE_RUN = re.compile(r"[ \t\r\n]{2,}")
SPACES = re.compile(r"\s+")
# Text without these reads the same before and after an HTML parser: nothing to strip or unescape.
MARKUP_SIGNS = ("<", "&", "\r", "\ufeff")


def xml_safe(text: str) -> str:
    """Drop characters that XML 1.0 cannot carry, so one bad byte never breaks a feed."""
    return XML_INVALID.sub("", text)


def plain_text(text: str) -> str:
    """Text for titles, names and summaries: no markup of any kind, one line, XML-safe."""
    text = xml_safe(text)
    if not any(sign in text for sign in MARKUP_SIGNS):
        return SPACES.sub(" ", text).strip()
    # Unescaping can reveal markup that was text before ("<textarea><script>…" or "&lt;script&gt;"),
    # so clean again until nothing changes.
    for _ in range(10):
        stripped = html.unescape(nh3.clean(text, tags=set(), clean_content_tags={"script", "style"}))
        if stripped == text:
            break
        text = stripped
    return SPACES.sub(" ", text).strip()


def clean_html(fragment: str, base_url: str) -> str:
    """Allow-listed HTML with absolute http(s) links and image URLs; nothing that can run."""

    def absolute(tag: str, attribute: str, value: str) -> str | None:
        if attribute in URL_ATTRIBUTES:
            return urljoin(base_url, value.strip())
        return value

    cleaned = nh3.clean(
        xml_safe(fragment),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        clean_content_tags=DROPPED_WITH_CONTENT,
        url_schemes=URL_SCHEMES,
        attribute_filter=absolute,
        link_rel=None,
        strip_comments=True,
    )
    cleaned = EMPTY_BLOCK.sub("", IMG_WITHOUT_SRC.sub("", cleaned))
    if "<pre" not in cleaned and ("  " in cleaned or any(space in cleaned for space in "\t\r\n")):
        cleaned = SPACE_RUN.sub(lambda run: "\n" if "\n" in run.group() else " ", cleaned)
    return xml_safe(cleaned).strip()
