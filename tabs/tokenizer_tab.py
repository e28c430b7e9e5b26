"""Tokenizer: what `tokenizer(text, text_pair, ...)` returns — tokens over the text, ids, masks, the batch."""

from __future__ import annotations

from typing import Any

import gradio as gr

from demo import models, registry, tokenizer_inspect
from demo.course_texts import BAGUETTE_CHOICES, BAGUETTE_PROMPT, I_LOVE_NLP, PYTHON_LANGUAGE, PYTHON_SNAKE
from tabs import links
from tabs.chips import OVER_TEXT, chip, legend
from tabs.common import code, default_model, escape, guard, raw_output

TITLE = "Tokenizer"

MAX_SEQUENCES_SHOWN = 8  # coloured views and tables; the raw output has every sequence
MAX_TOKENS_SHOWN = 1_500  # per sequence in the coloured view and the table
MAX_COLUMNS = 40  # batch matrix

COLUMNS = ["position", "token", "id", "text", "token_type_id", "attention_mask", "offsets", "special", "[UNK]"]


# ---------------------------------------------------------------------------
# Formatting (a few lines per component)
# ---------------------------------------------------------------------------


def _badge(token: str, count: int = 1) -> str:
    more = f" ×{count}" if count > 1 else ""
    return chip(token + more, "special", title=f"special token {token}")


def colour_sequence(seq: dict[str, Any], unk_token: str | None) -> str:
    """The tokens coloured over the original text(s), using the offsets; special tokens as grey badges
    (chips of tabs/chips.py: a rotating colour per token, ``unk`` for [UNK], ``empty`` for no characters).

    Tokens whose offsets overlap (byte-level BPE splits one character into several bytes) share a span.
    """
    sources = {0: seq["text"], 1: seq["text_pair"] or ""}
    cursor = {0: 0, 1: 0}
    parts: list[str] = []
    groups: list[list[int]] = []  # token positions per span, to merge overlapping tokens
    last_segment: int | None = None
    tokens, seq_ids, offsets = seq["tokens"], seq["sequence_ids"], seq["offsets"]
    unk = set(seq["unk_positions"])
    n = min(len(tokens), MAX_TOKENS_SHOWN)
    j = 0
    while j < n:
        s = seq_ids[j]
        if s is None:  # special token or padding: collapse runs of the same one
            k = j
            while k + 1 < n and seq_ids[k + 1] is None and tokens[k + 1] == tokens[j]:
                k += 1
            parts.append(_badge(tokens[j], k - j + 1))
            groups.append([])
            j = k + 1
            continue
        if last_segment is not None and s != last_segment and s == 1:
            parts.append("<span class='tc-pair-gap'></span>")
        last_segment = s
        start, end = offsets[j]
        src = sources[s]
        if start < cursor[s] and groups and groups[-1]:  # overlaps the previous token: same span
            groups[-1].append(j)
            j += 1
            continue
        if start > cursor[s]:
            parts.append(escape(src[cursor[s]:start]))
        group = [j]
        k = j + 1
        while k < n and seq_ids[k] == s and offsets[k][0] < end:  # following tokens inside this span
            group.append(k)
            end = max(end, offsets[k][1])
            k += 1
        title = " + ".join(f"#{p} {tokens[p]!r} id {seq['input_ids'][p]}" for p in group)
        is_unk = any(p in unk for p in group)
        kind = "unk" if is_unk else OVER_TEXT[len([g for g in groups if g]) % len(OVER_TEXT)]
        if end <= start:  # a token that covers no character (e.g. a lone byte-level 'Ġ'): a thin bar
            kind += " empty"
        parts.append(chip(src[start:end], kind, title=title + (f" → {unk_token}" if is_unk else "")))
        groups.append(group)
        cursor[s] = max(cursor[s], end)
        j = k
    if len(tokens) > n:
        parts.append(f"<em> … {len(tokens) - n:,} more tokens (see the raw output)</em>")
    return "".join(parts)


