"""WordPiece trainer: train BERT's tokenizer by hand, one merge at a time (HF course ch. 6, as in the course notes on BERT)."""

from __future__ import annotations

from typing import Any

import gradio as gr

from demo import wordpiece
from tabs import links
from tabs.chips import chip, chips
from tabs.common import code, escape, guard, raw_output

TITLE = "WordPiece trainer"

TABLE_COLUMNS = ["rank", "pair", "freq(pair)", "freq(a)", "freq(b)", "score = freq(pair) / (freq(a) × freq(b))"]
CONTRAST_COLUMNS = ["step", "WordPiece merges", "score", "freq(pair)", "frequency-only BPE would merge", "its freq",
                    "its score"]

EXAMPLE_CORPUS_2 = "\n".join(
    [
        "The worker works in the workshop.",
        "Workers worked and the driver drove.",
        "The oiler oiled the old engine while the driver waited.",
    ]
)


def alphabet_html(result: dict[str, Any]) -> str:
    return (
        f"<div><b>{len(result['alphabet'])} letters</b> (a word's first letter as is, every other letter with "
        f"<code>##</code>) + {len(result['special_tokens'])} special tokens = "
        f"<b>{result['initial_vocab_size']}</b> tokens before any merge:</div>"
        + chips(result["special_tokens"], kinds="special")
        + chips(result["alphabet"], kinds="plain")
    )


def tokens_html(result: dict[str, Any]) -> str:
    if not result["words"]:
        return "<em>Type a text to tokenize with the trained vocabulary.</em>"
    parts = []
    for w in result["words"]:
        inner = "".join(chip(t, "unk" if t == "[UNK]" else "plain") for t in w["tokens"])
        parts.append(f"<span class='tc-word' title='{escape(w['word'])}'>{inner}</span>")
    check = (
        "✅ identical to the <code>tokenizers</code> library's WordPiece model with this vocabulary"
        if result["matches_library"]
        else f"⚠️ the library gives {escape(result['library_tokens'])}"
    )
    return (
        f"<div>{len(result['tokens'])} tokens, longest match first "
        f"(a word with any piece missing from the vocabulary is one <code>[UNK]</code>):</div>"
        f"<div class='tc-chips'>{''.join(parts)}</div><div class='tc-muted'>{check}</div>"
    )


def contrast_rows(result: dict[str, Any]) -> list[list[Any]]:
    return [
        [s["step"], f"{s['pair'][0]} + {s['pair'][1]} → {s['new_token']}", round(s["score"], 4), s["pair_freq"],
         "(same)" if s["bpe_agrees"] else f"{s['bpe_pair'][0]} + {s['bpe_pair'][1]}", s["bpe_freq"],
         round(s["bpe_score"], 4)]
        for s in result["steps"]
    ]


def step_view(result: dict[str, Any] | None, step: float) -> tuple[str, Any, str]:
    """(explanation, score table, vocabulary) after ``step`` merges."""
    if not result:
        return "*Press Train to start.*", None, ""
    k = int(step or 0)
    vocab = wordpiece.vocab_at(result, k)
    initial = result["initial_vocab_size"]
    vocab_html = (
        f"<div><b>vocabulary: {len(vocab)} tokens</b> (special tokens, the alphabet, "
        f"{chip('merges so far', 'new')})</div>"
        + chips(vocab[: len(result["special_tokens"])], kinds="special")
        + chips(vocab[len(result["special_tokens"]): initial], kinds="plain")
        + chips(vocab[initial:], kinds="new")
    )
    if k == 0 or not result["steps"]:
        first = result["initial_scores"][:6]
        shown = "\n".join(f"- `({escape(p['pair'][0])!s}, {escape(p['pair'][1])!s})`: {p['score']}" for p in first)
        md = (
            "**Step 0: every word split into letters.** Move the *step* slider to merge.\n\n"
            "The first pair scores, in the order the course prints them:\n" + shown
        )
        table = _styled(result["steps"][0]["table"], result["steps"][0]["pair"]) if result["steps"] else None
        return md, table, vocab_html
    s = result["steps"][k - 1]
    a, b = s["pair"]
    changed = ", ".join(
        f"{code(w)} → {' '.join(code(t) for t in split)}" for w, split in s["changed_words"].items()
    )
    more = s["num_changed_words"] - len(s["changed_words"])
    bpe = (
        "Frequency-only **BPE** would merge the same pair here."
        if s["bpe_agrees"]
        else f"Frequency-only **BPE** would merge {code(s['bpe_pair'][0])} + {code(s['bpe_pair'][1])} "
        f"instead (it occurs {s['bpe_freq']} times, the most, but its parts are common, so its score is only "
        f"{s['bpe_score']:.4f})."
    )
    ties = ", ".join(f"{code(r['pair'][0])} + {code(r['pair'][1])}"
                     for r in s["table"][1:4] if r["score"] == s["score"])
    tie = f" ({ties} score the same: a tie goes to the pair seen first, as in the course's loop.)" if ties else ""
    md = (
        f"**Step {k} of {len(result['steps'])}:** the best of {s['num_pairs']} pairs is "
        f"{code(a)} + {code(b)}: score = {s['pair_freq']} / ({s['freq_a']} × {s['freq_b']}) = "
        f"**{s['score']:.4f}** → new token **{code(s['new_token'])}**.{tie}\n\n"
        f"Merged in: {changed}{f' (+{more} more words)' if more > 0 else ''}.\n\n{bpe}"
    )
    return md, _styled(s["table"], s["pair"]), vocab_html


