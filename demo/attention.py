"""Attention weights of a registry model, shown with bertviz's head view and model view, fully offline.

The pipeline split: preprocess (tokenize, cap the length) → one model call with
``output_attentions=True`` (eager attention: under SDPA no weights come back) → postprocess
into plain lists and a small HTML document.

Why not call ``bertviz.head_view(...)`` directly: its HTML loads require.js, d3 and jQuery from a
CDN (nothing draws offline) and embeds full-precision JSON (~26 MB at 128 tokens for MiniLM,
~53 MB of HTML). We reuse bertviz's own ``head_view.js`` / ``model_view.js`` unchanged except for
its CDN ``require.config`` block, and feed them compact data instead:

- the weights are quantised to one byte each (``round(w * 255)``, error ≤ 0.002 — invisible as
  line opacity), deflated and base64-encoded; the page inflates them with the browser's built-in
  ``DecompressionStream`` and rebuilds bertviz's nested arrays (A/B filter slices included);
- d3 5.7.0 and jQuery 3.7.1 are inlined from ``assets/vendor/`` (licences alongside) and a
  four-line ``require`` shim hands them to bertviz's code;
- the text is capped at :data:`MAX_TOKENS` tokens with a visible notice;
- the page's own script and style are files beside this module (``attention_loader.js``,
  ``attention_png.js``, ``attention_page.css``), as bertviz keeps ``head_view.js``.

The document is standalone (it is also what the Download button saves) and is shown in an
``<iframe srcdoc=...>`` because ``gr.HTML`` never runs ``<script>``.
"""

from __future__ import annotations

import base64
import html
import json
import re
import zlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from demo import inputs, models
from demo.errors import BadInput

if TYPE_CHECKING:  # pragma: no cover
    import numpy as np

MAX_TOKENS = 128  # head view cap; longer inputs are cut with a notice
MODEL_VIEW_MAX_TOKENS = 64  # the model view draws layers x heads x T x T lines (295k at 64 tokens for MiniLM)
VIEWS = ("head", "model")
CAUSAL_FAMILIES = ("gpt2", "llama")  # decoder-only: each token attends to itself and earlier tokens
QUANT_LEVELS = 255  # one byte per weight
IFRAME_MAX_HEIGHT = 1000  # px; taller views scroll inside the frame

ASSETS = Path(__file__).resolve().parent.parent / "assets"
VENDOR = {
    "d3": ASSETS / "vendor" / "d3-5.7.0" / "d3.min.js",
    "jquery": ASSETS / "vendor" / "jquery-3.7.1" / "jquery.min.js",
}
PAGE_FILES = {  # the page's own script and style, beside this module
    "loader": Path(__file__).with_name("attention_loader.js"),
    "png": Path(__file__).with_name("attention_png.js"),
    "css": Path(__file__).with_name("attention_page.css"),
}
FILTER_NAMES = (  # bertviz's names for the sentence-pair filter
    "All",
    "Sentence A -> Sentence A",
    "Sentence B -> Sentence B",
    "Sentence A -> Sentence B",
    "Sentence B -> Sentence A",
)

# bertviz's layout constants (head_view.js / model_view.js), used to size the frame.
_HEAD_BOX_HEIGHT, _HEAD_TEXT_TOP = 22.5, 30
_MODEL_AXIS, _MODEL_PAD, _MODEL_DETAIL_BOX = 38, 5, 18


@dataclass
class Attentions:
    """One forward pass: the tokens and every attention weight."""

    model: str
    model_class: str
    tokens: list[str]  # as the tokenizer names them ('##p', 'ĠPython')
    display_tokens: list[str]  # readable forms for the view
    weights: "np.ndarray"  # layers x heads x T x T, float32, rows sum to 1
    sentence_b_start: int | None  # first token of text_pair, None for a single text
    causal: bool  # decoder-only model: weights above the diagonal are 0
    input_tokens: int  # tokens before the cap
    max_tokens: int
    notes: list[str] = field(default_factory=list)  # everything the page says, the cut first
    truncation_notice: str | None = None  # what the cap cut, in a sentence; None when nothing was cut

    @property
    def num_layers(self) -> int:
        return int(self.weights.shape[0])

    @property
    def num_heads(self) -> int:
        return int(self.weights.shape[1])


# ---------------------------------------------------------------------------
# Preprocess → model → postprocess
# ---------------------------------------------------------------------------


