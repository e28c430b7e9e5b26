"""Translation and summarization with T5: the task prefix is part of the input, then generate()."""

from __future__ import annotations

import gradio as gr

from demo.course_texts import LEGUMES
from demo.tasks import seq2seq as engine
from tabs import links
from tabs.common import GENERATE_LANE, escape, guard, model_picker, raw_output
from tabs.tasks.widgets import encoded_caption, loss_md, loss_section, model_panel, notice_md, tokens_html

TITLE = "Translation & summarization"

# the text behind the summary in the course notes on pipelines, tasks and decoding ("the inflation reduction act
# lowers ...")
SUMMARIZE_EXAMPLE = (
    "The Inflation Reduction Act lowers prescription drug costs, health care costs, and energy costs. "
    "It's the most aggressive action on tackling the climate crisis in American history, which will lift "
    "up American workers and create good-paying, union jobs across the country. It'll lower the deficit "
    "and ask the ultra-wealthy and corporations to pay their fair share. And no one making under $400,000 "
    "per year will pay a penny more in taxes."
)
REFERENCE_TRANSLATION = "Les légumes partagent des ressources avec des bactéries fixatrices d'azote."


def _input_html(result: dict) -> str:
    prefix = escape(result["prefix"])
    body = escape(result["input_text"][len(result["prefix"]):])
    shown = (
        f'<div class="tc-block"><b>Model input:</b> '
        f'<span class="tc-prefix">{prefix}</span>{body}</div>'
        if prefix
        else f"<div><b>Model input</b> (no task prefix for this model): {body}</div>"
    )
    encoded = tokens_html(result["tokens"], result["input_ids"],
                          caption=encoded_caption(len(result["tokens"]), " · encoder input"))
    decoded = tokens_html(result["output_tokens"], result["output_ids"], generated_from=0,
                          caption=f"<b>Decoder output</b> — {len(result['output_ids'])} tokens, starting from "
                          "the decoder start token")
    return shown + encoded + "<div class='tc-gap'></div>" + decoded


def _run(model: str, text: str, task: str) -> tuple:
    result = engine.run(model, text, task)
    return notice_md(result["truncation_notice"]), result["text"], _input_html(result), result


@guard(cache=True, lane=GENERATE_LANE)  # greedy: a class clicking the same example computes it once
def translate_text(model: str, text: str):
    return _run(model, text, "translation")


@guard(cache=True, lane=GENERATE_LANE)
def summarize_text(model: str, text: str):
    return _run(model, text, "summarization")


@guard(cache=True)
def loss(model: str, text: str, task: str, target: str):
    result = engine.loss(model, text, target, task)
    return loss_md(result, f"labels = the {len(result['labels'])} target tokens")


def build() -> None:
    gr.Markdown(
        "An **encoder-decoder** (T5) reads the whole input with its encoder and writes the output with "
        "its decoder, one token at a time (`generate()`, greedy). T5 learned many tasks at once, told "
        "apart by a **task prefix** at the start of the input: `translate English to French: `, "
        "`summarize: `. The tab adds it for you (and doesn't add it twice if you typed it)."
    )
    with gr.Row():
        model = model_picker(engine.TASK, prefer_trained_head=engine.HEAD, scale=3)
    panel = model_panel(model, engine.HEAD, engine.TASK)
    text = gr.Textbox(label="text", lines=4, value=LEGUMES)
    with gr.Row():
        translate = gr.Button("Translate (English → French)", variant="primary")
        summarize = gr.Button("Summarize", variant="primary")
    with gr.Row():  # each runs its own button's event when clicked (links.register)
        to_translate = gr.Examples([[LEGUMES], ["translate English to French: " + LEGUMES]], [text],
                                   label="Translate (course notes: pipelines, tasks and decoding)", cache_examples=False)
        to_summarize = gr.Examples([[SUMMARIZE_EXAMPLE]], [text], label="Summarize (course notes)",
                                   cache_examples=False)
    notice = gr.Markdown()
    output = gr.Textbox(label="output", lines=3, interactive=False)
    encoded = gr.HTML()
    with loss_section("Training a seq2seq model: the labels are the token ids of the reference output. The "
                      "decoder reads them shifted right (teacher forcing) and is scored on each next token.") as loss_box:
        task = gr.Radio(list(engine.TASKS), value=engine.TASK, label="task", scale=1)
        target = gr.Textbox(label="target", value=REFERENCE_TRANSLATION, scale=3)
    raw = raw_output()

    outputs = [notice, output, encoded, raw]
    translated = translate.click(translate_text, [model, text], outputs, api_name="translate")
    summarized = summarize.click(summarize_text, [model, text], outputs, api_name="summarize")
    for event in (translated, summarized):
        panel.refresh_after(event)
    links.register("seq2seq", translated, examples=to_translate)
    links.register("summarize", summarized, examples=to_summarize, button=False)
    loss_box.button.click(loss, [model, text, task, target], loss_box.outputs, api_name="seq2seq_loss")
