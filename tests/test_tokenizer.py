"""The tokenizer inspector: seed 002's reference case, batches, truncation, [UNK], round trip, errors, XSS."""

from __future__ import annotations

import pytest
from gradio_client.exceptions import AppError

from demo import models
from demo import tokenizer_inspect as ti
from demo.course_texts import I_LOVE_NLP
from demo.errors import BadInput, UnknownModel, WrongTask
from tabs import tokenizer_tab

MINILM = "all-MiniLM-L6-v2 (bundled)"
SMOL = "SmolLM2-135M-Instruct (bundled)"
TINY = ["tiny-bert", "tiny-gpt2", "tiny-t5", "tiny-roberta"]
XSS = "<img src=x onerror=alert(1)>"
PAIR_A = "This chapter is about tokenization and how they are trained"
PAIR_B = "Transformers use attention to mix tokens"


# ---------------------------------------------------------------------------
# Seed 002 (bundled MiniLM = bert-base-uncased vocabulary)
# ---------------------------------------------------------------------------


@pytest.mark.bundled
def test_seed_002_i_love_nlp():
    r = ti.inspect(MINILM, I_LOVE_NLP)
    seq = r["sequences"][0]
    assert seq["input_ids"] == [101, 1045, 2293, 17953, 2361, 999, 102]
    assert seq["tokens"] == ["[CLS]", "i", "love", "nl", "##p", "!", "[SEP]"]
    assert seq["token_type_ids"] == [0] * 7
    assert seq["attention_mask"] == [1] * 7
    assert [tuple(o) for o in seq["offsets"]] == [(0, 0), (0, 1), (2, 6), (7, 9), (9, 10), (10, 11), (0, 0)]
    assert seq["special_tokens_mask"] == [1, 0, 0, 0, 0, 0, 1]
    sp = r["special_tokens"]
    assert {k: (v["token"], v["id"]) for k, v in sp.items() if isinstance(v, dict)} == {
        "cls_token": ("[CLS]", 101), "sep_token": ("[SEP]", 102), "pad_token": ("[PAD]", 0),
        "unk_token": ("[UNK]", 100), "mask_token": ("[MASK]", 103),
    }
    assert r["algorithm"] == "WordPiece" and r["model_max_length"] == 512


@pytest.mark.bundled
def test_seed_002_round_trip_lowercases():
    rt = ti.round_trip(MINILM, I_LOVE_NLP)["sequences"][0]
    assert rt["decoded"] == "[CLS] i love nlp! [SEP]"
    assert rt["decoded_skip_special"] == "i love nlp!"
    assert rt["identical"] is False and "lower-cases" in rt["why"]


@pytest.mark.bundled
def test_korean_through_an_english_wordpiece_gives_unk():
    r = ti.inspect(MINILM, ti.KOREAN_EXAMPLE)
    seq = r["sequences"][0]
    unk_text = [seq["text"][seq["offsets"][j][0]:seq["offsets"][j][1]] for j in seq["unk_positions"]]
    assert unk_text == ["세계", "좋아해요"]
    assert all(seq["input_ids"][j] == 100 for j in seq["unk_positions"])
    assert r["num_unk"] == 2 and any("[UNK]" in n for n in r["notices"])
    # the rest fell apart into jamo: far more tokens than characters per token
    assert seq["num_tokens"] > len(ti.KOREAN_EXAMPLE.replace(" ", ""))


@pytest.mark.bundled
def test_smollm2_chat_markers_and_no_token_type_ids():
    r = ti.inspect(SMOL, "<|im_start|>user\nI love NLP!<|im_end|>")
    assert r["algorithm"] == "byte-level BPE"
    assert set(r["special_tokens"]["chat_markers"]) >= {"<|im_start|>", "<|im_end|>"}
    assert r["token_type_ids_used_by_model"] is False
    # two lines = a batch of two; the chat markers are single special tokens
    first = r["sequences"][0]
    assert first["tokens"][0] == "<|im_start|>" and first["special_tokens_mask"][0] == 1


# ---------------------------------------------------------------------------
# Against the bare tokenizer call, for every tokenizer family
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", TINY)
def test_matches_the_bare_tokenizer_call(name):
    tok = models.load_tokenizer(name)
    text = "Hugging Face is a company based in New York City."
    r = ti.inspect(name, text, padding="do_not_pad")
    seq = r["sequences"][0]
    direct = tok(text, return_offsets_mapping=True)
    assert seq["input_ids"] == direct["input_ids"]
    assert seq["attention_mask"] == direct["attention_mask"]
    assert seq["tokens"] == tok.convert_ids_to_tokens(direct["input_ids"])
    assert [tuple(o) for o in seq["offsets"]] == [tuple(o) for o in direct["offset_mapping"]]
    assert len(seq["token_type_ids"]) == len(seq["input_ids"])
    assert seq["special_tokens_mask"] == [1 if i in tok.all_special_ids else 0 for i in seq["input_ids"]]