def _display_token(tokenizer: Any, token: str, text: str, span: tuple[int, int] | None) -> str:
    """A readable form of one token: 'ĠPython' → ' Python'; a byte piece of '안' → '안'."""
    shown = tokenizer.convert_tokens_to_string([token]) if token else token
    if "\ufffd" in shown and span and span[1] > span[0]:  # part of a multi-byte character
        shown = text[span[0] : span[1]]
    shown = shown.replace("\n", "↵").replace("\t", "⇥").replace("\r", "")
    return shown if shown.strip() else (token or "␣")


def compute(model: str, text: str, text_pair: str | None = None, max_tokens: int = MAX_TOKENS) -> Attentions:
    """Run ``model`` once on ``text`` (and ``text_pair``) and return every attention weight."""
    import numpy as np
    import torch

    text = inputs.require_text(text, "text")
    text_pair = inputs.optional_text(text_pair, "text_pair")
    loaded = models.load(model, "base", attentions=True, task="attention")
    tok = loaded.tokenizer
    args = (text, text_pair) if text_pair else (text,)

    # preprocess: count the full length first, then cut to the cap (both texts for a pair)
    full_len = len(tok(*args)["input_ids"])
    enc = tok(*args, truncation=True, max_length=max_tokens, return_tensors="pt", return_offsets_mapping=True)
    offsets = enc.pop("offset_mapping")[0].tolist()
    seq_ids = enc.sequence_ids(0)
    ids = enc["input_ids"][0].tolist()

    # one model call
    with torch.no_grad():
        out = loaded.model(**enc, output_attentions=True)
    if not out.attentions or out.attentions[0] is None:
        raise BadInput(
            f"{model} returned no attention weights: it must be loaded with attn_implementation='eager' "
            "(demo.models.load(..., attentions=True)) and called with output_attentions=True."
        )
    # postprocess: a tuple of num_layers tensors (batch x heads x T x T) → layers x heads x T x T
    weights = torch.stack([a[0] for a in out.attentions]).float().numpy().astype(np.float32)

    tokens = tok.convert_ids_to_tokens(ids)
    pieces = [text if s == 0 else text_pair if s == 1 else "" for s in seq_ids]
    shown = [
        _display_token(tok, t, pieces[i], tuple(offsets[i]) if seq_ids[i] is not None else None)
        for i, t in enumerate(tokens)
    ]
    b_start = next((i for i, s in enumerate(seq_ids) if s == 1), None) if text_pair else None
    cut = []
    if full_len > len(ids):
        cut.append(
            f"The input has {full_len} tokens; the view shows the first {len(ids)} "
            f"(cap: {max_tokens} tokens, so the page stays small and quick to draw)."
        )
    if text_pair and b_start is None:
        cut.append("The second text was cut off entirely by the length cap: shorten the first text.")
    notes = list(cut)
    causal = loaded.spec.family in CAUSAL_FAMILIES
    if causal:
        notes.append(
            "Decoder (causal) model: each token attends only to itself and earlier tokens, "
            "so every weight above the diagonal is 0."
        )
    return Attentions(
        model=loaded.spec.name,
        model_class=type(loaded.model).__name__,
        tokens=tokens,
        display_tokens=shown,
        weights=weights,
        sentence_b_start=b_start,
        causal=causal,
        input_tokens=full_len,
        max_tokens=max_tokens,
        notes=notes,
        truncation_notice=" ".join(cut) or None,
    )


def parse_selection(spec: Any, n: int, what: str) -> list[int]:
    """'all' / '' → every index; '0-2, 5' → [0, 1, 2, 5]; anything else → BadInput naming the range."""
    text = "" if spec is None else str(spec).strip().lower()
    if text in ("", "all", "*"):
        return list(range(n))
    chosen: set[int] = set()
    for part in re.split(r"[,\s]+", text):
        if not part:
            continue
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise BadInput(f"{what}: {part!r} is not a number or a range. Use 'all', or e.g. '0, 2-4' (0 to {n - 1}).")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if lo > hi or hi >= n:
            raise BadInput(f"{what}: {part!r} is out of range; this model has {n} {what} (0 to {n - 1}).")
        chosen.update(range(lo, hi + 1))
    if not chosen:
        raise BadInput(f"{what}: choose at least one (0 to {n - 1}), or 'all'.")
    return sorted(chosen)


def normalise_view(view: Any) -> str:
    v = str(view or "").strip().lower().replace(" view", "")
    if v not in VIEWS:
        raise BadInput(f"view must be 'head' or 'model' (got {str(view)[:40]!r}).")
    return v


# ---------------------------------------------------------------------------
# The compact payload and the offline document
# ---------------------------------------------------------------------------


