"""The decoding playground: same tokens as model.generate, honest step records, clear errors."""

from __future__ import annotations

import inspect
import math
import threading
from dataclasses import asdict, fields

import pytest

from demo import decoding, models
from demo.decoding.run import _strip
from demo.errors import BadInput

TINY = ["tiny-gpt2", "tiny-llama"]
SMOL = "SmolLM2-135M-Instruct (bundled)"
PROMPT = "The capital of France is"


def library(name: str, result: dict, seed: int | None = None, **extra) -> list[list[int]]:
    """model.generate with the kwargs the result says it used; generated ids up to the first EOS."""
    import torch
    from transformers import set_seed

    loaded = models.load(name, "causal-lm")
    ids = torch.tensor([result["prompt_token_ids"]])
    if seed is not None:
        set_seed(seed)  # what seed 002 does before sampling
    with torch.inference_mode():
        out = loaded.model.generate(ids, attention_mask=torch.ones_like(ids), **result["generate_kwargs"], **extra)
    seqs = out.sequences if hasattr(out, "sequences") else out
    return [_strip(row[ids.shape[1]:], loaded.eos_token_ids) for row in seqs.tolist()]


def ours(result: dict) -> list[list[int]]:
    return [s["token_ids"] for s in result["sequences"]]


# ---------------------------------------------------------------------------
# Token for token equal to model.generate
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", TINY)
def test_greedy_equals_generate(name):
    r = decoding.decode(name, PROMPT, max_new_tokens=15)
    assert r["generate_kwargs"]["do_sample"] is False and r["strategy"] == "greedy"
    assert ours(r) == library(name, r)
    assert len(r["steps"]) == len(r["sequences"][0]["token_ids"])


@pytest.mark.parametrize("name", TINY)
def test_beam_search_with_several_return_sequences_equals_generate(name):
    r = decoding.decode(name, PROMPT, max_new_tokens=12, num_beams=4, num_return_sequences=3)
    assert len(r["sequences"]) == 3
    assert ours(r) == library(name, r)
    # our beam_score is the library's sequences_scores (cumulative processed log-prob / length)
    import torch

    loaded = models.load(name, "causal-lm")
    ids = torch.tensor([r["prompt_token_ids"]])
    out = loaded.model.generate(ids, attention_mask=torch.ones_like(ids), **r["generate_kwargs"],
                                return_dict_in_generate=True, output_scores=True)
    assert [s["beam_score"] for s in r["sequences"]] == pytest.approx(out.sequences_scores.tolist(), abs=1e-3)


@pytest.mark.parametrize("name", TINY)
@pytest.mark.parametrize(
    "settings",
    [
        dict(do_sample=True, top_k=50, seed=42),
        dict(do_sample=True, top_k=0, top_p=0.9, temperature=0.7, seed=7),
        dict(do_sample=True, top_k=20, top_p=0.95, temperature=1.3, seed=3, num_return_sequences=3),
        dict(no_repeat_ngram_size=2, repetition_penalty=1.3),
        dict(num_beams=3, num_return_sequences=2, no_repeat_ngram_size=2, early_stopping=True),
        dict(do_sample=True, num_beams=3, num_return_sequences=2, top_k=10, seed=11),
    ],
    ids=["top-k", "top-p+temperature", "3 samples", "ngram+penalty", "beam+ngram", "beam-sample"],
)
def test_every_strategy_equals_generate(name, settings):
    r = decoding.decode(name, PROMPT, max_new_tokens=12, **settings)
    assert ours(r) == library(name, r, seed=settings.get("seed") if settings.get("do_sample") else None)


def test_same_seed_same_text_and_another_seed_differs():
    kw = dict(max_new_tokens=20, do_sample=True, top_k=0, seed=5)
    a = decoding.decode("tiny-gpt2", PROMPT, **kw)
    b = decoding.decode("tiny-gpt2", PROMPT, **kw)
    c = decoding.decode("tiny-gpt2", PROMPT, **(kw | {"seed": 6}))
    assert ours(a) == ours(b) and a["steps"] == b["steps"]
    assert ours(a) != ours(c)


@pytest.mark.bundled
def test_smollm2_equals_generate_for_greedy_beam_and_sampling():
    greedy = decoding.decode(SMOL, PROMPT, max_new_tokens=8)
    assert greedy["sequences"][0]["text"].startswith(" Paris.")
    assert ours(greedy) == library(SMOL, greedy)
    beam = decoding.decode(SMOL, PROMPT, max_new_tokens=8, num_beams=4, num_return_sequences=3)
    assert ours(beam) == library(SMOL, beam)
    sample = decoding.decode(SMOL, PROMPT, max_new_tokens=8, do_sample=True, top_k=50, top_p=0.95,
                             temperature=0.8, seed=42)
    assert ours(sample) == library(SMOL, sample, seed=42)


