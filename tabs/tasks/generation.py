"""Text generation: a causal LM continues the prompt, streamed token by token (greedy)."""

from __future__ import annotations

import gradio as gr

from demo.tasks import generation as engine
from tabs import links
from tabs.common import GENERATE_LANE, code, guard, model_picker, raw_output
from tabs.tasks.widgets import DECODING_JS, encoded_caption, loss_md, loss_section, model_panel, notice_md, tokens_html

TITLE = "Text generation"

EXAMPLES = [
    ["The capital of France is", 10],
    ["Somatic hypermutation allows the immune system to", 40],  # the course notes on pipelines, tasks and decoding (distilgpt2)
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


def _final(step: dict) -> tuple:
    return notice_md(step["truncation_notice"]), step["text"], _sequence_html(step), step


@guard(cache=True, lane=GENERATE_LANE)  # greedy is deterministic: a class running one prompt streams it once
def generate(model: str, prompt: str, max_new_tokens: float):
    for step in engine.stream(model, prompt, max_new_tokens):
        yield _final(step) if step["done"] else (gr.skip(), step["text"], gr.skip(), gr.skip())


@guard(cache=True)
def loss(model: str, prompt: str, continuation: str):
    result = engine.loss(model, prompt, continuation)
    pieces = " ".join(code(t) for t in result["continuation_tokens"])
    return loss_md(result, f"the continuation {pieces}") + f"\n\nPerplexity exp(loss) = {result['perplexity']:.2f}"


def build() -> None:
    gr.Markdown(
        "A **causal language model** (GPT-2, Llama, SmolLM2) predicts the next token from the ones "
        "before it, appends it, and repeats. Here it always takes the most likely token "
        "(`generate(do_sample=False)`, greedy), so the same prompt gives the same text. "
        "Beam search, sampling with temperature, top-k and top-p: see the **Decoding playground** tab."
    )
    with gr.Row():
        model = model_picker(engine.TASK, prefer_trained_head=engine.HEAD, scale=3)
        max_new_tokens = gr.Slider(1, engine.MAX_NEW_TOKENS, value=engine.DEFAULT_NEW_TOKENS, step=1,
                                   label="max_new_tokens", scale=2)
    panel = model_panel(model, engine.HEAD, engine.TASK)
    prompt = gr.Textbox(label="prompt", lines=2, value=EXAMPLES[0][0])
    with gr.Row():
        run = gr.Button("Generate", variant="primary", scale=4)
        stop = gr.Button("Stop", variant="stop", scale=1, min_width=100)
        decoding = gr.Button("Decoding playground →", variant="secondary", scale=1, min_width=180)
    examples = gr.Examples(EXAMPLES, [prompt, max_new_tokens], label="Examples (course notes: pipelines, tasks and decoding)",
                           cache_examples=False)
    notice = gr.Markdown()
    continuation = gr.Textbox(label="continuation (streamed as it is generated)", lines=4, interactive=False)
    encoded = gr.HTML()
    with loss_section("Training a causal LM: the labels are the input ids themselves (the model shifts them by "
                      "one), with `-100` on the prompt so only the continuation is scored. "
                      "exp(loss) is the perplexity: how surprised the model is by that continuation.") as loss_box:
        target = gr.Textbox(label="continuation", value="Paris.", scale=3)
    raw = raw_output()

    event = gr.on([run.click, prompt.submit], generate, [model, prompt, max_new_tokens],
                  [notice, continuation, encoded, raw], api_name="generate")
    panel.refresh_after(event)
    links.register("generation", event, examples=examples)
    stop.click(None, cancels=[event])  # closing the stream stops generate() at the next token
    decoding.click(None, js=DECODING_JS)
    loss_box.button.click(loss, [model, prompt, target], loss_box.outputs, api_name="generate_loss")
