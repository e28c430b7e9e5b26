"""Token classification (NER, part-of-speech): a label per token, then sub-words grouped into words."""

from __future__ import annotations

import gradio as gr

from demo import models
from demo.course_texts import SYLVAIN, WARRIORS
from demo.tasks import token_classification as engine
from tabs import links
from tabs.common import escape, guard, model_picker, raw_output
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

TITLE = "Token classification"

# the HF course, chapter 1 (the NER example); the course notes on pipelines, tasks and decoding (the Golden State
# Warriors, WNUT); the course notes on Trainer parameters and tokenizer outputs; the tiny corpus
EXAMPLES = [
    [SYLVAIN, "simple"],
    [WARRIORS, "none"],
    [WARRIORS, "first"],
    ["Abraham Lincoln was the sixteenth president of the United States.", "average"],
    ["Hugging Face is a company based in New York City.", "max"],
]

STRATEGY = {
    "none": "**none**: one row per *token* — sub-words (`##…`) get their own label, B-/I- prefixes kept.",
    "simple": "**simple**: adjacent tokens with the same tag are merged (a `B-` starts a new entity). A word can "
    "still be split if its sub-words disagree.",
    "first": "**first**: every word takes the label of its *first* sub-token, then words are merged like *simple*.",
    "average": "**average**: every word takes the label with the highest *average* probability over its "
    "sub-tokens, then words are merged.",
    "max": "**max**: every word takes the label of its most confident sub-token, then words are merged.",
}

ALIGN_COLUMNS = ["index", "token", "word_id", "word", "sub-word?", "label", "score"]
ENTITY_COLUMNS = ["word", "entity", "score", "start", "end"]


def _word_labels(r: dict) -> str:
    """The predicted label of each word's first token: a starting point for the loss control."""
    first: dict[int, str] = {}
    for t in r["tokens"]:
        if t["word_id"] is not None:
            first.setdefault(t["word_id"], t["label"])
    return " ".join(first[i] for i in sorted(first))


# the outputs of /token_classify, in order (restrategy skips them all on an empty text)
N_OUTPUTS = 12


@guard(cache=True)  # deterministic: a class clicking the same example computes it once
def label_tokens(model: str, text: str, aggregation: str):
    r = engine.run(model, text, aggregation)
    loaded = models.load(model, engine.HEAD)
    highlighted = {"text": text, "entities": [
        {"entity": e["entity"], "start": e["start"], "end": e["end"]} for e in r["entities"]]}
    per_token = []
    for t in r["tokens"]:
        per_token += [(t["token"], None if t["label"] == "O" else t["label"]), (" ", None)]
    ent_rows = [[e["word"], e["entity"], round(e["score"], 4), e["start"], e["end"]] for e in r["entities"]]
    words = r["words"]
    align_rows = [[t["index"], t["token"], t["word_id"], words[t["word_id"]] if t["word_id"] is not None else "",
                   "yes" if t["is_subword"] else "", t["label"], round(t["score"], 4)] for t in r["tokens"]]
    n_sub = sum(t["is_subword"] for t in r["tokens"])
    info = with_notice(f"{STRATEGY[r['aggregation']]}\n\n{len(r['tokens'])} tokens ({n_sub} of them continue a "
                       f"word) → {len(words)} words → **{len(r['entities'])} entities**.", r["truncation_notice"])
    tokens, rows = encoded_values(r["encoded"])
    return (highlighted, per_token[:-1], ent_rows, align_rows, info, tokens, rows, _word_labels(r),
            *panel_values(loaded), r)


@guard  # not cached itself: it skips an empty text or calls the cached label_tokens()
def restrategy(model: str, text: str, aggregation: str):
    if not (text or "").strip():
        return tuple(gr.skip() for _ in range(N_OUTPUTS))
    return label_tokens(model, text, aggregation)


@guard(cache=True)
def loss(model: str, text: str, labels: str):
    ran = engine.loss(model, text, labels)
    return loss_md(ran, f"`labels={escape(ran['labels'])}`"), ran


def build() -> None:
    gr.Markdown(
        "A **token-classification head** is a linear layer on *every* token's hidden state: one label per token "
        "(here BIO tags such as `B-PER`, `I-PER`, `O`, or part-of-speech tags). The tokenizer splits words into "
        "sub-words, so the labels must be put back together into words: that is what **aggregation** does. "
        "Switch strategies and watch the alignment table."
    )
    with gr.Row():
        with gr.Column(scale=5):
            model = model_picker(engine.TASK, prefer_trained_head=engine.HEAD)
            text = gr.Textbox(label="text", lines=3, placeholder="Type a sentence, or click an example below")
            aggregation = gr.Radio(list(engine.AGGREGATIONS), value="simple", label="aggregation",
                                   info="How sub-word labels become word / entity labels "
                                   "(transformers' aggregation_strategy).")
            run = gr.Button("Label the tokens", variant="primary")
            examples = gr.Examples(EXAMPLES, inputs=[text, aggregation], label="Examples (from the course material)",
                        cache_examples=False)
        with gr.Column(scale=4):
            panel = model_panel(model, engine.HEAD, engine.TASK)
            verdict = gr.Markdown()
    entities = gr.HighlightedText(label="entities (after aggregation; label O is left out)", show_legend=True,
                                  combine_adjacent=False)
    token_labels = gr.HighlightedText(label="every token's own label (before aggregation)", show_legend=False,
                                      combine_adjacent=False)
    with gr.Row():
        entity_table = gr.Dataframe(headers=ENTITY_COLUMNS, interactive=False, label="entities", max_height=300)
        align = gr.Dataframe(headers=ALIGN_COLUMNS, interactive=False, label="sub-word → word alignment",
                             max_height=300)
    encoded = encoded_view()
    with loss_section("One label per **word**, separated by spaces. The first sub-token of each word gets the "
                      "word's label id; special tokens and later sub-tokens get **-100**, which the loss ignores.",
                      title="Compute the loss for these labels", button="Compute the loss", raw=True) as loss_box:
        labels = gr.Textbox(label="labels", scale=4, placeholder="e.g. O O O B-PER O O O O B-ORG I-ORG O B-LOC O")
    raw = raw_output()

    outputs = [entities, token_labels, entity_table, align, verdict, *encoded.outputs, labels, *panel.outputs, raw]
    assert len(outputs) == N_OUTPUTS
    inputs = [model, text, aggregation]
    event = gr.on([run.click, text.submit], label_tokens, inputs, outputs, api_name="token_classify")
    clear_on_model_change(model, event, keep=panel.outputs)
    links.register("token-classification", event, examples=examples)
    aggregation.input(restrategy, inputs, outputs, api_name=False)
    loss_box.button.click(loss, [model, text, labels], loss_box.outputs, api_name="token_classify_loss")