def coloured_html(result: dict[str, Any]) -> str:
    unk = result["special_tokens"].get("unk_token", {}).get("token")
    seqs = result["sequences"][:MAX_SEQUENCES_SHOWN]
    blocks = []
    for i, seq in enumerate(seqs):
        head = (
            f"<div class='tc-muted'>sequence {i + 1} · {seq['num_tokens']} tokens"
            f"{' · ' + str(len(seq['unk_positions'])) + ' [UNK]' if seq['unk_positions'] else ''}</div>"
        )
        blocks.append(f"{head}<div class='tc-tokens'>{colour_sequence(seq, unk)}</div>")
    more = len(result["sequences"]) - len(seqs)
    if more > 0:
        blocks.append(f"<em>{more} more sequence(s) in the raw output.</em>")
    key = "<div class='tc-muted'>Each coloured span is one token (hover for its id).</div>" + legend(
        [("special", "special token the tokenizer added"), ("unk", "text the vocabulary could not spell ([UNK])")]
    )
    return "<div>" + "".join(blocks) + key + "</div>"


def sequence_rows(seq: dict[str, Any]) -> list[list[Any]]:
    rows = []
    unk = set(seq["unk_positions"])
    sources = {0: seq["text"], 1: seq["text_pair"] or ""}
    type_ids = seq["token_type_ids"]
    for j, token in enumerate(seq["tokens"][:MAX_TOKENS_SHOWN]):
        s = seq["sequence_ids"][j]
        a, b = seq["offsets"][j]
        rows.append(
            [
                j,
                token,
                seq["input_ids"][j],
                sources[s][a:b] if s is not None else "",
                type_ids[j] if type_ids is not None else "",
                seq["attention_mask"][j],
                f"({a}, {b})",
                "yes" if seq["special_tokens_mask"][j] else "",
                "[UNK]" if j in unk else "",
            ]
        )
    return rows


def _matrix_cell(value: Any, grey: bool, title: str) -> str:
    pad = " class='tc-pad'" if grey else ""
    return f"<td title='{escape(title)}'{pad}>{escape(value)}</td>"


def batch_matrix_html(result: dict[str, Any]) -> str:
    """input_ids (batch x T) with padding greyed out, and under each row its attention mask."""
    seqs = result["sequences"][:MAX_SEQUENCES_SHOWN]
    width = max(len(s["input_ids"]) for s in seqs)
    shown = min(width, MAX_COLUMNS)
    pad_id = result["special_tokens"].get("pad_token", {}).get("id")
    head = "".join(f"<th class='tc-sub'>{j}</th>" for j in range(shown))
    rows = []
    for i, s in enumerate(seqs):
        ids, mask = s["input_ids"], s["attention_mask"]
        cells = "".join(
            _matrix_cell(ids[j], mask[j] == 0, f"{s['tokens'][j]}") for j in range(min(len(ids), shown))
        )
        mcells = "".join(_matrix_cell(mask[j], mask[j] == 0, "attention_mask") for j in range(min(len(ids), shown)))
        rows.append(f"<tr><th class='tc-row-head'>input_ids[{i}]</th>{cells}</tr>")
        rows.append(f"<tr><th class='tc-row-head tc-sub'>attention_mask[{i}]</th>{mcells}</tr>")
        if result["settings"]["pairs"] and s["token_type_ids"] is not None:
            tcells = "".join(_matrix_cell(s["token_type_ids"][j], mask[j] == 0, "token_type_ids")
                             for j in range(min(len(ids), shown)))
            rows.append(f"<tr><th class='tc-row-head tc-sub'>token_type_ids[{i}]</th>{tcells}</tr>")
    note = f"<div><em>showing {shown} of {width} columns (the raw output has all).</em></div>" if width > shown else ""
    pad = f"padding token id {pad_id}" if pad_id is not None else "no padding token"
    caption = (
        f"<div class='tc-muted'>The batch the model receives: "
        f"{len(result['sequences'])} × {width} (padding={escape(result['settings']['padding'])}, {escape(pad)}, "
        f"padding side {escape(result['padding_side'])}). Grey cells are padding: attention_mask 0 tells "
        "the model to ignore them.</div>"
    )
    table = f"<div class='tc-matrix'><table><tr><th></th>{head}</tr>{''.join(rows)}</table></div>"
    return caption + table + note


def special_rows(result: dict[str, Any]) -> list[list[Any]]:
    sp = result["special_tokens"]
    rows = [[name, v["token"], v["id"]] for name, v in sp.items() if isinstance(v, dict)]
    rows += [["additional (special)", a["token"], a["id"]] for a in sp["additional"][:32]]
    return rows


