"""Multiple choice: the prompt paired with each candidate ending, one score per pair, softmax across them.

As in seed 002's baguette example: encode [[prompt, c1], [prompt, c2], ...] with padding,
add a batch dimension (1 x choices x T), and the model returns one logit per choice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from demo import models
from demo.errors import BadInput
from demo.inputs import require_int, require_text
from demo.task_io import max_input_tokens, truncation_notice

if TYPE_CHECKING:  # pragma: no cover
    from demo.models import Loaded

TASK = "multiple-choice"
HEAD = "multiple-choice"
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
    tok = loaded.tokenizer
    limit = max_input_tokens(loaded)
    enc = tok([prompt] * len(options), options, padding=True, return_tensors="pt")  # C x T, nothing cut yet
    longest = enc["input_ids"].shape[1]
    if longest > limit:  # cut the longer text of each pair first, keep the special tokens
        enc = tok([prompt] * len(options), options, padding=True, truncation=True, max_length=limit,
                  return_tensors="pt")
    notice = truncation_notice(enc["input_ids"].shape[1], longest, limit, "The longest prompt + choice pair")
    enc = {k: v.unsqueeze(0) for k, v in enc.items()}  # 1 x C x T: one question, C candidates
    return loaded, prompt, options, enc, notice


def multiple_choice(model: str, prompt: str, choices: str) -> dict:
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
        "scores": [{"choice": c, "score": float(p), "logit": float(l)} for c, p, l in zip(options, probs, logits)],
        "predicted": options[best],
        "predicted_index": best,
        "input_shape": list(enc["input_ids"].shape),
        "pairs": pairs,
        "truncated": notice,
    }


def choice_loss(model: str, prompt: str, choices: str, label: int) -> dict:
    """outputs.loss with labels = the index of the correct choice (0 = the first line)."""
    import torch

    from demo import anatomy

    loaded, _prompt, options, enc, _notice = _prepare(model, prompt, choices)
    index = require_int(label, "labels (the correct choice's index)", 0, len(options) - 1)
    ran = anatomy.run_with_labels(loaded.model, enc, {"labels": torch.tensor([index])})
    return {**ran, "labels": [index], "correct_choice": options[index]}
