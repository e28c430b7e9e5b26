"""Text classification: single-label (softmax), multi-label (a sigmoid per label) or regression (a score).

Which one is decided by the model's config (problem_type, num_labels), never by the tab. The same
builder serves the sentence-pair tab (tabs/pair_tab.py) with two text boxes.
"""

from __future__ import annotations

import gradio as gr

from demo import classification, models
from tabs.common import escape, guard, raw_output
from demo.errors import DemoError
from tabs.encoder_widgets import (encoded_values, encoded_view, loss_markdown, on_load_and_model_change,
                                  panel_or_notice, picker, truncation_md)
from tabs.task_panel import model_panel, panel_values

TITLE = "Text classification"

# seed 002 (stevhliu/my_awesome_model, "I love NLP!"), seed 001 ("Hugging Face is great!"), HF course chapter 1
EXAMPLES = [
    ["I've been waiting for a HuggingFace course my whole life.", ""],
    ["This was a masterpiece. Not completely faithful to the books, but enthralling from beginning to end. "
     "Might be my favorite of the three.", ""],
    ["I love NLP!", ""],
    ["Hugging Face is great!", ""],
    ["I hate this so much!", ""],
]

EXPLAIN = {
    classification.SINGLE: "**single_label_classification** → a softmax over the {n} labels (the scores sum to 1); "
    "the prediction is the most likely label: **{predicted}**.",
    classification.MULTI: "**multi_label_classification** → a sigmoid per label (each score between 0 and 1, "
    "independent of the others); labels with score ≥ threshold {threshold}: **{predicted}**.",
    classification.REGRESSION: "**regression** (num_labels = 1) → no activation: the single logit *is* the "
    "score: **{predicted}**.",
}


def _label_value(r: dict):
    if r["problem_type"] == classification.REGRESSION:
        return f"{r['scores'][0]['label']} = {r['predicted']:.4f}"
    return {s["label"]: s["score"] for s in r["scores"]}


def _explain(r: dict) -> str:
    predicted = r["predicted"]
    if isinstance(predicted, list):
        predicted = ", ".join(predicted) or "none"
    elif isinstance(predicted, float):
        predicted = f"{predicted:.4f}"
    text = EXPLAIN[r["problem_type"]].format(n=len(r["labels"]), predicted=escape(predicted), threshold=r["threshold"])
    return text + truncation_md(r["notice"])


def _label_picker(r_or_problem: dict | str, labels: list[str], predicted=None) -> dict:
    problem = r_or_problem if isinstance(r_or_problem, str) else r_or_problem["problem_type"]
    if problem == classification.REGRESSION:
        value = f"{predicted:.2f}" if isinstance(predicted, float) else "1.0"
        return gr.update(choices=[value], value=value, multiselect=False,
                         label="label (regression: type the target number)")
    if problem == classification.MULTI:
        return gr.update(choices=labels, value=list(predicted or []), multiselect=True,
                         label="labels (multi-label: any number of them)")
    return gr.update(choices=labels, value=predicted or labels[0], multiselect=False, label="label")


def build_classifier(tasks: tuple[str, ...], pair: bool, api_name: str, examples: list[list[str]]) -> None:
    """The whole classification UI; ``pair`` shows two equal text boxes and the encoding open."""
    with gr.Row():
        with gr.Column(scale=5):
            model = picker(tasks, prefer_trained_head="sequence-classification")
            if pair:
                with gr.Row():
                    text = gr.Textbox(label="text", lines=3, placeholder="First sentence (premise)")
                    text_pair = gr.Textbox(label="text_pair", lines=3, placeholder="Second sentence (hypothesis)")
            else:
                text = gr.Textbox(label="text", lines=3, placeholder="Type a sentence, or click an example below")
                text_pair = gr.Textbox(label="text_pair (optional: only for sentence-pair models)", lines=1)
            threshold = gr.Slider(0.0, 1.0, value=0.5, step=0.05, label="threshold",
                                  info="Multi-label models only: a label is predicted when its sigmoid ≥ threshold.")
            run = gr.Button("Classify", variant="primary")
            if pair:
                gr.Examples(examples, inputs=[text, text_pair], label="Examples (from the course material)",
                            cache_examples=False)
            else:  # single texts: one column
                gr.Examples([row[:1] for row in examples], inputs=[text], label="Examples (from the course material)",
                            cache_examples=False)
        with gr.Column(scale=4):
            panel = model_panel()
            scores = gr.Label(label="scores", num_top_classes=6)
            verdict = gr.Markdown()
    encoded = encoded_view(open=pair)
    with gr.Accordion("Compute the loss for this label", open=False):
        gr.Markdown("Runs the model with `labels=` and shows `outputs.loss` and which loss function ran — "
                    "the number training would minimise for this example.")
        with gr.Row():
            label = gr.Dropdown(label="label", choices=[], allow_custom_value=True, scale=3)
            loss_btn = gr.Button("Compute the loss", scale=1)
        loss_md = gr.Markdown()
        loss_raw = gr.JSON(label="loss raw output", visible=True)
    raw = raw_output()

    outputs = [scores, verdict, *encoded.outputs, label, *panel.outputs, raw]

    @guard
    def classify(model: str, text: str, text_pair: str, threshold: float):
        r = classification.classify(model, text, text_pair, threshold)
        loaded = models.load(model, "sequence-classification")
        tokens, rows = encoded_values(r["encoded"])
        return (_label_value(r), _explain(r), tokens, rows, _label_picker(r, r["labels"], r["predicted"]),
                *panel_values(loaded), r)

    @guard
    def rethreshold(model: str, text: str, text_pair: str, threshold: float):
        if not (text or "").strip():
            return tuple(gr.skip() for _ in outputs)
        return classify(model, text, text_pair, threshold)

    @guard
    def show_model(model: str):
        panel_vals = panel_or_notice(model, "sequence-classification")
        try:
            config = models.load(model, "sequence-classification").model.config
        except DemoError:
            return (gr.skip(), *panel_vals)
        problem = classification.problem_type(config)
        labels = [str(config.id2label.get(i, f"LABEL_{i}")) for i in range(config.num_labels)]
        return (_label_picker(problem, labels), *panel_vals)

    @guard
    def loss(model: str, text: str, text_pair: str, label):
        ran = classification.classification_loss(model, text, text_pair, label)
        return loss_markdown(ran, f"`labels={ran['labels']}`") + truncation_md(ran["notice"]), ran

    inputs = [model, text, text_pair, threshold]
    gr.on([run.click, text.submit, text_pair.submit], classify, inputs, outputs, api_name=api_name)
    threshold.release(rethreshold, inputs, outputs, api_name=False)
    on_load_and_model_change(model, show_model, [label, *panel.outputs])
    loss_btn.click(loss, [model, text, text_pair, label], [loss_md, loss_raw], api_name=f"{api_name}_loss")


def build() -> None:
    gr.Markdown(
        "A **sequence-classification head** reads the first token's final hidden state and outputs one logit per "
        "label. What turns logits into scores depends on the model's `problem_type`: **softmax** (one label), "
        "**sigmoid per label** (several labels, e.g. go_emotions) or **nothing** (regression, one number). "
        "Sentence-pair models (NLI, STS-B) also work here with `text_pair`; see the next sub-tab for how a pair is encoded."
    )
    build_classifier(("sequence-classification", "pair-classification"), pair=False, api_name="classify",
                     examples=EXAMPLES)
