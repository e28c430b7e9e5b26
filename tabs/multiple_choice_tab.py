"""Multiple choice: the prompt paired with each candidate, one logit per pair, softmax across them."""

from __future__ import annotations

import gradio as gr

from demo import multiple_choice as mc
from tabs.common import escape, guard, model_picker, raw_output
from tabs.task_panel import model_panel
from tabs.task_views import label_dict, loss_md, notice_md, panel_for, tokens_html, wire_panel

TITLE = "Multiple choice"

BAGUETTE = (  # seed 002
    "France has a bread law, Le Décret Pain, with strict rules on what is allowed in a traditional baguette.",
    "The law does not apply to croissants and brioche.\nThe law applies to baguettes.",
)
EXAMPLES = [
    list(BAGUETTE),
    ["The Milky Way is a", "spiral galaxy.\nkind of bread.\nprogramming language."],  # seed 002
    ["He got bit by Python.", "Python is a snake.\nPython is my favorite programming language."],  # seed 004
]


def _pairs_html(result: dict, special: set[str]) -> str:
    blocks = []
    for i, (pair, s) in enumerate(zip(result["pairs"], result["scores"])):
        caption = f"<b>choice {i}</b> ({s['score']:.1%}): {escape(s['choice'])} — {len(pair['tokens'])} tokens"
        blocks.append(tokens_html(pair["tokens"], pair["input_ids"], segments=pair.get("token_type_ids"),
                                  special=special, caption=caption))
    shape = " x ".join(map(str, result["input_shape"]))
    head = (f"<b>Encoded input</b>: shape {shape} (batch x choices x tokens) — each choice is the pair "
            "(prompt, candidate): prompt tokens in blue, candidate in yellow (token_type_ids 0 / 1).")
    return head + "".join(f"<div style='margin-top:6px'>{b}</div>" for b in blocks)


def build() -> None:
    gr.Markdown(
        "**Multiple choice** (SWAG-style): the model reads *(prompt, candidate)* for every candidate, "
        "gives each pair one score (logit), and a softmax **across the choices** turns them into "
        "probabilities. Write 2–5 candidate endings, one per line."
    )
    model = model_picker(mc.TASK, prefer_trained_head=mc.HEAD)
    panel = model_panel()
    with gr.Row():
        prompt = gr.Textbox(label="prompt", lines=3, value=BAGUETTE[0], scale=1)
        choices = gr.Textbox(label="choices", info="One candidate per line, 2 to 5.", lines=5, value=BAGUETTE[1],
                             scale=1)
    run = gr.Button("Score the choices", variant="primary")
    gr.Examples(EXAMPLES, [prompt, choices], label="Examples (seeds 002 and 004)")
    notice = gr.Markdown()
    scores = gr.Label(label="softmax across the choices")
    encoded = gr.HTML()
    with gr.Accordion("Compute the loss for this label", open=False):
        gr.Markdown("The label is the index of the correct choice (0 = the first line), as in seed 002: "
                    "`labels = torch.tensor(0).unsqueeze(0)`.")
        with gr.Row():
            label = gr.Number(value=0, precision=0, minimum=0, maximum=mc.MAX_CHOICES - 1,
                              label="labels", info="Index of the correct choice (0 = the first line).", scale=2)
            loss_run = gr.Button("Compute outputs.loss", scale=1)
        loss_out = gr.Markdown()
    raw = raw_output()

    @guard(cache=True)  # deterministic: a class clicking the same example computes it once
    def score(model: str, prompt: str, choices: str):
        from demo import models

        result = mc.multiple_choice(model, prompt, choices)
        special = set(models.load_tokenizer(model).all_special_tokens)
        labels = label_dict([(f"{i}: {s['choice']}", s["score"]) for i, s in enumerate(result["scores"])])
        return notice_md(result["truncated"]), labels, _pairs_html(result, special), result

    @guard(cache=True)
    def loss(model: str, prompt: str, choices: str, labels: float):
        result = mc.choice_loss(model, prompt, choices, labels)
        return loss_md(result, f"labels = [{result['labels'][0]}] (“{escape(result['correct_choice'])}”)")

    wire_panel(model, panel, mc.HEAD, mc.TASK)
    run.click(score, [model, prompt, choices], [notice, scores, encoded, raw], api_name="multiple_choice").success(
        panel_for(mc.HEAD, mc.TASK), model, panel.outputs, api_visibility="private")
    loss_run.click(loss, [model, prompt, choices, label], loss_out, api_name="multiple_choice_loss")
