"""Network and HTTP faults: each is named, contained to its page or source, and loses nothing.

Every source was crawled cleanly first (4 articles each), then again with its fault armed
(see tests/faults/faults.toml); `network` holds both crawls.
"""

from __future__ import annotations

import pytest

from core.config import load_config
from core.store import Store
from tests.hostile.conftest import NETWORK_SOURCES, HostileRun, source_host
from tests.hostile.feedcheck import feed_files, feed_links, read_feed

# case: (source, kind named in the run record, path of the URL it is recorded under)
CASES = {
    "503 on the whole site": ("down503", "http-503", "/index.php/tin-tuc"),
    "404 on an article": ("gone404", "http-404", "/index.php/bai-2"),
    "429 with an absurd Retry-After": ("ratelimit", "http-429", "/index.php/bai-3"),
    "connection reset": ("reset", "connection-reset", "/index.php/bai-2"),
    "accepts and never answers": ("hang", "timeout", "/index.php/bai-2"),
    "very slow body": ("slow", "timeout", "/index.php/bai-2"),
    "truncated body": ("truncated", "truncated", "/index.php/bai-2"),
    "huge page with Content-Length": ("huge", "too-large", "/index.php/bai-2"),
    "huge page, chunked": ("huge", "too-large", "/index.php/bai-3"),
    "redirect loop": ("loop", "redirect-loop", "/index.php/bai-2"),
    "redirect to another domain": ("offsite", "offsite-redirect", "/index.php/bai-2"),
    "whole site moved to a new host": ("moved", "site-moved", "/index.php/tin-tuc"),
    "PDF where an article should be": ("binary", "not-html", "/index.php/bai-2"),
    "image where an article should be": ("binary", "not-html", "/index.php/bai-3"),
    "empty 200": ("empty", "empty", "/index.php/bai-2"),
    "pagination back to page 1": ("paging", "pagination-loop", "/index.php/tin-tuc?page=0"),
    "robots.txt disallows the article": ("robots", "robots", "/index.php/bai-2"),
    "host name does not resolve": ("nxdomain", "dns", "/index.php/tin-tuc"),
    "redirect to another port on loopback": ("internal", "other-port", "/index.php/bai-2"),
    "redirect to a private address": ("internal", "internal-address", "/index.php/bai-3"),
    "redirect to a file: URL": ("schemes", "not-web-url", "/index.php/bai-2"),
    "meta refresh to the metadata address": ("schemes", "internal-address", "/index.php/bai-3"),
    "whole site moved to a private address": ("movedin", "internal-address", "/index.php/tin-tuc"),
}


def gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in zip(times, times[1:], strict=False)]


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_fault_is_named_contained_and_loses_nothing(case: str, network: HostileRun) -> None:
    source, kind, path = CASES[case]
    url = f"http://{source_host(source)}{path}"
    run = network.after.runs[source]

    assert run.ended is not None and run.status in ("partial", "failed")
    assert any(e["url"] == url and e["error"].startswith(f"{kind}: ") for e in run.errors), run.errors
    assert f"{source}: {url}: {kind}: " in network.log

    stored_before = network.before.articles[source]
    assert len(stored_before) == 4
    for article_url, title in stored_before.items():
        assert network.after.articles[source].get(article_url) == title

    for suffix in ("rss", "atom"):
        assert set(stored_before) <= feed_links(network.feeds / f"{source}.{suffix}")


def test_every_source_finished_and_the_healthy_one_is_untouched(network: HostileRun) -> None:
    summary = network.after.result.stdout
    for source in NETWORK_SOURCES:
        assert f"\n{source} " in summary
        assert network.after.runs[source].status != "running"
    healthy = network.after.runs["healthy"]
    assert (healthy.status, healthy.errors, healthy.unchanged) == ("ok", [], 4)


def test_every_feed_stays_valid(network: HostileRun) -> None:
    files = feed_files(network.feeds)
    assert len(files) == 2 * (len(NETWORK_SOURCES) + 1)  # every source and `all`
    for path in files:
        read_feed(path)


def test_article_faults_leave_the_rest_of_the_source_crawled(network: HostileRun) -> None:
    for source in ("gone404", "reset", "hang", "truncated", "loop", "offsite", "empty", "robots"):
        assert network.after.runs[source].unchanged == 3, source
    for source in ("huge", "binary"):
        assert network.after.runs[source].unchanged == 2, source


