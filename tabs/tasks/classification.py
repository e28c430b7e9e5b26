"""Text classification: single-label (softmax), multi-label (a sigmoid per label) or regression (a score).

Which one is decided by the model's config (problem_type, num_labels), never by the tab. The same
builder serves the sentence-pair sub-tab (tabs/tasks/pairs.py) with two text boxes.
"""

from __future__ import annotations

import gradio as gr

from demo import heads, models
from demo.course_texts import HATE, I_LOVE_NLP, REVIEW, WAITING
from demo.errors import DemoError
from demo.tasks import classification as engine
from tabs import links
from tabs.common import escape, guard, model_picker, raw_output
from tabs.tasks.widgets import (
    clear_on_model_change,
    encoded_values,
    encoded_view,
    loss_md,
    loss_section,
    model_panel,
    panel_or_notice,
    panel_values,
    wire_panel,
    with_notice,
)

TITLE = "Text classification"

# the HF course, chapter 1 (WAITING, HATE); the course notes on pipelines, tasks and decoding (stevhliu/my_awesome_model:
# the review, "I love NLP!"); the course notes on Trainer parameters and tokenizer outputs ("Hugging Face is great!")
EXAMPLES = [
    [WAITING, ""],
    [REVIEW, ""],
    [I_LOVE_NLP, ""],
    ["Hugging Face is great!", ""],
    [HATE, ""],
]

EXPLAIN = {
    heads.SINGLE: "**single_label_classification** → a softmax over the {n} labels (the scores sum to 1); "
    "the prediction is the most likely label: **{predicted}**.",
    heads.MULTI: "**multi_label_classification** → a sigmoid per label (each score between 0 and 1, "
    "independent of the others); labels with score ≥ threshold {threshold}: **{predicted}**.",
    heads.REGRESSION: "**regression** (num_labels = 1) → no activation: the single logit *is* the "
    "score: **{predicted}**.",
}


def _label_value(r: dict):
    if r["problem_type"] == heads.REGRESSION:
        return f"{r['scores'][0]['label']} = {r['predicted']:.4f}"
    return {s["label"]: s["score"] for s in r["scores"]}


def _explain(r: dict) -> str:
    predicted = r["predicted"]
    if isinstance(predicted, list):
        predicted = ", ".join(predicted) or "none"
    elif isinstance(predicted, float):
        predicted = f"{predicted:.4f}"
    text = EXPLAIN[r["problem_type"]].format(n=len(r["labels"]), predicted=escape(predicted), threshold=r["threshold"])
    return with_notice(text, r["truncation_notice"])


def _label_picker(r_or_problem: dict | str, labels: list[str], predicted=None) -> dict:
    problem = r_or_problem if isinstance(r_or_problem, str) else r_or_problem["problem_type"]
    if problem == heads.REGRESSION:
        value = f"{predicted:.2f}" if isinstance(predicted, float) else "1.0"
        return gr.update(choices=[value], value=value, multiselect=False,
                         label="label (regression: type the target number)")
    if problem == heads.MULTI:
        return gr.update(choices=labels, value=list(predicted or []), multiselect=True,
                         label="labels (multi-label: any number of them)")
    return gr.update(choices=labels, value=predicted or labels[0], multiselect=False, label="label")


# the outputs of /classify and /classify_pair, in order (rethreshold skips them all on an empty text)
N_OUTPUTS = 9


@guard(cache=True)  # deterministic: a class clicking the same example computes it once
def classify(model: str, text: str, text_pair: str, threshold: float):
    r = engine.run(model, text, text_pair, threshold)
    loaded = models.load(model, engine.HEAD)
    tokens, rows = encoded_values(r["encoded"])
    return (_label_value(r), _explain(r), tokens, rows, _label_picker(r, r["labels"], r["predicted"]),
            *panel_values(loaded), r)


@guard  # not cached itself: it skips an empty text or calls the cached classify()
def rethreshold(model: str, text: str, text_pair: str, threshold: float):
    if not (text or "").strip():
        return tuple(gr.skip() for _ in range(N_OUTPUTS))
    return classify(model, text, text_pair, threshold)


@guard  # not cached: the panel says whether the model is on this machine, which a prefetch changes
def show_model(model: str):
    panel_vals = panel_or_notice(model, engine.HEAD)
    try:
        config = models.load(model, engine.HEAD).model.config
    except DemoError:
        return (gr.skip(), *panel_vals)
    problem = heads.problem_type(config)
    labels = [str(config.id2label.get(i, f"LABEL_{i}")) for i in range(config.num_labels)]
    return (_label_picker(problem, labels), *panel_vals)


@guard(cache=True)
def loss(model: str, text: str, text_pair: str, label):
    ran = engine.loss(model, text, text_pair, label)
    return loss_md(ran, f"`labels={ran['labels']}`"), ran


def build_classifier(tasks: tuple[str, ...], pair: bool, api_name: str, examples: list[list[str]]) -> None:
    """The whole classification UI; ``pair`` shows two equal text boxes and the encoding open."""
    with gr.Row():
        with gr.Column(scale=5):
            model = model_picker(tasks, prefer_trained_head=engine.HEAD)
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
                shown = gr.Examples(examples, inputs=[text, text_pair], label="Examples (from the course material)",
                                    cache_examples=False)  # they run on click (links.register)
            else:  # single texts: one column
                shown = gr.Examples([row[:1] for row in examples], inputs=[text],
                                    label="Examples (from the course material)", cache_examples=False)
        with gr.Column(scale=4):
            panel = model_panel()
            scores = gr.Label(label="scores", num_top_classes=6)
            verdict = gr.Markdown()
    encoded = encoded_view(open=pair)
    with loss_section("Runs the model with `labels=` and shows `outputs.loss` and which loss function ran — "
                      "the number training would minimise for this example.", button="Compute the loss",
                      raw=True) as loss_box:
        label = gr.Dropdown(label="label", choices=[], allow_custom_value=True, scale=3)
    raw = raw_output()

    outputs = [scores, verdict, *encoded.outputs, label, *panel.outputs, raw]
    assert len(outputs) == N_OUTPUTS
    inputs = [model, text, text_pair, threshold]
    event = gr.on([run.click, text.submit, text_pair.submit], classify, inputs, outputs, api_name=api_name)
    clear_on_model_change(model, event, keep=panel.outputs)
    links.register("pairs" if pair else "classification", event, examples=shown)
    threshold.release(rethreshold, inputs, outputs, api_name=False)
    wire_panel(model, [label, *panel.outputs], show_model)
    loss_box.button.click(loss, [model, text, text_pair, label], loss_box.outputs, api_name=f"{api_name}_loss")


def build() -> None:
    gr.Markdown(
        "A **sequence-classification head** reads the first token's final hidden state and outputs one logit per "
        "label. What turns logits into scores depends on the model's `problem_type`: **softmax** (one label), "
        "**sigmoid per label** (several labels, e.g. go_emotions) or **nothing** (regression, one number). "
        "Sentence-pair models (NLI, STS-B) also work here with `text_pair`; see the next sub-tab for how a pair is encoded."
    )
    build_classifier(engine.TASKS, pair=False, api_name="classify", examples=EXAMPLES)
