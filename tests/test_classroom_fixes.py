"""Issue 16 (classroom-ready UI), items 8–10: preparing a class, no stale state, tokens shown one way,
the round-trip verdict, the beam tree, Anatomy's examples and the attention PNG caption."""

from __future__ import annotations

import pytest

from demo import models, prefetch, registry

# --- 9. Prepare for class ----------------------------------------------------------------------------


def _no_fetch(spec):  # pragma: no cover - the offline path must never get here
    raise AssertionError(f"tried to download {spec.name} while offline")


def test_prepare_for_class_offline_says_so_plainly(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(prefetch, "fetch", _no_fetch)
    out = prefetch.prepare_class()
    missing = [m.name for m in registry.all_models() if models.status(m) not in ("bundled", "local", "cached")]
    if not missing:
        pytest.skip("every model is already on this machine")
    assert out["reachable"] is False and out["fetched"] == []
    assert "out of reach" in out["message"] and "python -m demo.prefetch" in out["message"]
    assert set(out["missing"]) == set(missing)


def test_prepare_for_class_fetches_every_missing_default_with_progress(monkeypatch):
    fetched, ticks = [], []
    monkeypatch.setattr(models, "_hub_reachable", lambda timeout=1.5: True)
    monkeypatch.setattr(prefetch, "fetch", lambda spec: fetched.append(spec.name) or "/cache/" + spec.name)
    out = prefetch.prepare_class(lambda done, total, name: ticks.append((done, total, name)))
    missing = [m.name for m in registry.DEFAULT_MODELS if models.status(m) not in ("bundled", "local", "cached")]
    if not missing:
        pytest.skip("every model is already on this machine")
    assert fetched == missing == out["fetched"]
    assert out["reachable"] is True and out["failed"] == {}
    assert [t[0] for t in ticks] == list(range(len(missing) + 1)) and {t[1] for t in ticks} == {len(missing)}
    assert "Downloaded" in out["message"]


def test_prepare_for_class_reports_a_failed_download_and_goes_on(monkeypatch):
    monkeypatch.setattr(models, "_hub_reachable", lambda timeout=1.5: True)
    todo = [m for m in registry.DEFAULT_MODELS if models.status(m) not in ("bundled", "local", "cached")]
    if len(todo) < 2:
        pytest.skip("needs two models to fetch")

    def fetch(spec):
        if spec.name == todo[0].name:
            raise OSError("disk full")
        return "ok"

    monkeypatch.setattr(prefetch, "fetch", fetch)
    out = prefetch.prepare_class()
    assert list(out["failed"]) == [todo[0].name] and "disk full" in out["failed"][todo[0].name]
    assert len(out["fetched"]) == len(todo) - 1 and "failed" in out["message"]


def test_prepare_for_class_tab_handler_uses_the_progress_bar(monkeypatch):
    from tabs import models_tab

    calls = []
    monkeypatch.setattr(models, "_hub_reachable", lambda timeout=1.5: True)
    monkeypatch.setattr(prefetch, "fetch", lambda spec: "ok")
    text, table, raw = models_tab.prepare_for_class(progress=lambda p, desc=None, unit=None: calls.append((p, desc)))
    assert text.startswith("✅") and raw["reachable"] in (True, None)
    assert [row[0] for row in table] == [m.name for m in registry.all_models()]
    if raw["fetched"]:
        assert calls[0][1].startswith("downloading") and calls[-1] == ((len(raw["fetched"]),) * 2, "done")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.undo()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(prefetch, "fetch", _no_fetch)
    text, _, raw = models_tab.prepare_for_class(progress=lambda *a, **k: None)
    if raw["reachable"] is False:
        assert text.startswith("📴") and "out of reach" in text


def test_models_table_keeps_status_third_and_fits():
    from tabs import models_tab

    assert models_tab.COLUMNS[:3] == ["model", "tasks", "status"] and len(models_tab.COLUMNS) <= 5
    assert len(models_tab.WIDTHS) == len(models_tab.COLUMNS)


# --- 8. No stale state: Stop, a new run, a new model -------------------------------------------------

DECODE_ARGS = dict(max_new_tokens=6, do_sample=False, num_beams=1, num_return_sequences=1, no_repeat_ngram_size=0,
                   early_stopping=False, temperature=1.0, top_k=50, top_p=1.0, repetition_penalty=1.0, seed=42,
                   use_chat_template=False)


def _decode_parts(model: str, prompt: str, stop_after: int, **kw):
    from tabs import decoding_tab

    gen = decoding_tab.decode(model, prompt, *(DECODE_ARGS | kw).values())
    parts = [next(gen) for _ in range(stop_after)]
    gen.close()  # what Stop's cancel does to the handler
    return parts


def test_a_new_run_first_empties_the_step_view():
    first = _decode_parts("tiny-gpt2", "The capital", 1)[0]
    assert "generating" in first[0] and first[4] is None  # state None: show_result(None) clears the charts


@pytest.mark.parametrize("kw", [{}, dict(num_beams=3, num_return_sequences=2)])
def test_stop_says_where_it_stopped_and_shows_the_charts_so_far(kw):
    from tabs import decoding_tab

    parts = _decode_parts("tiny-gpt2", "The capital", 4, **kw)  # the start frame + 3 steps
    partial = parts[-1][5]
    assert len(partial["steps"]) == 3 and "▌" in parts[-1][0]
    html, state = decoding_tab.stopped(partial)
    assert "stopped at step 3" in html and "▌" not in html and "generating" not in html
    view = decoding_tab.show_result(state)
    step_fig, overview = view[2], view[5]
    assert len(step_fig.data) >= 1 and list(overview.data[0].x) == [s["step"] for s in partial["steps"]]
    if kw:  # beam search: the tree of the steps so far
        assert view[6]["visible"] is True and len(view[6]["value"].data) > 0


def test_stop_before_the_first_step_says_so():
    from tabs import decoding_tab

    html, _ = decoding_tab.stopped(None)
    assert "stopped before the first step" in html


def _listeners(blocks, trigger: str) -> list[tuple]:
    """(target component, [output components]) of every listener on ``trigger``."""
    out = []
    for fn in blocks.fns.values():
        for target_id, event in fn.targets:
            if event == trigger:
                out.append((blocks.blocks[target_id], fn))
    return out


def test_picking_another_model_empties_every_task_result():
    import gradio as gr

    from tabs import tasks

    with gr.Blocks() as blocks:
        tasks.build()
    pickers = [b for b in blocks.blocks.values() if isinstance(b, gr.Dropdown) and b.label == "model"]
    assert len(pickers) >= len(tasks.SUB_TABS)
    for picker in pickers:
        clears = [fn for target, fn in _listeners(blocks, "input") if target is picker]
        assert clears, f"picking another model leaves the old result ({picker.elem_id or picker.choices[:1]})"
        outs = [o for fn in clears for o in fn.outputs]
        assert all(not isinstance(o, (gr.Dropdown, gr.Textbox, gr.Slider)) for o in outs)
        assert any(isinstance(o, gr.JSON) for o in outs)  # the Raw output goes too
        assert all(fn.fn() in (None, [None] * len(fn.outputs)) for fn in clears)
        summaries = [o for o in outs if "tc-model-summary" in (o.elem_classes or [])]
        assert not summaries  # the model panel is refilled for the new model, never emptied


# --- 10. The round-trip verdict says what really happened ---------------------------------------------


def test_round_trip_blames_skip_special_tokens_for_a_typed_special_token():
    from demo import tokenizer_inspect as ti

    tok = models.load_tokenizer("tiny-gpt2")
    special = next(t for t in tok.all_special_tokens if t.startswith("<"))
    rt = ti.round_trip("tiny-gpt2", f"Hello there{special}", add_special_tokens=False)["sequences"][0]
    assert rt["identical"] is False
    assert "skip_special_tokens" in rt["why"] and special in rt["why"] and "lower-cases" not in rt["why"]
    assert rt["decoded"] == f"Hello there{special}" and "gives the input back" in rt["why"]


def test_round_trip_still_names_lower_casing_when_the_tokenizer_lower_cases():
    from demo import tokenizer_inspect as ti

    rt = ti.round_trip("tiny-bert", "Hello World", add_special_tokens=False)["sequences"][0]
    if rt["identical"]:
        pytest.skip("this tiny tokenizer keeps case")
    assert "lower-cases" in rt["why"] and "skip_special_tokens" not in rt["why"]


@pytest.mark.bundled
def test_round_trip_smollm2_chat_example_is_explained_by_the_typed_markers():
    from demo import tokenizer_inspect as ti

    rt = ti.round_trip("SmolLM2-135M-Instruct (bundled)", "<|im_start|>user\nI love NLP!<|im_end|>")
    for seq in rt["sequences"]:
        assert "skip_special_tokens" in seq["why"] and "lower" not in seq["why"]


def test_beam_tree_labels_nodes_and_highlights_the_returned_paths():
    from demo import decoding
    from tabs import decoding_tab

    result = decoding.decode("tiny-gpt2", "The capital", max_new_tokens=4, num_beams=3, num_return_sequences=2)
    fig = decoding_tab._beam_figure(result)
    nodes = [t for t in fig.data if t.mode == "markers+text"]
    assert nodes and all(t.text and all(isinstance(x, str) for x in t.text) for t in nodes)
    edges = [t for t in fig.data if t.mode == "lines"]
    assert edges and all(e.line.width >= 1.5 for e in edges)
    returned = [t for t in fig.data if (t.name or "").startswith("returned")]
    assert len(returned) == 2 and all(r.line.width > edges[0].line.width for r in returned)


@pytest.mark.parametrize("view", ["head", "model"])
def test_attention_png_export_has_a_caption_with_model_and_layer(view):
    import json
    import re

    from demo import attention

    att = attention.compute("tiny-bert", "He got bit by Python")
    doc = attention.document(att, view, list(range(att.num_layers)), list(range(att.num_heads)))
    meta = json.loads(re.search(r'id="tc-meta">(.*?)</script>', doc, re.S).group(1))
    assert meta["caption"].startswith("tiny-bert — " + view)
    png = attention.page_file("png")
    assert "fillText(caption" in png and "TC.meta.caption" in png and "'layer'" in png


# --- 10. Anatomy's examples ---------------------------------------------------------------------------


def test_anatomy_examples_have_labels_and_switch_the_architecture():
    import gradio as gr

    from tabs import anatomy_tab

    with gr.Blocks() as blocks:
        anatomy_tab.build()
    datasets = [b for b in blocks.blocks.values() if isinstance(b, gr.Dataset)]
    labels = [x for d in datasets for x in (d.sample_labels or [])]
    assert labels == anatomy_tab.EXAMPLE_CLASSES  # every chip shows its class, not a blank box
    assert anatomy_tab.family_of("GPT2LMHeadModel", "distilbert") == "gpt2"
    assert anatomy_tab.family_of("T5ForConditionalGeneration", "distilbert") == "t5"
    assert not isinstance(anatomy_tab.family_of("DistilBertForMaskedLM", "distilbert"), str)  # skip: unchanged