# ---------------------------------------------------------------------------
# The step records are honest
# ---------------------------------------------------------------------------


def test_step_zero_matches_a_direct_forward_pass():
    import torch

    r = decoding.decode("tiny-gpt2", PROMPT, max_new_tokens=3)
    loaded = models.load("tiny-gpt2", "causal-lm")
    with torch.inference_mode():
        logits = loaded.model(torch.tensor([r["prompt_token_ids"]])).logits[0, -1]  # vocab
    probs = torch.softmax(logits, -1)
    row = r["steps"][0]["rows"][0]
    for c in row["candidates"]:
        assert c["p"][0] == pytest.approx(float(probs[c["token_id"]]), abs=1e-5)
    top = torch.topk(probs, 10).indices.tolist()
    assert [c["token_id"] for c in row["candidates"]][:10] == top
    assert row["chosen"]["token_id"] == top[0] == r["sequences"][0]["token_ids"][0]
    # the sequence score is the sum of the chosen tokens' log-probabilities under the model
    logp = sum(math.log(st["rows"][0]["chosen"]["p"][0]) for st in r["steps"])
    assert r["sequences"][0]["score"] == pytest.approx(logp, abs=1e-3)


def test_top_k_cuts_are_real_and_kept_probabilities_sum_to_one():
    r = decoding.decode("tiny-llama", PROMPT, max_new_tokens=10, do_sample=True, top_k=5, seed=1)
    assert r["stages"] == ["model", "top_k=5"]
    for st in r["steps"]:
        row = st["rows"][0]
        assert row["kept"] == [row["kept"][0], 5]
        kept = [c for c in row["candidates"] if c["cut_by"] is None]
        cut = [c for c in row["candidates"] if c["cut_by"] is not None]
        assert len(kept) == 5 and cut
        assert sum(c["p"][-1] for c in kept) == pytest.approx(1.0, abs=1e-4)  # renormalised over the 5
        assert all(c["p"][-1] == 0.0 and c["cut_by"] == "top_k=5" for c in cut)
        assert sum(c["p"][0] for c in kept) == pytest.approx(row["kept_mass"][-1], abs=1e-4)
        assert row["chosen"]["token_id"] in {c["token_id"] for c in kept}
        assert row["kept_mass"][0] == pytest.approx(1.0, abs=1e-4)


def test_top_p_keeps_the_smallest_set_reaching_p_and_temperature_reshapes():
    # top_n=1000 records the whole (500-token) vocabulary, so every kept token is in the record
    r = decoding.decode("tiny-gpt2", PROMPT, max_new_tokens=8, do_sample=True, top_k=0, top_p=0.3,
                        temperature=0.5, seed=2, top_n=1000)
    assert r["stages"] == ["model", "temperature=0.5", "top_p=0.3"]
    for st in r["steps"]:
        row = st["rows"][0]
        c0 = row["candidates"][0]
        assert c0["p"][1] > c0["p"][0]  # temperature < 1 sharpens: the favourite gets more
        kept = sorted((c for c in row["candidates"] if c["cut_by"] is None), key=lambda c: -c["p"][1])
        assert len(kept) == row["kept"][-1]
        assert sum(c["p"][1] for c in kept) >= 0.3 - 1e-6  # mass (after temperature) reaches top_p ...
        assert sum(c["p"][1] for c in kept[:-1]) < 0.3 + 1e-6  # ... and no smaller set would
        assert sum(c["p"][-1] for c in kept) == pytest.approx(1.0, abs=1e-4)
        assert all(c["cut_by"] == "top_p=0.3" for c in row["candidates"] if c["cut_by"])


def test_no_repeat_ngram_size_bans_repeats():
    plain = decoding.decode("tiny-gpt2", PROMPT, max_new_tokens=30)
    ids = plain["prompt_token_ids"] + plain["sequences"][0]["token_ids"]
    grams = [tuple(ids[i : i + 2]) for i in range(len(ids) - 1)]
    assert len(set(grams)) < len(grams), "greedy on a random model repeats itself"
    r = decoding.decode("tiny-gpt2", PROMPT, max_new_tokens=30, no_repeat_ngram_size=2)
    ids = r["prompt_token_ids"] + r["sequences"][0]["token_ids"]
    grams = [tuple(ids[i : i + 2]) for i in range(len(ids) - 1)]
    assert len(set(grams)) == len(grams)
    assert any(c["cut_by"] == "no_repeat_ngram_size=2" for st in r["steps"] for c in st["rows"][0]["candidates"])


