"""search.segmenter.Tokenizer must cut exactly as jieba does, with our domain dictionary,
in both modes, on every text we have in the repository (demo listings, the labelled set,
excerpts of the policy documents in tests/data/segmentation)."""
import json
import string
from pathlib import Path

import jieba
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.search import segmenter
from marketplace.search.segmenter import Tokenizer
from marketplace.search.text import Pipeline, normalise, read_language_files

ROOT = Path(__file__).resolve().parents[2]


def corpus() -> list[str]:
    texts = []
    for name in ("opportunities", "products"):
        for item in json.loads((ROOT / "seed/demo" / f"{name}.json").read_text("utf-8")):
            texts += [item.get("title") or item["name"], item["summary"], item["description"],
                      item.get("cases", "")]
        for line in (ROOT / "tests/data/matching" / f"{name}.jsonl").read_text("utf-8").splitlines():
            item = json.loads(line)
            texts += [item["title"], item.get("summary", ""), item.get("description", "")]
    policies = sorted((ROOT / "tests/data/segmentation").glob("policy-*.txt"))
    assert len(policies) == 5
    for path in policies:
        texts += path.read_text("utf-8").splitlines()
    # Unknown characters, runs the HMM must cut, Latin and digits, ties, empty input.
    texts += ["", "啊", "龘龘龘", "鑫瑞祥智联科技有限公司推出BIM+GIS 5.0平台", "NB-IoT水表2025年",
              "一网统管一网通办", "南京市长江大桥", "结婚的和尚未结婚的"]
    return [normalise(t) for t in texts if t is not None]


@pytest.fixture(scope="module")
def pair():
    ours = Pipeline(read_language_files(ROOT / "seed/search"))._tokenizer
    assert isinstance(ours, Tokenizer)
    reference = jieba.Tokenizer()
    reference.FREQ, reference.total, reference.initialized = ours.FREQ, ours.total, True
    return ours, reference


@pytest.mark.parametrize("mode", ["default", "search"])
def test_same_tokens_as_jieba(pair, mode):
    ours, reference = pair
    texts = corpus()
    assert len(texts) > 500
    for text in texts:
        assert list(ours.tokenize(text, mode=mode)) == list(reference.tokenize(text, mode=mode)), text


def _words(tokenizer) -> list[str]:
    return sorted(word for word, freq in tokenizer.FREQ.items() if freq)


POLICY_LINES = [line for path in sorted((ROOT / "tests/data/segmentation").glob("policy-*.txt"))
                for line in path.read_text("utf-8").splitlines()]


@st.composite
def policy_fragment(draw):
    line = draw(st.sampled_from(POLICY_LINES))
    start = draw(st.integers(0, len(line)))
    return line[start:start + draw(st.integers(1, 40))]


def generated_texts(words):
    """Strings made of dictionary words (the stock and the domain ones), fragments of
    real policy text, random CJK, ASCII words and numbers, punctuation and spaces."""
    return st.lists(st.one_of(
        st.sampled_from(words), st.sampled_from(words), policy_fragment(),
        st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1,
                max_size=4),
        st.text(st.sampled_from(string.ascii_letters + string.digits + "+-._%"), min_size=1,
                max_size=6),
        st.sampled_from(list("，。、；：？！“”《》（）()【】 \n\t,.;:!?-—·…"))),
        max_size=30).map("".join)


@pytest.fixture(scope="module")
def words(pair):
    return _words(pair[0])


def test_same_tokens_as_jieba_on_generated_text(pair, words):
    ours, reference = pair
    assert "一网统管" in words  # the domain dictionary is among the words drawn

    @settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
    @given(generated_texts(words), st.sampled_from(["default", "search"]))
    def same_tokens(text, mode):
        assert list(ours.tokenize(text, mode=mode)) == list(reference.tokenize(text, mode=mode))
        assert ours.lcut(text) == reference.lcut(text)

    same_tokens()


def test_the_domain_dictionary_is_used(pair):
    ours, _ = pair
    assert "一网统管" in list(ours.cut("推进一网统管建设"))


def test_equal_routes_break_ties_as_jieba():
    """甲乙|丙 and 甲|乙丙 score exactly the same; jieba takes the longer first word."""
    words = {"甲": 10, "乙": 10, "丙": 10, "甲乙": 10, "乙丙": 10}
    ours, reference = Tokenizer(), jieba.Tokenizer()
    for tokenizer in (ours, reference):
        tokenizer.FREQ, tokenizer.total, tokenizer.initialized = dict(words), 50, True
    assert list(reference.cut("甲乙丙", HMM=False)) == ["甲乙", "丙"]
    assert list(ours.cut("甲乙丙")) == list(reference.cut("甲乙丙")) == ["甲乙", "丙"]


@pytest.fixture(scope="module")
def stock():
    reference = jieba.Tokenizer()
    reference.initialize()
    return reference.FREQ, reference.total


def test_the_dictionary_cache_holds_jiebas_dictionary(tmp_path, monkeypatch, stock):
    cache = tmp_path / "dictionary.freq"
    monkeypatch.setattr(segmenter, "_cache_path", lambda: cache)
    first = segmenter.stock_dictionary()  # loaded by jieba, then cached
    assert cache.exists() and first == stock
    second = segmenter.stock_dictionary()  # read from the cache
    assert second == stock and list(second[0]) == list(stock[0])


def test_a_damaged_or_unwritable_cache_falls_back_to_jieba(tmp_path, monkeypatch, stock, caplog):
    cache = tmp_path / "dictionary.freq"
    monkeypatch.setattr(segmenter, "_cache_path", lambda: cache)
    segmenter.stock_dictionary()
    cache.write_bytes(cache.read_bytes()[:-16])  # cut short
    assert segmenter.stock_dictionary() == stock
    assert "rebuilding" in caplog.text
    assert segmenter.stock_dictionary() == stock  # rewritten whole
    monkeypatch.setattr(segmenter, "_cache_path", lambda: tmp_path / "missing" / "x.freq")
    assert segmenter.stock_dictionary() == stock
    assert "cannot cache" in caplog.text
