"""Compare mode: several named strategies on the same prompt and seed, with repetition measured."""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any, Iterator

from demo.decoding.prompt import prepare_prompt
from demo.decoding.run import chat_flag, load_causal_lm, record_generate
from demo.decoding.settings import DEFAULTS, validate
from demo.errors import BadInput

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
MAX_COMPARE = len(STRATEGIES)  # runs per request: a name may repeat, but never more runs than there are strategies


def distinct_n(ids: list[int], n: int) -> float | None:
    """Distinct-n: unique n-grams / all n-grams of the generated tokens (1.0 = no repetition)."""
    grams = [tuple(ids[i : i + n]) for i in range(len(ids) - n + 1)]
    return round(len(set(grams)) / len(grams), 4) if grams else None


def repeated_ngrams(ids: list[int], n: int = 3) -> int:
    """How many n-grams occur more than once."""
    grams = [tuple(ids[i : i + n]) for i in range(len(ids) - n + 1)]
    return sum(1 for g in set(grams) if grams.count(g) > 1)


def strategy_names(strategies: list[str] | str | None) -> list[str]:
    """The strategies to run, checked. ``None`` (a Python caller who gave none) means DEFAULT_COMPARE;
    an empty list is what unticking every box sends, and is refused rather than silently replaced."""
    if strategies is None:
        return list(DEFAULT_COMPARE)
    if isinstance(strategies, str):
        strategies = [strategies]
    if not isinstance(strategies, (list, tuple)):
        raise BadInput(f"strategies must be a list of names from: {', '.join(STRATEGIES)}.")
    names = list(strategies)
    if not names:
        raise BadInput("Pick at least one strategy to compare.")
    unknown = [x for x in names if not isinstance(x, str) or x not in STRATEGIES]
    if unknown:
        raise BadInput(f"Unknown strategy {unknown[0]!r}; pick from: {', '.join(STRATEGIES)}.")
    if len(names) > MAX_COMPARE:
        raise BadInput(
            f"{len(names)} strategies is more than this shared machine runs per request ({MAX_COMPARE}): "
            "pick each strategy once."
        )
    return names


def compare_stream(
    model: str,
    prompt: str,
    strategies: list[str] | None = None,
    max_new_tokens: int = DEFAULTS.max_new_tokens,
    seed: int = DEFAULTS.seed,
    use_chat_template: bool = False,
) -> Iterator[dict[str, Any]]:
    """Run each named strategy (see STRATEGIES) with the same prompt and seed; yield after each one.

    Yields {"results": [{strategy, generate_kwargs, text, token_ids, score, distinct_1/2/3, repeated_3grams}],
    "pending": [...], "prompt", "notices"}.
    """
    names = strategy_names(strategies)
    base, _ = validate(max_new_tokens=max_new_tokens, seed=seed)
    # every combination is checked before any runs; one sequence each
    runs = [replace(validate(**(asdict(base) | STRATEGIES[name]))[0], num_return_sequences=1) for name in names]
    chat = chat_flag(use_chat_template)
    loaded = load_causal_lm(model)
    p = prepare_prompt(loaded.tokenizer, loaded.model, prompt, chat, base.max_new_tokens)
    results: list[dict[str, Any]] = []
    for i, (name, s) in enumerate(zip(names, runs)):
        generated, rec, kw = record_generate(loaded, p, s, top_n=1)
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
            "pending": names[i + 1 :],
        }


def compare(
    model: str,
    prompt: str,
    strategies: list[str] | None = None,
    max_new_tokens: int = DEFAULTS.max_new_tokens,
    seed: int = DEFAULTS.seed,
    use_chat_template: bool = False,
) -> dict[str, Any]:
    """All of :func:`compare_stream` at once."""
    *_, last = compare_stream(model, prompt, strategies, max_new_tokens, seed, use_chat_template)
    return last
