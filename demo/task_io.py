"""Encoding helpers shared by the task engines (fill-mask, generation, seq2seq, multiple choice, NSP).

How long an input a loaded model accepts, encoding with truncation *and a visible notice*,
and the token/id view every task tab shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from demo.models import Loaded

# a tokenizer without a real limit reports this huge sentinel (transformers' VERY_LARGE_INTEGER)
_NO_LIMIT = 10**12
T5_DEFAULT_MAX = 512  # T5 has relative positions; its checkpoints were trained on 512 tokens


def max_input_tokens(loaded: "Loaded") -> int:
    """The longest input (special tokens included) the model accepts.

    The smaller of the tokenizer's model_max_length and the position table; RoBERTa-style
    models start positions at padding_idx + 1, so two of their positions are never usable.
    """
    config = loaded.model.config
    limits = []
    tok_max = getattr(loaded.tokenizer, "model_max_length", None)
    if isinstance(tok_max, int) and tok_max < _NO_LIMIT:
        limits.append(tok_max)
    positions = getattr(config, "max_position_embeddings", None) or getattr(config, "n_positions", None)
    if isinstance(positions, int):
        if "roberta" in getattr(config, "model_type", ""):
            positions -= (getattr(config, "pad_token_id", 1) or 1) + 1
        limits.append(positions)
    if not limits:
        limits.append(T5_DEFAULT_MAX)
    return min(limits)


def truncation_notice(kept: int, total: int, limit: int, what: str = "The input") -> str | None:
    """The sentence the tab shows when tokens were cut; None when nothing was cut."""
    if kept >= total:
        return None
    return (
        f"{what} has {total} tokens but the model accepts at most {limit}: it was truncated to "
        f"{kept} tokens ({total - kept} dropped). Shorten the text to use all of it."
    )


def encode(
    loaded: "Loaded",
    text: str,
    text_pair: str | None = None,
    *,
    max_length: int | None = None,
    side: str = "right",
) -> tuple[dict, str | None]:
    """Tokenize for one forward pass: (tensors batch of 1, truncation notice or None).

    ``side="left"`` keeps the end of the text (what a causal LM continues from).
    """
    tok = loaded.tokenizer
    limit = max_length or max_input_tokens(loaded)
    enc = dict(tok(text, text_pair, return_tensors="pt"))  # 1 x T, nothing cut yet
    total = enc["input_ids"].shape[1]
    if total <= limit:
        return enc, None
    if side == "left":  # keep the last tokens (and a leading BOS, if the tokenizer adds one)
        bos = getattr(tok, "bos_token_id", None)
        head = 1 if bos is not None and int(enc["input_ids"][0, 0]) == bos else 0
        enc = {k: _keep(v, head, limit) for k, v in enc.items()}
    else:  # the tokenizer cuts (the longer text of a pair first) and keeps the special tokens
        enc = dict(tok(text, text_pair, truncation=True, max_length=limit, return_tensors="pt"))
    return enc, truncation_notice(enc["input_ids"].shape[1], total, limit)


def _keep(v: Any, head: int, limit: int) -> Any:
    """The first ``head`` columns and the last ``limit - head`` of a 1 x T tensor."""
    import torch

    return torch.cat([v[:, :head], v[:, v.shape[1] - (limit - head):]], dim=1)


def token_view(tokenizer: Any, ids: list[int]) -> dict:
    """The encoded input as a student reads it: tokens next to their ids."""
    return {"tokens": tokenizer.convert_ids_to_tokens(ids), "input_ids": list(ids)}
