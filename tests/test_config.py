"""A bad config is refused before anything runs: one clear message, exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.config import ConfigError, load_config
from crawler.families import FAMILIES
from deptfeeds.cli import main

GOOD_SOURCE = '''
[[sources]]
id = "langson"
name = "Sở KH&CN Lạng Sơn"
listing = ["https://sokhcn.langson.gov.vn/index.php/tin-tuc-su-kien"]
'''

BAD_CONFIGS = {
    "unknown key": (GOOD_SOURCE + 'titel = "x"\n', "source 'langson' key 'titel': unknown key"),
    "unknown top-level key": ('[stor]\nurl = "sqlite:///x.db"\n' + GOOD_SOURCE, "key 'stor': unknown key"),
    "malformed url": (GOOD_SOURCE.replace("https://sokhcn", "htps:/sokhcn"),
                      "source 'langson' key 'listing[0]': not an http(s) URL"),
    "duplicate id": (GOOD_SOURCE + GOOD_SOURCE, "duplicate source id 'langson'"),
    "missing field": (GOOD_SOURCE.replace('name = "Sở KH&CN Lạng Sơn"\n', ""),
                      "source 'langson' key 'name': missing required key"),
    "wrong type": (GOOD_SOURCE + "max_pages = \"three\"\n",
                   "source 'langson' key 'max_pages': Input should be a valid integer"),
    "listing not a list": (GOOD_SOURCE.replace('["https://sokhcn.langson.gov.vn/index.php/tin-tuc-su-kien"]',
                                               '"https://sokhcn.langson.gov.vn/"'),
                           "source 'langson' key 'listing': Input should be a valid list"),
    "bad selector": (GOOD_SOURCE + '[sources.selectors]\nbody = "div[[["\n',
                     "source 'langson' key 'selectors.body': not a valid CSS selector"),
    "selector lxml cannot run": (GOOD_SOURCE + '[sources.selectors]\nbody = "div:-soup-contains(\'Tin\')"\n',
                                 "source 'langson' key 'selectors.body': not a valid CSS selector"),
    "unknown family": (GOOD_SOURCE + 'family = "joomla9"\n',
                       "source 'langson' key 'family': unknown family 'joomla9'"),
    "bad timezone": (GOOD_SOURCE + 'timezone = "Asia/Hanoi_City"\n',
                     "source 'langson' key 'timezone': unknown timezone"),
    "bad id": (GOOD_SOURCE.replace('id = "langson"', 'id = "Lạng Sơn"'),
               "key 'id': String should match pattern"),
    "no sources": ('[feeds]\ndir = "public"\n', "key 'sources': missing required key"),
    "not toml": (GOOD_SOURCE + "listing = [\n", "not valid TOML"),
    "bad duration": ('[schedule]\nevery = "2 hours"\n' + GOOD_SOURCE,
                     "[schedule] key 'every': not a duration"),
}


@pytest.mark.parametrize("case", BAD_CONFIGS, ids=list(BAD_CONFIGS))
def test_bad_config_is_rejected_with_file_source_and_key(case: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    text, expected = BAD_CONFIGS[case]
    path = tmp_path / "deptfeeds.toml"
    path.write_text(text, encoding="utf-8")

    with pytest.raises(ConfigError) as error:
        load_config(path, families=FAMILIES)
    assert expected in str(error.value)
    assert str(path) in str(error.value)

    assert main(["sources", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert expected in err and str(path) in err


def test_bad_config_stops_a_crawl_before_any_request(tmp_path: Path, mirror) -> None:
    path = tmp_path / "deptfeeds.toml"
    path.write_text(GOOD_SOURCE.replace("https://sokhcn.langson.gov.vn", "http://sokhcn.langson.gov.vn")
                    + 'titel = "x"\n', encoding="utf-8")
    before = len(mirror.hits)
    from tests.conftest import run_cli

    result = run_cli("crawl", "--config", str(path), proxy=mirror)
    assert result.returncode == 2
    assert "key 'titel': unknown key (did you mean 'title'?)" in result.stderr
    assert len(mirror.hits) == before


def test_missing_config_file_is_named(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.toml"
    assert main(["build", "--config", str(missing)]) == 2
    error = capsys.readouterr().err
    assert f"{missing}: file not found" in error and "--config PATH or $DEPTFEEDS_CONFIG" in error


def test_good_config_resolves_paths_against_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "deptfeeds.toml"
    path.parent.mkdir()
    path.write_text('[store]\nurl = "sqlite:///data/x.db"\n[feeds]\ndir = "out"\n' + GOOD_SOURCE, "utf-8")
    config = load_config(path)
    assert config.store_url == f"sqlite:///{tmp_path}/conf/data/x.db"
    assert config.feeds_dir == tmp_path / "conf" / "out"
    source = config.source("langson")
    assert source.timezone == "Asia/Ho_Chi_Minh" and source.max_pages == 5 and source.family is None