@pytest.mark.parametrize("name", TINY)
def test_round_trip_matches_decode(name):
    tok = models.load_tokenizer(name)
    text = "The capital of France is Paris."
    rt = ti.round_trip(name, text)["sequences"][0]
    ids = tok(text)["input_ids"]
    assert rt["decoded"] == tok.decode(ids)
    assert rt["decoded_skip_special"] == tok.decode(ids, skip_special_tokens=True)


def test_offsets_point_at_the_token_text():
    r = ti.inspect("tiny-bert", "Hugging Face is a company")
    seq = r["sequences"][0]
    for token, (a, b), s in zip(seq["tokens"], seq["offsets"], seq["sequence_ids"]):
        if s is None:
            continue
        assert seq["text"][a:b].lower() == token.removeprefix("##")


def test_add_special_tokens_false():
    with_sp = ti.inspect("tiny-bert", I_LOVE_NLP)["sequences"][0]
    without = ti.inspect("tiny-bert", I_LOVE_NLP, add_special_tokens=False)["sequences"][0]
    assert without["input_ids"] == with_sp["input_ids"][1:-1]
    assert not any(without["special_tokens_mask"])


# ---------------------------------------------------------------------------
# Batches: padding and the attention mask
# ---------------------------------------------------------------------------


def test_batch_padding_longest():
    tok = models.load_tokenizer("tiny-bert")
    r = ti.inspect("tiny-bert", "I love NLP!\nHugging Face is a company based in New York City.\nHi",
                   padding="longest")
    seqs = r["sequences"]
    assert len(seqs) == 3 and r["settings"]["batch_size"] == 3
    lengths = {len(s["input_ids"]) for s in seqs}
    assert len(lengths) == 1  # one rectangle
    for s in seqs:
        n = s["num_tokens"]
        assert s["attention_mask"] == [1] * n + [0] * (len(s["input_ids"]) - n)
        assert s["input_ids"][n:] == [tok.pad_token_id] * (len(s["input_ids"]) - n)
        assert all(s["special_tokens_mask"][n:])  # [PAD] counts as special
        assert s["sequence_ids"][n:] == [None] * (len(s["input_ids"]) - n)
    longest = max(s["num_tokens"] for s in seqs)
    assert lengths == {longest}


def test_batch_padding_max_length_and_do_not_pad():
    r = ti.inspect("tiny-bert", "I love NLP!\nHi", padding="max_length", max_length=16)
    assert [len(s["input_ids"]) for s in r["sequences"]] == [16, 16]
    assert r["sequences"][1]["attention_mask"].count(1) == r["sequences"][1]["num_tokens"]
    r = ti.inspect("tiny-bert", "I love NLP!\nHi", padding="do_not_pad")
    assert [len(s["input_ids"]) for s in r["sequences"]] != [16, 16]
    assert all(all(s["attention_mask"]) for s in r["sequences"])


def test_padding_max_length_shorter_than_text_says_it_does_not_cut():
    r = ti.inspect("tiny-bert", "Hugging Face is a company based in New York City.", padding="max_length",
                   max_length=4)
    assert len(r["sequences"][0]["input_ids"]) > 4
    assert any("padding never cuts" in n for n in r["notices"])


def test_pair_token_type_ids_and_one_pair_for_every_line():
    r = ti.inspect("tiny-bert", "I love NLP!\nHi", "Paris.", padding="longest")
    for s in r["sequences"]:
        assert s["text_pair"] == "Paris."
        sep = s["tokens"].index("[SEP]")
        assert set(s["token_type_ids"][: sep + 1]) == {0}
        n = s["num_tokens"]
        assert set(s["token_type_ids"][sep + 1 : n]) == {1}
        assert 1 in s["sequence_ids"] and 0 in s["sequence_ids"]