def summary_md(result: dict[str, Any]) -> str:
    seqs = result["sequences"]
    counts = ", ".join(str(s["num_tokens"]) for s in seqs[:12]) + (" …" if len(seqs) > 12 else "")
    lines = [
        f"**{escape(result['tokenizer'])}** · {code(result['tokenizer_class'])} · "
        f"**{escape(result['algorithm'])}** · vocabulary {result['vocab_size']:,} · "
        f"model max length {result['model_max_length'] or 'none'} · "
        f"{len(seqs)} sequence(s) of {counts} tokens · {result['num_unk']} [UNK]",
    ]
    if result["truncation_notice"]:
        lines.append(f"- ✂️ {escape(result['truncation_notice'])}")
    lines += [f"- ⚠️ {escape(n)}" for n in result["notices"]]
    sp = result["special_tokens"]
    if sp["chat_markers"]:
        lines.append(f"- Chat markers from the chat template: {', '.join(code(m) for m in sp['chat_markers'])}")
    return "\n".join(lines)


def round_trip_html(rt: dict[str, Any]) -> str:
    """Each sequence decoded with and without skip_special_tokens, and whether that is the input again."""
    blocks = []
    for i, s in enumerate(rt["sequences"][:MAX_SEQUENCES_SHOWN]):
        verdict = ("<b class='tc-ok'>identical to the input</b>" if s["identical"]
                   else f"<b class='tc-bad'>not the input</b>: {escape(s['why'])}")
        blocks.append(
            f"<div class='tc-block'><div>sequence {i + 1} · {verdict}</div>"
            f"<div class='tc-muted'><code>decode(input_ids)</code></div>"
            f"<pre class='tc-pre'>{escape(s['decoded'])}</pre>"
            f"<div class='tc-muted'><code>decode(input_ids, skip_special_tokens=True)</code></div>"
            f"<pre class='tc-pre'>{escape(s['decoded_skip_special'])}</pre></div>"
        )
    return "<div>" + "".join(blocks) + "</div>"


def compare_rows(res: dict[str, Any]) -> list[list[Any]]:
    rows = []
    for r in res["counts"]:
        if r["available"]:
            rows.append([r["tokenizer"], r["algorithm"], r["vocab_size"], r["num_tokens"], r["num_unk"],
                         r["chars_per_token"], " ".join(r["tokens"][:24])])
        else:
            rows.append([r["tokenizer"], "not available", "", "", "", "", r["error"]])
    return rows


def _available(task: str) -> list[str]:
    return [s.name for s in registry.models_for(task) if models.status(s) in ("bundled", "local", "cached")]


# ---------------------------------------------------------------------------
# The tab
# ---------------------------------------------------------------------------


