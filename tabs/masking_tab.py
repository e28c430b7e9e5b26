"""MLM masking: how BERT's pre-training inputs are made — masked tokens (80/10/10) and next-sentence pairs."""

from __future__ import annotations

from typing import Any

import gradio as gr

from demo import masking
from tabs.common import code, escape, guard, model_picker, raw_output

TITLE = "MLM masking"

TOKEN = "display:inline-block;margin:2px 1px;padding:1px 5px;border-radius:4px;font-family:monospace;font-size:0.9em;"
STYLES = {
    "special": TOKEN + "background:#e5e7eb;color:#6b7280;",
    "plain": TOKEN + "background:#f9fafb;border:1px solid #e5e7eb;",
    "mask": TOKEN + "background:#bfdbfe;outline:2px solid #2563eb;font-weight:600;",
    "random": TOKEN + "background:#fed7aa;outline:2px solid #ea580c;font-weight:600;",
    "unchanged": TOKEN + "background:#bbf7d0;outline:2px solid #16a34a;font-weight:600;",
    "a": TOKEN + "background:#dbeafe;",
    "b": TOKEN + "background:#fde68a;",
}
OUTCOME_TEXT = {"mask": "→ [MASK] (80 %)", "random": "→ a random token (10 %)", "unchanged": "kept unchanged (10 %)"}
PICKED_COLUMNS = ["sequence", "position", "original token", "what the model sees", "outcome", "label (target id)"]

MEDITATIONS = (  # seed 004's MLM corpus (Marcus Aurelius, Meditations, George Long's translation)
    "From my grandfather Verus I learned good morals and the government of my temper.\n"
    "From the reputation and remembrance of my father, modesty and a manly character."
)


def _tok(token: str, style: str, title: str) -> str:
    return f"<span style='{style}' title='{escape(title)}'>{escape(token)}</span>"


def masked_html(result: dict[str, Any]) -> str:
    """Per sequence: the tokens before and after masking, picked positions coloured by outcome."""
    blocks = []
    for i, seq in enumerate(result["sequences"]):
        picked = {p["position"]: p for p in seq["picked"]}
        before, after = [], []
        for j, (tok, new) in enumerate(zip(seq["tokens"], seq["masked_tokens"])):
            if seq["special_tokens_mask"][j]:
                title = "special token: never picked"
                before.append(_tok(tok, STYLES["special"], title))
                after.append(_tok(new, STYLES["special"], title))
            elif j in picked:
                p = picked[j]
                title = f"picked: {OUTCOME_TEXT[p['outcome']]}; label = {p['label']} ({p['token']})"
                before.append(_tok(tok, STYLES[p["outcome"]], title))
                after.append(_tok(new, STYLES[p["outcome"]], title))
            else:
                before.append(_tok(tok, STYLES["plain"], "not picked: label -100 (ignored by the loss)"))
                after.append(_tok(new, STYLES["plain"], "not picked: label -100 (ignored by the loss)"))
        blocks.append(
            f"<div style='margin-bottom:0.8em'><div style='font-size:0.8em;color:#6b7280'>sequence {i + 1}: "
            f"{len(seq['picked'])} of {seq['candidates']} candidate tokens picked</div>"
            f"<div><b style='font-size:0.8em'>input_ids</b> {''.join(before)}</div>"
            f"<div><b style='font-size:0.8em'>masked</b> {''.join(after)}</div></div>"
        )
    legend = " ".join(
        _tok(label, STYLES[k], label)
        for k, label in [("mask", "[MASK] 80 %"), ("random", "random 10 %"), ("unchanged", "unchanged 10 %"),
                         ("special", "special: never picked"), ("plain", "not picked: label -100")]
    )
    return "<div>" + "".join(blocks) + f"<div style='font-size:0.85em'>{legend}</div></div>"


def picked_rows(result: dict[str, Any]) -> list[list[Any]]:
    return [
        [i + 1, p["position"], p["token"], p["new_token"], OUTCOME_TEXT[p["outcome"]], p["label"]]
        for i, seq in enumerate(result["sequences"])
        for p in seq["picked"]
    ]


def counts_md(result: dict[str, Any]) -> str:
    c = result["counts"]
    lines = [
        f"**{c['chosen']} of {c['candidates']}** candidate tokens picked "
        f"(mlm_probability {result['mlm_probability']:.2f}, seed {result['seed']}): "
        f"{c['mask']} → {code(result['mask_token'])}, {c['random']} → random, {c['unchanged']} unchanged. "
        "`labels` hold the original id at picked positions and -100 everywhere else, so the loss only "
        "counts the picked tokens."
    ]
    lines += [f"- ⚠️ {escape(n)}" for n in result["notices"]]
    return "\n".join(lines)


