"""Multiple choice: the prompt paired with each candidate, one logit per pair, softmax across them."""

from __future__ import annotations

import gradio as gr

from demo import models
from demo.course_texts import BAGUETTE_CHOICES, BAGUETTE_PROMPT, PYTHON_LANGUAGE, PYTHON_SNAKE
from demo.tasks import multiple_choice as engine
from tabs import links
from tabs.common import escape, guard, model_picker, raw_output
from tabs.tasks.widgets import label_dict, loss_md, loss_section, model_panel, notice_md, tokens_html

TITLE = "Multiple choice"

# the course notes on pipelines, tasks and decoding (the baguette law, the Milky Way);
# "Python" in two senses from the course notes on BERT (embeddings, WordPiece, MLM, NSP)
BAGUETTE = (BAGUETTE_PROMPT, "\n".join(BAGUETTE_CHOICES))
EXAMPLES = [
    list(BAGUETTE),
    ["The Milky Way is a", "spiral galaxy.\nkind of bread.\nprogramming language."],
    [PYTHON_SNAKE, f"Python is a snake.\n{PYTHON_LANGUAGE}"],
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
    return head + "".join(f"<div class='tc-block'>{b}</div>" for b in blocks)


@guard(cache=True)  # deterministic: a class clicking the same example computes it once
def score(model: str, prompt: str, choices: str):
    result = engine.run(model, prompt, choices)
    special = set(models.load_tokenizer(model).all_special_tokens)
    labels = label_dict([(f"{i}: {s['choice']}", s["score"]) for i, s in enumerate(result["scores"])])
    return notice_md(result["truncation_notice"]), labels, _pairs_html(result, special), result


@guard(cache=True)
def loss(model: str, prompt: str, choices: str, labels: float):
    result = engine.loss(model, prompt, choices, labels)
    return loss_md(result, f"labels = [{result['labels'][0]}] (“{escape(result['correct_choice'])}”)")


def build() -> None:
    gr.Markdown(
        "**Multiple choice** (SWAG-style): the model reads *(prompt, candidate)* for every candidate, "
        "gives each pair one score (logit), and a softmax **across the choices** turns them into "
        "probabilities. Write 2–5 candidate endings, one per line."
    )
    model = model_picker(engine.TASK, prefer_trained_head=engine.HEAD)
    panel = model_panel(model, engine.HEAD, engine.TASK)
    with gr.Row():
        prompt = gr.Textbox(label="prompt", lines=3, value=BAGUETTE[0], scale=1)
        choices = gr.Textbox(label="choices", info="One candidate per line, 2 to 5.", lines=5, value=BAGUETTE[1],
                             scale=1)
    run = gr.Button("Score the choices", variant="primary")
    examples = gr.Examples(EXAMPLES, [prompt, choices], label="Examples from the course notes", cache_examples=False)
    notice = gr.Markdown()
    scores = gr.Label(label="softmax across the choices")
    encoded = gr.HTML()
    with loss_section("The label is the index of the correct choice (0 = the first line), as in the "
                      "course notes on pipelines, tasks and decoding: `labels = torch.tensor(0).unsqueeze(0)`.") as loss_box:
        label = gr.Number(value=0, precision=0, minimum=0, maximum=engine.MAX_CHOICES - 1,
                          label="labels", info="Index of the correct choice (0 = the first line).", scale=2)
    raw = raw_output()

    event = run.click(score, [model, prompt, choices], [notice, scores, encoded, raw], api_name="multiple_choice")
    panel.refresh_after(event)
    links.register("multiple-choice", event, examples=examples)
    loss_box.button.click(loss, [model, prompt, choices, label], loss_box.outputs, api_name="multiple_choice_loss")
