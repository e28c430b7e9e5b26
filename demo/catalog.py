"""What the Models view and `python -m demo.prefetch --list` show about the registry."""

from __future__ import annotations

from demo import heads, models, registry


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
    return next((heads.head_for(t) for t in spec.tasks if heads.head_for(t) != "base"), "base")


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
