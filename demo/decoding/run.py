"""Running ``model.generate`` with the recorder hooked in: :func:`decode` and :func:`decode_stream`.

One generation step, as ``model.generate`` does it (minGPT's ``generate`` in transformers' words)::

    logits = model(input_ids).logits[:, -1, :]            # the next-token scores (vocab-sized)
    scores = logits_processor(input_ids, logits)          # repetition_penalty, no_repeat_ngram_size,
                                                          # temperature, top_k, top_p (in that order)
    next_token = scores.argmax(-1)                        # greedy ...
    next_token = multinomial(softmax(scores), 1)          # ... or do_sample=True
    input_ids = cat([input_ids, next_token], -1)          # append, until EOS or max_new_tokens

Beam search keeps ``num_beams`` sequences instead of one, scores every continuation of every
beam by its cumulative log-probability and keeps the best ``num_beams``. How the recorder sees
each step without changing it: see ``demo.decoding.recorder``.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import asdict
from typing import Any, Callable, Iterator

from demo import models
from demo.decoding.prompt import Prompt, prepare_prompt
from demo.decoding.recorder import TOP_N, StepRecorder, Stopped
from demo.decoding.settings import Settings, generate_kwargs, takes_settings, validate
from demo.errors import BadInput
from demo.inputs import flag

TASK = "text-generation"


def _strip(ids: list[int], eos_ids: set[int]) -> list[int]:
    """Generated ids up to and including the first EOS (generate pads finished rows after it)."""
    for i, t in enumerate(ids):
        if t in eos_ids:
            return ids[: i + 1]
    return ids


def record_generate(
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
    eos_ids = loaded.eos_token_ids
    kw = generate_kwargs(s)
    if model.generation_config.pad_token_id is None and tok.pad_token_id is None and eos_ids:
        kw["pad_token_id"] = min(eos_ids)  # what generate falls back to anyway, without the warning
    holder: dict[str, StepRecorder] = {}

    def custom_generate(
        model: Any, input_ids: Any, logits_processor: Any, stopping_criteria: Any, generation_config: Any, **model_kwargs: Any
    ) -> Any:
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


def load_causal_lm(model_name: str) -> models.Loaded:
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


def chat_flag(use_chat_template: Any) -> bool:
    """use_chat_template as a bool; not given (None) means off."""
    return flag(False if use_chat_template is None else use_chat_template, "use_chat_template")


def _prepare(
    model: str, prompt: str, use_chat_template: Any, settings: dict[str, Any]
) -> tuple[Settings, list[str], bool, models.Loaded, Prompt]:
    """What decode and decode_stream both do first: check the settings, load the model, build the prompt."""
    s, ignored = validate(**settings)
    chat = chat_flag(use_chat_template)
    loaded = load_causal_lm(model)
    p = prepare_prompt(loaded.tokenizer, loaded.model, prompt, chat, s.max_new_tokens)
    return s, ignored, chat, loaded, p


@takes_settings
def decode(
    model: str, prompt: str, *, use_chat_template: bool = False, top_n: int = TOP_N, **settings: Any
) -> dict[str, Any]:
    """Generate with ``model.generate`` and these settings (the fields of ``Settings``), recording every step.

    Returns {sequences: [{text, token_ids, tokens, score, processed_score, (beam_score), finish_reason}],
    steps: [{step, stages, rows: [{row, chosen, candidates: [{token_id, token, p (per stage), cut_by}],
    kept, kept_mass, entropy}], (beams)}], generate_kwargs, ignored, notices, prompt, ...}.
    ``score`` is the sequence's log-probability under the model (sum over its new tokens).
    """
    s, ignored, chat, loaded, p = _prepare(model, prompt, use_chat_template, settings)
    generated, rec, kw = record_generate(loaded, p, s, top_n=top_n)
    return _result(model, loaded, p, s, ignored, generated, rec, kw, chat)


@takes_settings
def decode_stream(
    model: str, prompt: str, *, use_chat_template: bool = False, top_n: int = TOP_N, **settings: Any
) -> Iterator[dict[str, Any]]:
    """Like :func:`decode` (the same parameters), but yields as it goes: {"partial": True, "step": n, "text",
    "token_ids", "last_step"} after every step (the sequence so far; for beam search the best beam so far),
    then the full result (without "partial"). Stops generating if the consumer stops.
    """
    s, ignored, chat, loaded, p = _prepare(model, prompt, use_chat_template, settings)
    events: "queue.Queue[tuple[str, Any]]" = queue.Queue()
    stop = threading.Event()

    def work() -> None:
        try:
            generated, rec, kw = record_generate(
                loaded, p, s, on_step=lambda st: events.put(("step", st)), stop=stop, top_n=top_n
            )
            events.put(("done", _result(model, loaded, p, s, ignored, generated, rec, kw, chat)))
        except Stopped:
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
