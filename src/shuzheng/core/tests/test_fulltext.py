import pytest

from shuzheng.core import fulltext
from shuzheng.core.models import SearchEntry

DOCS = {
    "1": "个体工商户设立登记 营业执照",
    "2": "食品经营许可证核发",
    "3": "不动产登记（首次登记）",
    "4": "居民身份证换领",
}


@pytest.fixture
def indexed(db):
    for doc_id, text in DOCS.items():
        fulltext.index("test.item", doc_id, text)
    fulltext.index("other.type", "9", "个体工商户设立登记")


def test_segment_keeps_words_and_sub_words():
    tokens = fulltext.segment("个体工商户设立登记").split()
    assert {"个体", "工商户", "设立", "登记"} <= set(tokens)


@pytest.mark.parametrize(
    ("query", "expected_first"),
    [("营业执照", "1"), ("个体户", "1"), ("食品经营", "2"), ("身份证", "4"), ("不动产", "3")],
)
def test_search_finds_the_right_document(indexed, query, expected_first):
    assert fulltext.search("test.item", query)[0] == expected_first


def test_all_terms_must_match(indexed):
    assert fulltext.search("test.item", "食品 身份证") == []


def test_search_is_limited_to_doc_type(indexed):
    assert "9" not in fulltext.search("test.item", "个体工商户")


def test_reindex_and_remove(indexed):
    fulltext.index("test.item", "2", "药品经营许可")
    assert fulltext.search("test.item", "食品") == []
    assert fulltext.search("test.item", "药品") == ["2"]
    fulltext.remove("test.item", "2")
    assert fulltext.search("test.item", "药品") == []
    assert SearchEntry.objects.filter(doc_type="test.item").count() == 3


@pytest.mark.parametrize("query", ["", "   ", "！！！", "' OR 1=1 --", '"unbalanced', "a AND OR NOT"])
def test_hostile_or_empty_queries_do_not_fail(indexed, query):
    assert isinstance(fulltext.search("test.item", query), list)