def build() -> None:
    gr.Markdown(
        "A model never sees text: the **tokenizer** cuts it into tokens and looks each one up in its "
        "vocabulary. Type a text (each line is one sequence of a **batch**) and optionally a `text_pair`; "
        "see the tokens over your text, the ids, the `attention_mask` that hides padding, the "
        "`token_type_ids` that tell sentence A from B, and whether decoding gives your text back."
    )
    choices = registry.names_for(tokenizer_inspect.TASK)
    with gr.Row():
        tokenizer = gr.Dropdown(choices=choices, value=default_model(tokenizer_inspect.TASK), label="tokenizer",
                                scale=3, min_width=240)
        padding = gr.Radio(list(tokenizer_inspect.PADDING), value="longest", label="padding", scale=3,
                           min_width=260)
        truncation = gr.Dropdown(list(tokenizer_inspect.TRUNCATION), value="do_not_truncate", label="truncation",
                                 scale=2, min_width=170)
        with gr.Column(scale=2, min_width=190):
            max_length = gr.Number(value=0, precision=0, minimum=0, label="max_length", info="0 = none")
            add_special_tokens = gr.Checkbox(value=True, label="add_special_tokens")
    with gr.Row():
        text = gr.Textbox(value=tokenizer_inspect.DEFAULT_TEXT, lines=4, max_lines=12, label="text",
                          info="One sequence per line: several lines make a batch.", scale=3)
        text_pair = gr.Textbox(value="", lines=4, max_lines=12, label="text_pair",
                               info="Optional second sentence (one line per text line, or one for all).", scale=2)
    go = gr.Button("Tokenize", variant="primary")
    summary = gr.Markdown(label="summary")
    coloured = gr.HTML(label="tokens over the text")
    with gr.Tabs():
        with gr.Tab("Tokens per sequence"):
            state = gr.State(None)

            @gr.render(inputs=state, triggers=[state.change])
            def tables(result: dict[str, Any] | None) -> None:
                if not result:
                    gr.Markdown("*Press Tokenize to see a table per sequence.*")
                    return
                for i, seq in enumerate(result["sequences"][:MAX_SEQUENCES_SHOWN]):
                    label = f"sequence {i + 1}: {seq['text'][:60]}" + ("…" if len(seq["text"]) > 60 else "")
                    gr.Dataframe(value=sequence_rows(seq), headers=COLUMNS, interactive=False, label=label,
                                 max_height=320, wrap=False)
                if len(result["sequences"]) > MAX_SEQUENCES_SHOWN:
                    gr.Markdown(f"*{len(result['sequences']) - MAX_SEQUENCES_SHOWN} more in the raw output.*")

        with gr.Tab("Batch (input_ids matrix)"):
            matrix = gr.HTML(label="batch matrix")
        with gr.Tab("Special tokens"):
            specials = gr.Dataframe(headers=["name", "token", "id"], interactive=False, label="special tokens map")
        with gr.Tab("Decode round trip"):
            gr.Markdown("`tokenizer.decode(input_ids)` with and without `skip_special_tokens=True`: "
                        "does decoding give your text back?")
            round_trip = gr.HTML(label="decode round trip")
            rt_raw = raw_output("Raw output (round trip)")
        with gr.Tab("Compare tokenizers"):
            gr.Markdown("The same text (no special tokens) through several tokenizers: fewer tokens = "
                        "a vocabulary that fits the text better.")
            with gr.Row():
                others = gr.Dropdown(choices=choices, value=_available(tokenizer_inspect.TASK)[:4],
                                     multiselect=True, label="tokenizers", scale=4)
                compare_btn = gr.Button("Compare", scale=1)
            counts = gr.Dataframe(
                headers=["tokenizer", "algorithm", "vocab_size", "tokens", "[UNK]", "chars/token", "first tokens"],
                interactive=False, wrap=True, label="token counts side by side",
                column_widths=["20%", "13%", "9%", "7%", "6%", "9%", "36%"],
            )
    # examples after the results: the result sits right under the button, in view at 1440x900
    examples = gr.Examples(
        examples=[
            ["all-MiniLM-L6-v2 (bundled)", I_LOVE_NLP, ""],  # the course notes on pipelines, tasks and decoding
            ["all-MiniLM-L6-v2 (bundled)", BAGUETTE_PROMPT, BAGUETTE_CHOICES[0]],  # multiple choice: one pair
            ["all-MiniLM-L6-v2 (bundled)", "I love NLP!\nTransformers use attention to mix tokens.\nHi", ""],
            ["all-MiniLM-L6-v2 (bundled)", tokenizer_inspect.KOREAN_EXAMPLE, ""],
            ["SmolLM2-135M-Instruct (bundled)", "<|im_start|>user\nI love NLP!<|im_end|>", ""],
            ["all-MiniLM-L6-v2 (bundled)", PYTHON_SNAKE, PYTHON_LANGUAGE],  # the course notes on BERT
        ],
        inputs=[tokenizer, text, text_pair],
        cache_examples=False,  # run on click (links.register): the response cache, not start-up caching
        label="Examples (course notes; Korean through an English WordPiece)",
    )
    raw = raw_output()

    inputs = [tokenizer, text, text_pair, add_special_tokens, padding, truncation, max_length]

    @guard
    def tokenize(tokenizer: str, text: str, text_pair: str, add_special_tokens: bool, padding: str,
                 truncation: str, max_length: float | None):
        result = tokenizer_inspect.inspect(tokenizer, text, text_pair, add_special_tokens, padding, truncation,
                                           max_length)
        return (summary_md(result), coloured_html(result), batch_matrix_html(result), special_rows(result),
                result, result)

    @guard
    def decode_round_trip(tokenizer: str, text: str, text_pair: str, add_special_tokens: bool, padding: str,
                          truncation: str, max_length: float | None):
        rt = tokenizer_inspect.round_trip(tokenizer, text, text_pair, add_special_tokens, padding, truncation,
                                          max_length)
        return round_trip_html(rt), rt

    @guard
    def token_counts(tokenizers: list[str], text: str):
        return compare_rows(tokenizer_inspect.compare(tokenizers, text))

    event = go.click(tokenize, inputs, [summary, coloured, matrix, specials, state, raw], api_name="tokenize")
    event.success(decode_round_trip, inputs, [round_trip, rt_raw], api_name="decode_round_trip")
    event.success(token_counts, [others, text], counts, api_name="token_counts")
    compare_btn.click(token_counts, [others, text], counts, api_name=False)
    links.register("tokenizer", event, examples=examples)