def pairs_html(result: dict[str, Any]) -> str:
    blocks = []
    for p in result["pairs"]:
        colour = "#16a34a" if p["label"] == "IsNext" else "#dc2626"
        toks = []
        for t, tt in zip(p["tokens"], p["token_type_ids"]):
            toks.append(_tok(t, STYLES["b" if tt == 1 else "a"], f"token_type_id {tt}"))
        blocks.append(
            f"<div style='margin-bottom:0.8em;border-left:4px solid {colour};padding-left:8px'>"
            f"<div><b style='color:{colour}'>{escape(p['label'])}</b> "
            f"(next_sentence_label {p['next_sentence_label']})</div>"
            f"<div><b>A:</b> {escape(p['sentence_a'])}</div><div><b>B:</b> {escape(p['sentence_b'])}</div>"
            f"<div>{''.join(toks)}</div>"
            f"<div style='font-family:monospace;font-size:0.8em;color:#6b7280'>token_type_ids "
            f"{escape(p['token_type_ids'])}</div></div>"
        )
    legend = f"{_tok('sentence A: token_type_id 0', STYLES['a'], '')} {_tok('sentence B: token_type_id 1', STYLES['b'], '')}"
    return "<div>" + "".join(blocks) + f"<div style='font-size:0.85em'>{legend}</div></div>"


def build() -> None:
    gr.Markdown(
        "BERT learns from raw text with two made-up tasks (seed 004). **Masked language modelling**: "
        "`DataCollatorForLanguageModeling` picks 15 % of the tokens (never `[CLS]`, `[SEP]`, `[PAD]`); "
        "80 % of those become `[MASK]`, 10 % a random token, 10 % stay as they are — and the model must "
        "predict the original. **Next sentence prediction**: is B the sentence that follows A?"
    )
    with gr.Row():
        tokenizer = model_picker("fill-mask", label="tokenizer", scale=2)
        mlm_probability = gr.Slider(0.0, 1.0, value=masking.DEFAULT_MLM_PROBABILITY, step=0.01,
                                    label="mlm_probability", scale=2)
        seed = gr.Number(value=0, precision=0, minimum=0, label="seed", scale=1, min_width=120)
    text = gr.Textbox(value=masking.DEFAULT_TEXT, lines=3, max_lines=10, label="text",
                      info="One sequence per line: lines are padded into one batch ([PAD] is never picked).")
    go = gr.Button("Mask", variant="primary")
    gr.Examples(
        examples=[[masking.DEFAULT_TEXT, 0.15, 0], [MEDITATIONS, 0.15, 1], ["I love NLP!", 0.5, 0],
                  ["I love NLP!", 0.15, 0]],
        inputs=[text, mlm_probability, seed],
        label="Examples (seed 004)",
    )
    counts = gr.Markdown()
    view = gr.HTML(label="masked tokens")
    picked = gr.Dataframe(headers=PICKED_COLUMNS, interactive=False, label="picked positions", max_height=320)
    raw = raw_output()

    @guard
    def mlm_mask(tokenizer: str, text: str, mlm_probability: float, seed: float):
        result = masking.mask(tokenizer, text, mlm_probability, seed)
        return counts_md(result), masked_html(result), picked_rows(result), result

    go.click(mlm_mask, [tokenizer, text, mlm_probability, seed], [counts, view, picked, raw], api_name="mlm_mask")

    gr.Markdown(
        "### Next-sentence pairs\nFrom a passage, pick sentence A; half of the time B is the real next "
        "sentence (**IsNext**, label 0), otherwise a random sentence from another document of a small "
        "bundled corpus (**NotNext**, label 1). `token_type_ids` mark which sentence each token belongs to."
    )
    with gr.Row():
        nsp_tokenizer = model_picker("fill-mask", label="tokenizer", scale=2)
        num_pairs = gr.Slider(1, masking.MAX_PAIRS, value=4, step=1, label="num_pairs", scale=2)
        nsp_seed = gr.Number(value=0, precision=0, minimum=0, label="seed", scale=1, min_width=120)
    passage = gr.Textbox(value=masking.DEFAULT_PASSAGE, lines=4, max_lines=10, label="text",
                         info="A passage of at least two sentences.")
    build_pairs = gr.Button("Build pairs", variant="primary")
    pairs_view = gr.HTML(label="pairs")
    nsp_raw = raw_output()

    @guard
    def nsp_pairs(tokenizer: str, text: str, seed: float, num_pairs: float):
        result = masking.next_sentence_pairs(tokenizer, text, seed, num_pairs)
        notes = "".join(f"<div class='tc-warning'>⚠️ {escape(n)}</div>" for n in result["notices"])
        head = (f"<div><b>{result['num_is_next']} IsNext, {result['num_not_next']} NotNext</b> "
                f"from {result['num_sentences']} sentences (seed {result['seed']}).</div>{notes}")
        return head + pairs_html(result), result

    build_pairs.click(nsp_pairs, [nsp_tokenizer, passage, nsp_seed, num_pairs], [pairs_view, nsp_raw],
                      api_name="nsp_pairs")
