"""Feeds from any node: every machine serves one shared feed folder, and a reader may be sent
to any of them.

Two `deptfeeds serve` processes over one folder stand for two nodes mounting the same shared
folder (NFS, CephFS): the same bytes, ETag and Last-Modified from both, so a reader's
conditional request is answered 304 by the node that did not serve it first; after a rebuild
(which replaces files by rename, so no node ever serves half a file) both serve the new bytes
and both tell the old validator it is stale.
"""

from __future__ import annotations

import http.client
from pathlib import Path
from urllib.parse import urlsplit

from tests.conftest import run_cli, serving_feeds


def get(base: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", path, headers=headers or {})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_two_nodes_on_one_folder_serve_the_same_feeds_and_validators(feed_sites_copy: Path) -> None:
    config = feed_sites_copy
    with serving_feeds(config) as node_a, serving_feeds(config) as node_b:
        status_a, headers_a, body_a = get(node_a, "/all.atom")
        status_b, headers_b, body_b = get(node_b, "/all.atom")
        assert status_a == status_b == 200 and body_a == body_b
        for validator in ("etag", "last-modified"):
            assert headers_a[validator] == headers_b[validator]
        status, _, body = get(node_b, "/all.atom", {"If-None-Match": headers_a["etag"]})
        assert status == 304 and body == b""  # validated on A, revalidated on B

        # a rebuild (on whichever node) replaces the files; both nodes serve the new ones at once
        renamed = config.read_text("utf-8").replace('"Tin KH&CN các tỉnh"', '"Tin KH&CN liên tỉnh"')
        config.write_text(renamed, "utf-8")
        assert run_cli("build", "--config", str(config)).returncode == 0
        for node in (node_a, node_b):
            status, headers, body = get(node, "/all.atom", {"If-None-Match": headers_a["etag"]})
            assert status == 200 and "Tin KH&amp;CN liên tỉnh".encode() in body
            assert headers["etag"] != headers_a["etag"]
        assert get(node_a, "/all.atom")[1]["etag"] == get(node_b, "/all.atom")[1]["etag"]
