"""Attention: weights as transformers returns them, bertviz's views offline, compact and escaped."""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

import numpy as np
import pytest

from demo import attention
from demo.course_texts import PYTHON_LANGUAGE, PYTHON_SNAKE
from demo.errors import BadInput, WrongTask

ROOT = Path(__file__).resolve().parent.parent
MINILM = "all-MiniLM-L6-v2 (bundled)"
SEED_A = PYTHON_SNAKE.rstrip(".")  # as the course notes' code writes them
SEED_B = PYTHON_LANGUAGE.rstrip(".")
HOSTILE = "<script>alert('x')</script><img src=x onerror=alert(1)> & \"quotes\" </script><!--"

# XML namespace names are identifiers, never fetched (d3 needs them to create SVG elements).
NAMESPACES = {
    "http://www.w3.org/1999/xhtml",
    "http://www.w3.org/1999/xlink",
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/2000/xmlns/",
    "http://www.w3.org/XML/1998/namespace",
}
CDNS = ("cdnjs", "unpkg", "googleapis", "jsdelivr", "d3js.org/", "code.jquery", "require.js")


def external_urls(text: str) -> list[str]:
    found = re.findall(r"(?:https?:)?//[A-Za-z0-9.-]+\.[A-Za-z]{2,}[^\s\"'<>)]*", text)
    return [u for u in found if u not in NAMESPACES and not u.startswith("//#")]


def assert_offline(text: str) -> None:
    text = html.unescape(text)  # the frame carries the page as an escaped attribute
    assert external_urls(text) == []
    lowered = text.lower()
    for cdn in CDNS:
        assert cdn not in lowered, cdn
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)\s*=", text, re.I)


# ---------------------------------------------------------------------------
# The weights
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["tiny-bert", "tiny-distilbert", "tiny-roberta", "tiny-gpt2", "tiny-llama"])
def test_rows_sum_to_one_and_shapes_match_tokens(model: str) -> None:
    att = attention.compute(model, SEED_A, SEED_B)
    T = len(att.tokens)
    assert att.weights.shape == (att.num_layers, att.num_heads, T, T)
    assert len(att.display_tokens) == T
    np.testing.assert_allclose(att.weights.sum(-1), 1.0, atol=1e-4)
    assert (att.weights >= 0).all()


def test_weights_equal_a_direct_model_call() -> None:
    import torch

    from demo import models

    att = attention.compute("tiny-bert", SEED_A)
    loaded = models.load("tiny-bert", "base", attentions=True)
    enc = loaded.tokenizer(SEED_A, return_tensors="pt")
    with torch.no_grad():
        direct = loaded.model(**enc, output_attentions=True).attentions
    assert att.tokens == loaded.tokenizer.convert_ids_to_tokens(enc["input_ids"][0])
    for layer, a in enumerate(direct):
        np.testing.assert_allclose(att.weights[layer], a[0].numpy(), atol=1e-6)


@pytest.mark.parametrize("model", ["tiny-gpt2", "tiny-llama"])
def test_decoder_mask_is_causal(model: str) -> None:
    att = attention.compute(model, "The capital of France is Paris and I love it.")
    assert att.causal
    T = len(att.tokens)
    upper = np.triu(np.ones((T, T), dtype=bool), k=1)
    assert np.all(att.weights[..., upper] == 0.0)
    assert any("causal" in n.lower() for n in att.notes)
    raw = attention.run(model, "The capital of France is Paris.")["raw"]
    assert raw["causal"] is True
    m = np.array(raw["weights"]["matrix"])
    assert np.all(m[np.triu_indices(len(m), k=1)] == 0)


def test_encoder_is_not_causal() -> None:
    att = attention.compute("tiny-bert", SEED_A)
    assert not att.causal
    T = len(att.tokens)
    assert att.weights[..., np.triu(np.ones((T, T), dtype=bool), k=1)].max() > 0


