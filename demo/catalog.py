"""What the Models view and `python -m demo.prefetch --list` show about the registry."""

from __future__ import annotations

from demo import models, registry

# the head a model is loaded with when a teacher clicks "Try loading"
_TRY_HEAD = {
    "text-generation": "causal-lm",
    "translation": "seq2seq-lm",
    "summarization": "seq2seq-lm",
    "sequence-classification": "sequence-classification",
    "pair-classification": "sequence-classification",
    "token-classification": "token-classification",
    "question-answering": "question-answering",
    "fill-mask": "masked-lm",
    "next-sentence": "next-sentence",
}


def model_names() -> list[str]:
    return [m.name for m in registry.all_models()]


def model_table() -> list[dict]:
    """One row per registry model with its status on this machine (no network)."""
    rows = []
    for m in registry.all_models():
        st = models.status(m)
        if st not in ("bundled", "local", "cached"):
            st = f"{st}: {models.prefetch_command(m)}"
        rows.append(
            {
                "model": m.name,
                "tasks": ", ".join(m.tasks),
                "status": st,
                "offline source": m.offline_source,
                "size (MB)": m.size_mb,
                "hub id @ revision": f"{m.hub_id} @ {m.revision[:10]}",
                "what it is": m.description,
            }
        )
    return rows


def main_head(spec: registry.ModelSpec) -> str:
    """The head that shows what a model is for (its first task with a head)."""
    for t in spec.tasks:
        if t in _TRY_HEAD:
            return _TRY_HEAD[t]
    return "base"


def try_load(name: str) -> dict:
    """Load a model as a tab would and report how it went (raises ModelUnavailable when it can't)."""
    spec = registry.get(name)
    loaded = models.load(name, main_head(spec))
    return {
        "model": name,
        "class": type(loaded.model).__name__,
        "head": loaded.head,
        "parameters": sum(p.numel() for p in loaded.model.parameters()),
        "load_seconds": round(loaded.load_seconds, 2),
        "source": loaded.source,
        "newly_initialized": loaded.newly_initialized,
    }
