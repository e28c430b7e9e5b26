"""MLM masking through DataCollatorForLanguageModeling, and next-sentence pairs (seed 004)."""

from __future__ import annotations

import pytest
import torch
from gradio_client.exceptions import AppError

from demo import masking, models
from demo.errors import BadInput, UnknownModel, WrongTask
from tabs import masking_tab

LINCOLN = masking.DEFAULT_TEXT
BATCH = LINCOLN + "\nI love NLP!\nThe capital of France is Paris."


@pytest.mark.parametrize("name", ["tiny-bert", "tiny-roberta", "tiny-distilbert"])
def test_special_tokens_never_masked_and_labels_match(name):
    tok = models.load_tokenizer(name)
    # the structural tokens; [UNK] is an ordinary position for the collator (as in run_mlm.py)
    special = {tok.cls_token_id, tok.sep_token_id, tok.pad_token_id, tok.bos_token_id, tok.eos_token_id} - {None}
    for seed in range(8):
        r = masking.mask(name, BATCH, 0.5, seed)
        for i, seq in enumerate(r["sequences"]):
            ids, new, labels = r["input_ids"][i], r["masked_input_ids"][i], r["labels"][i]
            assert len(ids) == len(new) == len(labels)
            for a, b, lab in zip(ids, new, labels):
                if a in special:  # [CLS] [SEP] [PAD] (<s> </s> <pad>) are never picked or changed
                    assert lab == -100 and b == a
                if lab == -100:
                    assert b == a  # only picked tokens change
                else:
                    assert lab == a  # labels keep the original id
            assert [p["position"] for p in seq["picked"]] == [j for j, lab in enumerate(labels) if lab != -100]


def test_padding_is_never_masked():
    r = masking.mask("tiny-bert", BATCH, 1.0, 0)  # every candidate is picked
    tok = models.load_tokenizer("tiny-bert")
    short = r["sequences"][1]
    pads = [j for j, t in enumerate(short["input_ids"]) if t == tok.pad_token_id]
    assert pads, "the short line is padded to the batch"
    assert all(short["labels"][j] == -100 for j in pads)
    assert all(short["attention_mask"][j] == 0 for j in pads)
    c = r["counts"]
    assert c["chosen"] == c["candidates"] == c["mask"] + c["random"] + c["unchanged"]


def test_same_as_the_collator_called_directly():
    from transformers import DataCollatorForLanguageModeling

    tok = models.load_tokenizer("tiny-bert")
    r = masking.mask("tiny-bert", LINCOLN, 0.15, 7)
    enc = tok([LINCOLN], return_special_tokens_mask=True, truncation=True, max_length=512)
    collator = DataCollatorForLanguageModeling(tok, mlm_probability=0.15, seed=7)
    batch = collator([{k: enc[k][0] for k in enc.keys()}])
    assert r["masked_input_ids"] == batch["input_ids"].tolist()
    assert r["labels"] == batch["labels"].tolist()


def test_determinism_with_a_seed():
    a = masking.mask("tiny-bert", BATCH, 0.15, 123)
    b = masking.mask("tiny-bert", BATCH, 0.15, 123)
    assert a["masked_input_ids"] == b["masked_input_ids"] and a["labels"] == b["labels"]
    others = [masking.mask("tiny-bert", BATCH, 0.15, s)["labels"] for s in range(1, 6)]
    assert any(o != a["labels"] for o in others)


def test_seed_does_not_touch_the_global_rng():
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    masking.mask("tiny-bert", LINCOLN, 0.15, 5)
    assert torch.equal(torch.rand(3), expected)


def test_80_10_10_rule_in_aggregate():
    text = "\n".join([LINCOLN] * 16)
    counts = {"mask": 0, "random": 0, "unchanged": 0}
    chosen = candidates = 0
    for seed in range(5):
        r = masking.mask("tiny-bert", text, 0.15, seed)
        for k in counts:
            counts[k] += r["counts"][k]
        chosen += r["counts"]["chosen"]
        candidates += r["counts"]["candidates"]
    assert 0.11 < chosen / candidates < 0.19  # 15 %
    assert 0.72 < counts["mask"] / chosen < 0.88  # 80 %
    assert counts["random"] > 0 and counts["unchanged"] > 0
    # the outcome shown per position is what happened to that position
    r = masking.mask("tiny-bert", text, 0.15, 0)
    for i, seq in enumerate(r["sequences"]):
        for p in seq["picked"]:
            new = r["masked_input_ids"][i][p["position"]]
            assert (p["outcome"] == "mask") == (new == r["mask_token_id"])
            assert (p["outcome"] == "unchanged") == (new == p["label"])


