"""The prompt the model reads: the chat template when asked, BOS when empty, the end kept when too long."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from demo.errors import BadInput

MAX_PROMPT_TOKENS = 1024  # longer prompts keep their last tokens (with a notice)
MAX_PROMPT_CHARS = 100_000


@dataclass
class Prompt:
    input_ids: list[int]
    text: str  # what the model reads (the templated prompt when the chat template is on)
    notices: list[str]


def _window(model: Any) -> int | None:
    n = getattr(model.config, "max_position_embeddings", None)
    return int(n) if isinstance(n, int) and n > 0 else None


def prepare_prompt(
    tokenizer: Any, model: Any, prompt: str, use_chat_template: bool, max_new_tokens: int
) -> Prompt:
    """Token ids for ``prompt``: templated when asked, BOS when empty, the end kept when too long."""
    if prompt is None:
        prompt = ""
    if not isinstance(prompt, str):
        raise BadInput(f"prompt must be text (got {type(prompt).__name__}).")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise BadInput(f"The prompt has {len(prompt):,} characters; the limit is {MAX_PROMPT_CHARS:,}. Shorten it.")
    notices: list[str] = []
    if use_chat_template:
        if not getattr(tokenizer, "chat_template", None):
            raise BadInput(
                "This model's tokenizer has no chat template (it is a base model that continues text): "
                "turn use_chat_template off, or pick an instruct model such as SmolLM2-135M-Instruct."
            )
        text = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], add_generation_prompt=True, tokenize=False
        )
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        notices.append(
            "Chat template on: the model reads your message wrapped in its special tokens "
            "(see the templated prompt), and answers as the assistant."
        )
    elif not prompt.strip():
        start = tokenizer.bos_token_id
        name = "BOS"
        if start is None:
            start, name = tokenizer.eos_token_id, "EOS"
        if start is None:
            raise BadInput("The prompt is empty and this model has no BOS/EOS token to start from: type a prompt.")
        ids = [int(start)]
        text = tokenizer.convert_ids_to_tokens(start)
        notices.append(
            f"The prompt was empty, so generation starts from the model's {name} token {text!r} "
            f"(id {start}) — what model.generate() does when given no input: an unconditional sample."
        )
    else:
        text = prompt
        ids = tokenizer(prompt)["input_ids"]
        if not ids:
            raise BadInput("The prompt produced no tokens: type some text.")
    window = _window(model)
    limit = MAX_PROMPT_TOKENS if window is None else min(MAX_PROMPT_TOKENS, window - max_new_tokens)
    if limit < 1:
        raise BadInput(
            f"max_new_tokens ({max_new_tokens}) does not fit in this model's window of {window} tokens: "
            f"use at most {window - 1}."
        )
    if len(ids) > limit:
        why = (
            f"the model reads at most {window} tokens and {max_new_tokens} are reserved for new ones"
            if window is not None and window - max_new_tokens <= MAX_PROMPT_TOKENS
            else f"this app reads at most {MAX_PROMPT_TOKENS} prompt tokens"
        )
        notices.append(
            f"The prompt has {len(ids)} tokens but {why}: kept the last {limit} tokens "
            f"(the first {len(ids) - limit} were cut)."
        )
        ids = ids[-limit:]
        text = tokenizer.decode(ids)
    return Prompt(ids, text, notices)