def test_sentence_pair_b_start_and_filter() -> None:
    result = attention.run("tiny-bert", SEED_A, SEED_B, "head")
    raw = result["raw"]
    tokens = raw["tokens"]
    b = raw["sentence_b_start"]
    assert tokens[0] == "[CLS]" and tokens[b - 1] == "[SEP]" and tokens[-1] == "[SEP]"
    assert 0 < b < len(tokens)
    for name in attention.FILTER_NAMES:
        assert html.escape(name) in result["document"]
    single = attention.run("tiny-bert", SEED_A, "", "head")
    assert single["raw"]["sentence_b_start"] is None
    assert 'id="filter"' not in single["document"]


def test_raw_output_keys() -> None:
    raw = attention.run("tiny-bert", SEED_A, None, "head")["raw"]
    for key in ("tokens", "num_layers", "num_heads", "attentions_shape", "weights", "payload_bytes",
                "truncation_notice"):
        assert key in raw
    assert "truncated" not in raw and raw["truncation_notice"] is None  # one contract: a sentence or None
    assert raw["attentions_shape"] == [raw["num_layers"], 1, raw["num_heads"], len(raw["tokens"]), len(raw["tokens"])]
    assert len(raw["weights"]["matrix"]) == len(raw["tokens"])
    np.testing.assert_allclose(np.array(raw["weights"]["matrix"]).sum(-1), 1.0, atol=2e-3)


# ---------------------------------------------------------------------------
# The page: offline, escaped, compact
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["head", "model"])
@pytest.mark.parametrize("model", ["tiny-bert", "tiny-gpt2"])
def test_no_external_url_in_any_output(model: str, view: str) -> None:
    result = attention.run(model, SEED_A, SEED_B, view)
    for text in (result["document"], result["html"]):
        assert_offline(text)
    assert result["html"].startswith("<iframe") and "srcdoc=" in result["html"]


def test_vendored_files_are_the_published_ones() -> None:
    expected = {
        "assets/vendor/d3-5.7.0/d3.min.js": "bdad5585ef9a965ff25458738309b006058c55f2c78d794d25fbecae35014609",
        "assets/vendor/jquery-3.7.1/jquery.min.js": "fc9a93dd241f6b045cbff0481cf4e1901becd0e12fb45166a8f17f95823f0b1a",
    }
    for path, digest in expected.items():
        assert hashlib.sha256((ROOT / path).read_bytes()).hexdigest() == digest
    assert (ROOT / "assets/vendor/d3-5.7.0/LICENSE").exists()
    assert (ROOT / "assets/vendor/jquery-3.7.1/LICENSE.txt").exists()


def test_user_html_is_escaped_everywhere() -> None:
    # byte-level BPE: every character of the hostile text reaches the tokens ("<" is no [UNK])
    result = attention.run("tiny-gpt2", HOSTILE, HOSTILE, "head")
    benign = attention.run("tiny-gpt2", SEED_A, SEED_B, "head")
    assert any("<" in t for t in result["raw"]["tokens"])
    doc, frame = result["document"], result["html"]
    # the frame is one element: all of the page is attribute text, with <, >, " and ' escaped
    srcdoc = frame.split('srcdoc="', 1)[1].rsplit('"></iframe>', 1)[0]
    assert not set("<>\"'") & set(srcdoc)
    assert html.unescape(srcdoc) == doc
    assert frame.count("<") == 2  # <iframe ...> and </iframe>
    # inside the page the user's text only lives in JSON with <, > and & escaped: the hostile text
    # adds no element, comment or script compared with a harmless one
    for marker in ("<script", "</script", "<img", "<!--"):
        assert doc.count(marker) == benign["document"].count(marker), marker
    # our scripts, each at the start of a line: meta, data, jQuery, d3, loader, bertviz, PNG export
    assert len(re.findall(r"^<script", doc, re.M)) == 7
    assert "\\u003c" in doc and "\\u003e" in doc and "\\u0026" in doc