def test_mlm_probability_zero_and_notice():
    r = masking.mask("tiny-bert", "I love NLP!", 0.0, 0)
    assert r["counts"]["chosen"] == 0 and all(lab == -100 for lab in r["labels"][0])
    assert any("No token was picked" in n for n in r["notices"])


@pytest.mark.bundled
def test_bundled_minilm_never_masks_cls_sep_pad():
    r = masking.mask("all-MiniLM-L6-v2 (bundled)", BATCH, 0.9, 3)
    for ids, labels in zip(r["input_ids"], r["labels"]):
        for a, lab in zip(ids, labels):
            if a in (101, 102, 0):
                assert lab == -100
    assert r["mask_token_id"] == 103


@pytest.mark.parametrize(
    "name, args, error, match",
    [
        ("tiny-bert", ("", 0.15, 0), BadInput, "text is empty"),
        ("tiny-bert", ("x" * 10_000, 0.15, 0), BadInput, "under 5,000"),
        ("tiny-bert", ("hi", 1.5, 0), BadInput, "between 0 and 1"),
        ("tiny-bert", ("hi", "lots", 0), BadInput, "between 0 and 1"),
        ("tiny-bert", ("hi", 0.15, -1), BadInput, "seed must be between"),
        ("tiny-bert", ("hi", 0.15, 1.5), BadInput, "whole number"),
        ("tiny-bert", ("hi", 0.15, None), BadInput, "whole number"),
        ("tiny-gpt2", ("hi", 0.15, 0), WrongTask, "no mask token"),
        ("nope", ("hi", 0.15, 0), UnknownModel, "Unknown model"),
    ],
)
def test_bad_input(name, args, error, match):
    with pytest.raises(error, match=match):
        masking.mask(name, *args)


def test_masked_view_escapes_text():
    r = masking.mask("tiny-bert", "<img src=x onerror=alert(1)> hello", 0.5, 0)
    html = masking_tab.masked_html(r) + masking_tab.counts_md(r)
    assert "<img" not in html


# ---------------------------------------------------------------------------
# Next-sentence pairs
# ---------------------------------------------------------------------------


def test_next_sentence_pairs():
    r = masking.next_sentence_pairs("tiny-bert", masking.DEFAULT_PASSAGE, 0, 16)
    sentences = masking.split_sentences(masking.DEFAULT_PASSAGE)
    corpus = {s for doc in masking.corpus_documents() for s in doc}
    tok = models.load_tokenizer("tiny-bert")
    assert r["num_is_next"] + r["num_not_next"] == 16 and r["num_is_next"] > 0 and r["num_not_next"] > 0
    for p in r["pairs"]:
        i = sentences.index(p["sentence_a"])
        if p["label"] == "IsNext":
            assert p["next_sentence_label"] == 0 and p["sentence_b"] == sentences[i + 1]
        else:
            assert p["next_sentence_label"] == 1 and p["sentence_b"] in corpus
        enc = tok(p["sentence_a"], p["sentence_b"])
        assert p["input_ids"] == enc["input_ids"] and p["token_type_ids"] == enc["token_type_ids"]
        sep = p["tokens"].index("[SEP]")
        assert set(p["token_type_ids"][: sep + 1]) == {0} and set(p["token_type_ids"][sep + 1:]) == {1}


def test_next_sentence_pairs_about_half_is_next():
    n = sum(masking.next_sentence_pairs("tiny-bert", masking.DEFAULT_PASSAGE, s, 16)["num_is_next"] for s in range(10))
    assert 55 < n < 105  # 160 draws at 50 %


