"""Model anatomy: the head layers on top of the base model and the loss each problem type runs.

Nothing here is a hand-written table: head layers are the modules outside the base model,
listed in the order the forward pass calls them (forward hooks), and the loss is whichever
torch loss function actually ran when the model was called with labels (demo.losses records it).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from demo import heads, models
from demo.errors import UnknownModel
from demo.losses import run_with_labels

if TYPE_CHECKING:  # pragma: no cover
    import torch
    from transformers import PreTrainedModel

# anatomy families: model_type -> config overrides that make a tiny random model
TINY_CONFIGS: dict[str, dict[str, Any]] = {
    "bert": dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=37, vocab_size=99),
    "distilbert": dict(dim=32, n_layers=1, n_heads=2, hidden_dim=37, vocab_size=99),
    "roberta": dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=37, vocab_size=99),
    "albert": dict(hidden_size=32, embedding_size=16, num_hidden_layers=1, num_attention_heads=2,
                   intermediate_size=37, vocab_size=99),
    "electra": dict(hidden_size=32, embedding_size=16, num_hidden_layers=1, num_attention_heads=2,
                    intermediate_size=37, vocab_size=99),
    "gpt2": dict(n_embd=32, n_layer=1, n_head=2, vocab_size=99, bos_token_id=1, eos_token_id=2),
    "llama": dict(hidden_size=32, num_hidden_layers=1, num_attention_heads=2, num_key_value_heads=1,
                  intermediate_size=37, vocab_size=99),
    "t5": dict(d_model=32, d_ff=37, d_kv=16, num_layers=1, num_decoder_layers=1, num_heads=2, vocab_size=99,
               decoder_start_token_id=0, pad_token_id=0, eos_token_id=1),
    "bart": dict(eos_token_id=2, d_model=32, encoder_layers=1, decoder_layers=1, encoder_attention_heads=2,
                 decoder_attention_heads=2, encoder_ffn_dim=37, decoder_ffn_dim=37, vocab_size=99),
}

def module_shape(module: "torch.nn.Module") -> str:
    """A one-line description: Linear(768→2), LayerNorm(768), Dropout(p=0.1), GELUActivation."""
    name = type(module).__name__
    if hasattr(module, "in_features") and hasattr(module, "out_features"):
        return f"{name}({module.in_features}→{module.out_features})"
    if hasattr(module, "normalized_shape"):
        return f"{name}({', '.join(map(str, module.normalized_shape))})"
    if name == "Dropout" or hasattr(module, "p") and isinstance(module.p, float):
        return f"{name}(p={module.p})"
    if hasattr(module, "num_embeddings"):
        return f"{name}({module.num_embeddings}, {module.embedding_dim})"
    return name


def _head_children(model: "PreTrainedModel") -> list[tuple[str, "torch.nn.Module"]]:
    """Top-level modules that are not the base model (T5 has no separate base: skip its stack)."""
    prefix = getattr(model, "base_model_prefix", "")
    children = list(model.named_children())
    if model.base_model is model:  # encoder-decoder models own their stacks directly
        return [(n, m) for n, m in children if n not in ("shared", "encoder", "decoder", "model")]
    return [(n, m) for n, m in children if n != prefix]


def _call_order(model: "PreTrainedModel", inputs: dict, modules: list[tuple[str, Any]]) -> list[str]:
    """Run the model once and list ``modules`` in the order the forward pass calls them."""
    import torch

    order: list[str] = []
    hooks = []
    for name, mod in modules:
        hooks.append(mod.register_forward_hook(lambda _m, _i, _o, n=name: order.append(n) if n not in order else None))
    try:
        with torch.no_grad():
            model(**inputs)
    finally:
        for h in hooks:
            h.remove()
    names = [n for n, _ in modules]
    return order + [n for n in names if n not in order]  # never-called modules (tied, unused) last


def head_layers(model: "PreTrainedModel", inputs: dict) -> list[dict]:
    """The head on top of the base model, in forward order: [{name, type, shape, params}].

    Nested heads (BERT's ``cls.predictions.transform.dense``) are listed by their leaf modules.
    """
    leaves: list[tuple[str, Any]] = []
    for name, child in _head_children(model):
        if type(child).__name__.endswith("Loss"):  # a loss module (DistilBERT's mlm_loss_fct) is not a layer
            continue
        sub = [(f"{name}.{n}", m) for n, m in child.named_modules() if n and not list(m.children())]
        leaves.extend(sub or [(name, child)])
    by_name = dict(leaves)
    ordered = _call_order(model, inputs, leaves)
    return [
        {
            "name": n,
            "type": type(by_name[n]).__name__,
            "shape": module_shape(by_name[n]),
            "params": sum(p.numel() for p in by_name[n].parameters()),
        }
        for n in ordered
    ]


# ---------------------------------------------------------------------------
# /anatomy: any architecture x head, from a tiny random config (no download)
# ---------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def anatomy_classes() -> dict[str, tuple[str, str]]:
    """Class name -> (model_type, head kind) for every architecture and head we can build."""
    from transformers.models.auto import modeling_auto

    out: dict[str, tuple[str, str]] = {}
    for model_type in TINY_CONFIGS:
        for head, mapping in heads.AUTO_MAPPING.items():
            cls = getattr(modeling_auto, mapping).get(model_type)
            if isinstance(cls, str):
                out[cls] = (model_type, head)
    return out


def _tiny_inputs(model_type: str, head: str) -> tuple[dict, list[tuple[str, dict]]]:
    """Dummy inputs and, per problem type, (problem_type, label kwargs) to run the loss with."""
    import torch

    B, T, C = 2, 5, 3  # batch, tokens, choices
    ids = torch.randint(5, 90, (B, T))
    # end with an end-of-sequence token: BART's classifier reads the hidden state at <eos>
    ids[:, -1] = TINY_CONFIGS[model_type].get("eos_token_id", 2)
    inputs: dict[str, Any] = {"input_ids": ids, "attention_mask": torch.ones_like(ids)}
    if head == "multiple-choice":
        inputs = {k: v.unsqueeze(1).expand(B, C, T).contiguous() for k, v in inputs.items()}
    if head == "seq2seq-lm":
        inputs["decoder_input_ids"] = torch.randint(5, 90, (B, 3))
    labels: list[tuple[str, dict]]
    if head == "sequence-classification":
        labels = [
            (heads.REGRESSION, {"labels": torch.rand(B)}),
            (heads.SINGLE, {"labels": torch.tensor([0, 2])}),
            (heads.MULTI, {"labels": torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])}),
        ]
    elif head in ("token-classification", "masked-lm", "causal-lm"):
        labels = [(heads.PROBLEM_TYPES[head][0], {"labels": torch.randint(0, 2, (B, T))})]  # default num_labels=2
    elif head == "seq2seq-lm":
        labels = [(heads.PROBLEM_TYPES[head][0], {"labels": torch.randint(5, 90, (B, 3))})]
    elif head == "question-answering":
        spans = {"start_positions": torch.tensor([1, 2]), "end_positions": torch.tensor([2, 3])}
        labels = [(heads.PROBLEM_TYPES[head][0], spans)]
    elif head in ("multiple-choice", "next-sentence"):
        labels = [(heads.PROBLEM_TYPES[head][0], {"labels": torch.tensor([0, 1])})]
    else:  # pragma: no cover - every heads.AUTO_MAPPING key is handled above
        raise UnknownModel(head)
    return inputs, labels


def anatomy(model_class: str) -> dict:
    """Head layers and the loss per problem type of ``model_class``, from a tiny random model (cached)."""
    if not isinstance(model_class, str) or model_class not in anatomy_classes():
        _unknown_class(model_class)
    return models.memo(("anatomy-class", model_class), lambda: _build_anatomy(model_class), size_mb=0.01)


def _unknown_class(model_class: object) -> None:
    raise UnknownModel(
        f"{str(model_class)[:80]!r} is not a task class we can build. Pick one such as "
        f"DistilBertForSequenceClassification (the list has {len(anatomy_classes())})."
    )


def _build_anatomy(model_class: str) -> dict:
    import torch

    with models.RNG_LOCK:  # seeds torch's global RNG: never in the middle of someone's seeded sampling
        torch.manual_seed(0)
        return _anatomy_of(model_class)


def _anatomy_of(model_class: str) -> dict:
    """The heads and losses of ``model_class`` (its tiny random copies are built from torch's RNG)."""
    import transformers

    model_type, head = anatomy_classes()[model_class]
    cls = getattr(transformers, model_class)
    losses: dict[str, str] = {}
    layers: dict[str, list[dict]] = {}  # the head's shapes differ per problem type (num_labels)
    for problem_type, labels in _tiny_inputs(model_type, head)[1]:
        config = transformers.AutoConfig.for_model(model_type, **TINY_CONFIGS[model_type])
        if head == "sequence-classification":
            config.num_labels = 1 if problem_type == heads.REGRESSION else 3
            config.problem_type = problem_type
        if getattr(config, "pad_token_id", None) is None and model_type in ("gpt2", "llama"):
            config.pad_token_id = 0  # sequence classification on decoders needs a pad id
        model = cls(config).eval()
        inputs, _ = _tiny_inputs(model_type, head)
        layers[problem_type] = head_layers(model, inputs)
        ran = run_with_labels(model, inputs, labels)
        losses[problem_type] = " + ".join(ran["loss_function"]) or "none"
    return {
        "model_class": model_class,
        "model_type": model_type,
        "task": head,
        "head": next(iter(layers.values())),
        "heads": layers,
        "losses": losses,
    }


# ---------------------------------------------------------------------------
# The anatomy of a loaded registry model (what every task tab shows)
# ---------------------------------------------------------------------------


def _dummy_inputs(loaded: Any) -> dict:
    """A two-word input shaped for the loaded head (choices for multiple choice, decoder ids for seq2seq)."""
    import torch

    enc = loaded.tokenizer("hello world", return_tensors="pt")
    inputs = {k: v for k, v in enc.items() if k in ("input_ids", "attention_mask", "token_type_ids")}
    if loaded.head == "multiple-choice":
        inputs = {k: v.unsqueeze(1).expand(-1, 2, -1).contiguous() for k, v in inputs.items()}
    if getattr(loaded.model.config, "is_encoder_decoder", False):
        start = loaded.model.config.decoder_start_token_id or 0
        inputs["decoder_input_ids"] = torch.tensor([[start]])
    return inputs


def describe_loaded(loaded: Any) -> dict:
    """Class, head layers (forward order), newly initialised weights and the loss per problem type.

    Computed once per loaded model (one forward pass on a dummy input) and cached.
    """
    def build() -> dict:
        model = loaded.model
        cls = type(model).__name__
        losses = anatomy(cls)["losses"] if cls in anatomy_classes() else {}
        declared = getattr(model.config, "problem_type", None)
        if loaded.head == "sequence-classification":  # the loss forward() picks for this model's labels
            effective = heads.problem_type(model.config)
        else:  # one loss for the head: its only row
            effective = next(iter(losses), None) if len(losses) == 1 else declared
        return {
            "model_class": cls,
            "problem_type": effective,
            "problem_type_declared": declared,  # None: the config leaves it to num_labels
            "num_labels": getattr(model.config, "num_labels", None),
            "head": head_layers(model, _dummy_inputs(loaded)),
            "losses": losses,
            "newly_initialized": list(loaded.newly_initialized),
        }

    return models.memo(("anatomy", loaded.spec.name, loaded.head), build, size_mb=0.01)
