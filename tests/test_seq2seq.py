"""Translation and summarization: the output equals generate() on the T5-prefixed input."""

from __future__ import annotations

import functools

import pytest
import torch
from gradio_client.exceptions import AppError

from demo import models, registry
from demo.course_texts import LEGUMES
from demo.errors import BadInput, ModelUnavailable, WrongTask
from demo.tasks import seq2seq


@functools.lru_cache(maxsize=None)
def direct(name: str):
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    path = registry.get(name).local_path
    return AutoModelForSeq2SeqLM.from_pretrained(path).eval(), AutoTokenizer.from_pretrained(path)


def library_generate(name: str, text: str, n: int) -> list[int]:
    model, tok = direct(name)
    with torch.no_grad():
        return model.generate(**tok(text, return_tensors="pt"), max_new_tokens=n, do_sample=False)[0].tolist()


@pytest.mark.parametrize(
    "fn, prefix, n",
    [(seq2seq.translate, "translate English to French: ", 60), (seq2seq.summarize, "summarize: ", 100)],
)
def test_output_equals_generate_on_the_prefixed_input(fn, prefix, n):
    result = fn("tiny-t5", LEGUMES)
    assert result["prefix"] == prefix and result["input_text"] == prefix + LEGUMES
    expected = library_generate("tiny-t5", prefix + LEGUMES, n)
    assert result["output_ids"] == expected
    tok = direct("tiny-t5")[1]
    assert result["text"] == tok.decode(expected, skip_special_tokens=True)
    assert result["input_ids"] == tok(prefix + LEGUMES)["input_ids"]
    assert result["tokens"] == tok.convert_ids_to_tokens(result["input_ids"])


def test_a_typed_prefix_is_not_added_twice():
    typed = seq2seq.translate("tiny-t5", "translate English to French: " + LEGUMES)  # seed 002's exact text
    assert typed["input_text"] == "translate English to French: " + LEGUMES
    assert typed["output_ids"] == seq2seq.translate("tiny-t5", LEGUMES)["output_ids"]


def test_long_text_is_truncated_with_a_notice():
    result = seq2seq.summarize("tiny-t5", "The quick brown fox jumps over the lazy dog. " * 200)
    assert result["truncation_notice"] and len(result["input_ids"]) == 512


def test_generate_kwargs_depend_on_the_task_only():
    """The settings come from the task's length budget; no loaded model is needed (the parameter was unused)."""
    assert seq2seq.generate_kwargs("translation") == {"max_new_tokens": 60, "do_sample": False}
    assert seq2seq.generate_kwargs("summarization") == {"max_new_tokens": 100, "do_sample": False}


def test_target_loss_equals_the_model_loss_with_labels():
    model, tok = direct("tiny-t5")
    target = "Les légumes partagent des ressources."
    result = seq2seq.loss("tiny-t5", LEGUMES, target, "translation")
    enc = tok("translate English to French: " + LEGUMES, return_tensors="pt")
    labels = tok(target, return_tensors="pt")["input_ids"]
    with torch.no_grad():
        expected = model(**enc, labels=labels).loss
    assert result["loss"] == pytest.approx(float(expected), rel=1e-5)
    assert result["loss_function"] == ["CrossEntropyLoss"]
    assert result["labels"] == labels[0].tolist()


def test_bad_input_and_wrong_models_are_explained():
    with pytest.raises(BadInput, match="text is empty"):
        seq2seq.translate("tiny-t5", " ")
    with pytest.raises(WrongTask, match="cannot be used for summarization"):
        seq2seq.summarize("tiny-gpt2", LEGUMES)


@pytest.mark.skipif(models.status(registry.get("t5-small")) == "cached", reason="t5-small is prefetched here")
def test_t5_small_offline_names_the_prefetch_command(client):
    with pytest.raises(ModelUnavailable, match=r"python -m demo\.prefetch t5-small"):
        seq2seq.translate("t5-small", LEGUMES)
    with pytest.raises(AppError, match=r"python -m demo\.prefetch t5-small"):
        client.predict("t5-small", LEGUMES, api_name="/translate")


def test_endpoints_through_the_client(client):
    *_, raw = client.predict("tiny-t5", LEGUMES, api_name="/translate")
    assert raw["output_ids"] == library_generate("tiny-t5", "translate English to French: " + LEGUMES, 60)
    *_, raw = client.predict("tiny-t5", LEGUMES, api_name="/summarize")
    assert raw["prefix"] == "summarize: " and isinstance(raw["text"], str)
    with pytest.raises(AppError, match="text is empty"):
        client.predict("tiny-t5", "", api_name="/summarize")


@pytest.mark.skipif(models.status(registry.get("t5-small")) != "cached", reason="t5-small not prefetched")
def test_seed_002_summary_with_t5_small():
    from tabs.tasks.seq2seq import SUMMARIZE_EXAMPLE

    result = seq2seq.summarize("t5-small", SUMMARIZE_EXAMPLE)
    assert result["text"].startswith("the inflation reduction act lowers prescription drug costs, health care costs")
