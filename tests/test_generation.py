"""Text generation: the endpoint's continuation equals model.generate(do_sample=False), whole or streamed."""

from __future__ import annotations

import functools
import threading

import pytest
import torch
from gradio_client.exceptions import AppError

from demo import registry
from demo.errors import BadInput, WrongTask
from demo.tasks import generation


@functools.lru_cache(maxsize=None)
def direct(name: str):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    path = registry.get(name).local_path
    return AutoModelForCausalLM.from_pretrained(path).eval(), AutoTokenizer.from_pretrained(path)


def library_greedy(name: str, prompt: str, n: int) -> list[int]:
    model, tok = direct(name)
    enc = tok(prompt, return_tensors="pt")
    pad = tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id
    with torch.no_grad():
        out = model.generate(**enc, max_new_tokens=n, do_sample=False, pad_token_id=pad)
    return out[0, enc["input_ids"].shape[1]:].tolist()


@pytest.mark.parametrize("name", ["tiny-gpt2", "tiny-llama"])
def test_greedy_equals_library_generate(name):
    prompt = "The capital of France is"
    result = generation.run(name, prompt, 12)
    expected = library_greedy(name, prompt, 12)
    assert result["generated_ids"] == expected
    tok = direct(name)[1]
    assert result["text"] == tok.decode(expected, skip_special_tokens=True)
    assert result["tokens"] == tok.convert_ids_to_tokens(tok(prompt)["input_ids"])
    assert result["truncation_notice"] is None


@pytest.mark.parametrize("name", ["tiny-gpt2", "tiny-llama"])
def test_stream_ends_with_the_same_result(name):
    steps = list(generation.stream(name, "Students learn how models read text", 8))
    final = steps[-1]
    assert final["done"] and all(not s["done"] for s in steps[:-1])
    assert final["generated_ids"] == library_greedy(name, "Students learn how models read text", 8)
    assert final == {**generation.run(name, "Students learn how models read text", 8), "done": True}


def _stream_workers() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name == generation.WORKER_THREAD and t.is_alive()}


def test_stream_can_be_abandoned():
    before = _stream_workers()  # (another test's stream may still be finishing)
    stream = generation.stream("tiny-gpt2", "Once upon a time", 200)
    next(stream)
    ours = _stream_workers() - before
    assert len(ours) == 1  # generate() is running in its thread
    stream.close()  # the user left: generation stops at the next token, and close() waits for the thread
    worker = ours.pop()
    assert not worker.is_alive(), "the generate() thread kept running after the stream was closed"


def test_stopped_at_eos_follows_the_one_eos_rule(monkeypatch):
    """A model whose generation config ends on an id the tokenizer does not call EOS (SmolLM2's
    <|im_end|>): stopped_at_eos reads Loaded.eos_token_ids, not tokenizer.eos_token_id."""
    from demo import models

    first = generation.run("tiny-gpt2", "The capital of France is", 1)["generated_ids"][0]
    loaded = models.load("tiny-gpt2", generation.HEAD)
    assert first != loaded.tokenizer.eos_token_id
    monkeypatch.setattr(loaded.model.generation_config, "eos_token_id", [first])
    result = generation.run("tiny-gpt2", "The capital of France is", 5)
    assert result["generated_ids"] == [first] and result["stopped_at_eos"]


def test_long_prompt_keeps_its_end_with_a_notice():
    prompt = "the quick brown fox jumps over the lazy dog . " * 60 + "The capital of France is"
    result = generation.run("tiny-gpt2", prompt, 6)
    assert result["truncation_notice"] and "truncated" in result["truncation_notice"]
    assert len(result["input_ids"]) == 256 - 6  # the context holds the prompt and the new tokens
    assert result["prompt"].endswith("The capital of France is")
    model, _ = direct("tiny-gpt2")
    with torch.no_grad():
        out = model.generate(torch.tensor([result["input_ids"]]), max_new_tokens=6, do_sample=False,
                             pad_token_id=model.config.eos_token_id)
    assert result["generated_ids"] == out[0, len(result["input_ids"]):].tolist()


@pytest.mark.parametrize(
    "prompt, n, match",
    [("", 5, "prompt is empty"), ("hello", 0, "max_new_tokens"), ("hello", 10_000, "max_new_tokens"),
     ("hello", "many", "max_new_tokens")],
)
def test_bad_input_says_what_to_do(prompt, n, match):
    with pytest.raises(BadInput, match=match):
        generation.run("tiny-gpt2", prompt, n)


def test_an_encoder_is_refused():
    with pytest.raises(WrongTask, match="cannot be used for text-generation"):
        generation.run("tiny-bert", "hello", 5)


def test_continuation_loss_is_the_causal_lm_cross_entropy():
    model, tok = direct("tiny-gpt2")
    result = generation.loss("tiny-gpt2", "The capital of France is", "Paris.")
    prompt_ids = tok("The capital of France is")["input_ids"]
    cont_ids = tok(" Paris.", add_special_tokens=False)["input_ids"]
    ids = torch.tensor([prompt_ids + cont_ids])
    with torch.no_grad():
        logits = model(ids).logits[0]  # T x V
    # token t is predicted from position t - 1
    logp = logits[len(prompt_ids) - 1:-1].log_softmax(-1)
    expected = -logp[range(len(cont_ids)), cont_ids].mean()
    assert result["loss"] == pytest.approx(float(expected), rel=1e-4)
    assert result["loss_function"] == ["CrossEntropyLoss"]
    assert result["labels"][: len(prompt_ids)] == [-100] * len(prompt_ids)


def test_endpoint_through_the_client(client):
    *_, raw = client.predict("tiny-gpt2", "The capital of France is", 7, api_name="/generate")
    assert raw["generated_ids"] == library_greedy("tiny-gpt2", "The capital of France is", 7)
    assert isinstance(raw["text"], str)
    with pytest.raises(AppError, match="prompt is empty"):
        client.predict("tiny-gpt2", "  ", 7, api_name="/generate")
    text = client.predict("tiny-gpt2", "The capital of France is", "Paris.", api_name="/generate_loss")
    assert "outputs.loss" in text and "Perplexity" in text


@pytest.mark.bundled
def test_smollm2_knows_the_capital_of_france():
    result = generation.run("SmolLM2-135M-Instruct (bundled)", "The capital of France is", 8)
    assert "Paris" in result["text"]
    streamed = list(generation.stream("SmolLM2-135M-Instruct (bundled)", "The capital of France is", 8))
    assert streamed[-1]["text"] == result["text"] and len(streamed) > 2  # it really streamed


def test_endpoint_takes_the_contract_names_and_repeats_identically(client):
    kw = dict(model="tiny-llama", prompt="Transformers use attention", max_new_tokens=5, api_name="/generate")
    *_, first = client.predict(**kw)
    *_, again = client.predict(**kw)  # served from the request cache: the same greedy continuation
    assert first == again
    assert first["generated_ids"] == library_greedy("tiny-llama", "Transformers use attention", 5)
