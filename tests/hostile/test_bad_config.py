"""More kinds of bad config (tests/test_config.py has the common ones): exit 2, one message, no request.

Each config points its source at the fault server, and `deptfeeds crawl` runs as a real
process through it: the server must see no request at all.
"""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.faults.server import FaultServer
from tests.hostile.conftest import cli

URL = "http://healthy.example.gov.vn/index.php/tin-tuc"
GOOD = f'[[sources]]\nid = "healthy"\nname = "Sở KH&CN thử nghiệm"\nlisting = ["{URL}"]\n'

BAD_CONFIGS = {
    "empty file": ("", "key 'sources': missing required key"),
    "only a comment": ("# nothing here\n", "key 'sources': missing required key"),
    "sources as a table": (GOOD.replace("[[sources]]", "[sources]"),
                          "key 'sources': Input should be a valid list"),
    "no sources in the list": ("sources = []\n", "key 'sources': List should have at least 1 item"),
    "TOML key given twice": (GOOD + 'name = "again"\n', "not valid TOML"),
    "unclosed string": (GOOD + 'family = "drupal\n', "not valid TOML"),
    "file listing URL": (GOOD.replace(URL, "file:///etc/passwd"), "key 'listing[0]': not an http(s) URL"),
    "javascript listing URL": (GOOD.replace(URL, "javascript:alert(1)"),
                              "key 'listing[0]': not an http(s) URL"),
    "URL without host": (GOOD.replace(URL, "http://"), "key 'listing[0]': not an http(s) URL"),
    "empty listing": (GOOD.replace(f'["{URL}"]', "[]"), "key 'listing': List should have at least 1 item"),
    "blank name": (GOOD.replace('"Sở KH&CN thử nghiệm"', '"   "'),
                  "key 'name': String should have at least 1"),
    "id too long": (GOOD.replace('"healthy"', '"' + "a" * 64 + '"'), "key 'id': String should match pattern"),
    "max_pages zero": (GOOD + "max_pages = 0\n",
                       "key 'max_pages': Input should be greater than or equal to 1"),
    "max_pages absurd": (GOOD + "max_pages = 99999999999999999999\n",
                         "key 'max_pages': Input should be less"),
    "max_pages as boolean": (GOOD + "max_pages = true\n", "key 'max_pages': Input should be a valid integer"),
    "max_pages as float": (GOOD + "max_pages = 2.5\n", "key 'max_pages': Input should be a valid integer"),
    "family not a string": (GOOD + "family = 3\n", "key 'family': Input should be a valid string"),
    "bad selector in strip list": (GOOD + '[sources.selectors]\nstrip = [".ok", "div[["]\n',
                                   "key 'selectors.strip[1]': not a valid CSS selector"),
    "unknown selector key": (GOOD + '[sources.selectors]\nheadline = "p"\n',
                             "key 'selectors.headline': unknown key"),
    "negative delay": ("[crawl]\ndelay = -1\n" + GOOD,
                       "[crawl] key 'delay': Input should be greater than or equal"),
    "infinite timeout": ("[crawl]\ntimeout = inf\n" + GOOD,
                         "[crawl] key 'timeout': Input should be a finite number"),
    "NaN delay": ("[crawl]\ndelay = nan\n" + GOOD, "[crawl] key 'delay'"),
    "zero timeout": ("[crawl]\ntimeout = 0\n" + GOOD,
                     "[crawl] key 'timeout': Input should be greater than 0"),
    "timeout as text": ('[crawl]\ntimeout = "3s"\n' + GOOD,
                        "[crawl] key 'timeout': Input should be a valid number"),
    "concurrency absurd": ("[crawl]\nconcurrency_per_domain = 1000\n" + GOOD,
                           "[crawl] key 'concurrency_per_domain': Input should be less than or equal to 32"),
    "page limit too small": ("[crawl]\nmax_page_bytes = 10\n" + GOOD, "[crawl] key 'max_page_bytes'"),
    "unknown crawl key": ("[crawl]\nretries = 5\n" + GOOD, "[crawl] key 'retries': unknown key"),
    "feed limit zero": ("[feeds]\nlimit = 0\n" + GOOD,
                        "[feeds] key 'limit': Input should be greater than or equal"),
    "feed base URL without scheme": ('[feeds]\nbase_url = "localhost:8080"\n' + GOOD,
                                     "[feeds] key 'base_url': not an http(s) URL"),
    "empty store URL": ('[store]\nurl = ""\n' + GOOD, "[store] key 'url': String should have at least 1"),
    "unknown database": ('[store]\nurl = "nosuchdb://x"\n' + GOOD, "[store] key 'url': not a database URL"),
    "cron and every": ('[schedule]\nevery = "1h"\ncron = "0 * * * *"\n' + GOOD,
                       "give either 'every' or 'cron'"),
    "cron out of range": ('[schedule]\ncron = "61 * * * *"\n' + GOOD, "bad cron expression '61 * * * *'"),
    "negative jitter": ('[schedule]\nevery = "1h"\njitter = "-5m"\n' + GOOD, "duration must not be negative"),
    "reserved key path": ('path = "/etc"\n' + GOOD, "key 'path': unknown key"),
}


@pytest.fixture(scope="module")
def crawls(fault_server: FaultServer, tmp_path_factory: pytest.TempPathFactory,
           ) -> dict[str, tuple[Path, subprocess.CompletedProcess]]:
    """`deptfeeds crawl` on every bad config (four processes at a time), with no other crawl running."""
    paths = {}
    for n, (case, (text, _)) in enumerate(BAD_CONFIGS.items()):
        paths[case] = tmp_path_factory.mktemp(f"bad{n}") / "deptfeeds.toml"
        paths[case].write_text(text, encoding="utf-8")
    before = len(fault_server.hits)
    with ThreadPoolExecutor(4) as pool:
        results = dict(zip(paths, pool.map(
            lambda path: cli("crawl", "--config", str(path), proxy=fault_server), paths.values()),
            strict=True))
    assert len(fault_server.hits) == before, "a bad config let a request through"
    return {case: (paths[case], results[case]) for case in paths}


@pytest.mark.parametrize("case", BAD_CONFIGS, ids=list(BAD_CONFIGS))
def test_bad_config_exits_2_with_one_message_before_any_request(case: str, crawls: dict) -> None:
    expected = BAD_CONFIGS[case][1]
    path, result = crawls[case]

    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines[0] == "deptfeeds: invalid config"
    assert all(line.startswith(f"{path}: ") for line in lines[1:]) and len(lines) >= 2
    assert expected in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_a_folder_given_as_the_config_is_named(tmp_path: Path, fault_server: FaultServer) -> None:
    result = cli("crawl", "--config", str(tmp_path), proxy=fault_server)
    assert result.returncode == 2
    assert f"{tmp_path}: cannot read the file: Is a directory" in result.stderr


def test_binary_garbage_is_named_as_not_utf8(tmp_path: Path, fault_server: FaultServer) -> None:
    path = tmp_path / "deptfeeds.toml"
    path.write_bytes(os.urandom(64) + b"\xff\xfe")
    result = cli("sources", "--config", str(path), proxy=fault_server)
    assert result.returncode == 2
    assert f"{path}: not UTF-8 text" in result.stderr


def test_a_byte_order_mark_is_accepted(tmp_path: Path, fault_server: FaultServer) -> None:
    path = tmp_path / "deptfeeds.toml"
    path.write_text("\ufeff" + GOOD, encoding="utf-8")
    result = cli("sources", "--config", str(path), proxy=fault_server)
    assert result.returncode == 0 and "1 sources, all valid" in result.stdout
