"""Text classification of one text or a pair: single-label, multi-label or regression.

Which of the three it is comes from the model's config, the way transformers decides which loss to
run: ``config.problem_type`` when set, else ``num_labels == 1`` means regression and anything else
single-label classification. The head turns logits into scores accordingly: softmax over the labels
(single-label), a sigmoid per label (multi-label), or the raw number (regression).

preprocess (tokenize, truncate) → one model call → postprocess to plain lists and dicts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from demo import heads, models, registry
from demo.errors import BadInput, WrongTask
from demo.heads import MULTI, REGRESSION, SINGLE, problem_type
from demo.inputs import optional_text, require_float, require_text
from demo.losses import run_with_labels
from demo.tasks.encoding import encode, encoded_view, model_inputs

if TYPE_CHECKING:  # pragma: no cover
    from demo.models import Loaded

TASK = "sequence-classification"
PAIR_TASK = "pair-classification"  # the same head and engine, for models that read two texts
TASKS = (TASK, PAIR_TASK)
HEAD = heads.head_for(TASK)
ACTIVATION = {SINGLE: "softmax", MULTI: "sigmoid", REGRESSION: "none (the logit is the score)"}


def _task(spec: registry.ModelSpec, text_pair: str | None) -> str:
    """The registry task this call is: pair-classification with a second text, else sequence-classification."""
    single, pair = TASK in spec.tasks, PAIR_TASK in spec.tasks
    if not (single or pair):
        ok = ", ".join(registry.names_for(TASK) + registry.names_for(PAIR_TASK))
        raise WrongTask(f"{spec.name!r} is not a text classifier. Pick one of: {ok}.")
    if text_pair is None and not single:
        raise BadInput(
            f"{spec.name} scores a pair of texts ({spec.description}): fill in text_pair as well."
        )
    if text_pair is not None and not pair:
        ok = ", ".join(registry.names_for(PAIR_TASK)) or "none"
        raise BadInput(
            f"{spec.name} classifies a single text: clear text_pair, or pick a sentence-pair model ({ok})."
        )
    return PAIR_TASK if text_pair is not None else TASK


def _prepare(model: str, text: object, text_pair: object) -> tuple["Loaded", Any, str | None]:
    """(loaded, encoding 1 x T, truncation notice or None)."""
    text = require_text(text, "text")
    pair = optional_text(text_pair, "text_pair")
    task = _task(registry.get(model), pair)
    loaded = models.load(model, HEAD, task=task)
    enc, notice = encode(loaded, text, pair)
    return loaded, enc, notice


def _label_names(config: Any) -> list[str]:
    return [str(config.id2label.get(i, f"LABEL_{i}")) for i in range(config.num_labels)]


def run(model: str, text: str, text_pair: str | None = None, threshold: float = 0.5) -> dict:
    """Classify ``text`` (or the pair) with registry model ``model`` (the /classify endpoint).

    Returns the raw output: model_class, problem_type, scores [{label, score}] (best first), predicted,
    logits, the encoded input and a truncation notice. ``threshold`` picks the predicted labels of a
    multi-label model (score ≥ threshold); the other problem types ignore it.
    """
    import torch

    threshold = require_float(threshold, "threshold", 0.0, 1.0)
    loaded, enc, notice = _prepare(model, text, text_pair)
    config = loaded.model.config
    with torch.inference_mode():
        logits = loaded.model(**model_inputs(loaded, enc)).logits[0]  # num_labels
    problem = problem_type(config)
    labels = _label_names(config)
    if problem == REGRESSION:
        probs = logits  # num_labels (1): the score itself
        predicted: Any = float(logits[0])
    elif problem == MULTI:
        probs = torch.sigmoid(logits)  # num_labels, each in (0, 1), independent
        predicted = [labels[i] for i in range(len(labels)) if float(probs[i]) >= threshold]
    else:
        probs = torch.softmax(logits, dim=-1)  # num_labels, sums to 1
        predicted = labels[int(probs.argmax())]
    scores = [{"label": labels[i], "score": float(probs[i])} for i in range(len(labels))]
    scores.sort(key=lambda s: -s["score"])
    return {
        "model": model,
        "model_class": type(loaded.model).__name__,
        "problem_type": problem,
        "activation": ACTIVATION[problem],
        "scores": scores,
        "predicted": predicted,
        "threshold": threshold if problem == MULTI else None,
        "labels": labels,
        "logits": [float(x) for x in logits],
        "encoded": encoded_view(loaded, enc),
        "truncation_notice": notice,
        "newly_initialized": list(loaded.newly_initialized),
    }


def _labels_tensor(problem: str, labels: list[str], label: object) -> "Any":
    """The `labels=` argument for one example: class id (single), multi-hot row (multi) or a float (regression)."""
    import torch

    if problem == REGRESSION:
        try:
            value = float(label[0] if isinstance(label, (list, tuple)) and len(label) == 1 else label)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise BadInput(f"This model does regression: the label is a number (e.g. 0.8), not {label!r}.") from None
        if value != value:
            raise BadInput("The label must be a number, not NaN.")
        return torch.tensor([value])  # batch
    if isinstance(label, str):
        chosen = [p.strip() for p in label.split(",")] if problem == MULTI else [label.strip()]
    elif isinstance(label, (list, tuple)):
        chosen = [str(p).strip() for p in label]
    else:
        chosen = [] if label is None else [str(label)]
    chosen = [c for c in chosen if c]
    unknown = [c for c in chosen if c not in labels]
    if unknown:
        raise BadInput(f"Unknown label {unknown[0]!r}: pick one of {', '.join(labels)}.")
    if problem == MULTI:
        return torch.tensor([[1.0 if name in chosen else 0.0 for name in labels]])  # batch x num_labels, multi-hot
    if len(chosen) != 1:
        raise BadInput(f"Pick exactly one label (single-label classification): one of {', '.join(labels)}.")
    return torch.tensor([labels.index(chosen[0])])  # batch: the class id


def loss(model: str, text: str, text_pair: str | None, label: object) -> dict:
    """Run the model with ``labels=`` for this input and report outputs.loss and which loss function ran.

    ``label``: a label name (single-label), label names as a list or comma-separated (multi-label;
    none means "no label applies"), or a number (regression).
    """
    loaded, enc, notice = _prepare(model, text, text_pair)
    problem = problem_type(loaded.model.config)
    labels = _label_names(loaded.model.config)
    target = _labels_tensor(problem, labels, label)
    ran = run_with_labels(loaded.model, model_inputs(loaded, enc), {"labels": target})
    return {
        "model_class": type(loaded.model).__name__,
        "problem_type": problem,
        "labels": target.tolist(),
        "loss": ran["loss"],
        "loss_function": ran["loss_function"],
        "logits_shape": ran["logits_shape"],
        "truncation_notice": notice,
    }