# ---------------------------------------------------------------------------
# Truncation: the length each strategy gives, checked against the tokenizer
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("strategy", ["longest_first", "only_first", "only_second"])
def test_truncation_lengths_per_strategy(strategy):
    tok = models.load_tokenizer("tiny-bert")
    full_a = len(tok(PAIR_A, add_special_tokens=False)["input_ids"])
    full_b = len(tok(PAIR_B, add_special_tokens=False)["input_ids"])
    # room for the untouched text plus 2 tokens of the one that is cut
    max_length = {"longest_first": 12, "only_first": 3 + full_b + 2, "only_second": 3 + full_a + 2}[strategy]
    r = ti.inspect("tiny-bert", PAIR_A, PAIR_B, truncation=strategy, max_length=max_length, padding="do_not_pad")
    s = r["sequences"][0]
    assert len(s["input_ids"]) == max_length
    assert s["input_ids"] == tok(PAIR_A, PAIR_B, truncation=strategy, max_length=max_length)["input_ids"]
    n_a = s["sequence_ids"].count(0)
    n_b = s["sequence_ids"].count(1)
    assert n_a + n_b == max_length - 3  # [CLS] A [SEP] B [SEP]
    if strategy == "only_first":
        assert (n_a, n_b) == (2, full_b)
    elif strategy == "only_second":
        assert (n_a, n_b) == (full_a, 2)
    else:
        assert n_a < full_a and abs(n_a - n_b) <= 1  # cut from the longer one until they are even


def test_no_truncation_keeps_everything_and_max_length_alone_does_nothing():
    r = ti.inspect("tiny-bert", PAIR_A, PAIR_B, truncation="do_not_truncate", max_length=5)
    assert len(r["sequences"][0]["input_ids"]) > 5
    assert r["settings"]["max_length"] is None and any("no effect" in n for n in r["notices"])


@pytest.mark.bundled
def test_truncation_without_max_length_uses_the_model_maximum():
    r = ti.inspect(MINILM, "word " * 600, truncation="longest_first")
    assert len(r["sequences"][0]["input_ids"]) == 512
    assert any("model's maximum, 512" in n for n in r["notices"])


def test_tokenizer_without_a_maximum_needs_max_length():
    with pytest.raises(BadInput, match="no maximum length of its own: set max_length"):
        ti.inspect("tiny-bert", "word " * 10, truncation="longest_first")


@pytest.mark.bundled
def test_too_long_without_truncation_is_explained():
    r = ti.inspect(MINILM, "word " * 600)
    assert r["sequences"][0]["num_tokens"] > 512
    assert any("accepts at most" in n for n in r["notices"])


def test_concurrent_requests_keep_their_own_settings():
    """transformers sets truncation on the shared Rust tokenizer before encoding without the GIL:
    without demo.models.tokenizer_lock, concurrent requests got each other's max_length."""
    import threading

    text = "Hugging Face is a company based in New York City. " * 300
    wrong: list[str] = []

    def worker(k: int) -> None:
        for _ in range(15):
            if k % 2:
                r = ti.inspect("tiny-bert", text, truncation="longest_first", max_length=16 + k)
                if len(r["sequences"][0]["input_ids"]) != 16 + k:
                    wrong.append(f"truncated to {len(r['sequences'][0]['input_ids'])}, not {16 + k}")
            else:
                r = ti.inspect("tiny-bert", text)
                if len(r["sequences"][0]["input_ids"]) < 1000:
                    wrong.append("an untruncated request was truncated")

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong, wrong[:5]


# ---------------------------------------------------------------------------
# Bad input: clear errors
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(text=""), "text is empty"),
        (dict(text="   \n  "), "text is empty"),
        (dict(text="hello world", truncation="only_second", max_length=4), "text_pair"),
        (dict(text="hello world how are you", text_pair="x", truncation="longest_first", max_length=3),
         r"impossible.*max_length ≥ 5"),
        (dict(text="hello world", truncation="longest_first", max_length=2), r"impossible.*≥ 3"),
        (dict(text="hello world how are you", text_pair="fine", truncation="only_second", max_length=5),
         "raise max_length"),
        (dict(text="x", max_length=-3), "positive"),
        (dict(text="x", max_length=2.5), "whole number"),
        (dict(text="x", padding="max_length", max_length=10**6), "too large"),
        (dict(text="x", padding="sideways"), "padding must be one of"),
        (dict(text="x", truncation="middle"), "truncation must be one of"),
        (dict(text="a\nb\nc", text_pair="1\n2"), "one text_pair line per text line"),
    ],
)
def test_bad_input_is_a_clear_error(kwargs, match):
    with pytest.raises(BadInput, match=match):
        ti.inspect("tiny-bert", **kwargs)


def test_unknown_and_wrong_tokenizer():
    with pytest.raises(UnknownModel, match="Unknown model"):
        ti.inspect("../../etc/passwd", "hi")
    with pytest.raises(WrongTask, match="cannot be used for tokenize"):
        ti.inspect("roberta-base-go_emotions", "hi")