def test_beam_steps_show_the_kept_beams_with_cumulative_scores():
    r = decoding.decode("tiny-llama", PROMPT, max_new_tokens=6, num_beams=3, num_return_sequences=2)
    for st in r["steps"][:-1]:
        beams = st["beams"]
        assert len(beams) == 3 and len(st["rows"]) == 3
        scores = [b["score"] for b in beams]
        assert scores == sorted(scores, reverse=True)
        assert all(len(b["token_ids"]) == st["step"] + 1 for b in beams)
    last = r["steps"][-1]["beams"]
    assert [b["token_ids"] for b in last] == ours(r) and all(b["final"] for b in last)
    # beam search finds a sequence at least as likely (under its scores) as greedy
    greedy = decoding.decode("tiny-llama", PROMPT, max_new_tokens=6)
    assert r["sequences"][0]["score"] >= greedy["sequences"][0]["score"] - 1e-4


def test_stream_yields_each_step_then_the_same_result_as_decode():
    parts = list(decoding.decode_stream("tiny-gpt2", PROMPT, max_new_tokens=6))
    partial, final = parts[:-1], parts[-1]
    assert [p["step"] for p in partial] == list(range(6))
    assert partial[-1]["token_ids"] == final["sequences"][0]["token_ids"]
    assert final == decoding.decode("tiny-gpt2", PROMPT, max_new_tokens=6)


def test_stopping_the_stream_stops_generation():
    stream = decoding.decode_stream("tiny-gpt2", PROMPT, max_new_tokens=200)
    first = next(stream)
    assert first["partial"] and first["step"] == 0
    stream.close()  # the consumer went away: the worker ends at its next step (no hang)
    assert not [t for t in threading.enumerate() if t.name == "decode-stream" and t.is_alive()]


# ---------------------------------------------------------------------------
# Prompts: empty, templated, too long
# ---------------------------------------------------------------------------


def test_empty_prompt_starts_from_bos_like_generate_without_input():
    import torch

    r = decoding.decode("tiny-gpt2", "", max_new_tokens=5)
    loaded = models.load("tiny-gpt2", "causal-lm")
    bos = loaded.tokenizer.bos_token_id
    assert r["prompt_token_ids"] == [bos]
    assert "empty" in r["notices"][0] and "BOS" in r["notices"][0]
    with torch.inference_mode():
        out = loaded.model.generate(max_new_tokens=5, do_sample=False, pad_token_id=bos)
    assert out[0, 1:].tolist()[: len(ours(r)[0])] == ours(r)[0]


def test_chat_template_shows_the_special_tokens():
    r = decoding.decode("tiny-llama", "Hello!", max_new_tokens=3, use_chat_template=True)
    assert r["prompt"].startswith("<|im_start|>user\nHello!<|im_end|>") and r["prompt"].endswith("assistant\n")
    specials = [t["token"] for t in r["prompt_tokens"] if t["special"]]
    assert specials == ["<|im_start|>", "<|im_end|>", "<|im_start|>"]
    with pytest.raises(BadInput, match="no chat template"):
        decoding.decode("tiny-gpt2", "Hello!", use_chat_template=True)


def test_prompt_longer_than_the_window_keeps_its_end_with_a_notice():
    words = ("The quick brown fox jumps over the lazy dog. " * 60).strip()
    r = decoding.decode("tiny-gpt2", words, max_new_tokens=10)  # tiny window: 256 positions
    assert len(r["prompt_token_ids"]) == 256 - 10
    assert any("kept the last 246 tokens" in n for n in r["notices"])
    assert r["sequences"][0]["token_ids"]