def test_payload_round_trip_is_within_quantisation_error() -> None:
    att = attention.compute("tiny-bert", SEED_A, SEED_B)
    back = attention.decode_payload(attention.encode_payload(att.weights), att.weights.shape)
    assert np.abs(back - att.weights).max() <= 0.5 / attention.QUANT_LEVELS + 1e-6


def test_model_view_sends_only_the_chosen_layers_and_heads() -> None:
    full = attention.run("tiny-bert", SEED_A, None, "model")
    part = attention.run("tiny-bert", SEED_A, None, "model", layers="1", heads="0, 2")
    assert part["raw"]["layers"] == [1] and part["raw"]["heads"] == [0, 2]
    data = lambda doc: doc.split('id="tc-data">', 1)[1].split("<", 1)[0]  # noqa: E731
    assert len(data(part["document"])) < len(data(full["document"]))


def test_length_is_capped_with_a_notice() -> None:
    long = " ".join([SEED_B] * 60)
    raw = attention.run("tiny-bert", long, None, "head")["raw"]
    assert raw["num_tokens"] == attention.MAX_TOKENS and raw["truncation_notice"]
    assert isinstance(raw["truncation_notice"], str) and "cap" in raw["truncation_notice"]
    assert raw["input_tokens"] > attention.MAX_TOKENS
    assert any("cap" in n for n in raw["notes"])
    model_raw = attention.run("tiny-bert", long, None, "model")["raw"]
    assert model_raw["num_tokens"] == attention.MODEL_VIEW_MAX_TOKENS


@pytest.mark.parametrize(
    "spec, n, expected",
    [("all", 4, [0, 1, 2, 3]), ("", 3, [0, 1, 2]), ("0-1, 3", 4, [0, 1, 3]), ("2 2", 4, [2])],
)
def test_parse_selection(spec: str, n: int, expected: list[int]) -> None:
    assert attention.parse_selection(spec, n, "layers") == expected


@pytest.mark.parametrize("spec", ["7", "1-9", "x", "3-1", ","])
def test_parse_selection_rejects_with_the_range(spec: str) -> None:
    with pytest.raises(BadInput, match="0 to 3|at least one"):
        attention.parse_selection(spec, 4, "heads")


def test_bad_inputs() -> None:
    with pytest.raises(BadInput, match="view"):
        attention.run("tiny-bert", SEED_A, None, "neuron")
    with pytest.raises(BadInput, match="empty"):
        attention.run("tiny-bert", "   ", None, "head")
    with pytest.raises(WrongTask):
        attention.run("tiny-t5", SEED_A, None, "head")


@pytest.mark.bundled
@pytest.mark.parametrize("view", ["head", "model"])
def test_minilm_page_is_under_1mb_at_128_tokens(view: str) -> None:
    long = " ".join([SEED_A + ". " + SEED_B + "."] * 20)
    result = attention.run(MINILM, long, None, view, max_tokens=128)
    raw = result["raw"]
    assert raw["num_tokens"] == 128 and (raw["num_layers"], raw["num_heads"]) == (6, 12)
    size = len(result["document"].encode("utf-8"))
    print(f"MiniLM {view} view, 128 tokens: {size / 1e6:.3f} MB")
    assert raw["payload_bytes"] == size
    assert size <= 1_000_000
    assert_offline(result["html"])


@pytest.mark.bundled
def test_smollm2_attention_is_causal() -> None:
    att = attention.compute("SmolLM2-135M-Instruct (bundled)", "The capital of France is Paris.")
    T = len(att.tokens)
    assert att.causal and att.weights.shape[2:] == (T, T)
    assert np.all(att.weights[..., np.triu(np.ones((T, T), dtype=bool), k=1)] == 0.0)
    np.testing.assert_allclose(att.weights.sum(-1), 1.0, atol=1e-3)


# ---------------------------------------------------------------------------
# Through the API, as gradio_client users see it
# ---------------------------------------------------------------------------


def _api(client, **kw):
    out = client.predict(api_name="/attention", **kw)
    frame = next(o for o in out if isinstance(o, str) and o.startswith("<iframe"))
    raw = next(o for o in out if isinstance(o, dict))
    return frame, raw