def test_100k_characters_are_capped_with_a_notice():
    r = ti.inspect("tiny-bert", "a " * 50_000)
    assert any("only the first 60,000" in n for n in r["notices"])
    assert r["sequences"][0]["text"] == ("a " * 50_000)[: ti.MAX_CHARS].strip() or len(r["sequences"][0]["text"]) <= ti.MAX_CHARS


def test_too_many_lines_are_capped_with_a_notice():
    r = ti.inspect("tiny-bert", "\n".join(f"line {i}" for i in range(100)))
    assert len(r["sequences"]) == ti.MAX_LINES and any("first 64" in n for n in r["notices"])


# ---------------------------------------------------------------------------
# Several tokenizers side by side
# ---------------------------------------------------------------------------


def test_compare_counts_side_by_side():
    text = "Tokenization splits words into pieces."
    res = ti.compare(["tiny-bert", "tiny-gpt2", "tiny-t5", "gpt2"], text)
    rows = {r["tokenizer"]: r for r in res["counts"]}
    for name in ["tiny-bert", "tiny-gpt2", "tiny-t5"]:
        tok = models.load_tokenizer(name)
        assert rows[name]["num_tokens"] == len(tok(text, add_special_tokens=False)["input_ids"])
    assert rows["tiny-gpt2"]["algorithm"] == "byte-level BPE"
    assert rows["tiny-t5"]["algorithm"] == "Unigram (SentencePiece)"
    assert rows["gpt2"]["available"] is False and "prefetch" in rows["gpt2"]["error"]  # tests run offline


def test_compare_fails_only_when_nothing_loads():
    with pytest.raises(Exception, match="prefetch"):
        ti.compare(["gpt2"], "hi")
    with pytest.raises(BadInput):
        ti.compare([], "hi")


# ---------------------------------------------------------------------------
# HTML: user text is escaped everywhere
# ---------------------------------------------------------------------------


def test_xss_token_renders_as_text():
    r = ti.inspect("tiny-bert", f"{XSS} hello\n<b>bold</b>", f"{XSS}")
    for html in (tokenizer_tab.coloured_html(r), tokenizer_tab.batch_matrix_html(r), tokenizer_tab.summary_md(r)):
        assert "<img" not in html and "<b>bold" not in html
    assert "&lt;" in tokenizer_tab.coloured_html(r)
    rows = tokenizer_tab.sequence_rows(r["sequences"][0])
    assert "<" in rows[1][3]  # the table shows the raw text; gr.Dataframe renders str cells as text


def test_coloured_view_covers_the_text_in_order():
    """Concatenating the spans' text (without badges) gives back the original line."""
    import re

    r = ti.inspect("tiny-roberta", "Hugging Face is in New York City. éà ok")
    html = tokenizer_tab.colour_sequence(r["sequences"][0], None)
    no_badges = re.sub(r'<span class="[^"]*tc-chip--special[^"]*"[^>]*>.*?</span>', "", html)
    text = re.sub(r"<[^>]+>", "", no_badges)
    import html as h

    assert h.unescape(text) == "Hugging Face is in New York City. éà ok"


# ---------------------------------------------------------------------------
# Through the API (gradio_client), as scripts and the README use it
# ---------------------------------------------------------------------------


def _tokenize(client, text, text_pair="", add_special_tokens=True, padding="longest", truncation="do_not_truncate",
              max_length=0, tokenizer="tiny-bert"):
    return client.predict(tokenizer, text, text_pair, add_special_tokens, padding, truncation, max_length,
                          api_name="/tokenize")


def test_api_tokenize_raw_keys(client):
    out = _tokenize(client, "I love NLP!\nHi")
    raw = out[-1]
    assert {"sequences", "special_tokens"} <= set(raw)
    for seq in raw["sequences"]:
        assert {"tokens", "input_ids", "attention_mask", "token_type_ids", "offsets"} <= set(seq)
    assert raw["sequences"][1]["attention_mask"][-1] == 0  # padded


def test_api_keywords_named_after_parameters(client):
    out = client.predict(tokenizer="tiny-bert", text=I_LOVE_NLP, text_pair="Paris.", add_special_tokens=True,
                         padding="max_length", truncation="longest_first", max_length=12, api_name="/tokenize")
    seq = out[-1]["sequences"][0]
    assert len(seq["input_ids"]) == 12 and 1 in seq["token_type_ids"]


def test_api_round_trip_and_counts(client):
    _, raw = client.predict("tiny-bert", I_LOVE_NLP, "", True, "longest", "do_not_truncate", 0,
                            api_name="/decode_round_trip")
    assert raw["sequences"][0]["decoded_skip_special"] == "i love nlp!"
    table = client.predict(["tiny-bert", "tiny-gpt2"], I_LOVE_NLP, api_name="/token_counts")
    assert [row[0] for row in table["data"]] == ["tiny-bert", "tiny-gpt2"]


