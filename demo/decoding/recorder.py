"""The recorder: generate()'s prepared logits processors, applied as ``LogitsProcessorList`` does, plus notes.

How we record a run without changing it: ``model.generate`` prepares everything as usual (the
processors built from the settings, the stopping criteria, the KV cache) and then calls its
decoding loop with the prepared ``LogitsProcessorList``. ``demo.decoding.run`` passes a
``custom_generate`` hook that swaps that list for a :class:`StepRecorder` -- the same processors,
called the same way in the same order, that also notes what each one did to the top candidates --
and hands over to the library's own loop (``_sample`` for greedy and sampling, ``_beam_search`` for
beams). So the tokens are those of plain ``model.generate`` with the same arguments, token for
token (tests/test_decoding.py checks it), and recording costs a few vocabulary-sized array
operations per step next to a whole forward pass (bench/bench_decoding.py prints the ratio).
"""

from __future__ import annotations

import math
import threading
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # pragma: no cover
    import torch

TOP_N = 10  # candidates recorded per step (per row: 6 when several sequences run at once)


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


class Stopped(Exception):
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
        # the step being recorded, for closing it: log-probs under the model and processed (rows x vocab),
        # and beam search's scores (rows x vocab; None for greedy/sampling)
        self._prev: tuple[Any, Any, Any | None] | None = None

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
            raise Stopped()
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
