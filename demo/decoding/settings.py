"""The generation settings: the one copy of their defaults, and the rules for combining them.

Every setting is named as in ``model.generate``. :class:`Settings` holds the defaults; the engine's
``decode``/``decode_stream`` (through :func:`takes_settings`), compare mode and the tab's presets and
sliders all read them from here.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
from dataclasses import asdict, dataclass
from typing import Any, Callable, TypeVar

from demo.errors import BadInput
from demo.inputs import flag, whole_number

# Bounds so that no single request can monopolise a 2-core machine shared by a classroom.
MAX_NEW_TOKENS = 256
MAX_BEAMS = 8
MAX_RETURN_SEQUENCES = 8
MAX_TOKEN_BUDGET = 1024  # max_new_tokens x max(num_beams, num_return_sequences)
MAX_TEMPERATURE = 10.0
MAX_REPETITION_PENALTY = 10.0
MAX_NGRAM = 10


@dataclass(frozen=True)
class Settings:
    """Every generation setting, named as in ``model.generate``."""

    max_new_tokens: int = 40
    do_sample: bool = False
    num_beams: int = 1
    num_return_sequences: int = 1
    no_repeat_ngram_size: int = 0
    early_stopping: bool = False
    temperature: float = 1.0
    top_k: int = 50
    top_p: float = 1.0
    repetition_penalty: float = 1.0
    seed: int = 42

    @property
    def strategy(self) -> str:
        if self.num_beams > 1:
            return "beam search with sampling" if self.do_sample else "beam search"
        return "sampling" if self.do_sample else "greedy"

    @property
    def rows(self) -> int:
        """How many sequences run side by side (beams, or independent samples)."""
        return max(self.num_beams, self.num_return_sequences)


DEFAULTS = Settings()  # the one copy of the defaults; everything else reads them from here

F = TypeVar("F", bound=Callable[..., Any])


def takes_settings(fn: F) -> F:
    """Show every :class:`Settings` field, with its default, as a keyword parameter of ``fn``.

    ``fn`` takes them as ``**settings`` (checked by :func:`validate`, which refuses unknown names);
    this only makes ``help(fn)`` and ``inspect.signature(fn)`` list them, so that the functions
    that accept the settings share one definition of them instead of a copy each.
    """
    sig = inspect.signature(fn)
    P = inspect.Parameter
    params = list(sig.parameters.values())
    positional = [p for p in params if p.kind in (P.POSITIONAL_ONLY, P.POSITIONAL_OR_KEYWORD)]
    keyword = [p for p in params if p.kind is P.KEYWORD_ONLY]
    fields = [P(f.name, P.KEYWORD_ONLY, default=f.default, annotation=f.type) for f in dataclasses.fields(Settings)]
    fn.__signature__ = sig.replace(parameters=positional + fields + keyword)  # type: ignore[attr-defined]
    return fn


# ---------------------------------------------------------------------------
# Validation: impossible combinations get a message that explains the rule
# ---------------------------------------------------------------------------


def _number(value: Any, field: str) -> float:
    """A finite float. Not ``inputs.require_float``: temperature and top_p have a range only when
    sampling (greedy ignores them), so the range checks come later, in :func:`validate`, with the rule."""
    if isinstance(value, bool):
        raise BadInput(f"{field} must be a number (got {value!r}).")
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise BadInput(f"{field} must be a number (got {value!r}).") from None
    if not math.isfinite(f):
        raise BadInput(f"{field} must be a finite number (got {value!r}).")
    return f


_COERCE: dict[str, Callable[[Any, str], Any]] = {"int": whole_number, "bool": flag, "float": _number}  # by annotation


def validate(**raw: Any) -> tuple[Settings, list[str]]:
    """Check every setting and their combination; return the settings and the ones that do not apply.

    Raises BadInput with the rule when a value or a combination is impossible.
    """
    d = asdict(DEFAULTS)
    unknown = set(raw) - set(d)
    if unknown:
        raise BadInput(f"Unknown setting(s) {sorted(unknown)}; the settings are {sorted(d)}.")
    d.update({k: v for k, v in raw.items() if v is not None})
    s = Settings(**{f.name: _COERCE[f.type](d[f.name], f.name) for f in dataclasses.fields(Settings)})
    if not 1 <= s.max_new_tokens <= MAX_NEW_TOKENS:
        raise BadInput(f"max_new_tokens must be between 1 and {MAX_NEW_TOKENS} (got {s.max_new_tokens}).")
    if not 1 <= s.num_beams <= MAX_BEAMS:
        raise BadInput(f"num_beams must be between 1 and {MAX_BEAMS} (got {s.num_beams}); 1 means no beam search.")
    if not 1 <= s.num_return_sequences <= MAX_RETURN_SEQUENCES:
        raise BadInput(
            f"num_return_sequences must be between 1 and {MAX_RETURN_SEQUENCES} (got {s.num_return_sequences})."
        )
    if s.num_beams > 1 and s.num_return_sequences > s.num_beams:
        raise BadInput(
            f"num_return_sequences ({s.num_return_sequences}) must be ≤ num_beams ({s.num_beams}): beam search "
            f"can only return the beams it kept. Raise num_beams to at least {s.num_return_sequences} or return fewer."
        )
    if s.num_beams == 1 and not s.do_sample and s.num_return_sequences > 1:
        raise BadInput(
            f"Greedy search always picks the same tokens, so it cannot return {s.num_return_sequences} different "
            "sequences: set num_return_sequences=1, or use beam search (num_beams ≥ num_return_sequences), "
            "or sampling (do_sample=True)."
        )
    if s.max_new_tokens * s.rows > MAX_TOKEN_BUDGET:
        raise BadInput(
            f"max_new_tokens × max(num_beams, num_return_sequences) = {s.max_new_tokens} × {s.rows} = "
            f"{s.max_new_tokens * s.rows} is more than this shared machine allows per request ({MAX_TOKEN_BUDGET}). "
            f"Use at most {MAX_TOKEN_BUDGET // s.rows} new tokens with {s.rows} sequences."
        )
    if s.no_repeat_ngram_size < 0 or s.no_repeat_ngram_size > MAX_NGRAM:
        raise BadInput(f"no_repeat_ngram_size must be between 0 (off) and {MAX_NGRAM} (got {s.no_repeat_ngram_size}).")
    if not 0 < s.repetition_penalty <= MAX_REPETITION_PENALTY:
        raise BadInput(
            f"repetition_penalty must be > 0 and ≤ {MAX_REPETITION_PENALTY:g} (got {s.repetition_penalty:g}): "
            "1.0 means no penalty, above 1 discourages tokens already in the text, below 1 encourages them."
        )
    if s.seed < 0 or s.seed >= 2**63:
        raise BadInput(f"seed must be a whole number between 0 and 2**63-1 (got {s.seed}).")
    if s.do_sample:
        if s.temperature <= 0:
            raise BadInput(
                f"temperature must be > 0 when sampling (got {s.temperature:g}): the logits are divided by it. "
                "Temperature → 0 means 'always the most likely token' — that is greedy search: set do_sample=False."
            )
        if s.temperature > MAX_TEMPERATURE:
            raise BadInput(f"temperature must be ≤ {MAX_TEMPERATURE:g} (got {s.temperature:g}).")
        if s.top_k < 0:
            raise BadInput(f"top_k must be ≥ 0 (got {s.top_k}); 0 turns top-k filtering off.")
        if not 0 < s.top_p <= 1:
            raise BadInput(
                f"top_p must be in (0, 1] (got {s.top_p:g}): it is the probability mass of the smallest set of "
                "tokens kept for sampling. top_p=1 keeps every token (off); top_p=0 would keep none."
            )
    ignored = []
    if not s.do_sample:
        why = "only used when do_sample=True"
        ignored += [f"temperature ({why})", f"top_k ({why})", f"top_p ({why})", f"seed ({why})"]
    if s.num_beams == 1:
        ignored.append("early_stopping (only used by beam search, num_beams > 1)")
    return s, ignored


def generate_kwargs(s: Settings) -> dict[str, Any]:
    """The keyword arguments for ``model.generate`` that these settings mean (only those that apply)."""
    kw: dict[str, Any] = dict(
        max_new_tokens=s.max_new_tokens,
        do_sample=s.do_sample,
        num_beams=s.num_beams,
        num_return_sequences=s.num_return_sequences,
        no_repeat_ngram_size=s.no_repeat_ngram_size,
        repetition_penalty=s.repetition_penalty,
    )
    if s.do_sample:
        kw.update(temperature=s.temperature, top_k=s.top_k, top_p=s.top_p)
    if s.num_beams > 1:
        kw["early_stopping"] = s.early_stopping
    return kw