def test_api_xss_is_escaped(client):
    out = _tokenize(client, XSS)
    assert all("<img" not in part for part in out[:3] if isinstance(part, str))


@pytest.mark.parametrize(
    "args, match",
    [
        (dict(text=""), "text is empty"),
        (dict(text="hello world", truncation="longest_first", max_length=2), "impossible"),
        (dict(text="hello", truncation="only_second", max_length=8), "text_pair"),
    ],
)
def test_api_errors_carry_the_message(client, args, match):
    with pytest.raises(AppError, match=match):
        _tokenize(client, **args)


def test_api_unknown_tokenizer(client):
    with pytest.raises(AppError, match="Unknown model|not in the list of choices"):
        _tokenize(client, "hi", tokenizer="../../etc/passwd")


# ---------------------------------------------------------------------------
# In the browser: the three tabs render a hostile token as text
# ---------------------------------------------------------------------------


@pytest.mark.browser
def test_browser_tokenizer_tabs_render_xss_as_text(page):
    from testkit.browser import open_tab, screenshot

    open_tab(page, "Tokenizer")
    page.get_by_label("text", exact=False).filter(visible=True).first.fill(f"I love NLP!\n{XSS}")
    page.get_by_role("button", name="Tokenize", exact=True).filter(visible=True).click()
    page.get_by_text("sequence 2 ·").first.wait_for(timeout=30_000)
    page.get_by_text("sequence 2: " + XSS[:40]).first.wait_for(timeout=30_000)  # a table per sequence
    assert page.locator("img[src='x']").count() == 0
    screenshot(page, "tokenizer")

    open_tab(page, "WordPiece trainer")
    page.get_by_label("corpus", exact=False).filter(visible=True).first.fill(f"{XSS} hello hello")
    page.get_by_role("button", name="Train", exact=True).filter(visible=True).click()
    page.get_by_text("distinct words").first.wait_for(timeout=30_000)
    assert page.locator("img[src='x']").count() == 0

    open_tab(page, "MLM masking")
    page.get_by_label("text", exact=False).filter(visible=True).first.fill(f"{XSS} hello")
    page.get_by_role("button", name="Mask", exact=True).filter(visible=True).click()
    page.get_by_text("candidate tokens picked").first.wait_for(timeout=30_000)
    assert page.locator("img[src='x']").count() == 0
    screenshot(page, "mlm_masking")


# ---------------------------------------------------------------------------
# Booleans from the API: "false" means False (never read by truthiness)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("off", [False, "false", "False", 0])
def test_add_special_tokens_false_in_any_spelling(off):
    r = ti.inspect("tiny-bert", I_LOVE_NLP, add_special_tokens=off)
    assert r["settings"]["add_special_tokens"] is False
    assert "[CLS]" not in r["sequences"][0]["tokens"]
    rt = ti.round_trip("tiny-bert", I_LOVE_NLP, add_special_tokens=off)
    assert rt == ti.round_trip("tiny-bert", I_LOVE_NLP, add_special_tokens=False)


@pytest.mark.parametrize("bad", ["no", "yes", 2, None])
def test_add_special_tokens_refuses_what_is_not_a_boolean(bad):
    with pytest.raises(BadInput, match="add_special_tokens must be true or false"):
        ti.inspect("tiny-bert", I_LOVE_NLP, add_special_tokens=bad)


# ---------------------------------------------------------------------------
# One contract for truncation: truncation_notice is a sentence when tokens were cut, else None
# ---------------------------------------------------------------------------


def test_truncation_notice_names_the_cut_sequences():
    r = ti.inspect("tiny-bert", "word " * 20 + "\nhi", truncation="longest_first", max_length=8)
    assert isinstance(r["truncation_notice"], str) and "truncated" not in r
    assert "sequence(s) 1 " in r["truncation_notice"] and "max_length=8" in r["truncation_notice"]
    assert "✂️" in tokenizer_tab.summary_md(r)
    rt = ti.round_trip("tiny-bert", "word " * 20 + "\nhi", truncation="longest_first", max_length=8)
    assert rt["truncation_notice"] == r["truncation_notice"]
    for kw in (dict(), dict(truncation="longest_first", max_length=64)):  # nothing cut
        assert ti.inspect("tiny-bert", I_LOVE_NLP, **kw)["truncation_notice"] is None
        assert ti.round_trip("tiny-bert", I_LOVE_NLP, **kw)["truncation_notice"] is None
