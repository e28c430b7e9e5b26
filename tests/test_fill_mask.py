"""Fill-mask: top-k equals the softmax over the model's own logits at each mask, for [MASK] and <mask> models."""

from __future__ import annotations

import functools
import html
import re

import pytest
import torch
from gradio_client.exceptions import AppError

from demo import models, registry
from demo.errors import BadInput, WrongTask
from demo.tasks import fill_mask as fm


@functools.lru_cache(maxsize=None)
def direct(name: str):
    """The model and tokenizer loaded straight from the folder, not through the app's loader."""
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    path = registry.get(name).local_path
    return AutoModelForMaskedLM.from_pretrained(path).eval(), AutoTokenizer.from_pretrained(path)


def expected_top_k(name: str, text: str, k: int) -> list[list[tuple[int, float]]]:
    model, tok = direct(name)
    enc = tok(text, return_tensors="pt")
    with torch.no_grad():
        logits = model(**enc).logits[0]  # T x V
    positions = (enc["input_ids"][0] == tok.mask_token_id).nonzero().flatten().tolist()
    out = []
    for p in positions:
        probs = logits[p].softmax(-1)
        top = probs.topk(k)
        out.append(list(zip(top.indices.tolist(), top.values.tolist())))
    return out


def got(result: dict) -> list[list[tuple[int, float]]]:
    return [[(o["token_id"], o["score"]) for o in mask] for mask in result["predictions"]]


def assert_same(a, b):
    assert len(a) == len(b)
    for row_a, row_b in zip(a, b):
        assert [i for i, _ in row_a] == [i for i, _ in row_b]
        assert [s for _, s in row_a] == pytest.approx([s for _, s in row_b], abs=1e-6)


@pytest.mark.parametrize("name", ["tiny-bert", "tiny-distilbert", "tiny-roberta"])
@pytest.mark.parametrize("typed", ["[MASK]", "<mask>"])
def test_top_k_is_the_softmax_at_the_mask(name, typed):
    text = f"The Milky Way is a {typed} galaxy."
    result = fm.run(name, text, 5)
    own = direct(name)[1].mask_token
    assert result["mask_token"] == own
    assert result["text"] == f"The Milky Way is a {own} galaxy."
    assert_same(got(result), expected_top_k(name, result["text"], 5))
    assert len(result["predictions"]) == 1 and len(result["predictions"][0]) == 5
    assert result["tokens"][result["mask_positions"][0]] == own


@pytest.mark.parametrize("name", ["tiny-bert", "tiny-roberta"])
def test_two_masks_are_predicted_independently(name):
    result = fm.run(name, "I went to the [MASK] to deposit <mask>.", 3)
    assert len(result["mask_positions"]) == 2
    assert_same(got(result), expected_top_k(name, result["text"], 3))
    # each sequence fills its own mask and keeps the other one
    mask = result["mask_token"]
    first, second = result["predictions"][0][0], result["predictions"][1][0]
    assert mask in first["sequence"] and mask in second["sequence"]


def test_sequence_is_the_text_with_the_prediction():
    result = fm.run("tiny-bert", "The capital of France is [MASK].", 2)
    for o in result["predictions"][0]:
        assert o["sequence"] == f"the capital of france is {o['token']}." or o["token"].startswith("##") \
            or o["token"] in ("[CLS]", "[SEP]", "[PAD]", "[UNK]")


def test_top_k_bounds():
    assert len(fm.run("tiny-bert", "a [MASK]", 1)["predictions"][0]) == 1
    with pytest.raises(BadInput, match="top_k"):
        fm.run("tiny-bert", "a [MASK]", 0)


@pytest.mark.parametrize(
    "text, match",
    [
        ("There is no mask here.", r"type \[MASK\] or <mask>"),
        ("[MASK] " * 6, "at most 5"),
        ("   ", "empty"),
    ],
)
def test_bad_text_says_what_to_type(text, match):
    with pytest.raises(BadInput, match=match):
        fm.run("tiny-bert", text, 5)


def test_a_model_without_a_masked_lm_is_refused():
    with pytest.raises(WrongTask, match="cannot be used for fill-mask"):
        fm.run("tiny-gpt2", "a [MASK]", 5)


