"""Fill-mask: type [MASK] or <mask> (either works with every model); top-k tokens per mask as bars."""

from __future__ import annotations

import gradio as gr

from demo.course_texts import LINCOLN_A_MASKED, MILKY_WAY_MASKED
from demo.tasks import fill_mask as engine
from tabs import links
from tabs.common import code, distinct_labels, escape, guard, model_picker, plot_text, raw_output, themed
from tabs.tasks.widgets import encoded_caption, loss_md, loss_section, model_panel, notice_md, tokens_html

TITLE = "Fill-mask"

EXAMPLES = [
    [MILKY_WAY_MASKED, 3],  # the course notes on pipelines, tasks and decoding (distilroberta-base: spiral, dwarf, massive)
    ["This course will teach you all about <mask> models.", 5],
    ["The capital of France is [MASK].", 5],
    [LINCOLN_A_MASKED, 5],  # the course notes on BERT (embeddings, WordPiece, MLM, NSP)
    ["I went to the [MASK] to deposit [MASK].", 5],
]


def predictions_figure(result: dict):
    """One horizontal bar chart per mask: the top-k tokens and their probabilities."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    preds = result["predictions"]
    titles = [f"mask {i + 1} (token {p})" for i, p in enumerate(result["mask_positions"])]
    fig = make_subplots(rows=1, cols=len(preds), subplot_titles=titles, horizontal_spacing=0.12)
    for col, options in enumerate(preds, start=1):
        options = options[::-1]  # best on top
        fig.add_trace(
            go.Bar(
                x=[o["score"] for o in options],
                y=[plot_text(f"{t} ") for t in distinct_labels([o["token"] or o["piece"] for o in options],
                                                                  [o["token_id"] for o in options])],
                orientation="h",
                text=[f"{o['score']:.1%}" for o in options],
                textposition="auto",
                marker_color="#6366f1",
                hovertext=[plot_text(o["sequence"]) for o in options],
                hoverinfo="text+x",
            ),
            row=1,
            col=col,
        )
    top_k = len(preds[0]) if preds else 1
    fig.update_layout(
        height=max(280, 90 + 34 * top_k),
        showlegend=False,
        margin=dict(l=10, r=10, t=70, b=30),
        xaxis_title="probability",
    )
    top = max((o["score"] for p in preds for o in p), default=0.0)
    fig.update_xaxes(range=[0, min(1.0, max(top * 1.3, 1e-3))], tickformat=".0%" if top > 0.05 else ".2%")
    fig.update_yaxes(type="category", automargin=True)
    return themed(fig)


@guard(cache=True)  # deterministic: a class clicking the same example computes it once
def predict(model: str, text: str, top_k: float):
    result = engine.run(model, text, top_k)
    caption = encoded_caption(len(result["tokens"]), f" · mask token <code>{escape(result['mask_token'])}</code> highlighted")
    html = tokens_html(result["tokens"], result["input_ids"], highlight=result["mask_positions"], caption=caption)
    return notice_md(result["truncation_notice"]), predictions_figure(result), html, result


@guard(cache=True)
def loss(model: str, text: str, target: str):
    result = engine.loss(model, text, target)
    words = ", ".join(f"{code(t['token'])} (id {t['token_id']})" for t in result["targets"])
    extra = f"\n\nBy hand: mean −log softmax(logits)[target] at the masks = {result['minus_log_prob']:.4f}"
    return loss_md(result, f"labels = {words} at the mask(s)") + extra


def build() -> None:
    gr.Markdown(
        "A **masked language model** (BERT's and RoBERTa's pretraining task) predicts the token hidden "
        "behind a mask. Type `[MASK]` or `<mask>` — the tab rewrites either into the model's own mask "
        "token. Up to five masks; each is predicted independently (softmax over the whole vocabulary "
        "at that position)."
    )
    with gr.Row():
        model = model_picker(engine.TASK, prefer_trained_head=engine.HEAD, scale=3)
        top_k = gr.Slider(1, 20, value=5, step=1, label="top_k", scale=1)
    panel = model_panel(model, engine.HEAD, engine.TASK)
    text = gr.Textbox(label="text", lines=2, value=EXAMPLES[0][0], placeholder=MILKY_WAY_MASKED)
    run = gr.Button("Fill the mask", variant="primary")
    examples = gr.Examples(EXAMPLES, [text, top_k], label="Examples from the course notes", cache_examples=False)
    notice = gr.Markdown()
    plot = gr.Plot(label="Top-k predictions per mask (hover a bar for the full sentence)")
    encoded = gr.HTML()
    with loss_section("Training a masked LM = labels hold the true token at each mask and `-100` everywhere "
                      "else (ignored). The loss is the cross-entropy at the masks: −log p(target).") as loss_box:
        target = gr.Textbox(label="target", placeholder="spiral   (one word per mask, e.g. 'bank, money')", scale=3)
    raw = raw_output()

    event = gr.on([run.click, text.submit], predict, [model, text, top_k], [notice, plot, encoded, raw],
                  api_name="fill_mask")
    panel.refresh_after(event)
    links.register("fill-mask", event, examples=examples)
    loss_box.button.click(loss, [model, text, target], loss_box.outputs, api_name="fill_mask_loss")
