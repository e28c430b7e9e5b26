"""Decoding strategies step by step: the library's own ``generate()``, with every step recorded.

One generation step, as ``model.generate`` does it (minGPT's ``generate`` in transformers' words)::

    logits = model(input_ids).logits[:, -1, :]            # the next-token scores (vocab-sized)
    scores = logits_processor(input_ids, logits)          # repetition_penalty, no_repeat_ngram_size,
                                                          # temperature, top_k, top_p (in that order)
    next_token = scores.argmax(-1)                        # greedy ...
    next_token = multinomial(softmax(scores), 1)          # ... or do_sample=True
    input_ids = cat([input_ids, next_token], -1)          # append, until EOS or max_new_tokens

Beam search keeps ``num_beams`` sequences instead of one, scores every continuation of every
beam by its cumulative log-probability and keeps the best ``num_beams``.

How we record it without changing it: ``model.generate`` prepares everything as usual (the
processors built from the settings, the stopping criteria, the KV cache) and then calls its
decoding loop with the prepared ``LogitsProcessorList``. We pass a ``custom_generate`` hook that
swaps that list for a :class:`StepRecorder` -- the same processors, called the same way in the
same order, that also notes what each one did to the top candidates -- and hands over to the
library's own loop (``_sample`` for greedy and sampling, ``_beam_search`` for beams). So the
tokens are those of plain ``model.generate`` with the same arguments, token for token
(tests/test_decoding.py checks it), and recording costs a few vocabulary-sized tensor operations
per step next to a whole forward pass (bench/bench_decoding.py prints the ratio).
"""

from __future__ import annotations

import math
import queue
import threading
from dataclasses import asdict, dataclass, replace
from typing import TYPE_CHECKING, Any, Callable, Iterator

from demo import models
from demo.errors import BadInput
from demo.inputs import whole_number

if TYPE_CHECKING:  # pragma: no cover
    import torch

TASK = "text-generation"

# Bounds so that no single request can monopolise a 2-core machine shared by a classroom.
MAX_NEW_TOKENS = 256
MAX_BEAMS = 8
MAX_RETURN_SEQUENCES = 8
MAX_TOKEN_BUDGET = 1024  # max_new_tokens x max(num_beams, num_return_sequences)
MAX_PROMPT_TOKENS = 1024  # longer prompts keep their last tokens (with a notice)
MAX_PROMPT_CHARS = 100_000
MAX_TEMPERATURE = 10.0
MAX_REPETITION_PENALTY = 10.0
MAX_NGRAM = 10
TOP_N = 10  # candidates recorded per step (per row: 6 when several sequences run at once)



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


# ---------------------------------------------------------------------------
# Validation: impossible combinations get a message that explains the rule
# ---------------------------------------------------------------------------


def _as_int(name: str, value: Any) -> int:
    return int(value) if isinstance(value, bool) else whole_number(value, name)


def _as_float(name: str, value: Any) -> float:
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise BadInput(f"{name} must be a number (got {value!r}).") from None
    if not math.isfinite(f):
        raise BadInput(f"{name} must be a finite number (got {value!r}).")
    return f


