"""Text generation: a causal LM continues the prompt, streamed token by token (greedy)."""

from __future__ import annotations

import gradio as gr

from demo import generation
from tabs.common import GENERATE_LANE, code, guard, model_picker, raw_output
from tabs.task_panel import model_panel
from tabs.task_views import (
    DECODING_JS, encoded_caption, loss_md, notice_md, panel_for, tokens_html, wire_panel,
)

TITLE = "Text generation"

EXAMPLES = [
    ["The capital of France is", 10],
    ["Somatic hypermutation allows the immune system to", 40],  # seed 002 (distilgpt2)
    ["This course will teach you all about", 30],
    ["Once upon a time, a student asked a transformer", 40],
]


def _sequence_html(result: dict) -> str:
    """Prompt tokens (blue) followed by the generated ones (green), ids underneath."""
    tokens = result["tokens"] + result["generated_tokens"]
    ids = result["input_ids"] + result["generated_ids"]
    caption = encoded_caption(
        len(result["tokens"]),
        f" in blue, then the {len(result['generated_ids'])} generated tokens in green"
        + (" (stopped at the end-of-sequence token)" if result["stopped_at_eos"] else ""),
    )
    return tokens_html(tokens, ids, generated_from=len(result["tokens"]), caption=caption)


def build() -> None:
    gr.Markdown(
        "A **causal language model** (GPT-2, Llama, SmolLM2) predicts the next token from the ones "
        "before it, appends it, and repeats. Here it always takes the most likely token "
        "(`generate(do_sample=False)`, greedy), so the same prompt gives the same text. "
        "Beam search, sampling with temperature, top-k and top-p: see the **Decoding playground** tab."
    )
    with gr.Row():
        model = model_picker(generation.TASK, prefer_trained_head=generation.HEAD, scale=3)
        max_new_tokens = gr.Slider(1, generation.MAX_NEW_TOKENS, value=generation.DEFAULT_NEW_TOKENS, step=1,
                                   label="max_new_tokens", scale=2)
    panel = model_panel()
    prompt = gr.Textbox(label="prompt", lines=2, value=EXAMPLES[0][0])
    with gr.Row():
        run = gr.Button("Generate", variant="primary", scale=4)
        stop = gr.Button("Stop", variant="stop", scale=1, min_width=100)
        decoding = gr.Button("Decoding playground →", variant="secondary", scale=1, min_width=180)
    gr.Examples(EXAMPLES, [prompt, max_new_tokens], label="Examples (seed 002)")
    notice = gr.Markdown()
    continuation = gr.Textbox(label="continuation (streamed as it is generated)", lines=4, interactive=False)
    encoded = gr.HTML()
    with gr.Accordion("Compute the loss for this label", open=False):
        gr.Markdown(
            "Training a causal LM: the labels are the input ids themselves (the model shifts them by "
            "one), with `-100` on the prompt so only the continuation is scored. "
            "exp(loss) is the perplexity: how surprised the model is by that continuation."
        )
        with gr.Row():
            target = gr.Textbox(label="continuation", value="Paris.", scale=3)
            loss_run = gr.Button("Compute outputs.loss", scale=1)
        loss_out = gr.Markdown()
    raw = raw_output()

    def final(step: dict) -> tuple:
        return notice_md(step["truncated"]), step["text"], _sequence_html(step), step

    @guard(cache=True, lane=GENERATE_LANE)  # greedy is deterministic: a class running one prompt streams it once
    def generate(model: str, prompt: str, max_new_tokens: float):
        for step in generation.stream(model, prompt, max_new_tokens):
            yield final(step) if step["done"] else (gr.skip(), step["text"], gr.skip(), gr.skip())

    @guard(cache=True)
    def loss(model: str, prompt: str, continuation: str):
        result = generation.continuation_loss(model, prompt, continuation)
        pieces = " ".join(code(t) for t in result["continuation_tokens"])
        return loss_md(result, f"the continuation {pieces}") + f"\n\nPerplexity exp(loss) = {result['perplexity']:.2f}"

    wire_panel(model, panel, generation.HEAD, generation.TASK)
    event = gr.on([run.click, prompt.submit], generate, [model, prompt, max_new_tokens],
                  [notice, continuation, encoded, raw], api_name="generate")
    event.success(panel_for(generation.HEAD, generation.TASK), model, panel.outputs, api_visibility="private")
    stop.click(None, cancels=[event])  # closing the stream stops generate() at the next token
    decoding.click(None, js=DECODING_JS)
    loss_run.click(loss, [model, prompt, target], loss_out, api_name="generate_loss")
