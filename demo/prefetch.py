"""Download registry models into the Hugging Face cache for an offline classroom.

    python -m demo.prefetch              # every model that is not bundled
    python -m demo.prefetch distilgpt2   # just these (display names or hub ids)
    python -m demo.prefetch --list       # status of each: bundled / cached / needs download
"""

from __future__ import annotations

import argparse
import sys

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