def _as_bool(name: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise BadInput(f"{name} must be true or false (got {value!r}).")


def validate(**raw: Any) -> tuple[Settings, list[str]]:
    """Check every setting and their combination; return the settings and the ones that do not apply.

    Raises BadInput with the rule when a value or a combination is impossible.
    """
    d = asdict(Settings())
    unknown = set(raw) - set(d)
    if unknown:
        raise BadInput(f"Unknown setting(s) {sorted(unknown)}; the settings are {sorted(d)}.")
    d.update({k: v for k, v in raw.items() if v is not None})
    s = Settings(
        max_new_tokens=_as_int("max_new_tokens", d["max_new_tokens"]),
        do_sample=_as_bool("do_sample", d["do_sample"]),
        num_beams=_as_int("num_beams", d["num_beams"]),
        num_return_sequences=_as_int("num_return_sequences", d["num_return_sequences"]),
        no_repeat_ngram_size=_as_int("no_repeat_ngram_size", d["no_repeat_ngram_size"]),
        early_stopping=_as_bool("early_stopping", d["early_stopping"]),
        temperature=_as_float("temperature", d["temperature"]),
        top_k=_as_int("top_k", d["top_k"]),
        top_p=_as_float("top_p", d["top_p"]),
        repetition_penalty=_as_float("repetition_penalty", d["repetition_penalty"]),
        seed=_as_int("seed", d["seed"]),
    )
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


# ---------------------------------------------------------------------------
# The prompt: empty -> BOS, chat template, too long -> keep the end
# ---------------------------------------------------------------------------


@dataclass
class Prompt:
    input_ids: list[int]
    text: str  # what the model reads (the templated prompt when the chat template is on)
    notices: list[str]


def _window(model: Any) -> int | None:
    n = getattr(model.config, "max_position_embeddings", None)
    return int(n) if isinstance(n, int) and n > 0 else None


def prepare_prompt(
    tokenizer: Any, model: Any, prompt: str, use_chat_template: bool, max_new_tokens: int
) -> Prompt:
    """Token ids for ``prompt``: templated when asked, BOS when empty, the end kept when too long."""
    if prompt is None:
        prompt = ""
    if not isinstance(prompt, str):
        raise BadInput(f"prompt must be text (got {type(prompt).__name__}).")
    if len(prompt) > MAX_PROMPT_CHARS:
        raise BadInput(f"The prompt has {len(prompt):,} characters; the limit is {MAX_PROMPT_CHARS:,}. Shorten it.")
    notices: list[str] = []
    if use_chat_template:
        if not getattr(tokenizer, "chat_template", None):
            raise BadInput(
                "This model's tokenizer has no chat template (it is a base model that continues text): "
                "turn use_chat_template off, or pick an instruct model such as SmolLM2-135M-Instruct."
            )
        text = tokenizer.apply_chat_template(
            [{"role": "user", "content": prompt}], add_generation_prompt=True, tokenize=False
        )
        ids = tokenizer(text, add_special_tokens=False)["input_ids"]
        notices.append(
            "Chat template on: the model reads your message wrapped in its special tokens "
            "(see the templated prompt), and answers as the assistant."
        )
    elif not prompt.strip():
        start = tokenizer.bos_token_id
        name = "BOS"
        if start is None:
            start, name = tokenizer.eos_token_id, "EOS"
        if start is None:
            raise BadInput("The prompt is empty and this model has no BOS/EOS token to start from: type a prompt.")
        ids = [int(start)]
        text = tokenizer.convert_ids_to_tokens(start)
        notices.append(
            f"The prompt was empty, so generation starts from the model's {name} token {text!r} "
            f"(id {start}) — what model.generate() does when given no input: an unconditional sample."
        )
    else:
        text = prompt
        ids = tokenizer(prompt)["input_ids"]
        if not ids:
            raise BadInput("The prompt produced no tokens: type some text.")
    window = _window(model)
    limit = MAX_PROMPT_TOKENS if window is None else min(MAX_PROMPT_TOKENS, window - max_new_tokens)
    if limit < 1:
        raise BadInput(
            f"max_new_tokens ({max_new_tokens}) does not fit in this model's window of {window} tokens: "
            f"use at most {window - 1}."
        )
    if len(ids) > limit:
        why = (
            f"the model reads at most {window} tokens and {max_new_tokens} are reserved for new ones"
            if window is not None and window - max_new_tokens <= MAX_PROMPT_TOKENS
            else f"this app reads at most {MAX_PROMPT_TOKENS} prompt tokens"
        )
        notices.append(
            f"The prompt has {len(ids)} tokens but {why}: kept the last {limit} tokens "
            f"(the first {len(ids) - limit} were cut)."
        )
        ids = ids[-limit:]
        text = tokenizer.decode(ids)
    return Prompt(ids, text, notices)


# ---------------------------------------------------------------------------
# The recorder: the prepared processors, applied as LogitsProcessorList does, plus notes
# ---------------------------------------------------------------------------


def processor_label(p: Any) -> str:
    """A processor as the generate() argument that created it (``top_k=50``), else its class name."""
    name = type(p).__name__
    for cls, attr, arg in (
        ("RepetitionPenaltyLogitsProcessor", "penalty", "repetition_penalty"),
        ("NoRepeatNGramLogitsProcessor", "ngram_size", "no_repeat_ngram_size"),
        ("TemperatureLogitsWarper", "temperature", "temperature"),
        ("TopKLogitsWarper", "top_k", "top_k"),
        ("TopPLogitsWarper", "top_p", "top_p"),
    ):
        if name == cls:
            return f"{arg}={getattr(p, attr):g}"
    return name


NEVER_CUT = {"TemperatureLogitsWarper", "RepetitionPenaltyLogitsProcessor"}


def _log_softmax(a: Any) -> Any:
    """log_softmax over the last axis of a numpy array (rows x vocab); -inf stays -inf."""
    import numpy as np

    m = a.max(-1, keepdims=True)
    z = a - np.where(np.isfinite(m), m, 0.0)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))


