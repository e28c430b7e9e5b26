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
- the text is capped at :data:`MAX_TOKENS` tokens with a visible notice.

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
    notes: list[str] = field(default_factory=list)

    @property
    def num_layers(self) -> int:
        return int(self.weights.shape[0])

    @property
    def num_heads(self) -> int:
        return int(self.weights.shape[1])

    @property
    def truncated(self) -> bool:
        return self.input_tokens > len(self.tokens)


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
    notes = []
    if full_len > len(ids):
        notes.append(
            f"The input has {full_len} tokens; the view shows the first {len(ids)} "
            f"(cap: {max_tokens} tokens, so the page stays small and quick to draw)."
        )
    if text_pair and b_start is None:
        notes.append("The second text was cut off entirely by the length cap: shorten the first text.")
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


# Inflate the weights, rebuild bertviz's params (with the A/B filter slices), then hand
# jQuery and d3 to bertviz's requirejs([...], fn) call: the "require shim".
_LOADER_JS = r"""
(function () {
  var meta = JSON.parse(document.getElementById('tc-meta').textContent);
  var b64 = document.getElementById('tc-data').textContent.trim();
  function fail(err) {
    var el = document.getElementById('tc-error');
    el.textContent = 'The view could not be drawn: ' + err +
      ' (it needs a browser with DecompressionStream: Chrome/Edge 80+, Firefox 113+, Safari 16.4+).';
    el.style.display = 'block';
  }
  async function inflate() {
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('deflate'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  }
  function nested(u8, L, H, T) {  // layers x heads x T x T, weights back in [0, 1]
    var out = [], k = 0;
    for (var l = 0; l < L; l++) { var hs = [];
      for (var h = 0; h < H; h++) { var rows = [];
        for (var i = 0; i < T; i++) { var row = new Array(T);
          for (var j = 0; j < T; j++) row[j] = u8[k++] / meta.levels;
          rows.push(row); }
        hs.push(rows); }
      out.push(hs); }
    return out;
  }
  function slice(attn, r0, r1, c0, c1) {
    return attn.map(function (hs) { return hs.map(function (rows) {
      return rows.slice(r0, r1).map(function (row) { return row.slice(c0, c1); }); }); });
  }
  window.TC = {meta: meta};
  window.TC.ready = inflate().then(function (u8) {
    var T = meta.tokens.length, attn = nested(u8, meta.layers.length, meta.heads.length, T);
    var tok = meta.tokens, b = meta.sentence_b_start, data;
    if (b === null) {
      data = [{name: null, attn: attn, left_text: tok, right_text: tok}];
    } else {
      var A = tok.slice(0, b), B = tok.slice(b);
      data = [
        {name: meta.filters[0], attn: attn, left_text: tok, right_text: tok},
        {name: meta.filters[1], attn: slice(attn, 0, b, 0, b), left_text: A, right_text: A},
        {name: meta.filters[2], attn: slice(attn, b, T, b, T), left_text: B, right_text: B},
        {name: meta.filters[3], attn: slice(attn, 0, b, b, T), left_text: A, right_text: B},
        {name: meta.filters[4], attn: slice(attn, b, T, 0, b), left_text: B, right_text: A}
      ];
    }
    window.TC_PARAMS = {attention: data, default_filter: '0', root_div_id: 'tc-bertviz',
      layer: meta.layers[0], heads: meta.view === 'head' ? meta.active_heads : null,
      include_layers: meta.layers, include_heads: meta.heads,
      total_heads: meta.num_heads, display_mode: 'light'};
  });
  window.TC.ready.catch(fail);
  window.requirejs = window.require = function (deps, fn) {  // the require shim
    window.TC.ready.then(function () { fn(window.jQuery, window.d3); }).catch(fail);
  };
  window.require.config = function () {};
})();
"""

