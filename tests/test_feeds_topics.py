"""Topics: a [[topics]] table validated as strictly as sources, and what a topic matches."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from core.config import ConfigError, Topic, load_config
from core.store import StoredArticle
from deptfeeds.cli import main
from feeds.topics import TopicMatcher

SOURCES = '''
[[sources]]
id = "langson"
name = "Sở KH&CN Lạng Sơn"
listing = ["https://sokhcn.langson.gov.vn/index.php/tin-tuc-su-kien"]
'''
TOPIC = '''
[[topics]]
id = "do-luong"
name = "Đo lường"
keywords = ["đo lường"]
'''

BAD_TOPICS = {
    "no filter": (TOPIC.replace('keywords = ["đo lường"]\n', ""),
                  "topic 'do-luong' give 'keywords' or 'categories' (or both)"),
    "unknown key": (TOPIC + 'keyword = ["x"]\n', "topic 'do-luong' key 'keyword': unknown key"),
    "missing name": (TOPIC.replace('name = "Đo lường"\n', ""),
                     "topic 'do-luong' key 'name': missing required key"),
    "empty keyword": (TOPIC.replace('["đo lường"]', '["đo lường", " "]'),
                      "topic 'do-luong' key 'keywords[1]': String should have at least 1 character"),
    "keywords not a list": (TOPIC.replace('["đo lường"]', '"đo lường"'),
                            "topic 'do-luong' key 'keywords': Input should be a valid list"),
    "bad id": (TOPIC.replace('id = "do-luong"', 'id = "Đo lường"'), "key 'id': String should match pattern"),
    "unknown source": (TOPIC + 'sources = ["cao-bang"]\n',
                       "topic 'do-luong' key 'sources': unknown source(s) cao-bang"),
    "empty sources": (TOPIC + "sources = []\n", "'sources' is empty; leave it out to cover every source"),
    "duplicate id": (TOPIC + TOPIC, "duplicate topic id 'do-luong'"),
    "reserved source id": (SOURCES.replace('id = "langson"', 'id = "all"'),
                           "source id 'all' is reserved for the combined feed"),
}


@pytest.mark.parametrize("case", BAD_TOPICS, ids=list(BAD_TOPICS))
def test_a_bad_topic_is_rejected_with_file_topic_and_key(case: str, tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    text, expected = BAD_TOPICS[case]
    path = tmp_path / "deptfeeds.toml"
    path.write_text(SOURCES + text, encoding="utf-8")

    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert expected in str(error.value)

    assert main(["sources", "--config", str(path)]) == 2
    assert expected in capsys.readouterr().err


def test_a_good_topic_loads(tmp_path: Path) -> None:
    path = tmp_path / "deptfeeds.toml"
    path.write_text(SOURCES + TOPIC + 'categories = ["Tiêu chuẩn - Đo lường"]\nsources = ["langson"]\n',
                    encoding="utf-8")
    (topic,) = load_config(path).topics
    assert (topic.id, topic.keywords, topic.categories, topic.sources) == (
        "do-luong", ["đo lường"], ["Tiêu chuẩn - Đo lường"], ["langson"])


def article(title: str, text: str = "", categories: list[str] | None = None) -> StoredArticle:
    return StoredArticle(title=title, summary="", body_text=text, categories=categories or [])


MEASURING = TopicMatcher(Topic(id="do-luong", name="Đo lường", keywords=["đo lường", "xăng dầu"],
                               categories=["Tiêu chuẩn - Đo lường"]))


@pytest.mark.parametrize(("example", "matches"), [
    (article("Kiểm tra ĐO LƯỜNG tại cửa hàng"), True),             # any case
    (article("Kiểm tra", "các cây xăng và dầu nhớt"), False),      # "xăng dầu" needs both words together
    (article("Kiểm tra", "cửa hàng xăng\n   dầu trên địa bàn"), True),  # however they are spaced
    (article(unicodedata.normalize("NFD", "Kiểm tra đo lường")), True),  # decomposed Unicode
    (article("Đo lườngxyz mới"), False),                             # whole words only
    (article("Hội nghị", categories=["tiêu chuẩn - đo lường"]), True),
    (article("Hội nghị", categories=["Tiêu chuẩn"]), False),
])
def test_a_topic_matches_keywords_in_the_text_or_its_categories(example: StoredArticle,
                                                                 matches: bool) -> None:
    assert MEASURING.matches(example) is matches