def _top(a: Any, n: int) -> Any:
    """Indices of the n largest values of each row, largest first."""
    import numpy as np

    part = np.argpartition(a, -n, axis=-1)[:, -n:]
    order = np.argsort(-np.take_along_axis(a, part, -1), axis=-1, kind="stable")
    return np.take_along_axis(part, order, -1)


class _Stopped(Exception):
    """Raised inside generate() to stop it early (the consumer went away)."""


class StepRecorder:
    """Applies generate()'s prepared processors in order and records each step.

    Called by the library's loop as ``logits_processor(input_ids, scores)`` once per step, with
    one row per running sequence (``input_ids``: rows x T, ``scores``: rows x vocab; raw logits
    for greedy/sampling, log-probabilities for beam search).
    """

    def __init__(
        self,
        processors: list,
        tokenizer: Any,
        prompt_len: int,
        beam: bool,
        length_penalty: float,
        eos_ids: set[int],
        top_n: int = TOP_N,
        on_step: Callable[[dict], None] | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.processors = list(processors)
        self.labels = ["model"] + [processor_label(p) for p in self.processors]
        self.tokenizer = tokenizer
        self.prompt_len = prompt_len
        self.beam = beam
        self.length_penalty = length_penalty
        self.eos_ids = eos_ids
        self.top_n = top_n
        self.on_step = on_step
        self.stop = stop
        self.steps: list[dict] = []
        self._pieces: dict[int, str] = {}
        self._open: dict | None = None  # the step whose chosen tokens are not known yet
        # per running row: cumulative log-prob under the model, under the processed distribution,
        # and beam search's own running score (sum of processed log-probs, not renormalised)
        self._cum: list[tuple[float, float, float]] = []
        self._finished: list[bool] = []
        self._keys: list[tuple[int, ...]] = []  # generated ids of each running row
        self._ended: dict[tuple[int, ...], tuple[float, float, float]] = {}  # beam hypotheses ending in EOS

    # -- helpers --------------------------------------------------------------------------

    def piece(self, token_id: int) -> str:
        """How a token reads (byte-level BPE 'Ġthe' -> ' the'); cached per run."""
        p = self._pieces.get(token_id)
        if p is None:
            p = self._pieces[token_id] = self.tokenizer.decode([token_id])
        return p

    def _apply(self, input_ids: "torch.Tensor", scores: "torch.Tensor", **kwargs: Any) -> list["torch.Tensor"]:
        """Each processor in turn, exactly as LogitsProcessorList.__call__ calls them."""
        import inspect

        stages = [scores]
        for p in self.processors:
            if len(inspect.signature(p.__call__).parameters) > 2:
                scores = p(input_ids, scores, **kwargs)
            else:
                scores = p(input_ids, scores)
            stages.append(scores)
        return stages

    # -- the hook generate() calls once per step --------------------------------------------

    def __call__(self, input_ids: "torch.Tensor", scores: "torch.Tensor", **kwargs: Any) -> "torch.Tensor":
        if self.stop is not None and self.stop.is_set():
            raise _Stopped()
        if self._open is not None:  # beam search: the rows we get now are the beams kept last step
            self._close_beam_step([tuple(r[self.prompt_len:]) for r in input_ids.tolist()])
        stages = self._apply(input_ids, scores, **kwargs)
        self._open = self._record(input_ids, stages)
        return stages[-1]

    def put(self, value: "torch.Tensor") -> None:
        """Streamer hook (greedy/sampling): the tokens just chosen, one per row."""
        if self._open is not None and not self.beam:
            self._close_sample_step([int(t) for t in value.reshape(-1).tolist()])

    def end(self) -> None:
        pass

    # -- recording ------------------------------------------------------------------------

    def _record(self, input_ids: "torch.Tensor", stages: list["torch.Tensor"]) -> dict:
        # Everything vocabulary-wide here runs in numpy (single-threaded, zero-copy views of the
        # tensors): on a busy 2-core machine each small torch op waits for its intra-op threads to get
        # a core (milliseconds instead of microseconds), which would slow generation down.
        import numpy as np

        rows = input_ids.shape[0]
        if not self._cum:
            self._cum = [(0.0, 0.0, 0.0)] * rows
            self._finished = [False] * rows
            self._keys = [()] * rows
        scores = [sc.float().numpy() for sc in stages]  # stages x rows x vocab
        lps = [_log_softmax(a) for a in scores]
        n = min(self.top_n, lps[0].shape[-1])
        tops = [_top(lps[0], n)] + ([_top(lps[-1], n)] if len(lps) > 1 else [])
        ids = np.concatenate(tops, axis=-1)  # rows x (n or 2n): the model's favourites and the processed ones
        probs = np.stack([np.exp(np.take_along_axis(lp, ids, -1)) for lp in lps], -1)  # rows x ids x stages
        alive = np.stack([np.take_along_axis(a, ids, -1) > -np.inf for a in scores], -1)  # rows x ids x stages
        kept, kept_mass, entropy = self._masses(lps[0], scores)
        ids_l, probs_l, alive_l = ids.tolist(), probs.tolist(), alive.tolist()
        kept_l, mass_l, ent_l = kept.tolist(), kept_mass.tolist(), entropy.tolist()
        row_records = []
        for r in range(rows):
            seen: set[int] = set()
            cands = []
            for j, tid in enumerate(ids_l[r]):
                if tid in seen:
                    continue
                seen.add(tid)
                cut = next((self.labels[s] for s in range(1, len(stages)) if not alive_l[r][j][s]), None)
                cands.append(
                    {"token_id": tid, "token": self.piece(tid), "p": [round(p, 6) for p in probs_l[r][j]], "cut_by": cut}
                )
            cands.sort(key=lambda c: -c["p"][0])
            row_records.append(
                {
                    "row": r,
                    "text": self.tokenizer.decode(list(self._keys[r])) if self.beam else None,  # the beam so far
                    "chosen": None,
                    "candidates": cands,
                    "kept": [int(k) for k in kept_l[r]],
                    "kept_mass": [round(m, 6) for m in mass_l[r]],
                    "entropy": round(ent_l[r], 4),
                }
            )
        step = {"step": len(self.steps), "stages": self.labels, "rows": row_records}
        # keep what closing the step needs: log-probs under the model / processed / beam score
        self._prev = (lps[0], lps[-1], scores[-1] if self.beam else None)
        if self.beam:
            self._note_beam_endings()
        return step

    def _masses(self, raw_lp: Any, scores: list[Any]) -> tuple[Any, Any, Any]:
        """Per row and stage: tokens still possible and the model probability they hold; the entropy."""
        import numpy as np

        p = np.exp(raw_lp)  # rows x vocab
        entropy = -np.einsum("ij,ij->i", p, raw_lp)  # rows (nats); nan iff some token scored -inf
        vocab = raw_lp.shape[-1]
        if np.isfinite(entropy).all():  # every token possible: the model's own distribution, whole
            kept, mass = [np.full(len(p), vocab)], [np.ones(len(p))]
        else:
            entropy = -(p * np.where(p > 0, raw_lp, 0.0)).sum(-1)
            alive = np.isfinite(scores[0])
            kept, mass = [alive.sum(-1)], [np.where(alive, p, 0.0).sum(-1)]
        for k, a in enumerate(scores[1:], start=1):
            if type(self.processors[k - 1]).__name__ in NEVER_CUT:
                kept.append(kept[-1])  # rescales scores, never removes a token
                mass.append(mass[-1])
                continue
            alive = np.isfinite(a)
            kept.append(alive.sum(-1))
            mass.append(np.where(alive, p, 0.0).sum(-1))
        return np.stack(kept, -1), np.stack(mass, -1), entropy

    def _gather(self, r: int, tid: int) -> tuple[float, float, float]:
        raw_lp, proc_lp, beam_s = self._prev
        a, b, c = self._cum[r]
        return (
            a + float(raw_lp[r, tid]),
            b + float(proc_lp[r, tid]),
            c + (float(beam_s[r, tid]) if beam_s is not None else 0.0),
        )

    def _close_sample_step(self, tokens: list[int]) -> None:
        step = self._open
        for r, tid in enumerate(tokens):
            if self._finished[r]:
                continue
            self._cum[r] = self._gather(r, tid)
            self._keys[r] = self._keys[r] + (tid,)
            rec = step["rows"][r]
            rec["chosen"] = {"token_id": tid, "token": self.piece(tid), "p": self._chosen_p(rec, r, tid)}
            if tid in self.eos_ids:
                self._finished[r] = True
        self._finish(step)

    def _chosen_p(self, rec: dict, r: int, tid: int) -> list[float]:
        """Probabilities of the chosen token at each stage (it is almost always among the candidates)."""
        for c in rec["candidates"]:
            if c["token_id"] == tid:
                return c["p"]
        raw_lp, proc_lp, _ = self._prev
        return [round(math.exp(float(raw_lp[r, tid])), 6), round(math.exp(float(proc_lp[r, tid])), 6)]

    def _note_beam_endings(self) -> None:
        """Score every 'beam + EOS' continuation now: if beam search keeps it, it never runs again."""
        for r, key in enumerate(self._keys):
            for e in self.eos_ids:
                self._ended[key + (e,)] = self._gather(r, e)

    def _close_beam_step(self, new_keys: list[tuple[int, ...]]) -> None:
        step = self._open
        parent = {}
        for r, key in enumerate(self._keys):
            parent.setdefault(key, r)  # at step 0 every row is the prompt; the first one is the live one
        cum, beams = [], []
        for r, key in enumerate(new_keys):
            p = parent[key[:-1]]
            tid = key[-1]
            cum.append(self._gather(p, tid))
            rec = step["rows"][p]
            chosen = rec["chosen"] or {"token_id": tid, "token": self.piece(tid), "p": self._chosen_p(rec, p, tid)}
            rec["chosen"] = chosen  # the first (best) continuation taken from this beam
            beams.append(self._beam_entry(r, p, key, cum[-1]))
        step["beams"] = beams
        self._cum, self._keys = cum, list(new_keys)
        self._finished = [False] * len(new_keys)
        self._finish(step)

    def _beam_entry(self, r: int, parent: int, key: tuple[int, ...], cum: tuple[float, float, float]) -> dict:
        return {
            "beam": r,
            "parent": parent,
            "token_ids": list(key),
            "token": self.piece(key[-1]) if key else "",
            "text": self.tokenizer.decode(list(key)),
            "score": round(cum[2], 4),
            "logprob": round(cum[0], 4),
        }

    def _finish(self, step: dict) -> None:
        self.steps.append(step)
        self._open = None
        if self.on_step is not None:
            self.on_step(step)

    # -- after generate() returns ---------------------------------------------------------------

    def finalize(self, sequences: list[list[int]]) -> list[dict]:
        """Close the last step and score every returned sequence (generated ids only)."""
        if self._open is not None:  # beam search: nothing ran after the last step
            step = self._open
            step["beams"] = []
            for i, seq in enumerate(sequences):
                key = tuple(seq)
                cum = self.sequence_scores(key)
                step["beams"].append(self._beam_entry(i, -1, key, cum) | {"final": True})
            self._finish(step)
        return [self._score_entry(tuple(seq)) for seq in sequences]

    def sequence_scores(self, key: tuple[int, ...]) -> tuple[float, float, float]:
        if not self.beam:
            r = self._keys.index(key) if key in self._keys else None
            return self._cum[r] if r is not None else (float("nan"),) * 3
        if key in self._ended:
            return self._ended[key]
        parent = {k: r for r, k in reversed(list(enumerate(self._keys)))}
        p = parent.get(key[:-1])
        return self._gather(p, key[-1]) if p is not None else (float("nan"),) * 3

    def _score_entry(self, key: tuple[int, ...]) -> dict:
        raw, proc, beam = self.sequence_scores(key)
        out = {"score": round(raw, 4), "processed_score": round(proc, 4)}
        if self.beam:
            out["beam_score"] = round(beam / (max(len(key), 1) ** self.length_penalty), 4)
        return out


# ---------------------------------------------------------------------------
# Running generate() with the recorder
# ---------------------------------------------------------------------------


def _strip(ids: list[int], eos_ids: set[int]) -> list[int]:
    """Generated ids up to and including the first EOS (generate pads finished rows after it)."""
    for i, t in enumerate(ids):
        if t in eos_ids:
            return ids[: i + 1]
    return ids


def _eos_ids(model: Any, tokenizer: Any) -> set[int]:
    eos = model.generation_config.eos_token_id
    if eos is None:
        eos = tokenizer.eos_token_id
    if eos is None:
        return set()
    return {int(e) for e in (eos if isinstance(eos, (list, tuple)) else [eos])}


def _run(
    loaded: models.Loaded,
    prompt: Prompt,
    s: Settings,
    on_step: Callable[[dict], None] | None = None,
    stop: threading.Event | None = None,
    top_n: int = TOP_N,
) -> tuple[list[list[int]], StepRecorder, dict[str, Any]]:
    """model.generate(**generate_kwargs(s)) with the recorder hooked in; returns (generated ids, recorder, kwargs)."""
    import torch
    from transformers.generation.utils import GENERATION_MODES_MAPPING

    model, tok = loaded.model, loaded.tokenizer
    eos_ids = _eos_ids(model, tok)
    kw = generate_kwargs(s)
    if model.generation_config.pad_token_id is None and tok.pad_token_id is None and eos_ids:
        kw["pad_token_id"] = min(eos_ids)  # what generate falls back to anyway, without the warning
    holder: dict[str, StepRecorder] = {}

    def custom_generate(model, input_ids, logits_processor, stopping_criteria, generation_config, **model_kwargs):
        # generate() prepared everything; we swap its processor list for the recording one
        rec = StepRecorder(
            logits_processor,
            tok,
            prompt_len=input_ids.shape[1],
            beam=generation_config.num_beams > 1,
            length_penalty=generation_config.length_penalty,
            eos_ids=eos_ids,
            top_n=top_n if s.rows == 1 else min(top_n, 6),
            on_step=on_step,
            stop=stop,
        )
        holder["rec"] = rec
        loop = getattr(type(model), GENERATION_MODES_MAPPING[generation_config.get_generation_mode()])
        extra = {} if rec.beam else {"streamer": rec}
        return loop(model, input_ids, rec, stopping_criteria, generation_config, **extra, **model_kwargs)

    input_ids = torch.tensor([prompt.input_ids])
    attention_mask = torch.ones_like(input_ids)
    with torch.inference_mode():
        if s.do_sample:
            with models.RNG_LOCK:  # no other draw can interleave: same seed -> same text
                torch.manual_seed(s.seed)  # what transformers.set_seed does for torch
                out = model.generate(input_ids, attention_mask=attention_mask, custom_generate=custom_generate, **kw)
        else:
            out = model.generate(input_ids, attention_mask=attention_mask, custom_generate=custom_generate, **kw)
    generated = [_strip(row[len(prompt.input_ids):], eos_ids) for row in out.tolist()]
    return generated, holder["rec"], kw


def _load(model_name: str) -> models.Loaded:
    loaded = models.load(model_name, "causal-lm", task=TASK)
    if loaded.model.config.is_encoder_decoder:  # pragma: no cover - the registry only lists decoders here
        raise BadInput(f"{model_name} is an encoder-decoder model; the decoding playground needs a causal LM.")
    return loaded


def _result(
    model_name: str,
    loaded: models.Loaded,
    prompt: Prompt,
    s: Settings,
    ignored: list[str],
    generated: list[list[int]],
    rec: StepRecorder,
    kw: dict[str, Any],
    use_chat_template: bool,
) -> dict[str, Any]:
    tok = loaded.tokenizer
    special = set(tok.all_special_ids)
    scores = rec.finalize(generated)
    sequences = []
    for ids, sc in zip(generated, scores):
        sequences.append(
            {
                "text": tok.decode(ids, skip_special_tokens=True),
                "token_ids": ids,
                "tokens": [rec.piece(t) for t in ids],
                **sc,
                "finish_reason": "eos" if ids and ids[-1] in rec.eos_ids else "length",
            }
        )
    return {
        "model": model_name,
        "strategy": s.strategy,
        "settings": asdict(s),
        "generate_kwargs": kw,
        "ignored": ignored,
        "use_chat_template": bool(use_chat_template),
        "prompt": prompt.text,
        "prompt_token_ids": prompt.input_ids,
        "prompt_tokens": [
            {"token": rec.piece(t), "special": t in special} for t in prompt.input_ids
        ],
        "notices": prompt.notices,
        "sequences": sequences,
        "steps": rec.steps,
        "stages": rec.labels,
    }


def _prepare(model: str, prompt: str, use_chat_template: Any, settings: dict[str, Any]):
    s, ignored = validate(**settings)
    use_chat_template = _as_bool("use_chat_template", use_chat_template or False)
    loaded = _load(model)
    p = prepare_prompt(loaded.tokenizer, loaded.model, prompt, use_chat_template, s.max_new_tokens)
    return s, ignored, use_chat_template, loaded, p


def decode(
    model: str,
    prompt: str,
    max_new_tokens: int = 40,
    do_sample: bool = False,
    num_beams: int = 1,
    num_return_sequences: int = 1,
    no_repeat_ngram_size: int = 0,
    early_stopping: bool = False,
    temperature: float = 1.0,
    top_k: int = 50,
    top_p: float = 1.0,
    repetition_penalty: float = 1.0,
    seed: int = 42,
    use_chat_template: bool = False,
    top_n: int = TOP_N,
) -> dict[str, Any]:
    """Generate with ``model.generate`` and these settings, recording every step.

    Returns {sequences: [{text, token_ids, tokens, score, processed_score, (beam_score), finish_reason}],
    steps: [{step, stages, rows: [{row, chosen, candidates: [{token_id, token, p (per stage), cut_by}],
    kept, kept_mass, entropy}], (beams)}], generate_kwargs, ignored, notices, prompt, ...}.
    ``score`` is the sequence's log-probability under the model (sum over its new tokens).
    """
    settings = dict(
        max_new_tokens=max_new_tokens, do_sample=do_sample, num_beams=num_beams,
        num_return_sequences=num_return_sequences, no_repeat_ngram_size=no_repeat_ngram_size,
        early_stopping=early_stopping, temperature=temperature, top_k=top_k, top_p=top_p,
        repetition_penalty=repetition_penalty, seed=seed,
    )  # fmt: skip
    s, ignored, chat, loaded, p = _prepare(model, prompt, use_chat_template, settings)
    generated, rec, kw = _run(loaded, p, s, top_n=top_n)
    return _result(model, loaded, p, s, ignored, generated, rec, kw, chat)


def decode_stream(
    model: str,
    prompt: str,
    max_new_tokens: int = 40,
    do_sample: bool = False,
    num_beams: int = 1,
    num_return_sequences: int = 1,
    no_repeat_ngram_size: int = 0,
    early_stopping: bool = False,
    temperature: float = 1.0,
    top_k: int = 50,
    top_p: float = 1.0,
    repetition_penalty: float = 1.0,
    seed: int = 42,
    use_chat_template: bool = False,
    top_n: int = TOP_N,
) -> Iterator[dict[str, Any]]:
    """Like :func:`decode`, but yields as it goes: {"partial": True, "step": n, "text", "token_ids", "last_step"}
    after every step (the sequence so far; for beam search the best beam so far), then the full result
    (without "partial"). Stops generating if the consumer stops.
    """
    settings = dict(
        max_new_tokens=max_new_tokens, do_sample=do_sample, num_beams=num_beams,
        num_return_sequences=num_return_sequences, no_repeat_ngram_size=no_repeat_ngram_size,
        early_stopping=early_stopping, temperature=temperature, top_k=top_k, top_p=top_p,
        repetition_penalty=repetition_penalty, seed=seed,
    )  # fmt: skip
    s, ignored, chat, loaded, p = _prepare(model, prompt, use_chat_template, settings)
    events: "queue.Queue[tuple[str, Any]]" = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            generated, rec, kw = _run(loaded, p, s, on_step=lambda st: events.put(("step", st)), stop=stop, top_n=top_n)
            events.put(("done", _result(model, loaded, p, s, ignored, generated, rec, kw, chat)))
        except _Stopped:
            events.put(("stopped", None))
        except BaseException as e:  # noqa: BLE001 - re-raised in the consumer's thread
            events.put(("error", e))

    worker = threading.Thread(target=work, name="decode-stream", daemon=True)
    worker.start()
    ids: list[int] = []
    try:
        while True:
            kind, value = events.get()
            if kind == "step":
                row = value["rows"][0]
                if s.rows == 1 and row["chosen"] is not None:
                    ids.append(row["chosen"]["token_id"])
                elif value.get("beams"):  # beam search: show the best beam so far
                    ids = list(value["beams"][0]["token_ids"])
                yield {
                    "partial": True,
                    "step": value["step"],
                    "token_ids": list(ids),
                    "text": loaded.tokenizer.decode(ids, skip_special_tokens=True),
                    "last_step": value,
                    "prompt": p.text,
                    "notices": p.notices,
                }
            elif kind == "done":
                yield value
                return
            elif kind == "error":
                raise value
            else:
                return
    finally:
        stop.set()  # the consumer stopped (or we are done): let generate() end at its next step
        worker.join(timeout=30)


# ---------------------------------------------------------------------------
# Compare mode: several strategies on the same prompt and seed
# ---------------------------------------------------------------------------

STRATEGIES: dict[str, dict[str, Any]] = {
    "greedy": {},
    "greedy + no_repeat_ngram_size=2": {"no_repeat_ngram_size": 2},
    "beam search (num_beams=5)": {"num_beams": 5, "early_stopping": True},
    "beam + no_repeat_ngram_size=2": {"num_beams": 5, "early_stopping": True, "no_repeat_ngram_size": 2},
    "sampling (temperature=0.7)": {"do_sample": True, "top_k": 0, "temperature": 0.7},
    "top-k sampling (top_k=50)": {"do_sample": True, "top_k": 50},
    "top-p sampling (top_p=0.92)": {"do_sample": True, "top_k": 0, "top_p": 0.92},
}
DEFAULT_COMPARE = [
    "greedy",
    "greedy + no_repeat_ngram_size=2",
    "beam + no_repeat_ngram_size=2",
    "top-k sampling (top_k=50)",
    "top-p sampling (top_p=0.92)",
]
MAX_COMPARE = len(STRATEGIES)


def distinct_n(ids: list[int], n: int) -> float | None:
    """Distinct-n: unique n-grams / all n-grams of the generated tokens (1.0 = no repetition)."""
    grams = [tuple(ids[i : i + n]) for i in range(len(ids) - n + 1)]
    return round(len(set(grams)) / len(grams), 4) if grams else None


def repeated_ngrams(ids: list[int], n: int = 3) -> int:
    """How many n-grams occur more than once."""
    grams = [tuple(ids[i : i + n]) for i in range(len(ids) - n + 1)]
    return sum(1 for g in set(grams) if grams.count(g) > 1)


def compare_stream(
    model: str,
    prompt: str,
    strategies: list[str] | None = None,
    max_new_tokens: int = 40,
    seed: int = 42,
    use_chat_template: bool = False,
) -> Iterator[dict[str, Any]]:
    """Run each named strategy (see STRATEGIES) with the same prompt and seed; yield after each one.

    Yields {"results": [{strategy, generate_kwargs, text, token_ids, score, distinct_1/2/3, repeated_3grams}],
    "pending": [...], "prompt", "notices"}.
    """
    if isinstance(strategies, str):
        strategies = [strategies]
    strategies = list(strategies or DEFAULT_COMPARE)
    unknown = [x for x in strategies if x not in STRATEGIES]
    if unknown:
        raise BadInput(f"Unknown strategy {unknown[0]!r}; pick from: {', '.join(STRATEGIES)}.")
    if not strategies:
        raise BadInput("Pick at least one strategy to compare.")
    base, _ = validate(max_new_tokens=max_new_tokens, seed=seed)
    for name in strategies:  # check every combination before running any
        settings, _ = validate(**(asdict(base) | STRATEGIES[name]))
    chat = _as_bool("use_chat_template", use_chat_template or False)
    loaded = _load(model)
    p = prepare_prompt(loaded.tokenizer, loaded.model, prompt, chat, base.max_new_tokens)
    results: list[dict[str, Any]] = []
    for i, name in enumerate(strategies):
        s, _ = validate(**(asdict(base) | STRATEGIES[name]))
        s = replace(s, num_return_sequences=1)
        generated, rec, kw = _run(loaded, p, s, top_n=1)
        ids = generated[0]
        sc = rec.finalize(generated)[0]
        results.append(
            {
                "strategy": name,
                "generate_kwargs": kw,
                "text": loaded.tokenizer.decode(ids, skip_special_tokens=True),
                "token_ids": ids,
                "score": sc["score"],
                "tokens_generated": len(ids),
                "distinct_1": distinct_n(ids, 1),
                "distinct_2": distinct_n(ids, 2),
                "distinct_3": distinct_n(ids, 3),
                "repeated_3grams": repeated_ngrams(ids, 3),
            }
        )
        yield {
            "model": model,
            "prompt": p.text,
            "notices": p.notices,
            "seed": base.seed,
            "results": list(results),
            "pending": strategies[i + 1 :],
        }


def compare(
    model: str,
    prompt: str,
    strategies: list[str] | None = None,
    max_new_tokens: int = 40,
    seed: int = 42,
    use_chat_template: bool = False,
) -> dict[str, Any]:
    """All of :func:`compare_stream` at once."""
    last: dict[str, Any] = {}
    for last in compare_stream(model, prompt, strategies, max_new_tokens, seed, use_chat_template):
        pass
    return last
