"""The feed formats we publish: file suffix, media type and the renderer of each."""

from __future__ import annotations

# Served with these types; the server and the discovery links share this table.
MEDIA_TYPES = {
    ".rss": "application/rss+xml",
    ".atom": "application/atom+xml",
    ".json": "application/feed+json",
    ".opml": "text/x-opml",
    ".html": "text/html",
    ".xsl": "text/xsl",  # browsers apply a stylesheet only when it is served as XML
}
FEED_SUFFIXES = (".rss", ".atom", ".json")
FORMAT_NAMES = {".rss": "RSS", ".atom": "Atom", ".json": "JSON Feed"}
OPML_FILE = "feeds.opml"
INDEX_FILE = "index.html"
STYLESHEET_FILE = "feed.xsl"  # RSS and Atom name it, so a browser shows a page, not raw XML
