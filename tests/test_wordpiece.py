"""The hand-written WordPiece trainer reproduces the Hugging Face course (seed 004) exactly."""

from __future__ import annotations

import pytest
from gradio_client.exceptions import AppError

from demo import wordpiece as wp
from demo.errors import BadInput
from tabs import wordpiece_tab

COURSE_TOKENS = ["Th", "##i", "##s", "is", "th", "##e", "Hugg", "##i", "##n", "##g", "Fac", "##e", "c", "##o", "##u",
                 "##r", "##s", "##e", "[UNK]"]


@pytest.fixture(scope="module")
def course():
    return wp.train(wp.DEFAULT_CORPUS, 70, wp.DEFAULT_TEXT)


def test_pre_tokenizer_is_bert_base_cased(course):
    # bert-base-cased's pre-tokenizer splits on whitespace and punctuation and keeps the case
    assert [w for w, _ in wp.pre_tokenize("Hopefully, you will.")] == ["Hopefully", ",", "you", "will", "."]
    assert course["word_freqs"]["This"] == 3 and course["word_freqs"]["."] == 4 and course["word_freqs"]["is"] == 2
    assert len(course["word_freqs"]) == 30


def test_alphabet_with_prefixes(course):
    # the course prints the start of this list
    assert course["alphabet"][:21] == ["##a", "##b", "##c", "##d", "##e", "##f", "##g", "##h", "##i", "##k", "##l",
                                       "##m", "##n", "##o", "##p", "##r", "##s", "##t", "##u", "##v", "##w"]
    assert course["alphabet"][21:] == ["##y", "##z", ",", ".", "F", "H", "T", "a", "b", "c", "g", "h", "i", "s", "t",
                                       "u", "w", "y"]
    assert course["vocab"][:5] == ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    assert course["initial_vocab_size"] == 5 + len(course["alphabet"])


def test_first_pair_scores_exactly_as_printed(course):
    first = [(tuple(s["pair"]), s["score"]) for s in course["initial_scores"][:6]]
    assert first == [
        (("T", "##h"), 0.125),
        (("##h", "##i"), 0.03409090909090909),
        (("##i", "##s"), 0.02727272727272727),
        (("i", "##s"), 0.1),
        (("t", "##h"), 0.03571428571428571),
        (("##h", "##e"), 0.011904761904761904),
    ]


def test_best_first_pair_and_merge(course):
    step = course["steps"][0]
    assert tuple(step["pair"]) == ("a", "##b") and step["score"] == 0.2 and step["new_token"] == "ab"
    assert step["changed_words"]["about"] == ["ab", "##o", "##u", "##t"]
    # the score is freq(pair) / (freq(a) x freq(b)), with the numbers shown
    assert step["score"] == step["pair_freq"] / (step["freq_a"] * step["freq_b"])
    # the table is sorted best first and its first row is the chosen pair
    assert step["table"][0]["pair"] == ["a", "##b"]
    assert [r["score"] for r in step["table"]] == sorted((r["score"] for r in step["table"]), reverse=True)


def test_vocab_70_tokenizes_the_course_sentence(course):
    assert len(course["vocab"]) == 70 and len(course["steps"]) == 70 - course["initial_vocab_size"]
    assert course["tokens"] == COURSE_TOKENS
    # the course's later vocabulary entries
    assert {"Th", "is", "th", "Hugg", "Fac"} <= set(course["vocab"])


def test_matches_the_tokenizers_library(course):
    assert course["library_tokens"] == COURSE_TOKENS and course["matches_library"]
    long_word = "This" + "s" * 97  # 101 characters: [UNK] in the library whatever the vocabulary
    for text in ["Hopefully, tokenization is fun!", "This chapter shows about the course.", "xyz Q", long_word,
                 long_word[:100]]:
        words = wp.tokenize(text, course["vocab"])
        assert [t for w in words for t in w["tokens"]] == wp.library_tokens(text, course["vocab"])


def test_longest_match_first_and_unk():
    vocab = ["[UNK]", "h", "hug", "##g", "##ging", "##gi", "##n"]
    assert wp.encode_word("hugging", vocab) == ["hug", "##ging"]
    assert wp.encode_word("hugx", vocab) == ["[UNK]"]  # one missing piece: the whole word is [UNK]


