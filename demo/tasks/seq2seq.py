"""Translation and summarization with an encoder-decoder (T5): task prefix + text → generate().

transformers 5 removed the translation/summarization pipelines; this is what they did: add the
task prefix T5 was trained with, encode, generate greedily, decode.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from demo import heads, models
from demo.errors import BadInput
from demo.inputs import require_text
from demo.losses import run_with_labels
from demo.tasks.encoding import encode, token_view

if TYPE_CHECKING:  # pragma: no cover
    from demo.models import Loaded

# registry task -> (T5 task prefix, key in config.task_specific_params, max_new_tokens)
TASKS: dict[str, tuple[str, str, int]] = {
    "translation": ("translate English to French: ", "translation_en_to_fr", 60),
    "summarization": ("summarize: ", "summarization", 100),
}
TASK = "translation"  # the registry task the tab lists models for; every seq2seq model here does both
HEAD = heads.head_for(TASK)


def task_prefix(loaded: "Loaded", task: str) -> str:
    """The prefix the checkpoint was trained with: its config's task_specific_params, else T5's default.

    Models that are not T5 (BART, Marian, ...) take the text as it is.
    """
    default, key, _ = TASKS[task]
    params = getattr(loaded.model.config, "task_specific_params", None) or {}
    if isinstance(params.get(key), dict) and "prefix" in params[key]:
        return params[key]["prefix"]
    return default if getattr(loaded.model.config, "model_type", "") == "t5" else ""


def _prepare(model: str, text: object, task: str) -> tuple["Loaded", str, str, dict, str | None]:
    """(loaded, prefix, prefixed text, encoding 1 x T, truncation notice)."""
    if task not in TASKS:
        raise BadInput(f"task must be one of {', '.join(TASKS)} (got {str(task)[:40]!r}).")
    text = require_text(text, "text")
    loaded = models.load(model, HEAD, task=task)
    prefix = task_prefix(loaded, task)
    body = text.strip()
    if prefix and body.lower().startswith(prefix.strip().lower()):  # the user typed the prefix already
        body = body[len(prefix.strip()):].strip()
    prefixed = prefix + body
    enc, notice = encode(loaded, prefixed)
    return loaded, prefix, prefixed, enc, notice


def generate_kwargs(task: str) -> dict:
    """Greedy, with the task's length budget (the course notes summarize with max_new_tokens=100, do_sample=False)."""
    return {"max_new_tokens": TASKS[task][2], "do_sample": False}


def run(model: str, text: str, task: str = TASK) -> dict:
    """Prefix + encode → generate() → decode: {text, prefix, input_text, tokens, input_ids, output_ids, ...}."""
    import torch

    loaded, prefix, prefixed, enc, notice = _prepare(model, text, task)
    with torch.inference_mode():
        out = loaded.model.generate(**enc, **generate_kwargs(task))  # 1 x new (starts with decoder_start)
    tok = loaded.tokenizer
    output_ids = out[0].tolist()
    return {
        "model": loaded.spec.name,
        "model_class": type(loaded.model).__name__,
        "task": task,
        "text": tok.decode(output_ids, skip_special_tokens=True),
        "prefix": prefix,
        "input_text": prefixed,
        **token_view(tok, enc["input_ids"][0].tolist()),
        "output_ids": output_ids,
        "output_tokens": tok.convert_ids_to_tokens(output_ids),
        "truncation_notice": notice,
    }


def translate(model: str, text: str) -> dict:
    """English → French with T5's "translate English to French: " prefix."""
    return run(model, text, "translation")


def summarize(model: str, text: str) -> dict:
    """A summary with T5's "summarize: " prefix."""
    return run(model, text, "summarization")


def loss(model: str, text: str, target: str, task: str = TASK) -> dict:
    """outputs.loss for a reference output: labels = the target's token ids (teacher forcing).

    The decoder reads the target shifted right (starting from decoder_start_token_id) and is
    scored on predicting each target token: cross-entropy averaged over the target tokens.
    """
    loaded, _prefix, _prefixed, enc, notice = _prepare(model, text, task)
    target = require_text(target, "target text")
    labels = loaded.tokenizer(target, truncation=True, max_length=256, return_tensors="pt")["input_ids"]  # 1 x L
    ran = run_with_labels(loaded.model, enc, {"labels": labels})
    return {**ran, "labels": labels[0].tolist(),
            "target_tokens": loaded.tokenizer.convert_ids_to_tokens(labels[0].tolist()), "truncation_notice": notice}
