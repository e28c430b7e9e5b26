"""Next-sentence prediction: BERT's second pretraining task — does sentence B follow sentence A?"""

from __future__ import annotations

import gradio as gr

from demo import models
from demo.course_texts import LINCOLN_A_MASKED, LINCOLN_B_MASKED, MILKY_WAY, PYTHON_LANGUAGE, PYTHON_SNAKE
from demo.tasks import next_sentence as engine
from tabs import links
from tabs.common import escape, guard, model_picker, raw_output
from tabs.tasks.widgets import encoded_caption, loss_md, loss_section, model_panel, notice_md, tokens_html

TITLE = "Next sentence"

# the course notes on BERT (embeddings, WordPiece, MLM, NSP): the Lincoln pair as the notes feed it to
# BertForPreTraining (one word of each sentence masked), and "Python" in two senses
EXAMPLES = [
    [LINCOLN_A_MASKED, LINCOLN_B_MASKED],  # IsNext (label 0 in the notes)
    [LINCOLN_A_MASKED, MILKY_WAY],  # a random sentence: NotNext
    [PYTHON_SNAKE, PYTHON_LANGUAGE],
]


@guard(cache=True)  # deterministic: a class clicking the same example computes it once
def predict(model: str, sentence_a: str, sentence_b: str):
    result = engine.run(model, sentence_a, sentence_b)
    caption = encoded_caption(len(result["tokens"]), " · sentence A in blue (token_type_ids 0), "
                              "B in yellow (1), [CLS]/[SEP] grey")
    special = set(models.load_tokenizer(model).all_special_tokens) - {"[MASK]", "<mask>"}
    html = tokens_html(result["tokens"], result["input_ids"], segments=result["token_type_ids"],
                       special=special, caption=caption)
    label_value = {"IsNext": result["is_next"], "NotNext": result["not_next"]}
    return notice_md(result["truncation_notice"]), label_value, html, result


@guard(cache=True)
def loss(model: str, sentence_a: str, sentence_b: str, labels: str):
    result = engine.loss(model, sentence_a, sentence_b, labels)
    return loss_md(result, f"labels = [{result['labels'][0]}] ({escape(labels)})")


def build() -> None:
    gr.Markdown(
        "**Next-sentence prediction** (BERT's second pretraining task, as in the course notes on BERT's MLM and NSP): "
        "the pair is encoded as "
        "`[CLS] A [SEP] B [SEP]` with `token_type_ids` 0 for A and 1 for B; the NSP head reads the "
        "pooled `[CLS]` vector and outputs two logits — index 0 = **IsNext**, 1 = **NotNext**."
    )
    model = model_picker(engine.TASK, prefer_trained_head=engine.HEAD)
    panel = model_panel(model, engine.HEAD, engine.TASK)
    with gr.Row():
        sentence_a = gr.Textbox(label="sentence_a", lines=3, value=LINCOLN_A_MASKED)
        sentence_b = gr.Textbox(label="sentence_b", lines=3, value=LINCOLN_B_MASKED)
    run = gr.Button("Predict IsNext / NotNext", variant="primary")
    examples = gr.Examples(EXAMPLES, [sentence_a, sentence_b], label="Examples from the course notes",
                           cache_examples=False)
    notice = gr.Markdown()
    scores = gr.Label(label="softmax of the two NSP logits")
    encoded = gr.HTML()
    with loss_section("As in the course notes on BERT: `label = torch.LongTensor([0])  # IsNext`, then "
                      "`model(**inputs, labels=label)`.") as loss_box:
        label = gr.Radio(list(engine.LABELS), value="IsNext", label="labels", scale=2)
    raw = raw_output()

    event = run.click(predict, [model, sentence_a, sentence_b], [notice, scores, encoded, raw], api_name="next_sentence")
    panel.refresh_after(event)
    links.register("next-sentence", event, examples=examples)
    loss_box.button.click(loss, [model, sentence_a, sentence_b, label], loss_box.outputs, api_name="next_sentence_loss")
