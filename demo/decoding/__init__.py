"""Decoding strategies step by step: the library's own ``generate()``, with every step recorded.

One module per concern:

- ``settings``   -- :class:`Settings` (every generation setting, named as in ``model.generate``, and
                    the one copy of their defaults), :func:`validate` (the rules for combining them)
                    and :func:`generate_kwargs`;
- ``prompt``     -- what the model reads: chat template, BOS for an empty prompt, long prompts cut;
- ``recorder``   -- :class:`StepRecorder`, generate()'s own logits processors applied in order, with
                    notes on what each did to the top candidates (how, without changing the tokens:
                    see its docstring);
- ``run``        -- :func:`decode` and :func:`decode_stream`: ``model.generate`` with the recorder;
- ``comparison`` -- compare mode: several strategies on the same prompt and seed.

``from demo import decoding; decoding.decode(...)`` is the API the tab, the tests and the bench use.
"""

from __future__ import annotations

from demo.decoding.comparison import (
    DEFAULT_COMPARE,
    MAX_COMPARE,
    STRATEGIES,
    compare,
    compare_stream,
    distinct_n,
    repeated_ngrams,
)
from demo.decoding.prompt import MAX_PROMPT_CHARS, MAX_PROMPT_TOKENS, Prompt, prepare_prompt
from demo.decoding.recorder import NEVER_CUT, TOP_N, StepRecorder, processor_label
from demo.decoding.run import TASK, decode, decode_stream
from demo.decoding.settings import (
    DEFAULTS,
    MAX_BEAMS,
    MAX_NEW_TOKENS,
    MAX_NGRAM,
    MAX_REPETITION_PENALTY,
    MAX_RETURN_SEQUENCES,
    MAX_TEMPERATURE,
    MAX_TOKEN_BUDGET,
    Settings,
    generate_kwargs,
    validate,
)

__all__ = [
    "DEFAULTS", "DEFAULT_COMPARE", "MAX_BEAMS", "MAX_COMPARE", "MAX_NEW_TOKENS", "MAX_NGRAM", "MAX_PROMPT_CHARS",
    "MAX_PROMPT_TOKENS", "MAX_REPETITION_PENALTY", "MAX_RETURN_SEQUENCES", "MAX_TEMPERATURE", "MAX_TOKEN_BUDGET",
    "NEVER_CUT", "STRATEGIES", "TASK", "TOP_N", "Prompt", "Settings", "StepRecorder", "compare", "compare_stream",
    "decode", "decode_stream", "distinct_n", "generate_kwargs", "prepare_prompt", "processor_label",
    "repeated_ngrams", "validate",
]