def test_every_step_is_consistent(course):
    for k, step in enumerate(course["steps"], start=1):
        assert step["step"] == k and step["vocab_size"] == course["initial_vocab_size"] + k
        assert course["vocab"][step["vocab_size"] - 1] == step["new_token"]
        assert step["new_token"] == wp.merged_token(*step["pair"])
        assert step["table"][0]["score"] == step["score"]
        # frequency-only BPE picks the most frequent pair; WordPiece's pair is never more frequent
        assert step["bpe_freq"] >= step["pair_freq"]
        assert step["bpe_agrees"] == (step["bpe_pair"] == step["pair"])
    assert not all(s["bpe_agrees"] for s in course["steps"])  # the two algorithms really differ here


def test_bpe_contrast_first_step(course):
    # BPE would merge the most frequent pair of the course corpus first
    letter, pairs = wp.pair_frequencies(course["word_freqs"], wp.initial_splits(course["word_freqs"]))
    best = max(pairs.values())
    assert course["steps"][0]["bpe_freq"] == best
    assert pairs[tuple(course["steps"][0]["bpe_pair"])] == best


def test_vocab_at_step(course):
    assert wp.vocab_at(course, 0) == course["vocab"][: course["initial_vocab_size"]]
    assert wp.vocab_at(course, 1)[-1] == "ab"


def test_small_vocab_and_exhausted_corpus():
    r = wp.train("aaa bbb", 5, "ab")
    assert r["steps"] == [] and any("smaller than" in n for n in r["notices"])
    r = wp.train("ab ab ab", 200, "ab")
    assert r["vocab"][-1] == "ab" and any("no pair left" in n for n in r["notices"])


@pytest.mark.parametrize(
    "args, match",
    [
        (("", 70, "x"), "corpus is empty"),
        (("   \n ", 70, "x"), "corpus is empty"),
        (("hello", 0, "x"), "between 1 and"),
        (("hello", 10**6, "x"), "between 1 and"),
        (("hello", 70.5, "x"), "whole number"),
        (("hello", "lots", "x"), "whole number"),
        (("a " * 20_000, 70, "x"), "at most 20,000"),
        (("hello", 70, "x" * 5000), "under 2,000"),
    ],
)
def test_bad_input(args, match):
    with pytest.raises(BadInput, match=match):
        wp.train(*args)


def test_step_view_highlights_best_pair(course):
    md, table, vocab = wordpiece_tab.step_view(course, 1)
    assert "`a` + `##b`" in md and "0.2000" in md
    df = table.data
    assert df.iloc[0]["pair"] == "a + ##b"
    html = table.to_html()
    assert "#fde68a" in html  # the best row is highlighted
    md0, _, vocab0 = wordpiece_tab.step_view(course, 0)
    assert "0.125" in md0 and "[PAD]" in vocab0


def test_xss_in_corpus_renders_as_text():
    r = wp.train("<img src=x onerror=alert(1)> hello hello", 40, "<img src=x onerror=alert(1)>")
    html = wordpiece_tab.alphabet_html(r) + wordpiece_tab.tokens_html(r)
    for k in range(len(r["steps"]) + 1):
        md, _, vocab = wordpiece_tab.step_view(r, k)
        html += md + vocab
    assert "<img" not in html and "&lt;" in html


def test_api_wordpiece_train(client):
    out = client.predict(wp.DEFAULT_CORPUS, 70, wp.DEFAULT_TEXT, api_name="/wordpiece_train")
    raw = out[-1]
    assert {"alphabet", "steps", "vocab", "tokens"} <= set(raw)
    assert raw["tokens"] == COURSE_TOKENS
    assert raw["steps"][0]["pair"] == ["a", "##b"] and raw["steps"][0]["score"] == 0.2
    assert raw["steps"][0]["new_token"] == "ab"


def test_api_wordpiece_keywords_and_errors(client):
    out = client.predict(corpus="ab ab abc", vocab_size=20, text="abc", api_name="/wordpiece_train")
    assert out[-1]["tokens"]
    with pytest.raises(AppError, match="corpus is empty"):
        client.predict(corpus="", vocab_size=70, text="x", api_name="/wordpiece_train")
