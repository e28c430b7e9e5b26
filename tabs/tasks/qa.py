"""Extractive question answering: the answer is a span of the context, found from start and end logits."""

from __future__ import annotations

import gradio as gr

from demo import models
from demo.course_texts import BLOOM_CONTEXT, BLOOM_QUESTION, LINCOLN, MILKY_WAY, SYLVAIN
from demo.tasks import qa as engine
from tabs import links
from tabs.common import escape, guard, model_picker, plot_text, raw_output, themed
from tabs.tasks.widgets import (
    clear_on_model_change,
    encoded_values,
    encoded_view,
    loss_md,
    loss_section,
    model_panel,
    panel_values,
    with_notice,
)

TITLE = "Question answering"

# the course notes on pipelines, tasks and decoding (BLOOM), the course notes on BERT (embeddings, WordPiece, MLM,
# NSP) (the Lincoln passage of BERT's example, masks filled in), the HF course
EXAMPLES = [
    [BLOOM_QUESTION, BLOOM_CONTEXT],
    ["When did the war break out?", LINCOLN],
    ["Which fort was attacked?", LINCOLN],
    ["Where do I work?", SYLVAIN],
    ["What is the capital of Germany?", MILKY_WAY],
]


def _plot(r: dict):
    """Start and end logits over the tokens of the answer's window (plotly)."""
    import plotly.graph_objects as go

    lg = r["logits"]
    x = list(range(len(lg["tokens"])))
    labels = [plot_text(f"{i}: {t}") for i, t in enumerate(lg["tokens"])]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=x, y=lg["start_logits"], name="start_logits", mode="lines+markers",
                             text=labels, hovertemplate="%{text}<br>start %{y:.3f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=x, y=lg["end_logits"], name="end_logits", mode="lines+markers",
                             text=labels, hovertemplate="%{text}<br>end %{y:.3f}<extra></extra>"))
    question_end = next((i for i, c in enumerate(lg["is_context"]) if c), 0)
    fig.add_vrect(x0=-0.5, x1=question_end - 0.5, fillcolor="#e5e7eb", opacity=0.5, line_width=0,
                  annotation_text="question", annotation_position="top left")
    if not r["no_answer"]:
        fig.add_vrect(x0=r["start_index"] - 0.5, x1=r["end_index"] + 0.5, fillcolor="#86efac", opacity=0.4,
                      line_width=0, annotation_text="answer", annotation_position="top right")
    step = max(1, len(x) // 40)  # at most ~40 tick labels
    fig.update_layout(
        title=f"start and end logits, window {r['window'] + 1} of {r['num_windows']}",
        xaxis=dict(tickmode="array", tickvals=x[::step], ticktext=[t[:12] for t in lg["tokens"][::step]],
                   tickangle=-60),
        yaxis_title="logit", height=380, margin=dict(l=40, r=10, t=50, b=90),
        legend=dict(orientation="h", y=1.12, x=1, xanchor="right"),
    )
    return themed(fig)


def _summary(r: dict) -> str:
    naive = r["naive_argmax"]
    naive_text = naive["text"] if naive["text"].strip() else "'' (empty)"
    if r["no_answer"]:
        head = (f"### No answer\n[CLS] scores **{r['null_score']:.4f}**, more than the best span "
                f"({r['best_span_score']:.4f}): the model says the context does not answer the question "
                "(SQuAD 2.0 style; untick handle_impossible_answer to see the best span anyway).")
    else:
        head = (f"### {escape(r['answer'])}\nscore **{r['score']:.4f}** (= p_start × p_end) · characters "
                f"{r['start']}–{r['end']} · tokens {r['start_index']}–{r['end_index']} of window "
                f"{r['window'] + 1}/{r['num_windows']} · no-answer score {r['null_score']:.4f}")
    windows = ""
    if r["num_windows"] > 1:
        windows = (f"\n\n🪟 The context did not fit in {r['max_seq_len']} tokens: it was split into "
                   f"**{r['num_windows']} overlapping windows** (doc_stride {r['doc_stride']} tokens shared by "
                   "neighbours), each with the question; the best span over all windows wins.")
    return (head + windows + f"\n\nNaive decoding (argmax of start_logits = {naive['start_index']}, argmax of "
            f"end_logits = {naive['end_index']}, decode `input_ids[start:end+1]`): **{escape(naive_text)}** — "
            "that is the recipe of the course notes on pipelines, tasks and decoding; it can return an empty answer "
            "when end < start.")


@guard(cache=True)  # deterministic: a class clicking the same example computes it once
def find(model: str, question: str, context: str, max_answer_len: int, doc_stride: int, max_seq_len: int,
         handle_impossible_answer: bool):
    r = engine.run(model, question, context, max_answer_len, doc_stride, max_seq_len, handle_impossible_answer)
    loaded = models.load(model, engine.HEAD)
    spans = {"text": context, "entities": [] if r["no_answer"] else
             [{"entity": "answer", "start": r["start"], "end": r["end"]}]}
    tokens, rows = encoded_values(r["encoded"])
    return (with_notice(_summary(r), r["truncation_notice"]), spans, _plot(r), tokens, rows, *panel_values(loaded), r)


@guard(cache=True)
def loss(model: str, question: str, context: str, answer_text: str, max_seq_len: int, doc_stride: int):
    ran = engine.loss(model, question, context, answer_text, max_seq_len, doc_stride)
    what = (f"`start_positions={ran['start_positions']}`, `end_positions={ran['end_positions']}` "
            f"(tokens {escape(' '.join(ran['answer_tokens']))} in window {ran['window'] + 1})")
    return loss_md(ran, what), ran


def build() -> None:
    gr.Markdown(
        "A **question-answering head** (`qa_outputs`, Linear(hidden→2)) gives every token a *start* logit and an "
        "*end* logit. The answer is the span of the **context** that maximises p(start) × p(end) with end ≥ start "
        "and at most `max_answer_len` tokens. Long contexts are split into overlapping windows. With a model "
        "whose head is newly initialised (the bundled MiniLM), the span is random — as in the course notes on pipelines, tasks "
        "and decoding, where distilbert-base-uncased returned an empty answer."
    )
    with gr.Row():
        with gr.Column(scale=5):
            model = model_picker(engine.TASK, prefer_trained_head=engine.HEAD)
            question = gr.Textbox(label="question", lines=1)
            context = gr.Textbox(label="context", lines=6)
            with gr.Accordion("settings", open=False):
                with gr.Row():
                    max_answer_len = gr.Slider(1, 64, value=engine.MAX_ANSWER_LEN, step=1, label="max_answer_len")
                    doc_stride = gr.Slider(0, 256, value=engine.DOC_STRIDE, step=8, label="doc_stride")
                with gr.Row():
                    max_seq_len = gr.Slider(64, 512, value=engine.MAX_SEQ_LEN, step=32, label="max_seq_len")
                    impossible = gr.Checkbox(value=True, label="handle_impossible_answer",
                                             info="Answer 'no answer' when [CLS] beats every span.")
            run = gr.Button("Find the answer", variant="primary")
            examples = gr.Examples(EXAMPLES, inputs=[question, context], label="Examples (from the course material)",
                        cache_examples=False)
        with gr.Column(scale=4):
            panel = model_panel(model, engine.HEAD, engine.TASK)
            summary = gr.Markdown()
    highlighted = gr.HighlightedText(label="the answer in the context", show_legend=False,
                                     color_map={"answer": "#86efac"}, combine_adjacent=False)
    plot = gr.Plot(label="start and end logits")
    encoded = encoded_view(label="Encoded input (the answer's window): question + context")
    with loss_section("Type the correct answer (exact words from the context; empty = no answer, labelled at [CLS]). "
                      "It becomes `start_positions` and `end_positions`; the loss is the mean of two cross-entropies.",
                      title="Compute the loss for this answer", button="Compute the loss", raw=True) as loss_box:
        gold = gr.Textbox(label="answer_text", scale=4)
    raw = raw_output()

    inputs = [model, question, context, max_answer_len, doc_stride, max_seq_len, impossible]
    outputs = [summary, highlighted, plot, *encoded.outputs, *panel.outputs, raw]
    event = gr.on([run.click, question.submit], find, inputs, outputs, api_name="answer")
    clear_on_model_change(model, event, keep=panel.outputs)
    links.register("qa", event, examples=examples)
    loss_box.button.click(loss, [model, question, context, gold, max_seq_len, doc_stride], loss_box.outputs,
                   api_name="answer_loss")
