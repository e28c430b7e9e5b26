"""Encoding shared by every task engine: how many tokens a model accepts, encoding with truncation and a
visible notice, the tensors forward() takes, and the encoded input as plain lists for the tabs.

One contract: ``encode()`` returns ``(encoding, truncation_notice)`` where the notice is ``None`` when
nothing was cut and one sentence (``truncation_notice()``) when something was. Every task's Raw output
carries that value under the key ``truncation_notice``.
"""

from __future__ import annotations

import functools
import inspect
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


def truncation_notice(loaded: "Loaded", kept: int, total: int, limit: int, what: str = "The input") -> str | None:
    """The one sentence every task shows when tokens were cut; None when nothing was cut."""
    if kept >= total:
        return None
    return (
        f"{what} has {total} tokens but {type(loaded.model).__name__} accepts at most {limit}: it was "
        f"truncated to {kept} tokens ({total - kept} cut off). Shorten the text to use all of it."
    )


def encode(
    loaded: "Loaded",
    text: str | list[str],
    text_pair: str | list[str] | None = None,
    *,
    max_length: int | None = None,
    side: str = "right",
    what: str = "The input",
    **kw: Any,
) -> tuple[Any, str | None]:
    """Tokenize as PyTorch tensors, cut to what the model accepts: (encoding, truncation notice or None).

    ``max_length`` defaults to max_input_tokens(loaded). ``side="right"`` lets the tokenizer cut (the
    longer text of a pair first, special tokens kept); ``side="left"`` keeps the *end* of a single text
    (what a causal LM continues from) and its leading BOS. Extra ``kw`` go to the tokenizer
    (``return_offsets_mapping=True``, ``padding=True`` for a batch of pairs, ...).
    """
    from transformers import BatchEncoding

    tok = loaded.tokenizer
    limit = max_length or max_input_tokens(loaded)
    enc = tok(text, text_pair, truncation=False, verbose=False, return_tensors="pt", **kw)  # B x T, nothing cut
    total = enc["input_ids"].shape[1]  # T tokens, special ones included (the longest row of a batch)
    if total <= limit:
        return enc, None
    if side == "left":  # keep the last tokens (and a leading BOS, if the tokenizer adds one)
        bos = getattr(tok, "bos_token_id", None)
        head = 1 if bos is not None and int(enc["input_ids"][0, 0]) == bos else 0
        enc = BatchEncoding({k: _keep(v, head, limit) for k, v in enc.items()})
    else:
        enc = tok(text, text_pair, truncation=True, max_length=limit, return_tensors="pt", **kw)
    return enc, truncation_notice(loaded, enc["input_ids"].shape[1], total, limit, what)


def _keep(v: Any, head: int, limit: int) -> Any:
    """The first ``head`` columns and the last ``limit - head`` of a B x T tensor."""
    import torch

    return torch.cat([v[:, :head], v[:, v.shape[1] - (limit - head):]], dim=1)


def model_inputs(loaded: "Loaded", enc: Any) -> dict:
    """Only the tensors the model's forward() takes (drops offsets, special-token masks, overflow maps)."""
    names = set(getattr(loaded.tokenizer, "model_input_names", ())) | {"input_ids", "attention_mask"}
    forward = _forward_parameters(type(loaded.model))
    return {k: v for k, v in enc.items() if k in names and k in forward}


@functools.lru_cache(maxsize=64)
def _forward_parameters(cls: type) -> frozenset[str]:
    """The argument names of a model class's forward() (cached: inspect is slow next to a small model)."""
    return frozenset(inspect.signature(cls.forward).parameters)


def encoded_view(loaded: "Loaded", enc: Any, row: int = 0) -> dict:
    """Row ``row`` of an encoding as plain lists: tokens, input_ids, token_type_ids, sequence (0, 1 or None)."""
    ids = enc["input_ids"][row].tolist()
    mask = enc["attention_mask"][row].tolist() if "attention_mask" in enc else [1] * len(ids)
    n = sum(mask)  # padding (in batched windows) is not shown
    sequence_ids = enc.sequence_ids(row) if hasattr(enc, "sequence_ids") else [None] * len(ids)
    types = enc["token_type_ids"][row].tolist() if "token_type_ids" in enc else None
    return {
        "tokens": loaded.tokenizer.convert_ids_to_tokens(ids[:n]),
        "input_ids": ids[:n],
        "token_type_ids": types[:n] if types is not None else None,  # None: the model has no segment embedding
        "sequence_ids": sequence_ids[:n],  # 0 = first text, 1 = second text, None = special token
    }


def token_view(tokenizer: Any, ids: list[int]) -> dict:
    """The encoded input as a student reads it: tokens next to their ids."""
    return {"tokens": tokenizer.convert_ids_to_tokens(ids), "input_ids": list(ids)}