def test_long_text_is_truncated_with_a_notice():
    text = "[MASK] " + "the quick brown fox jumps over the lazy dog . " * 60
    result = fm.run("tiny-bert", text, 3)
    assert result["truncation_notice"] and "truncated" in result["truncation_notice"]
    assert len(result["input_ids"]) == 256  # tiny-bert's position table
    with pytest.raises(BadInput, match="cut off"):
        fm.run("tiny-bert", "the quick brown fox . " * 100 + "[MASK]", 3)


def test_loss_for_a_target_word_is_minus_log_p():
    text = "The capital of France is [MASK]."
    result = fm.run("tiny-bert", text, 1)
    target = result["predictions"][0][0]
    loss = fm.loss("tiny-bert", text, target["token"])
    assert loss["loss_function"] == ["CrossEntropyLoss"]
    assert loss["loss"] == pytest.approx(-torch.tensor(target["score"]).log().item(), rel=1e-4)
    assert loss["loss"] == pytest.approx(loss["minus_log_prob"], rel=1e-5)
    assert [x for x in loss["labels"] if x != -100] == [target["token_id"]]


def test_loss_needs_one_single_token_word_per_mask():
    with pytest.raises(BadInput, match="one target word per mask"):
        fm.loss("tiny-bert", "a [MASK] b [MASK]", "capital")
    with pytest.raises(BadInput, match="single token"):
        fm.loss("tiny-bert", "a [MASK]", "supercalifragilistic")
    two = fm.loss("tiny-roberta", "a [MASK] b <mask>", "is, the")
    assert len([x for x in two["labels"] if x != -100]) == 2


def test_endpoint_through_the_client(client):
    *_, raw = client.predict("tiny-roberta", "The Milky Way is a [MASK] galaxy.", 3, api_name="/fill_mask")
    assert raw["mask_token"] == "<mask>"
    assert [[o["token_id"] for o in m] for m in raw["predictions"]] == [
        [i for i, _ in m] for m in expected_top_k("tiny-roberta", raw["text"], 3)
    ]
    assert set(raw["predictions"][0][0]) >= {"token", "token_id", "score", "sequence"}


def test_endpoint_errors_say_what_to_do(client):
    with pytest.raises(AppError) as info:  # the message is HTML (Gradio renders it so): <mask> arrives escaped
        client.predict("tiny-bert", "no mask at all", 5, api_name="/fill_mask")
    assert re.search(r"type \[MASK\] or <mask>", html.unescape(str(info.value)))
    with pytest.raises(AppError, match="at most 5"):
        client.predict("tiny-bert", "[MASK] " * 7, 5, api_name="/fill_mask")
    text = client.predict("tiny-bert", "The capital of France is [MASK].", "france", api_name="/fill_mask_loss")
    assert "outputs.loss" in text and "CrossEntropyLoss" in text


@pytest.mark.bundled
def test_minilm_serves_fill_mask_with_a_flagged_head():
    result = fm.run("all-MiniLM-L6-v2 (bundled)", "The Milky Way is a <mask> galaxy.", 3)
    assert result["tokens"] == ["[CLS]", "the", "milky", "way", "is", "a", "[MASK]", "galaxy", ".", "[SEP]"]
    loaded = models.load("all-MiniLM-L6-v2 (bundled)", fm.HEAD)
    assert any(k.startswith("cls.predictions") for k in loaded.newly_initialized)


def _cached(name: str) -> bool:
    return models.status(registry.get(name)) == "cached"


@pytest.mark.skipif(not _cached("distilroberta-base"), reason="distilroberta-base not prefetched")
def test_seed_002_milky_way_with_distilroberta():
    result = fm.run("distilroberta-base", "The Milky Way is a <mask> galaxy.", 3)
    assert [o["sequence"] for o in result["predictions"][0]] == [
        "The Milky Way is a spiral galaxy.", "The Milky Way is a dwarf galaxy.", "The Milky Way is a massive galaxy."
    ]


def test_endpoint_takes_the_contract_names(client):
    *_, raw = client.predict(model="tiny-bert", text="a [MASK] b", top_k=2, api_name="/fill_mask")
    assert len(raw["predictions"][0]) == 2
