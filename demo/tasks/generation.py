"""Text generation with a causal LM: prompt → greedy continuation, whole or streamed token by token.

The strategies (beam search, sampling, top-k/top-p, ...) live in the Decoding playground; this
task shows the plain thing: the model continues the prompt one most-likely token at a time.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Iterator

from demo import heads, models
from demo.errors import BadInput
from demo.inputs import require_int, require_text
from demo.losses import run_with_labels
from demo.tasks.encoding import encode, max_input_tokens, token_view

if TYPE_CHECKING:  # pragma: no cover
    from demo.models import Loaded

TASK = "text-generation"
HEAD = heads.head_for(TASK)
MAX_NEW_TOKENS = 256
DEFAULT_NEW_TOKENS = 30
WORKER_THREAD = "generate-stream"  # the thread stream() runs generate() in (tests check it ends)


def _prepare(model: str, prompt: object, max_new_tokens: object) -> tuple["Loaded", dict, str | None, int]:
    """(loaded, encoded prompt 1 x T, truncation notice, max_new_tokens)."""
    prompt = require_text(prompt, "prompt")
    n = require_int(max_new_tokens, "max_new_tokens", 1, MAX_NEW_TOKENS)
    loaded = models.load(model, HEAD, task=TASK)
    limit = max_input_tokens(loaded)
    if n >= limit:
        raise BadInput(f"max_new_tokens must be below {limit} for {loaded.spec.name} (its context length).")
    # the prompt and the new tokens share the context: keep the end of a long prompt
    enc, notice = encode(loaded, prompt, max_length=limit - n, side="left")
    return loaded, enc, notice, n


def generate_kwargs(loaded: "Loaded", max_new_tokens: int) -> dict:
    """The generate() settings of this task: greedy, explicit length, a pad id so no warning fires
    (the tokenizer's, else an end-of-sequence id: what generate() falls back to anyway)."""
    pad = loaded.tokenizer.pad_token_id
    if pad is None and loaded.eos_token_ids:
        pad = min(loaded.eos_token_ids)
    return {"max_new_tokens": max_new_tokens, "do_sample": False, "pad_token_id": pad}


def _result(loaded: "Loaded", enc: dict, output_ids: list[int], notice: str | None) -> dict:
    tok = loaded.tokenizer
    prompt_ids = enc["input_ids"][0].tolist()  # T
    new_ids = output_ids[len(prompt_ids):]  # the continuation only
    return {
        "model": loaded.spec.name,
        "model_class": type(loaded.model).__name__,
        "text": tok.decode(new_ids, skip_special_tokens=True),
        "prompt": tok.decode(prompt_ids, skip_special_tokens=True),
        **token_view(tok, prompt_ids),
        "generated_ids": new_ids,
        "generated_tokens": tok.convert_ids_to_tokens(new_ids),
        "stopped_at_eos": bool(new_ids) and new_ids[-1] in loaded.eos_token_ids,
        "truncation_notice": notice,
    }


def run(model: str, prompt: str, max_new_tokens: int = DEFAULT_NEW_TOKENS) -> dict:
    """Greedy continuation of ``prompt``: {text (the continuation), generated_ids, tokens, ...}."""
    import torch

    loaded, enc, notice, n = _prepare(model, prompt, max_new_tokens)
    with torch.inference_mode():
        out = loaded.model.generate(**enc, **generate_kwargs(loaded, n))  # 1 x (T + new)
    return _result(loaded, enc, out[0].tolist(), notice)


def stream(model: str, prompt: str, max_new_tokens: int = DEFAULT_NEW_TOKENS) -> Iterator[dict]:
    """Like run(), yielding {text so far, done: False} as tokens arrive, then the full result.

    generate() runs in a thread and pushes decoded text into a TextIteratorStreamer; closing
    this generator (the user left) stops generation at the next token.
    """
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList, TextIteratorStreamer

    loaded, enc, notice, n = _prepare(model, prompt, max_new_tokens)
    stop = threading.Event()

    class StopWhenAsked(StoppingCriteria):
        def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor, **kw: object) -> torch.Tensor:
            return torch.full((input_ids.shape[0],), stop.is_set(), dtype=torch.bool)

    streamer = TextIteratorStreamer(loaded.tokenizer, skip_prompt=True, skip_special_tokens=True)
    done: dict = {}

    def work() -> None:
        try:
            with torch.inference_mode():
                done["ids"] = loaded.model.generate(
                    **enc, **generate_kwargs(loaded, n), streamer=streamer,
                    stopping_criteria=StoppingCriteriaList([StopWhenAsked()]),
                )[0].tolist()
        except Exception as e:  # noqa: BLE001 - re-raised in the caller's thread below
            done["error"] = e
            streamer.end()

    worker = threading.Thread(target=work, name=WORKER_THREAD, daemon=True)
    worker.start()
    text = ""
    try:
        for piece in streamer:
            text += piece
            if piece:
                yield {"text": text, "done": False}
        worker.join()
    finally:
        stop.set()  # a no-op when generation already ended; otherwise it ends at the next token
        worker.join(timeout=60)
    if "error" in done:
        raise done["error"]
    yield {**_result(loaded, enc, done["ids"], notice), "done": True}


def loss(model: str, prompt: str, continuation: str) -> dict:
    """outputs.loss with labels = prompt + continuation, the prompt masked with -100.

    The causal-LM loss shifts the labels by one inside the model: every continuation token is
    scored given all tokens before it. exp(loss) is the perplexity of the continuation.
    """
    import math

    import torch

    prompt = require_text(prompt, "prompt")
    continuation = require_text(continuation, "continuation")
    loaded = models.load(model, HEAD, task=TASK)
    tok = loaded.tokenizer
    joiner = "" if continuation[:1].isspace() or prompt[-1:].isspace() else " "
    cont_ids = tok(joiner + continuation, add_special_tokens=False, return_tensors="pt")["input_ids"]  # 1 x C
    limit = max_input_tokens(loaded)
    room = limit - cont_ids.shape[1]  # what the context leaves for the prompt
    if room < 1:
        raise BadInput(f"The continuation has {cont_ids.shape[1]} tokens; {loaded.spec.name} accepts {limit} "
                       "with the prompt. Shorten the continuation.")
    enc, notice = encode(loaded, prompt, max_length=room, side="left")  # a long prompt keeps its end
    input_ids = torch.cat([enc["input_ids"], cont_ids], dim=1)  # 1 x (T + C), at most limit
    labels = input_ids.clone()
    labels[:, : enc["input_ids"].shape[1]] = -100  # the prompt is given, not predicted
    inputs = {"input_ids": input_ids, "attention_mask": torch.ones_like(input_ids)}
    ran = run_with_labels(loaded.model, inputs, {"labels": labels})
    return {
        **ran,
        "labels": labels[0].tolist(),
        "continuation_tokens": tok.convert_ids_to_tokens(cont_ids[0].tolist()),
        "perplexity": math.exp(min(ran["loss"], 50.0)),
        "truncation_notice": notice,
    }