# PNG export: the SVG as drawn right now (layer, heads, hover), rasterised in the page.
_PNG_JS = r"""
document.getElementById('tc-png').addEventListener('click', function () {
  var svg = document.querySelector('#vis svg');
  if (!svg) return;
  var box = svg.getBoundingClientRect(), bb = svg.getBBox();  // crop the empty right-hand side
  var w = Math.ceil(Math.min(box.width, bb.x + bb.width + 12)), h = Math.ceil(box.height);
  var copy = svg.cloneNode(true);
  copy.setAttribute('width', w); copy.setAttribute('height', h);
  copy.setAttribute('font-family', 'Helvetica Neue, Helvetica, Arial, sans-serif');
  var url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(copy)], {type: 'image/svg+xml'}));
  var img = new Image();
  img.onload = function () {
    var scale = 2, canvas = document.createElement('canvas');
    canvas.width = w * scale; canvas.height = h * scale;
    var ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.scale(scale, scale); ctx.drawImage(img, 0, 0);
    URL.revokeObjectURL(url);
    canvas.toBlob(function (blob) {
      var a = document.createElement('a');
      a.href = URL.createObjectURL(blob); a.download = TC.meta.filename + '.png';
      document.body.appendChild(a); a.click(); a.remove();
    }, 'image/png');
  };
  img.src = url;
});
"""

_CSS = """
body { margin: 0; padding: 8px 10px; background: #fff; color: #111;
  font-family: 'Helvetica Neue', Helvetica, Arial, sans-serif; font-size: 14px; }
#tc-bar { display: flex; flex-wrap: wrap; gap: 6px 14px; align-items: center; margin-bottom: 6px; }
#tc-bar .tc-title { font-weight: 600; }
#tc-bar .tc-help { color: #555; font-size: 12.5px; }
#tc-png { margin-left: auto; font-size: 12.5px; padding: 2px 10px; cursor: pointer; }
.tc-notice { background: #fff7ed; border: 1px solid #fdba74; color: #9a3412; border-radius: 6px;
  padding: 4px 8px; margin: 4px 0; font-size: 13px; }
#tc-error { display: none; background: #fef2f2; border: 1px solid #fca5a5; color: #991b1b;
  border-radius: 6px; padding: 6px 8px; margin: 6px 0; }
select { font-size: 14px; margin-right: 10px; }
"""

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
        f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>\n"
        f'<div id="tc-bar"><span class="tc-title">{html.escape(title)}</span>'
        f'<span class="tc-help">{html.escape(_HELP[view])}</span>'
        '<button id="tc-png" type="button" title="Save the view as it looks now">Download PNG</button></div>\n'
        f'{notices}<div id="tc-error"></div>\n'
        '<div id="tc-bertviz" style="font-family:\'Helvetica Neue\', Helvetica, Arial, sans-serif;">'
        f'<span style="user-select:none">{layer_html} {filter_html}</span><div id="vis"></div></div>\n'
        f'<script type="application/json" id="tc-meta">{_json_for_script(meta)}</script>\n'
        f'<script type="text/plain" id="tc-data">{encode_payload(weights)}</script>\n'
        "<!-- jQuery 3.7.1 (MIT) and d3 5.7.0 (BSD-3-Clause): licences in assets/vendor/ -->\n"
        f"<script>{_vendor_js('jquery')}</script>\n<script>{_vendor_js('d3')}</script>\n"
        f"<script>{_LOADER_JS}</script>\n"
        f"<!-- bertviz 1.4.1 {view}_view.js (Apache-2.0, Jesse Vig) -->\n<script>{bertviz_js(view)}</script>\n"
        f"<script>{_PNG_JS}</script>\n</body></html>\n"
    )


def iframe(doc: str, height: int) -> str:
    """The page in a sandboxed frame: scripts run (gr.HTML alone never runs them), no access to the app."""
    return (
        f'<iframe class="tc-attention-frame" title="attention view" sandbox="allow-scripts allow-downloads" '
        f'style="width:100%;height:{int(height)}px;border:1px solid #e5e7eb;border-radius:8px;background:#fff" '
        f'srcdoc="{html.escape(doc, quote=True)}"></iframe>'
    )


def run(model: str, text: str, text_pair: str | None = None, view: str = "head",
        layers: Any = "all", heads: Any = "all", max_tokens: int | None = None) -> dict:
    """Everything the /attention endpoint returns: the raw output, the standalone page and its frame.

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
        "truncated": att.truncated,
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
    return {"raw": raw, "document": doc, "html": iframe(doc, height)}
