"""Encoding helpers shared by the encoder task engines (classification, token classification, QA).

How many tokens a model accepts, truncation with a visible notice, and the encoded input as plain
lists (tokens, ids, token_type_ids, which sentence each token belongs to) for the "encoded input" view.
"""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from demo.models import Loaded

HUGE = 100_000  # tokenizers without a limit report model_max_length = 1e30


def max_tokens(loaded: "Loaded") -> int:
    """The longest input (special tokens included) the model accepts: tokenizer limit and position table."""
    config = loaded.model.config
    limits = []
    tok_max = getattr(loaded.tokenizer, "model_max_length", None)
    if isinstance(tok_max, int) and 0 < tok_max < HUGE:
        limits.append(tok_max)
    positions = getattr(config, "max_position_embeddings", None)
    if isinstance(positions, int) and positions > 0:
        if getattr(config, "model_type", "") in ("roberta", "xlm-roberta", "camembert"):
            positions -= (config.pad_token_id or 0) + 1  # RoBERTa's positions start after the padding index
        limits.append(positions)
    return min(limits) if limits else 512


def encode(loaded: "Loaded", text: str, text_pair: str | None = None, **kw: Any) -> tuple[Any, str]:
    """Tokenize (text, text_pair) as PyTorch tensors, truncated to what the model accepts.

    Returns (encoding, notice); notice is "" unless tokens were cut off, then it says how many.
    """
    tok = loaded.tokenizer
    limit = max_tokens(loaded)
    enc = tok(text, text_pair, truncation=False, verbose=False, return_tensors="pt", **kw)
    n = enc["input_ids"].shape[1]  # T tokens, special ones included
    if n <= limit:
        return enc, ""
    notice = (
        f"✂️ The input has {n} tokens but {type(loaded.model).__name__} accepts at most {limit}: "
        f"the last {n - limit} tokens were cut off (truncation). Shorten the text to use all of it."
    )
    enc = tok(text, text_pair, truncation=True, max_length=limit, return_tensors="pt", **kw)
    return enc, notice


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
