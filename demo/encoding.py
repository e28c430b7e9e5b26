"""Encoding helpers shared by the encoder task engines (classification, token classification, QA).

How many tokens a model accepts, truncation with a visible notice, and the encoded input as plain
lists (tokens, ids, token_type_ids, which sentence each token belongs to) for the "encoded input" view.
"""

from __future__ import annotations

import functools
import inspect
from typing import TYPE_CHECKING, Any

from demo.task_io import max_input_tokens

if TYPE_CHECKING:  # pragma: no cover
    from demo.models import Loaded

# one definition of "how many tokens this model accepts" for every task engine
max_tokens = max_input_tokens


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