# ---------------------------------------------------------------------------
# Bad input: a message that explains the rule
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "settings, message",
    [
        (dict(num_beams=2, num_return_sequences=3), r"num_return_sequences \(3\) must be ≤ num_beams \(2\)"),
        (dict(num_return_sequences=2), "Greedy search always picks the same tokens"),
        (dict(do_sample=True, top_p=0.0), r"top_p must be in \(0, 1\]"),
        (dict(do_sample=True, temperature=0.0), "temperature must be > 0 when sampling.*greedy"),
        (dict(do_sample=True, top_k=-1), "top_k must be ≥ 0"),
        (dict(max_new_tokens=0), "max_new_tokens must be between 1 and"),
        (dict(max_new_tokens=10_000), "max_new_tokens must be between 1 and"),
        (dict(num_beams=50), "num_beams must be between 1 and"),
        (dict(max_new_tokens=200, num_beams=8), "more than this shared machine allows"),
        (dict(repetition_penalty=0), "repetition_penalty must be > 0"),
        (dict(no_repeat_ngram_size=-1), "no_repeat_ngram_size must be between 0"),
        (dict(num_beams=2.5), "num_beams must be a whole number"),
        (dict(do_sample="maybe"), "do_sample must be true or false"),
        (dict(num_beams=True), "num_beams must be a whole number"),  # inputs.whole_number: no bools as numbers
        (dict(temperature="warm"), "temperature must be a number"),
        (dict(top_p=float("nan")), "top_p must be a finite number"),
    ],
)
def test_impossible_settings_explain_the_rule(settings, message):
    with pytest.raises(BadInput, match=message):
        decoding.decode("tiny-gpt2", PROMPT, **settings)


def test_settings_that_do_not_apply_are_reported_not_passed():
    r = decoding.decode("tiny-gpt2", PROMPT, max_new_tokens=3, temperature=0.0, top_p=0.0)  # greedy ignores them
    assert "temperature" not in r["generate_kwargs"] and "top_p" not in r["generate_kwargs"]
    assert any(x.startswith("temperature") for x in r["ignored"])


def test_unknown_model_and_wrong_task():
    from demo.errors import UnknownModel, WrongTask

    with pytest.raises(UnknownModel):
        decoding.decode("../../etc/passwd", PROMPT)
    with pytest.raises(WrongTask, match="text-generation"):
        decoding.decode("tiny-bert", PROMPT)


def test_decode_and_decode_stream_share_one_signature_with_the_settings_defaults():
    a, b = inspect.signature(decoding.decode), inspect.signature(decoding.decode_stream)
    assert a.parameters == b.parameters
    defaults = {f.name: a.parameters[f.name].default for f in fields(decoding.Settings)}
    assert defaults == asdict(decoding.Settings()) == asdict(decoding.DEFAULTS)
    with pytest.raises(BadInput, match=r"Unknown setting\(s\) \['num_beam'\]"):
        decoding.decode("tiny-gpt2", PROMPT, num_beam=2)


def test_the_tab_presets_and_sliders_start_from_the_engine_defaults():
    from tabs import decoding_tab

    greedy = decoding_tab.PRESETS["greedy"]
    assert greedy | {"max_new_tokens": 40, "seed": 42} == asdict(decoding.DEFAULTS)
    values = decoding_tab.fill_preset("top-k")
    assert dict(zip(decoding_tab.SETTING_NAMES, values)) == greedy | {"do_sample": True, "top_k": 50}


def test_the_recorder_is_born_with_every_attribute():
    """Nothing the recorder keeps appears for the first time in the middle of a run (``_prev`` did)."""
    from demo.decoding.run import record_generate

    loaded = models.load("tiny-gpt2", "causal-lm")
    for settings in (dict(max_new_tokens=3), dict(max_new_tokens=3, num_beams=2)):
        s, _ = decoding.validate(**settings)
        p = decoding.prepare_prompt(loaded.tokenizer, loaded.model, PROMPT, False, s.max_new_tokens)
        _, rec, _ = record_generate(loaded, p, s)
        born = decoding.StepRecorder(rec.processors, loaded.tokenizer, prompt_len=len(p.input_ids),
                                     beam=rec.beam, length_penalty=1.0, eos_ids=set())
        assert set(vars(rec)) == set(vars(born))


# ---------------------------------------------------------------------------
# Compare mode
# ---------------------------------------------------------------------------


def test_distinct_n():
    assert decoding.distinct_n([1, 2, 1, 2, 1, 2], 2) == pytest.approx(2 / 5)
    assert decoding.distinct_n([1, 2, 3], 1) == 1.0
    assert decoding.distinct_n([1], 2) is None
    assert decoding.repeated_ngrams([1, 2, 3, 1, 2, 3], 3) == 1


