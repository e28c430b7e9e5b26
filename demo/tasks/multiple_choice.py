"""Multiple choice: the prompt paired with each candidate ending, one score per pair, softmax across them.

As in the baguette example of the course notes on pipelines, tasks and decoding: encode
[[prompt, c1], [prompt, c2], ...] with padding, add a batch dimension
(1 x choices x T), and the model returns one logit per choice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from demo import heads, models
from demo.errors import BadInput
from demo.inputs import require_int, require_text
from demo.losses import run_with_labels
from demo.tasks.encoding import encode

if TYPE_CHECKING:  # pragma: no cover
    from demo.models import Loaded

TASK = "multiple-choice"
HEAD = heads.head_for(TASK)
MIN_CHOICES, MAX_CHOICES = 2, 5


def parse_choices(choices: object) -> list[str]:
    """One candidate per line (a list is accepted too); blank lines are skipped."""
    if isinstance(choices, (list, tuple)):
        lines = [str(c).strip() for c in choices]
    else:
        lines = [line.strip() for line in require_text(choices, "choices").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) < MIN_CHOICES:
        raise BadInput(
            f"Give at least {MIN_CHOICES} choices, one per line (got {len(lines)}): the model scores "
            "each candidate against the others."
        )
    if len(lines) > MAX_CHOICES:
        raise BadInput(f"Give at most {MAX_CHOICES} choices, one per line (got {len(lines)}): remove some.")
    return lines


def _prepare(model: str, prompt: object, choices: object) -> tuple["Loaded", str, list[str], dict, str | None]:
    """(loaded, prompt, choices, encoding 1 x C x T, truncation notice)."""
    prompt = require_text(prompt, "prompt")
    options = parse_choices(choices)
    loaded = models.load(model, HEAD, task=TASK)
    # C x T, padded to the longest pair; a pair too long loses tokens of its longer text first
    enc, notice = encode(loaded, [prompt] * len(options), options, padding=True,
                         what="The longest prompt + choice pair")
    enc = {k: v.unsqueeze(0) for k, v in enc.items()}  # 1 x C x T: one question, C candidates
    return loaded, prompt, options, enc, notice


def run(model: str, prompt: str, choices: str) -> dict:
    """{scores: [{choice, score, logit}], predicted, predicted_index, pairs: tokens per choice}."""
    import torch

    loaded, prompt, options, enc, notice = _prepare(model, prompt, choices)
    with torch.inference_mode():
        logits = loaded.model(**enc).logits[0]  # C: one logit per choice
    probs = logits.float().softmax(dim=-1)  # C, sums to 1 across the choices
    best = int(probs.argmax())
    tok = loaded.tokenizer
    pairs = []
    for row, mask in zip(enc["input_ids"][0], enc["attention_mask"][0]):
        ids = row[mask.bool()].tolist()  # drop the padding
        pairs.append({"tokens": tok.convert_ids_to_tokens(ids), "input_ids": ids})
    if "token_type_ids" in enc:
        for pair, types, mask in zip(pairs, enc["token_type_ids"][0], enc["attention_mask"][0]):
            pair["token_type_ids"] = types[mask.bool()].tolist()
    return {
        "model": loaded.spec.name,
        "model_class": type(loaded.model).__name__,
        "prompt": prompt,
        "scores": [{"choice": c, "score": float(p), "logit": float(z)} for c, p, z in zip(options, probs, logits)],
        "predicted": options[best],
        "predicted_index": best,
        "input_shape": list(enc["input_ids"].shape),
        "pairs": pairs,
        "truncation_notice": notice,
    }


def loss(model: str, prompt: str, choices: str, label: int) -> dict:
    """outputs.loss with labels = the index of the correct choice (0 = the first line)."""
    import torch

    loaded, _prompt, options, enc, notice = _prepare(model, prompt, choices)
    index = require_int(label, "labels (the correct choice's index)", 0, len(options) - 1)
    ran = run_with_labels(loaded.model, enc, {"labels": torch.tensor([index])})
    return {**ran, "labels": [index], "correct_choice": options[index], "truncation_notice": notice}
