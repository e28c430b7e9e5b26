"""MLM masking: how BERT's pre-training inputs are made — masked tokens (80/10/10) and next-sentence pairs."""

from __future__ import annotations

from typing import Any

import gradio as gr

from demo import masking
from tabs import links
from tabs.chips import SEGMENT_KINDS, chips, legend
from tabs.common import code, escape, guard, model_picker, raw_output

TITLE = "MLM masking"

OUTCOME_TEXT = {"mask": "→ [MASK] (80 %)", "random": "→ a random token (10 %)", "unchanged": "kept unchanged (10 %)"}
PICKED_COLUMNS = ["sequence", "position", "original token", "what the model sees", "outcome", "label (target id)"]

# the MLM corpus of the course notes on BERT (embeddings, WordPiece, MLM, NSP):
# Marcus Aurelius, Meditations, in George Long's translation
MEDITATIONS = (
    "From my grandfather Verus I learned good morals and the government of my temper.\n"
    "From the reputation and remembrance of my father, modesty and a manly character."
)

NOT_PICKED = "not picked: label -100 (ignored by the loss)"
LEGEND = [("mask", "[MASK] 80 %"), ("random", "random 10 %"), ("unchanged", "unchanged 10 %"),
          ("special", "special: never picked"), ("plain", "not picked: label -100")]


def _states(seq: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Per position: the chip kind (special / plain / the outcome of a picked token) and its tooltip."""
    picked = {p["position"]: p for p in seq["picked"]}
    kinds, titles = [], []
    for j in range(len(seq["tokens"])):
        if seq["special_tokens_mask"][j]:
            kinds.append("special")
            titles.append("special token: never picked")
        elif j in picked:
            p = picked[j]
            kinds.append(p["outcome"])  # mask / random / unchanged: each a chip kind
            titles.append(f"picked: {OUTCOME_TEXT[p['outcome']]}; label = {p['label']} ({p['token']})")
        else:
            kinds.append("plain")
            titles.append(NOT_PICKED)
    return kinds, titles


def masked_html(result: dict[str, Any]) -> str:
    """Per sequence: the tokens before and after masking, picked positions coloured by outcome."""
    blocks = []
    for i, seq in enumerate(result["sequences"]):
        kinds, titles = _states(seq)
        blocks.append(
            f"<div class='tc-block'><div class='tc-muted'>sequence {i + 1}: "
            f"{len(seq['picked'])} of {seq['candidates']} candidate tokens picked</div>"
            + chips(seq["tokens"], kinds=kinds, titles=titles, caption="<span class='tc-row-label'>input_ids</span>")
            + chips(seq["masked_tokens"], kinds=kinds, titles=titles,
                    caption="<span class='tc-row-label'>masked</span>")
            + "</div>"
        )
    return "<div>" + "".join(blocks) + legend(LEGEND) + "</div>"


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
        nxt = p["label"] == "IsNext"
        kinds = [SEGMENT_KINDS[1 if tt == 1 else 0] for tt in p["token_type_ids"]]
        blocks.append(
            f"<div class='tc-pair{'' if nxt else ' tc-pair--not-next'}'>"
            f"<div><b class='{'tc-ok' if nxt else 'tc-bad'}'>{escape(p['label'])}</b> "
            f"(next_sentence_label {p['next_sentence_label']})</div>"
            f"<div><b>A:</b> {escape(p['sentence_a'])}</div><div><b>B:</b> {escape(p['sentence_b'])}</div>"
            + chips(p["tokens"], kinds=kinds, titles=[f"token_type_id {tt}" for tt in p["token_type_ids"]])
            + f"<div class='tc-muted'><code>token_type_ids {escape(p['token_type_ids'])}</code></div></div>"
        )
    key = legend([("seg-a", "sentence A: token_type_id 0"), ("seg-b", "sentence B: token_type_id 1")])
    return "<div>" + "".join(blocks) + key + "</div>"


def build() -> None:
    gr.Markdown(
        "BERT learns from raw text with two made-up tasks (as in the course notes on BERT's embeddings, WordPiece, "
        "MLM and NSP). **Masked language modelling**: "
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
    examples = gr.Examples(
        examples=[[masking.DEFAULT_TEXT, 0.15, 0], [MEDITATIONS, 0.15, 1], ["I love NLP!", 0.5, 0],
                  ["I love NLP!", 0.15, 0]],
        inputs=[text, mlm_probability, seed],
        cache_examples=False,  # run on click (links.register)
        label="Examples (course notes: BERT's MLM and NSP)",
    )
    counts = gr.Markdown()
    view = gr.HTML(label="masked tokens")
    picked = gr.Dataframe(headers=PICKED_COLUMNS, interactive=False, label="picked positions", max_height=320)
    raw = raw_output()

    @guard
    def mlm_mask(tokenizer: str, text: str, mlm_probability: float, seed: float):
        result = masking.mask(tokenizer, text, mlm_probability, seed)
        return counts_md(result), masked_html(result), picked_rows(result), result

    event = go.click(mlm_mask, [tokenizer, text, mlm_probability, seed], [counts, view, picked, raw],
                     api_name="mlm_mask")
    links.register("masking", event, examples=examples)

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
        cut = [result["truncation_notice"]] if result["truncation_notice"] else []
        notes = "".join(f"<div class='tc-warning'>⚠️ {escape(n)}</div>" for n in cut + result["notices"])
        head = (f"<div><b>{result['num_is_next']} IsNext, {result['num_not_next']} NotNext</b> "
                f"from {result['num_sentences']} sentences (seed {result['seed']}).</div>{notes}")
        return head + pairs_html(result), result

    build_pairs.click(nsp_pairs, [nsp_tokenizer, passage, nsp_seed, num_pairs], [pairs_view, nsp_raw],
                      api_name="nsp_pairs")
