"""Attention: bertviz's head view and model view of any registry model, drawn fully offline."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path

import gradio as gr

from demo import attention, registry
from demo.course_texts import PYTHON_LANGUAGE, PYTHON_SNAKE
from tabs import links
from tabs.common import escape, guard, model_picker, raw_output

TITLE = "Attention"

SMOLLM = "SmolLM2-135M-Instruct (bundled)"
MINILM = "all-MiniLM-L6-v2 (bundled)"

# the two "Python" sentences of the course notes on BERT (embeddings, WordPiece, MLM, NSP), without their full
# stops as in the notes' code
SNAKE, LANGUAGE = PYTHON_SNAKE.rstrip("."), PYTHON_LANGUAGE.rstrip(".")
EXAMPLES = [  # the two "Python" sentences, alone and as a pair; a decoder to see the causal mask
    [MINILM, SNAKE, "", "head"],
    [MINILM, LANGUAGE, "", "head"],
    [MINILM, SNAKE, LANGUAGE, "head"],
    [MINILM, SNAKE, "", "model"],
    [SMOLLM, "The capital of France is Paris.", "", "head"],
    [SMOLLM, "The capital of France is Paris.", "", "model"],
]

PLACEHOLDER = (
    '<div class="tc-attention-empty">Press <b>Show attention</b> (or click an example below) '
    "to draw the view. It works with no internet: every script is bundled.</div>"
)


def _notes(raw: dict) -> str:
    lines = [
        f"**{escape(raw['model_class'])}** · {raw['num_layers']} layers × {raw['num_heads']} heads · "
        f"{raw['num_tokens']} tokens · page {raw['payload_bytes'] / 1024:,.0f} KB"
    ]
    cut = raw["truncation_notice"] or ""
    lines += [f"⚠️ {escape(n)}" if n in cut else f"ℹ️ {escape(n)}" for n in raw["notes"]]
    return "\n\n".join(lines)


EXPORTS_KEPT = 200  # standalone pages kept on disk (~0.5 MB each); older ones are deleted


def _export(page: dict | None) -> str | None:
    """Write the page to a file for the download button (same content → same file).

    ``page`` is the engine's result (or its ``document`` and ``filename``): the file is named from
    that data, never by reading the page's markup.
    """
    if not page or not page.get("document"):
        return None
    doc = page["document"]
    digest = hashlib.sha1(doc.encode("utf-8")).hexdigest()[:16]
    root = Path(tempfile.gettempdir()) / "tc-attention-exports"
    folder = root / digest
    folder.mkdir(parents=True, exist_ok=True)
    _prune(root, keep=folder)
    path = folder / Path(page["filename"]).name
    if not path.exists():
        path.write_text(doc, encoding="utf-8")
    return str(path)


def _prune(root: Path, keep: Path) -> None:
    """A class exporting all day must not fill the disk: drop all but the newest EXPORTS_KEPT pages."""
    import shutil

    folders = sorted((f for f in root.iterdir() if f.is_dir() and f != keep), key=lambda f: f.stat().st_mtime)
    for old in folders[: max(0, len(folders) + 1 - EXPORTS_KEPT)]:
        shutil.rmtree(old, ignore_errors=True)


def build() -> None:
    gr.Markdown(
        "Each **head** of each **layer** mixes every token with the tokens it *attends* to. "
        "The **head view** shows one layer: a line from a token on the left to a token on the right, "
        "as strong as the weight, one colour per head. The **model view** shows every layer × head at once. "
        "Give a second text (`text_pair`) to filter *Sentence A → Sentence B*. Decoders (SmolLM2, GPT-2) "
        "only look back: their lines never go to a later token. These are "
        "bertviz's views (Jesse Vig), made to run with no internet and a page up to ~70× smaller."
    )
    with gr.Row():
        model = model_picker("attention", scale=2, elem_id="tc-attention-model")
        view = gr.Radio([("head view", "head"), ("model view", "model")], value="head", label="view", scale=1,
                        elem_id="tc-attention-view-choice")
    with gr.Row():
        text = gr.Textbox(label="text", value=SNAKE, lines=2, max_lines=6, scale=3,
                          elem_id="tc-attention-text")
        text_pair = gr.Textbox(
            label="text_pair", placeholder="optional second sentence (enables the Sentence A/B filter)",
            lines=2, max_lines=6, scale=3, elem_id="tc-attention-text-pair",
        )
    with gr.Row():
        layers = gr.Textbox(
            label="layers", value="all", info="which layers to show, e.g. 0-2, 5 (head view: the layer menu)",
            scale=2,
        )
        heads = gr.Textbox(
            label="heads", value="all", info="which heads: model view columns; head view starts with them on",
            scale=2,
        )
        with gr.Column(scale=1, min_width=180):
            go = gr.Button("Show attention", variant="primary", elem_id="tc-attention-run")
    notes = gr.Markdown()
    frame = gr.HTML(PLACEHOLDER, elem_id="tc-attention-view", label="attention view")
    with gr.Row():
        download = gr.DownloadButton(
            "⬇ Download this view (HTML, opens offline)", value=None, size="sm", variant="secondary",
            scale=0, min_width=330, elem_id="tc-attention-download",
        )
        gr.Markdown(
            "For a picture, use **Download PNG** in the view's top-right corner: it saves the view "
            "as it looks right now (layer, heads, hovered token).", elem_classes=["tc-hint"]
        )
    raw = raw_output()
    page = gr.State(None)  # {"document", "filename"} of the view shown

    @guard(cache=True)  # deterministic: a class clicking the same example computes it once
    def show(model: str, text: str, text_pair: str, view: str, layers: str, heads: str):
        result = attention.run(model, text, text_pair, view, layers, heads)
        page = {"document": result["document"], "filename": result["filename"]}  # for the download
        return result["html"], _notes(result["raw"]), result["raw"], page

    inputs = [model, text, text_pair, view, layers, heads]
    outputs = [frame, notes, raw, page]
    event = go.click(show, inputs, outputs, api_name="attention")
    event.then(
        guard(_export, lane=None), page, download, api_visibility="private", show_progress="hidden"
    )

    available = set(registry.names_for("attention"))
    examples = gr.Examples(
        [row for row in EXAMPLES if row[0] in available],
        inputs=[model, text, text_pair, view],
        label="Examples (course notes: the same word in two contexts)",
        examples_per_page=6,
        cache_examples=False,  # run on click (links.register)
    )
    links.register("attention", event, examples=examples)
