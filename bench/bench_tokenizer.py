"""/tokenize (demo.tokenizer_inspect.inspect) vs the bare tokenizer call, on a 5,000-word text.

Run: `python -m bench.bench_tokenizer`. Prints the best-of-N time of each and their ratio
(target: the inspector ≤ 1.5x the bare call; a 5,000-word text inspected in < 0.5 s).
Both run in the same process on the same, already loaded tokenizer.
"""

from __future__ import annotations

import os
import random
from typing import Any, Callable

from bench import timing

os.environ.setdefault("HF_HUB_OFFLINE", "1")

TOKENIZERS = ["all-MiniLM-L6-v2 (bundled)", "SmolLM2-135M-Instruct (bundled)"]
WORDS = 5_000
REPEATS = 15


def five_thousand_words(seed: int = 0) -> str:
    """English-like prose: sentences of common words, names and punctuation (one line)."""
    vocab = (
        "the of and to in is was that for it with as his on be at by I this had not are but from or have "
        "an they which one you were her all she there would their we him been has when who will more no "
        "if out so said what up its about into than them can only other new some could time these two may "
        "then do first any my now such like our over man me even most made after also did many before must "
        "through back years where much your way well down should because each just those people Mr how too "
        "little state good very make world still own see men work long get here between both life being under "
        "never day same another know while last might us great old year off come since against go came right "
        "used take three tokenization Hugging Face transformers attention embedding WordPiece NLP Paris"
    ).split()
    rng = random.Random(seed)
    out, n = [], 0
    while n < WORDS:
        k = min(rng.randint(6, 24), WORDS - n)
        sentence = " ".join(rng.choice(vocab) for _ in range(k))
        out.append(sentence[0].upper() + sentence[1:] + rng.choice([".", ".", ".", "!", "?", ","]))
        n += k
    return " ".join(out)


def best_of(fns: dict[str, Callable[[], object]], repeats: int = REPEATS) -> dict[str, float]:
    return timing.best_of(fns, repeats)


def measure(name: str, tok: Any, text: str) -> dict[str, float]:
    """Best-of times: the bare call, /tokenize, both round trips, and the whole tab's formatting."""
    from demo import tokenizer_inspect
    from tabs import tokenizer_tab  # the formatting the Tokenizer tab adds (HTML, tables)

    def bare_round_trip() -> tuple[str, str]:
        ids = tok(text)["input_ids"]
        return tok.decode(ids), tok.decode(ids, skip_special_tokens=True)

    def whole_tab() -> None:
        r = tokenizer_inspect.inspect(name, text)
        tokenizer_tab.summary_md(r), tokenizer_tab.coloured_html(r), tokenizer_tab.batch_matrix_html(r)
        tokenizer_tab.special_rows(r), [tokenizer_tab.sequence_rows(q) for q in r["sequences"]]
        tokenizer_tab.round_trip_html(tokenizer_inspect.round_trip(name, text))

    return best_of(
        {
            "bare": lambda: tok(text),
            "ours": lambda: tokenizer_inspect.inspect(name, text),
            "bare_rt": bare_round_trip,
            "ours_rt": lambda: tokenizer_inspect.round_trip(name, text),
            "tab": whole_tab,
        }
    )


def main(argv: list[str] | None = None) -> None:
    from demo import models

    text = five_thousand_words()
    print(f"text: {len(text.split()):,} words, {len(text):,} characters; best of {REPEATS} interleaved runs\n")
    print(f"{'tokenizer':34} {'tokens':>7} {'bare call':>10} {'/tokenize':>10} {'ratio':>6}   "
          f"{'bare + 2 decodes':>16} {'/decode_round_trip':>18} {'ratio':>6}")
    tabs_line: list[str] = []
    for name in TOKENIZERS:
        try:
            tok = models.load_tokenizer(name)
        except Exception as e:  # noqa: BLE001 - a missing bundled package just skips a row
            print(f"{name:34} skipped: {e}")
            continue
        n_tokens = len(tok(text)["input_ids"])
        t = measure(name, tok, text)
        tabs_line.append(f"{name}: {t['tab'] * 1e3:.0f} ms")
        print(f"{name:34} {n_tokens:>7,} {t['bare'] * 1e3:>8.1f}ms {t['ours'] * 1e3:>8.1f}ms "
              f"{t['ours'] / t['bare']:>5.2f}x   {t['bare_rt'] * 1e3:>14.1f}ms {t['ours_rt'] * 1e3:>16.1f}ms "
              f"{t['ours_rt'] / t['bare_rt']:>5.2f}x")
    print("\nwhole Tokenizer tab (inspect + round trip + every HTML view and table): " + "; ".join(tabs_line)
          + " (target < 500 ms)")
    print("ratio = our endpoint function / the bare transformers call doing the same work "
          "(`tokenizer(text)`; for the round trip, `tokenizer(text)` + two `decode`s). Target ≤ 1.5x, "
          "and a 5,000-word text inspected in < 0.5 s.")


if __name__ == "__main__":
    main()