def quantise(weights: "np.ndarray") -> bytes:
    """One byte per weight: round(w * 255). Max error 1/510 ≈ 0.002."""
    import numpy as np

    return np.clip(np.rint(weights * QUANT_LEVELS), 0, QUANT_LEVELS).astype(np.uint8).tobytes()


def encode_payload(weights: "np.ndarray") -> str:
    """base64(zlib(quantised weights)): what the page inflates with DecompressionStream('deflate')."""
    # level 6: 4% larger than level 9 and ~20x faster (0.2 s vs 3.8 s at 128 tokens for MiniLM)
    return base64.b64encode(zlib.compress(quantise(weights), 6)).decode("ascii")


def decode_payload(payload: str, shape: tuple[int, ...]) -> "np.ndarray":
    """The inverse of :func:`encode_payload` (tests and the benchmark check the round trip)."""
    import numpy as np

    raw = zlib.decompress(base64.b64decode(payload))
    return (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) / QUANT_LEVELS).reshape(shape)


def _asset(path: Path) -> str:
    return models.memo(("asset", str(path)), lambda: path.read_text(encoding="utf-8"), size_mb=0.3)


def page_file(name: str) -> str:
    """The page's own script or style (:data:`PAGE_FILES`), read once."""
    return _asset(PAGE_FILES[name])


def _vendor_js(name: str) -> str:
    js = _asset(VENDOR[name])
    # d3's one-line banner names its web site; keep the credit, drop the address.
    return js.replace("// https://d3js.org v5.7.0", "// d3js.org v5.7.0", 1)


def bertviz_js(view: str) -> str:
    """bertviz's own view code, minus its CDN require.config block and header comment."""

    def build() -> str:
        src = (resources.files("bertviz") / f"{view}_view.js").read_text(encoding="utf-8")
        src = re.sub(r"^\s*/\*\*.*?\*\*/", "", src, count=1, flags=re.S)
        src = re.sub(r"require\.config\(\{.*?\}\);", "", src, count=1, flags=re.S)
        src = src.replace("PYTHON_PARAMS", "window.TC_PARAMS")
        if "http" in src or "window.TC_PARAMS" not in src or "requirejs([" not in src:
            raise RuntimeError(
                f"bertviz's {view}_view.js changed shape (is bertviz still 1.4.1?); "
                "demo/attention.py cannot make it work offline."
            )
        return src

    return models.memo(("bertviz-js", view), build, size_mb=0.05)


def _json_for_script(obj: Any) -> str:
    """JSON that is safe inside <script>: no '<', '>' or '&' can end the element."""
    s = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return s.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")





_HELP = {
    "head": "Hover a token to see what it attends to. Click a colour square to toggle a head; "
    "double-click to show only that head.",
    "model": "Every layer (row) × head (column). Click a thumbnail to enlarge it; hover a token there.",
}


def frame_height(view: str, n_tokens: int, n_layers: int, n_heads_total: int, notices: int) -> int:
    """The frame's height in px, from bertviz's own layout constants (capped: the frame scrolls)."""
    top = 70 + 30 * notices
    if view == "head":
        body = n_tokens * _HEAD_BOX_HEIGHT + _HEAD_TEXT_TOP + 20
    else:
        thumb = n_tokens * 7 * (12 / n_heads_total) + 2 * _MODEL_PAD
        detail = n_tokens * _MODEL_DETAIL_BOX + 70
        body = max(n_layers * thumb + _MODEL_AXIS, detail) + 20
    return int(min(IFRAME_MAX_HEIGHT, top + body))