def test_api_attention(client) -> None:
    frame, raw = _api(client, model="tiny-bert", text=SEED_A, text_pair=SEED_B, view="model")
    assert raw["num_layers"] == 2 and raw["num_heads"] == 4
    assert len(raw["tokens"]) == raw["num_tokens"] == len(raw["weights"]["matrix"])
    assert raw["sentence_b_start"] is not None
    assert_offline(frame)


def test_api_attention_escapes_and_explains_errors(client) -> None:
    frame, _raw = _api(client, model="tiny-bert", text=HOSTILE, text_pair="", view="head")
    assert "<script" not in frame and "<img" not in frame
    with pytest.raises(Exception, match="0 to 1"):
        client.predict(model="tiny-bert", text=SEED_A, text_pair="", view="head", layers="5", heads="all",
                       api_name="/attention")


def test_export_is_a_standalone_offline_page_and_old_exports_are_pruned(tmp_path, monkeypatch) -> None:
    """The download button's file: the whole page (d3, jQuery, bertviz inlined), no URL; disk stays bounded."""
    import tempfile
    from pathlib import Path

    from tabs import attention_tab

    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    monkeypatch.setattr(attention_tab, "EXPORTS_KEPT", 3)
    result = attention.run("tiny-bert", SEED_A, SEED_B, "model")
    path = Path(attention_tab._export(result))
    saved = path.read_text(encoding="utf-8")
    assert path.name == "attention-model-view.html" and saved == result["document"]
    assert_offline(saved)
    assert "d3" in saved and "jQuery" in saved  # inlined, not linked
    assert attention_tab._export(result) == str(path)  # same page → same file
    for i in range(5):
        attention_tab._export(result | {"document": result["document"] + f"<!-- {i} -->"})
    assert len(list((tmp_path / "tc-attention-exports").iterdir())) == 3


def test_export_names_the_file_from_the_result_not_from_the_page(tmp_path, monkeypatch) -> None:
    """The view travels as data in the engine's result; the tab never sniffs the page's <title>."""
    import tempfile

    from tabs import attention_tab

    monkeypatch.setattr(tempfile, "gettempdir", lambda: str(tmp_path))
    for view in ("head", "model"):
        result = attention.run("tiny-bert", SEED_A, None, view)
        assert result["view"] == view and result["filename"] == f"attention-{view}-view.html"
        untitled = re.sub(r"<title>.*?</title>", "<title>attention</title>", result["document"], count=1)
        page = {"document": untitled, "filename": result["filename"]}
        assert Path(attention_tab._export(page)).name == f"attention-{view}-view.html"
    assert attention_tab._export(None) is None


def test_page_script_and_style_are_files_beside_the_engine() -> None:
    """The loader, the PNG export and the page's CSS live as files (as bertviz keeps head_view.js)."""
    doc = attention.run("tiny-bert", SEED_A, SEED_B, "head")["document"]
    for name, path in attention.PAGE_FILES.items():
        assert path.parent == Path(attention.__file__).parent and path.exists(), name
        text = path.read_text(encoding="utf-8")
        assert text in doc, name  # inlined as is: the page stays standalone and offline
        assert "</script" not in text.lower() and "</style" not in text.lower()
        assert_offline(text)
    source = Path(attention.__file__).read_text(encoding="utf-8")
    assert "new DecompressionStream" not in source and "getElementById('tc-png')" not in source
    assert "style=" not in attention.iframe("<p>x</p>", 300).replace('style="height:300px"', "")


def test_api_attention_reports_truncation_as_a_notice(client) -> None:
    _frame, raw = _api(client, model="tiny-bert", text=SEED_A, text_pair="", view="head")
    assert raw["truncation_notice"] is None and "truncated" not in raw
    _frame, raw = _api(client, model="tiny-bert", text=" ".join([SEED_B] * 60), text_pair="", view="head")
    assert isinstance(raw["truncation_notice"], str) and str(attention.MAX_TOKENS) in raw["truncation_notice"]
