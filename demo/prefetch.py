"""Download registry models into the Hugging Face cache for an offline classroom.

    python -m demo.prefetch              # every model that is not bundled
    python -m demo.prefetch distilgpt2   # just these (display names or hub ids)
    python -m demo.prefetch --list       # status of each: bundled / cached / needs download
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable

from demo import models, registry
from demo.errors import UnknownModel


def _pick(names: list[str]) -> list[registry.ModelSpec]:
    if not names:
        return [m for m in registry.all_models() if models.status(m) != "bundled" and not m.local_path]
    out = []
    for n in names:
        match = [m for m in registry.all_models() if n in (m.name, m.hub_id)]
        if not match:
            raise UnknownModel(f"{n!r} is not in the registry; `python -m demo.prefetch --list` shows the names.")
        out.extend(match)
    return out


def list_models() -> str:
    rows = [(m.name, models.status(m), m.hub_id) for m in registry.all_models()]
    w = max(len(r[0]) for r in rows)
    lines = [f"{'model':<{w}}  {'status':<15}  hub id"]
    lines += [f"{n:<{w}}  {s:<15}  {h}" for n, s, h in rows]
    return "\n".join(lines)


def fetch(spec: registry.ModelSpec) -> str:
    """Download one model's pinned revision (weights, config, tokenizer) with a progress bar."""
    from huggingface_hub import list_repo_files, snapshot_download

    files = list_repo_files(spec.hub_id, revision=spec.revision)
    # safetensors where the checkpoint has them; older ones (the POS model) only have pytorch_model.bin
    weights = ["*.safetensors"] if any(f.endswith(".safetensors") for f in files) else ["pytorch_model.bin"]
    return snapshot_download(
        spec.hub_id,
        revision=spec.revision,
        allow_patterns=["*.json", "*.txt", "*.model", "*.jinja", *weights],
    )


OFFLINE_MESSAGE = (
    "The Hugging Face Hub is out of reach from this machine (no internet, or HF_HUB_OFFLINE=1), so nothing "
    "was downloaded. Bundled models work as they are. To prepare the others, run `python -m demo.prefetch` "
    "on a machine with internet (the same Hugging Face cache), or connect this one and press the button again."
)


def prepare_class(progress: Callable[[int, int, str], None] | None = None) -> dict:
    """Fetch every registry model that is not on this machine yet (what `python -m demo.prefetch` does),
    reporting ``progress(done, total, name)`` before each one.

    Never raises for the hub being away: returns {"reachable": False, "message": …} at once instead
    (the probe is models._hub_reachable: at most ~2 s, immediate with HF_HUB_OFFLINE=1).
    """
    specs = _pick([])
    todo = [s for s in specs if models.status(s) not in ("bundled", "local", "cached")]
    ready = [s.name for s in specs if s not in todo]
    if not todo:
        return {"reachable": None, "fetched": [], "ready": ready, "failed": {},
                "message": "Every model is already on this machine: nothing to download."}
    if not models._hub_reachable():
        return {"reachable": False, "fetched": [], "ready": ready, "failed": {},
                "missing": [s.name for s in todo], "message": OFFLINE_MESSAGE}
    fetched, failed = [], {}
    for i, spec in enumerate(todo):
        if progress is not None:
            progress(i, len(todo), spec.name)
        try:
            fetch(spec)
            fetched.append(spec.name)
        except Exception as e:  # noqa: BLE001 - report it and go on with the others
            failed[spec.name] = f"{type(e).__name__}: {str(e)[:200]}"
    if progress is not None:
        progress(len(todo), len(todo), "done")
    message = f"Downloaded {len(fetched)} of {len(todo)} models."
    if failed:
        message += f" {len(failed)} failed ({', '.join(failed)}): run `python -m demo.prefetch NAME` to retry one."
    return {"reachable": True, "fetched": fetched, "ready": ready, "failed": failed, "message": message}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m demo.prefetch", description=__doc__.split("\n")[1])
    ap.add_argument("names", nargs="*", help="display names or hub ids (default: all)")
    ap.add_argument("--list", action="store_true", help="show each model's status and exit")
    args = ap.parse_args(argv)
    if args.list:
        print(list_models())
        return 0
    try:
        specs = _pick(args.names)
    except UnknownModel as e:
        print(e, file=sys.stderr)
        return 2
    failed = 0
    for i, spec in enumerate(specs, 1):
        if models.status(spec) == "bundled":
            print(f"[{i}/{len(specs)}] {spec.name}: bundled, nothing to download")
            continue
        print(f"[{i}/{len(specs)}] {spec.name} ({spec.hub_id} @ {spec.revision[:10]}, ~{spec.size_mb} MB)")
        try:
            print("   ->", fetch(spec))
        except Exception as e:  # noqa: BLE001 - report and go on with the others
            failed += 1
            print(f"   failed: {type(e).__name__}: {e}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