def _styled(table: list[dict[str, Any]], best: list[str]) -> Any:
    """The score table with the best pair's row highlighted (a pandas Styler for gr.Dataframe)."""
    import pandas as pd

    df = pd.DataFrame(
        [[i + 1, f"{r['pair'][0]} + {r['pair'][1]}", r["freq"], r["freq_a"], r["freq_b"], round(r["score"], 5)]
         for i, r in enumerate(table)],
        columns=TABLE_COLUMNS,
    )
    best_label = f"{best[0]} + {best[1]}"

    def highlight(row: "pd.Series") -> list[str]:
        on = row["pair"] == best_label
        return ["background-color: #fde68a; color: #111827; font-weight: 600" if on else "" for _ in row]

    return df.style.apply(highlight, axis=1)


def build() -> None:
    gr.Markdown(
        "BERT's tokenizer is **WordPiece**. Training starts from single letters and repeatedly merges the pair "
        "with the best **score = freq(pair) / (freq(a) × freq(b))** — pairs whose parts rarely appear apart — "
        "until the vocabulary has `vocab_size` tokens. BPE would merge the *most frequent* pair instead. "
        "This is the Hugging Face course's algorithm (chapter 6, which the course notes on BERT follow), hand-written, "
        "with bert-base-cased's pre-tokenizer."
    )
    with gr.Row():
        corpus = gr.Textbox(value=wordpiece.DEFAULT_CORPUS, lines=5, max_lines=12, label="corpus",
                            info="One or more sentences per line.", scale=3)
        with gr.Column(scale=2, min_width=260):
            vocab_size = gr.Slider(10, 300, value=wordpiece.DEFAULT_VOCAB_SIZE, step=1, label="vocab_size")
            text = gr.Textbox(value=wordpiece.DEFAULT_TEXT, label="text", info="Tokenized with the trained vocabulary.")
    train = gr.Button("Train", variant="primary")
    examples = gr.Examples(
        examples=[
            [wordpiece.DEFAULT_CORPUS, 70, wordpiece.DEFAULT_TEXT],
            [wordpiece.DEFAULT_CORPUS, 100, "Hopefully, the tokenizer understands tokenization."],
            [EXAMPLE_CORPUS_2, 60, "The workers drove the oiled engine."],
        ],
        inputs=[corpus, vocab_size, text],
        cache_examples=False,  # run on click (links.register)
        label="Examples (the HF course corpus; work + er from the notes' OOV discussion)",
    )
    summary = gr.Markdown()
    alphabet = gr.HTML(label="alphabet")
    with gr.Group():
        step = gr.Slider(0, 1, value=0, step=1, label="step", info="Move through training: one merge per step.")
        explanation = gr.Markdown()
        table = gr.Dataframe(headers=TABLE_COLUMNS, interactive=False, label="pair scores at this step (best first)",
                             max_height=360)
        vocab = gr.HTML(label="vocabulary")
    tokens = gr.HTML(label="tokens")
    with gr.Accordion("WordPiece vs BPE at every step", open=False):
        contrast = gr.Dataframe(headers=CONTRAST_COLUMNS, interactive=False, wrap=True, label="merges")
    state = gr.State(None)
    raw = raw_output()

    @guard
    def wordpiece_train(corpus: str, vocab_size: float, text: str):
        result = wordpiece.train(corpus, vocab_size, text)
        n = len(result["steps"])
        notes = "".join(f"\n- ⚠️ {escape(m)}" for m in result["notices"])
        md = (
            f"**{len(result['word_freqs'])} distinct words** from {result['corpus_lines']} line(s); "
            f"{n} merges took the vocabulary from {result['initial_vocab_size']} to {result['vocab_size']} tokens."
            + notes
        )
        return (md, alphabet_html(result), gr.Slider(minimum=0, maximum=max(n, 1), value=n, step=1,
                                                     interactive=n > 0),
                tokens_html(result), contrast_rows(result), result, result)

    @guard(lane=None)
    def show_step(result: dict[str, Any] | None, k: float):
        return step_view(result, k)

    event = train.click(wordpiece_train, [corpus, vocab_size, text], [summary, alphabet, step, tokens, contrast, state, raw],
                        api_name="wordpiece_train")
    event.then(show_step, [state, step], [explanation, table, vocab], api_name=False)
    links.register("wordpiece", event, examples=examples)
    step.change(show_step, [state, step], [explanation, table, vocab], api_name=False, show_progress="hidden")