def test_next_sentence_pairs_deterministic_and_checked():
    a = masking.next_sentence_pairs("tiny-bert", masking.DEFAULT_PASSAGE, 4, 6)
    b = masking.next_sentence_pairs("tiny-bert", masking.DEFAULT_PASSAGE, 4, 6)
    assert a["pairs"] == b["pairs"]
    with pytest.raises(BadInput, match="at least two sentences"):
        masking.next_sentence_pairs("tiny-bert", "Only one sentence here", 0, 4)
    with pytest.raises(BadInput, match="num_pairs"):
        masking.next_sentence_pairs("tiny-bert", masking.DEFAULT_PASSAGE, 0, 0)
    r = masking.next_sentence_pairs("tiny-roberta", masking.DEFAULT_PASSAGE, 0, 2)
    assert any("no token_type_ids" in n for n in r["notices"])


def test_bundled_corpus_has_several_documents():
    docs = masking.corpus_documents()
    assert len(docs) >= 5 and all(len(d) >= 3 for d in docs)
    assert not any(s.startswith("#") for d in docs for s in d)


def test_pairs_view_escapes_text():
    r = masking.next_sentence_pairs("tiny-bert", "<script>x</script> one. <img src=x> two.", 0, 2)
    assert "<script>" not in masking_tab.pairs_html(r) and "<img" not in masking_tab.pairs_html(r)


# ---------------------------------------------------------------------------
# Through the API
# ---------------------------------------------------------------------------


def test_api_mlm_mask(client):
    out = client.predict("tiny-bert", BATCH, 0.15, 0, api_name="/mlm_mask")
    raw = out[-1]
    assert {"input_ids", "masked_input_ids", "labels"} <= set(raw)
    direct = masking.mask("tiny-bert", BATCH, 0.15, 0)
    assert raw["labels"] == direct["labels"] and raw["masked_input_ids"] == direct["masked_input_ids"]


def test_api_mlm_mask_keywords_and_errors(client):
    out = client.predict(tokenizer="tiny-bert", text="I love NLP!", mlm_probability=1.0, seed=3, api_name="/mlm_mask")
    labels = out[-1]["labels"][0]
    assert labels[0] == -100 and labels[-1] == -100 and all(lab != -100 for lab in labels[1:-1])
    with pytest.raises(AppError, match="text is empty"):
        client.predict(tokenizer="tiny-bert", text="", mlm_probability=0.15, seed=0, api_name="/mlm_mask")
    with pytest.raises(AppError, match="no mask token|not in the list of choices"):
        client.predict(tokenizer="tiny-gpt2", text="hi", mlm_probability=0.15, seed=0, api_name="/mlm_mask")


def test_api_nsp_pairs(client):
    out = client.predict("tiny-bert", masking.DEFAULT_PASSAGE, 0, 4, api_name="/nsp_pairs")
    raw = out[-1]
    assert len(raw["pairs"]) == 4 and all("token_type_ids" in p for p in raw["pairs"])


# ---------------------------------------------------------------------------
# One contract for truncation: truncation_notice is a sentence when tokens were cut, else None
# ---------------------------------------------------------------------------


def test_mask_reports_a_cut_line_as_a_truncation_notice():
    short = masking.mask("tiny-bert", "I love NLP!", 0.15, 0)
    assert short["truncation_notice"] is None and "truncated" not in short
    long = masking.mask("tiny-bert", "word " * 900, 0.15, 0)
    assert isinstance(long["truncation_notice"], str) and "truncated" in long["truncation_notice"]
    assert long["truncation_notice"] in long["notices"]  # and the tab still shows it


def test_nsp_pairs_report_a_cut_pair_as_a_truncation_notice():
    r = masking.next_sentence_pairs("tiny-bert", masking.DEFAULT_PASSAGE, 0, 2)
    assert r["truncation_notice"] is None and "truncated" not in r
    long = masking.next_sentence_pairs("tiny-bert", "word " * 900 + ". A short one. And another.", 0, 2)
    assert isinstance(long["truncation_notice"], str) and "cut" in long["truncation_notice"]
    assert "pair(s) were longer than the model's 512 tokens" in long["truncation_notice"]


def test_api_mlm_mask_carries_truncation_notice(client):
    raw = client.predict("tiny-bert", "I love NLP!", 0.15, 0, api_name="/mlm_mask")[-1]
    assert "truncation_notice" in raw and raw["truncation_notice"] is None and "truncated" not in raw
