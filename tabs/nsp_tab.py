"""Next-sentence prediction: BERT's second pretraining task — does sentence B follow sentence A?"""

from __future__ import annotations

import gradio as gr

from demo import next_sentence as nsp
from tabs.common import escape, guard, model_picker, raw_output
from tabs.task_panel import model_panel
from tabs.task_views import encoded_caption, loss_md, notice_md, panel_for, tokens_html, wire_panel

TITLE = "Next sentence"

LINCOLN_A = (  # seed 004
    "After Abraham Lincoln won the November 1860 presidential [MASK] on an anti-slavery platform, "
    "an initial seven slave states declared their secession from the country to form the Confederacy."
)
LINCOLN_B = (
    "War broke out in April 1861 when secessionist forces [MASK] Fort Sumter in South Carolina, "
    "just over a month after Lincoln's inauguration."
)
EXAMPLES = [
    [LINCOLN_A, LINCOLN_B],  # IsNext (label 0 in seed 004)
    [LINCOLN_A, "The Milky Way is a spiral galaxy."],  # a random sentence: NotNext
    ["He got bit by Python.", "Python is my favorite programming language."],  # seed 004
]


def build() -> None:
    gr.Markdown(
        "**Next-sentence prediction** (BERT's second pretraining task, seed 004): the pair is encoded as "
        "`[CLS] A [SEP] B [SEP]` with `token_type_ids` 0 for A and 1 for B; the NSP head reads the "
        "pooled `[CLS]` vector and outputs two logits — index 0 = **IsNext**, 1 = **NotNext**."
    )
    model = model_picker(nsp.TASK, prefer_trained_head=nsp.HEAD)
    panel = model_panel()
    with gr.Row():
        sentence_a = gr.Textbox(label="sentence_a", lines=3, value=LINCOLN_A)
        sentence_b = gr.Textbox(label="sentence_b", lines=3, value=LINCOLN_B)
    run = gr.Button("Predict IsNext / NotNext", variant="primary")
    gr.Examples(EXAMPLES, [sentence_a, sentence_b], label="Examples (seeds 002 and 004)")
    notice = gr.Markdown()
    scores = gr.Label(label="softmax of the two NSP logits")
    encoded = gr.HTML()
    with gr.Accordion("Compute the loss for this label", open=False):
        gr.Markdown("Seed 004: `label = torch.LongTensor([0])  # IsNext`, then `model(**inputs, labels=label)`.")
        with gr.Row():
            label = gr.Radio(list(nsp.LABELS), value="IsNext", label="labels", scale=2)
            loss_run = gr.Button("Compute outputs.loss", scale=1)
        loss_out = gr.Markdown()
    raw = raw_output()

    @guard(cache=True)  # deterministic: a class clicking the same example computes it once
    def predict(model: str, sentence_a: str, sentence_b: str):
        result = nsp.next_sentence(model, sentence_a, sentence_b)
        caption = encoded_caption(len(result["tokens"]), " · sentence A in blue (token_type_ids 0), "
                                  "B in yellow (1), [CLS]/[SEP] grey")
        from demo import models

        special = set(models.load_tokenizer(model).all_special_tokens) - {"[MASK]", "<mask>"}
        html = tokens_html(result["tokens"], result["input_ids"], segments=result["token_type_ids"],
                           special=special, caption=caption)
        label_value = {"IsNext": result["is_next"], "NotNext": result["not_next"]}
        return notice_md(result["truncated"]), label_value, html, result

    @guard(cache=True)
    def loss(model: str, sentence_a: str, sentence_b: str, labels: str):
        result = nsp.nsp_loss(model, sentence_a, sentence_b, labels)
        return loss_md(result, f"labels = [{result['labels'][0]}] ({escape(labels)})")

    wire_panel(model, panel, nsp.HEAD, nsp.TASK)
    run.click(predict, [model, sentence_a, sentence_b], [notice, scores, encoded, raw],
              api_name="next_sentence").success(panel_for(nsp.HEAD, nsp.TASK), model, panel.outputs,
                                                api_visibility="private")
    loss_run.click(loss, [model, sentence_a, sentence_b, label], loss_out, api_name="next_sentence_loss")
