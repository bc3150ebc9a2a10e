"""Find anything a browser would run or load in HTML, parsed the way browsers parse it (html5lib).

Feeds are read by web-based readers that put entry HTML (and, in some, titles) into their
own pages, so every HTML field of every feed and the index page goes through this check.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import html5lib
from lxml import etree

# Elements that run code, load active content, submit data or change how the page is read.
ACTIVE_ELEMENTS = {
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta",
    "form", "input", "button", "textarea", "select", "keygen", "isindex", "svg", "math",
    "template", "portal", "link", "style", "bgsound", "xml", "import", "xss", "video", "audio",
    "dialog",
}
# The index page is our own: its stylesheet and charset declaration are expected there.
PAGE_ELEMENTS = {"style", "meta", "link"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "background", "dynsrc", "lowsrc",
                  "poster", "code", "codebase", "ping", "cite", "longdesc", "usemap", "value",
                  "xlink:href", "srcset", "datasrc"}
SAFE_SCHEMES = ("http:", "https:", "mailto:")
# Browsers drop ASCII whitespace and controls anywhere in a URL scheme ("jav\tascript:").
URL_NOISE = re.compile(r"[\x00-\x20\x7f]+")
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:")

ATOM = "{http://www.w3.org/2005/Atom}"
CONTENT = "{http://purl.org/rss/1.0/modules/content/}encoded"


PARSER = html5lib.HTMLParser(tree=html5lib.getTreeBuilder("etree"), namespaceHTMLElements=False)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].lower()


def executable_parts(markup: str, *, page: bool = False) -> list[str]:
    """Every active element, event handler, inline style and script URL in `markup`."""
    document = PARSER.parse(markup, scripting=True)  # as a browser with JavaScript on reads <noscript>
    found = []
    for element in document.iter():
        if not isinstance(element.tag, str):
            continue  # comments
        name = _local(element.tag)
        if name in ACTIVE_ELEMENTS and not (page and name in PAGE_ELEMENTS):
            found.append(f"<{name}>")
        for attribute, value in element.attrib.items():
            attribute = _local(attribute)
            if attribute.startswith("on") or attribute in ("style", "srcdoc", "formaction", "ping"):
                found.append(f"<{name} {attribute}>")
            elif attribute in URL_ATTRIBUTES:
                url = URL_NOISE.sub("", value).lower()
                if SCHEME.match(url) and not url.startswith(SAFE_SCHEMES):
                    found.append(f"<{name} {attribute}={url[:40]}>")
    return found


def feed_fields(path: Path) -> list[tuple[str, str]]:
    """(where, text) for every title and HTML field of an RSS, Atom or JSON feed, read raw."""
    if path.suffix == ".json":
        data = json.loads(path.read_text("utf-8"))
        fields = [("feed title", data.get("title", ""))]
        for item in data.get("items", []):
            for key in ("title", "content_html", "summary", "content_text"):
                if item.get(key):
                    fields.append((f"{item.get('id')} {key}", item[key]))
        return fields
    root = etree.fromstring(path.read_bytes())
    fields = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        name = element.tag.replace(ATOM, "")
        if name in ("title", "description", "summary", "subtitle", "content", CONTENT):
            text = "".join(element.itertext()) if element.get("type") != "xhtml" else etree.tostring(
                element, encoding="unicode")
            fields.append((f"<{_local(name)}>", text))
    return fields


def executable_in_feed(path: Path) -> list[str]:
    """Every executable construct in any field of a feed file, as "field: construct"."""
    return [f"{path.name} {where}: {part}" for where, text in feed_fields(path)
            for part in executable_parts(text)]
