"""Next-sentence prediction: does sentence B follow sentence A? (BERT's second pretraining task).

The pair is encoded as [CLS] A [SEP] B [SEP] with token_type_ids 0 for A and 1 for B; the NSP
head reads the pooled [CLS] vector and returns two logits: index 0 = IsNext, 1 = NotNext.
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

TASK = "next-sentence"
HEAD = heads.head_for(TASK)
LABELS = ("IsNext", "NotNext")  # BERT's convention: labels 0 and 1


def _prepare(model: str, sentence_a: object, sentence_b: object) -> tuple["Loaded", dict, str | None]:
    a = require_text(sentence_a, "sentence_a")
    b = require_text(sentence_b, "sentence_b")
    loaded = models.load(model, HEAD, task=TASK)
    enc, notice = encode(loaded, a, b)  # 1 x T; the longer sentence is cut first
    return loaded, enc, notice


def run(model: str, sentence_a: str, sentence_b: str) -> dict:
    """{is_next, not_next (softmax of the two NSP logits), logits, tokens, input_ids, token_type_ids}."""
    import torch

    loaded, enc, notice = _prepare(model, sentence_a, sentence_b)
    with torch.inference_mode():
        logits = loaded.model(**enc).logits[0]  # 2: [IsNext, NotNext]
    probs = logits.float().softmax(dim=-1)
    ids = enc["input_ids"][0].tolist()
    return {
        "model": loaded.spec.name,
        "model_class": type(loaded.model).__name__,
        "is_next": float(probs[0]),
        "not_next": float(probs[1]),
        "predicted": LABELS[int(probs.argmax())],
        "logits": logits.tolist(),
        **token_view(loaded.tokenizer, ids),
        "token_type_ids": enc["token_type_ids"][0].tolist() if "token_type_ids" in enc else None,
        "truncation_notice": notice,
    }


def loss(model: str, sentence_a: str, sentence_b: str, label: str) -> dict:
    """outputs.loss with labels = 0 (IsNext) or 1 (NotNext), as in the course notes on BERT (embeddings, WordPiece, MLM, NSP)."""
    import torch

    if label not in LABELS:
        raise BadInput(f"The label must be IsNext or NotNext (got {str(label)[:40]!r}).")
    loaded, enc, notice = _prepare(model, sentence_a, sentence_b)
    index = LABELS.index(label)
    ran = run_with_labels(loaded.model, enc, {"labels": torch.tensor([index])})
    return {**ran, "labels": [index], "label": label, "truncation_notice": notice}
