"""The app through gradio_client, as a script or the README would drive it."""

from __future__ import annotations

import pytest
from gradio_client.exceptions import AppError

from demo import models, registry
from markers import not_prefetched


def test_models_endpoint_lists_the_registry(client):
    table = client.predict(api_name="/models")
    names = [row[0] for row in table["data"]]
    assert "all-MiniLM-L6-v2 (bundled)" in names and "tiny-bert" in names
    status = {row[0]: row[2] for row in table["data"]}
    assert status["SmolLM2-135M-Instruct (bundled)"] == "bundled"
    if models.status(registry.get("distilgpt2")) != "cached":  # as on a fresh machine
        assert "python -m demo.prefetch distilgpt2" in status["distilgpt2"]
    else:
        assert status["distilgpt2"].startswith("cached")


def test_load_model_reports_class_and_new_weights(client):
    text, raw = client.predict("tiny-distilbert", api_name="/load_model")
    assert raw["class"] == "DistilBertForSequenceClassification"
    assert "classifier.weight" in raw["newly_initialized"]
    assert "DistilBertForSequenceClassification" in text and "Newly initialised" in text


@not_prefetched("distilgpt2")
def test_missing_model_is_explained_not_hung(client):
    with pytest.raises(AppError, match=r"python -m demo\.prefetch distilgpt2"):
        client.predict("distilgpt2", api_name="/load_model")


def test_unknown_model_is_a_clear_error_and_the_app_keeps_serving(client):
    # the dropdown refuses it before our code runs; either way the message says what is wrong
    with pytest.raises(AppError, match="Unknown model|not in the list of choices"):
        client.predict("../../etc/passwd", api_name="/load_model")
    _, raw = client.predict("tiny-gpt2", api_name="/load_model")
    assert raw["class"] == "GPT2LMHeadModel"


def test_building_the_app_loads_no_model_and_no_torch():
    """Start-up stays fast: importing and assembling the app never imports torch or transformers."""
    import subprocess
    import sys

    code = ("import sys, app; app.build_app(); "
            "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(__import__("pathlib").Path(__file__).parent.parent))
    assert out.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.bundled
def test_readme_tokenize_example(client):
    """The README's gradio_client example, as written there."""
    r = client.predict(tokenizer="all-MiniLM-L6-v2 (bundled)", text="I love NLP!", api_name="/tokenize")
    assert r[-1]["sequences"][0]["input_ids"] == [101, 1045, 2293, 17953, 2361, 999, 102]


def _queues_by_api_name(demo) -> dict[str, tuple[str, object]]:
    return {f.api_name: (f.concurrency_id, f.concurrency_limit) for f in demo.fns.values() if f.api_name}


def test_model_events_share_first_come_first_served_lanes(monkeypatch):
    """One-pass model calls share one queue, generate() loops another; reformatting stays out of both."""
    import app as app_module
    from tabs.common import GENERATE_LANE, MODEL_LANE

    monkeypatch.delenv("TC_QUEUE", raising=False)
    queues = _queues_by_api_name(app_module.build_app())
    limits = app_module.LANE_LIMITS
    for api in ("tokenize", "classify", "fill_mask", "attention", "embeddings", "answer", "mlm_mask"):
        assert queues[api] == (MODEL_LANE, limits[MODEL_LANE]), api
    for api in ("decode", "compare", "generate", "translate", "summarize"):
        assert queues[api] == (GENERATE_LANE, limits[GENERATE_LANE]), api
    # a preset filling the sliders and the Models table never wait behind a generation
    assert queues["fill"][0] not in (MODEL_LANE, GENERATE_LANE)
    assert queues["models"][0] not in (MODEL_LANE, GENERATE_LANE)


def test_queue_settings_the_benchmark_compares(monkeypatch):
    import app as app_module

    monkeypatch.setenv("TC_QUEUE", "one")
    monkeypatch.setenv("TC_MODEL_CONCURRENCY", "3")
    queues = _queues_by_api_name(app_module.build_app())
    assert queues["decode"] == queues["classify"] == ("model", 3)
    monkeypatch.setenv("TC_QUEUE", "per-event")
    queues = _queues_by_api_name(app_module.build_app())
    assert queues["decode"][0] != queues["classify"][0]  # Gradio's default: a queue per event


def test_python_app_py_serves_on_the_port_it_is_given():
    """The README's entry point, as `make run` starts it: GRADIO_SERVER_PORT honoured, offline, answering."""
    from gradio_client import Client

    from testkit.server import serve

    with serve() as (url, proc, _seconds):  # python app.py, HF_HUB_OFFLINE=1, a free loopback port
        r = Client(url, verbose=False).predict(tokenizer="all-MiniLM-L6-v2 (bundled)", text="I love NLP!",
                                               api_name="/tokenize")
        assert r[-1]["sequences"][0]["input_ids"] == [101, 1045, 2293, 17953, 2361, 999, 102]
        assert proc.poll() is None


@pytest.mark.parametrize("typo", ["lane", "Lanes", "per_event", "one "])
def test_a_mistyped_tc_queue_is_refused_at_start(monkeypatch, typo):
    """A typo must not silently mean "lanes": the app stops and names the valid values."""
    import app as app_module

    monkeypatch.setenv("TC_QUEUE", typo)
    with pytest.raises(SystemExit, match=r"TC_QUEUE=.*lanes.*one.*per-event"):
        app_module.build_app()
