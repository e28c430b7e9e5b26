"""Next-sentence prediction: IsNext / NotNext are the softmax of the NSP logits (seed 004's Lincoln pair)."""

from __future__ import annotations

import functools

import pytest
import torch
from gradio_client.exceptions import AppError

from demo import models, registry
from demo.course_texts import LINCOLN_A_MASKED, LINCOLN_B_MASKED
from demo.errors import BadInput, WrongTask
from demo.tasks import next_sentence as nsp

# seed 004: tokenizer(text, text2) with bert-base-uncased
SEED_IDS = [
    101, 2044, 8181, 5367, 2180, 1996, 2281, 7313, 4883, 103, 2006, 2019, 3424, 1011, 8864, 4132, 1010, 2019,
    3988, 2698, 6658, 2163, 4161, 2037, 22965, 2013, 1996, 2406, 2000, 2433, 1996, 18179, 1012, 102, 2162,
    3631, 2041, 1999, 2258, 6863, 2043, 22965, 2923, 2749, 103, 3481, 7680, 3334, 1999, 2148, 3792, 1010,
    2074, 2058, 1037, 3204, 2044, 5367, 1005, 1055, 17331, 1012, 102,
]


@functools.lru_cache(maxsize=None)
def direct(name: str):
    """BertForPreTraining straight from the folder: its seq_relationship_logits are the NSP logits (seed 004)."""
    from transformers import AutoTokenizer, BertForPreTraining

    path = registry.get(name).local_path
    return BertForPreTraining.from_pretrained(path).eval(), AutoTokenizer.from_pretrained(path)


def test_probabilities_are_the_softmax_of_the_nsp_logits():
    model, tok = direct("tiny-bert")
    with torch.no_grad():
        logits = model(**tok(LINCOLN_A_MASKED, LINCOLN_B_MASKED, return_tensors="pt")).seq_relationship_logits[0]  # 2
    probs = logits.softmax(-1)
    result = nsp.run("tiny-bert", LINCOLN_A_MASKED, LINCOLN_B_MASKED)
    assert result["logits"] == pytest.approx(logits.tolist(), abs=1e-5)
    assert [result["is_next"], result["not_next"]] == pytest.approx(probs.tolist(), abs=1e-6)
    assert result["predicted"] == ("IsNext" if probs[0] > probs[1] else "NotNext")
    assert result["token_type_ids"][0] == 0 and result["token_type_ids"][-1] == 1
    assert result["tokens"].count("[SEP]") == 2 and result["tokens"].count("[MASK]") == 2


def test_loss_for_isnext_and_notnext():
    result = nsp.run("tiny-bert", LINCOLN_A_MASKED, LINCOLN_B_MASKED)
    for label, p in (("IsNext", result["is_next"]), ("NotNext", result["not_next"])):
        loss = nsp.loss("tiny-bert", LINCOLN_A_MASKED, LINCOLN_B_MASKED, label)
        assert loss["labels"] == [nsp.LABELS.index(label)]
        assert loss["loss_function"] == ["CrossEntropyLoss"]
        assert loss["loss"] == pytest.approx(-torch.tensor(p).log().item(), rel=1e-4)
    with pytest.raises(BadInput, match="IsNext or NotNext"):
        nsp.loss("tiny-bert", LINCOLN_A_MASKED, LINCOLN_B_MASKED, "Maybe")


def test_bad_input_and_wrong_models():
    with pytest.raises(BadInput, match="sentence_b is empty"):
        nsp.run("tiny-bert", LINCOLN_A_MASKED, "")
    with pytest.raises(WrongTask, match="cannot be used for next-sentence"):
        nsp.run("tiny-roberta", LINCOLN_A_MASKED, LINCOLN_B_MASKED)


def test_long_pair_is_truncated_with_a_notice():
    result = nsp.run("tiny-bert", LINCOLN_A_MASKED * 20, LINCOLN_B_MASKED)
    assert result["truncation_notice"] and len(result["input_ids"]) == 256
    assert result["tokens"][-1] == "[SEP]" and 1 in result["token_type_ids"]  # B survives: A was cut


def test_endpoint_through_the_client(client):
    *_, raw = client.predict("tiny-bert", LINCOLN_A_MASKED, LINCOLN_B_MASKED, api_name="/next_sentence")
    assert raw["is_next"] + raw["not_next"] == pytest.approx(1.0)
    assert raw["is_next"] == pytest.approx(nsp.run("tiny-bert", LINCOLN_A_MASKED, LINCOLN_B_MASKED)["is_next"])
    with pytest.raises(AppError, match="sentence_a is empty"):
        client.predict("tiny-bert", "", LINCOLN_B_MASKED, api_name="/next_sentence")
    text = client.predict("tiny-bert", LINCOLN_A_MASKED, LINCOLN_B_MASKED, "IsNext", api_name="/next_sentence_loss")
    assert "outputs.loss" in text and "CrossEntropyLoss" in text


@pytest.mark.bundled
def test_seed_004_lincoln_pair_encoding():
    result = nsp.run("all-MiniLM-L6-v2 (bundled)", LINCOLN_A_MASKED, LINCOLN_B_MASKED)
    assert result["input_ids"] == SEED_IDS
    assert result["token_type_ids"] == [0] * 34 + [1] * 29
    assert "cls.seq_relationship.weight" in models.load("all-MiniLM-L6-v2 (bundled)", nsp.HEAD).newly_initialized


@pytest.mark.skipif(models.status(registry.get("bert-base-uncased")) != "cached",
                    reason="bert-base-uncased not prefetched")
def test_seed_004_lincoln_is_next_with_bert_base():
    result = nsp.run("bert-base-uncased", LINCOLN_A_MASKED, LINCOLN_B_MASKED)
    assert result["logits"] == pytest.approx([6.0843, -5.6813], abs=1e-3)  # seed 004
    assert result["predicted"] == "IsNext"