def document(att: Attentions, view: str, layers: list[int], heads: list[int]) -> str:
    """The standalone, offline HTML page of one view (what the frame shows and the download saves)."""
    view = normalise_view(view)
    if view == "model":
        weights = att.weights[layers][:, heads]  # only the thumbnails that are shown
        sent_heads, active = heads, heads
    else:
        weights = att.weights[layers]  # every head: they can be toggled in the view
        sent_heads, active = list(range(att.num_heads)), heads
    meta = {
        "view": view,
        "tokens": att.display_tokens,
        "sentence_b_start": att.sentence_b_start,
        "layers": layers,
        "heads": sent_heads,
        "active_heads": active,
        "num_heads": att.num_heads,
        "levels": QUANT_LEVELS,
        "filters": list(FILTER_NAMES),
        "filename": f"attention-{view}-view",
        # the PNG export's caption (attention_png.js adds the layer picked in the head view)
        "caption": f"{att.model} — {view} view" + ("" if view == "head" else f" — all {att.num_layers} layers"),
    }
    title = f"{att.model} — {view} view"
    notices = "".join(f'<div class="tc-notice">{html.escape(n)}</div>' for n in att.notes)
    filter_html = ""
    if att.sentence_b_start is not None:
        options = "".join(f'<option value="{i}">{html.escape(n)}</option>' for i, n in enumerate(FILTER_NAMES))
        filter_html = f'Attention: <select id="filter">{options}</select>'
    layer_html = 'Layer: <select id="layer"></select>' if view == "head" else ""
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title><style>{page_file('css')}</style></head><body>\n"
        f'<div id="tc-bar"><span class="tc-title">{html.escape(title)}</span>'
        f'<span class="tc-help">{html.escape(_HELP[view])}</span>'
        '<button id="tc-png" type="button" title="Save the view as it looks now">Download PNG</button></div>\n'
        f'{notices}<div id="tc-error"></div>\n'
        f'<div id="tc-bertviz"><span id="tc-controls">{layer_html} {filter_html}</span><div id="vis"></div></div>\n'
        f'<script type="application/json" id="tc-meta">{_json_for_script(meta)}</script>\n'
        f'<script type="text/plain" id="tc-data">{encode_payload(weights)}</script>\n'
        "<!-- jQuery 3.7.1 (MIT) and d3 5.7.0 (BSD-3-Clause): licences in assets/vendor/ -->\n"
        f"<script>{_vendor_js('jquery')}</script>\n<script>{_vendor_js('d3')}</script>\n"
        f"<script>{page_file('loader')}</script>\n"
        f"<!-- bertviz 1.4.1 {view}_view.js (Apache-2.0, Jesse Vig) -->\n<script>{bertviz_js(view)}</script>\n"
        f"<script>{page_file('png')}</script>\n</body></html>\n"
    )


def iframe(doc: str, height: int) -> str:
    """The page in a sandboxed frame: scripts run (gr.HTML alone never runs them), no access to the app."""
    return (
        f'<iframe class="tc-attention-frame" title="attention view" sandbox="allow-scripts allow-downloads" '
        f'style="height:{int(height)}px" '
        f'srcdoc="{html.escape(doc, quote=True)}"></iframe>'
    )


def run(model: str, text: str, text_pair: str | None = None, view: str = "head",
        layers: Any = "all", heads: Any = "all", max_tokens: int | None = None) -> dict:
    """Everything the /attention endpoint returns: the raw output, the standalone page, its frame,
    and as data the view and the file name the page is saved under.

    ``max_tokens`` defaults to the view's cap (:data:`MAX_TOKENS`, :data:`MODEL_VIEW_MAX_TOKENS`).
    """
    view = normalise_view(view)
    if max_tokens is None:
        max_tokens = MAX_TOKENS if view == "head" else MODEL_VIEW_MAX_TOKENS
    att = compute(model, text, text_pair, max_tokens)
    chosen_layers = parse_selection(layers, att.num_layers, "layers")
    chosen_heads = parse_selection(heads, att.num_heads, "heads")
    doc = document(att, view, chosen_layers, chosen_heads)
    # bertviz sizes model-view thumbnails by the model's total number of heads
    height = frame_height(view, len(att.tokens), len(chosen_layers), att.num_heads, len(att.notes))
    first_l, first_h = chosen_layers[0], chosen_heads[0]
    raw = {
        "model": att.model,
        "model_class": att.model_class,
        "tokens": att.tokens,
        "num_layers": att.num_layers,
        "num_heads": att.num_heads,
        "num_tokens": len(att.tokens),
        "input_tokens": att.input_tokens,
        "truncation_notice": att.truncation_notice,  # a sentence when the cap cut tokens, else None
        "max_tokens": att.max_tokens,
        "sentence_b_start": att.sentence_b_start,
        "causal": att.causal,
        "view": view,
        "layers": chosen_layers,
        "heads": chosen_heads,
        # what transformers returns: a tuple of num_layers tensors, each batch x heads x T x T
        "attentions_shape": [att.num_layers, 1, att.num_heads, len(att.tokens), len(att.tokens)],
        "weights": {
            "layer": first_l,
            "head": first_h,
            "matrix": [[round(float(w), 4) for w in row] for row in att.weights[first_l, first_h]],
        },
        "payload_bytes": len(doc.encode("utf-8")),
        "notes": att.notes,
    }
    # the view travels as data (the download's file name), never read back out of the page
    return {"raw": raw, "document": doc, "html": iframe(doc, height), "view": view,
            "filename": f"attention-{view}-view.html"}