def test_500_is_retried_with_growing_pauses_then_stored(network: HostileRun) -> None:
    hits = network.hits("retry500.example.gov.vn", "/index.php/bai-2")
    assert [h.outcome for h in hits] == ["500", "500", "200-after-fault"]
    first, second = gaps([h.at for h in hits])
    assert first >= 1.9 and second >= 3.9 and second > first
    assert network.errors("retry500") == []
    assert "http-500, retry 1 in 2.0s" in network.log and "http-500, retry 2 in 4.0s" in network.log
    assert network.after.runs["retry500"].unchanged == 4
    # The page answered in the end, yet the run record and the summary still name the fault.
    url = "http://retry500.example.gov.vn/index.php/bai-2"
    assert network.after.runs["retry500"].recovered == [
        {"url": url, "error": "http-500, http-500, then answered (3 tries)"}]
    summary = network.after.result.stdout
    assert f"retry500: {url}: recovered: http-500, http-500, then answered (3 tries)" in summary


def test_503_site_is_retried_with_backoff_before_giving_up(network: HostileRun) -> None:
    hits = network.hits("down503.example.gov.vn", "/index.php/tin-tuc")
    assert [h.outcome for h in hits] == ["503"] * 3
    first, second = gaps([h.at for h in hits])
    assert first >= 1.9 and second >= 3.9
    assert "(3 tries)" in network.errors("down503")[0]["error"]


def test_retry_after_is_honoured_up_to_a_cap(network: HostileRun) -> None:
    waited = network.hits("ratelimit.example.gov.vn", "/index.php/bai-2")
    assert [h.outcome for h in waited] == ["429", "200-after-fault"]
    assert gaps([h.at for h in waited])[0] >= 1.9
    assert "http://ratelimit.example.gov.vn/index.php/bai-2" in network.after.articles["ratelimit"]
    assert {"url": "http://ratelimit.example.gov.vn/index.php/bai-2",
            "error": "http-429, then answered (2 tries)"} in network.after.runs["ratelimit"].recovered

    refused = network.hits("ratelimit.example.gov.vn", "/index.php/bai-3")
    assert [h.outcome for h in refused] == ["429"]
    assert "Retry-After 86400" in network.errors("ratelimit")[0]["error"]
    assert "Retry-After 86400s is over the 120s cap; not waiting" in network.log


def test_silence_times_out_and_is_retried(network: HostileRun) -> None:
    assert [h.outcome for h in network.hits("hang.example.gov.vn", "/index.php/bai-2")] == ["hang"] * 3
    assert "(3 tries)" in network.errors("hang")[0]["error"]


def test_a_merely_slow_page_is_still_stored(network: HostileRun) -> None:
    assert "http://slow.example.gov.vn/index.php/bai-3" in network.after.articles["slow"]
    assert [e["url"] for e in network.errors("slow")] == ["http://slow.example.gov.vn/index.php/bai-2"]


def test_redirect_to_another_domain_is_not_followed(network: HostileRun) -> None:
    assert network.hits("quangcao.example.com") == []


def test_moved_site_is_followed_to_its_new_host_and_reported(network: HostileRun) -> None:
    error = network.errors("moved")[0]["error"]
    assert "http://new.example.gov.vn/index.php/tin-tuc" in error and "update the source" in error
    fetched = {h.path for h in network.hits("new.example.gov.vn")}
    assert {"/index.php/tin-tuc", "/index.php/bai-1", "/index.php/bai-4"} <= fetched
    store = Store(load_config(network.config).store_url)
    try:
        # The same stories at their new addresses are recognised, not stored twice.
        for n in (1, 2, 3, 4):
            moved = store.article_for_url(f"http://new.example.gov.vn/index.php/bai-{n}")
            assert moved is not None and moved.url == f"http://moved.example.gov.vn/index.php/bai-{n}"
    finally:
        store.close()
    assert len(network.after.articles["moved"]) == 4


def test_robots_txt_is_respected(network: HostileRun) -> None:
    assert network.hits("robots.example.gov.vn", "/index.php/bai-2") == []
    assert network.hits("robots.example.gov.vn", "/robots.txt")


def test_unresolvable_host_is_never_reached_through_the_proxy(network: HostileRun) -> None:
    assert network.hits("sokhcn.nxdomain.invalid") == []
    assert network.after.runs["nxdomain"].status == "failed"


def test_pagination_loop_stops_after_one_repeat(network: HostileRun) -> None:
    listing = [h.path for h in network.hits("paging.example.gov.vn") if "tin-tuc" in h.path]
    assert listing == ["/index.php/tin-tuc", "/index.php/tin-tuc?page=1", "/index.php/tin-tuc?page=0"]


def test_nothing_is_requested_from_an_internal_address_or_another_port(network: HostileRun) -> None:
    requested = {hit.host for hit in network.server.hits[network.mark:]}
    assert not requested & {"127.0.0.1:6379", "10.1.2.3", "169.254.169.254", "192.168.1.10"}, requested
    assert network.after.runs["internal"].unchanged == 2
    assert network.after.runs["schemes"].unchanged == 2