def test_compare_runs_each_strategy_with_the_same_seed():
    names = ["greedy", "greedy + no_repeat_ngram_size=2", "top-p sampling (top_p=0.92)"]
    out = decoding.compare("tiny-gpt2", PROMPT, names, max_new_tokens=20, seed=3)
    assert [r["strategy"] for r in out["results"]] == names and out["pending"] == []
    greedy, banned, top_p = out["results"]
    assert greedy["token_ids"] == decoding.decode("tiny-gpt2", PROMPT, max_new_tokens=20)["sequences"][0]["token_ids"]
    assert banned["distinct_2"] == 1.0 and greedy["distinct_2"] < 1.0
    again = decoding.decode("tiny-gpt2", PROMPT, max_new_tokens=20, do_sample=True, top_k=0, top_p=0.92, seed=3)
    assert top_p["token_ids"] == again["sequences"][0]["token_ids"]
    with pytest.raises(BadInput, match="Unknown strategy"):
        decoding.compare("tiny-gpt2", PROMPT, ["nonsense"])


def test_compare_with_no_strategy_ticked_says_so_instead_of_running_the_defaults():
    with pytest.raises(BadInput, match=r"^Pick at least one strategy to compare\.$"):
        decoding.compare("tiny-gpt2", PROMPT, [], max_new_tokens=2)
    # not given at all (a Python caller): the default selection
    first = next(decoding.compare_stream("tiny-gpt2", PROMPT, None, max_new_tokens=2))
    assert [r["strategy"] for r in first["results"]] + first["pending"] == decoding.DEFAULT_COMPARE


def test_compare_runs_at_most_max_compare_strategies_per_request():
    assert decoding.MAX_COMPARE == len(decoding.STRATEGIES)
    with pytest.raises(BadInput, match="more than this shared machine runs per request"):
        decoding.compare("tiny-gpt2", PROMPT, ["greedy"] * (decoding.MAX_COMPARE + 1), max_new_tokens=2)


# ---------------------------------------------------------------------------
# Through the API, as a script would use it
# ---------------------------------------------------------------------------

API_DEFAULTS = dict(
    max_new_tokens=8, do_sample=False, num_beams=1, num_return_sequences=1, no_repeat_ngram_size=0,
    early_stopping=False, temperature=1.0, top_k=50, top_p=1.0, repetition_penalty=1.0, seed=42,
    use_chat_template=False,
)


def _raw(out) -> dict:
    return next(x for x in out if isinstance(x, dict) and "sequences" in x)


def test_decode_endpoint_returns_sequences_and_steps(client):
    out = client.predict(model="tiny-gpt2", prompt=PROMPT, **(API_DEFAULTS | dict(num_beams=3, num_return_sequences=2)),
                         api_name="/decode")
    raw = _raw(out)
    assert {"sequences", "steps"} <= set(raw)
    assert set(raw["sequences"][0]) >= {"text", "token_ids", "score"}
    direct = decoding.decode("tiny-gpt2", PROMPT, max_new_tokens=8, num_beams=3, num_return_sequences=2)
    assert ours(raw) == ours(direct)


def test_decode_endpoint_streams_sampling_with_a_seed(client):
    kw = API_DEFAULTS | dict(do_sample=True, top_k=20, seed=9)
    a = _raw(client.predict(model="tiny-llama", prompt=PROMPT, **kw, api_name="/decode"))
    b = _raw(client.predict(model="tiny-llama", prompt=PROMPT, **kw, api_name="/decode"))
    assert ours(a) == ours(b) == library("tiny-llama", a, seed=9)


def test_decode_endpoint_bad_input_is_a_clear_app_error(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match=r"num_return_sequences \(4\) must be ≤ num_beams \(2\)"):
        client.predict(model="tiny-gpt2", prompt=PROMPT, **(API_DEFAULTS | dict(num_beams=2, num_return_sequences=4)),
                       api_name="/decode")
    with pytest.raises(AppError, match="temperature must be > 0"):
        client.predict(model="tiny-gpt2", prompt=PROMPT, **(API_DEFAULTS | dict(do_sample=True, temperature=0)),
                       api_name="/decode")


def test_compare_endpoint(client):
    out = client.predict(model="tiny-gpt2", prompt=PROMPT, strategies=["greedy", "top-k sampling (top_k=50)"],
                         max_new_tokens=6, seed=1, use_chat_template=False, api_name="/compare")
    raw = next(x for x in out if isinstance(x, dict))
    assert [r["strategy"] for r in raw["results"]] == ["greedy", "top-k sampling (top_k=50)"]
    assert all({"text", "distinct_1", "distinct_2", "score"} <= set(r) for r in raw["results"])


def test_compare_endpoint_with_every_box_unticked_is_a_clear_app_error(client):
    from gradio_client.exceptions import AppError

    with pytest.raises(AppError, match="Pick at least one strategy to compare"):
        client.predict(model="tiny-gpt2", prompt=PROMPT, strategies=[], max_new_tokens=6, seed=1,
                       use_chat_template=False, api_name="/compare")
