"""Decoding playground: every strategy on sliders, the next-token distribution at each step,
strategies side by side. The engine is demo/decoding/ (model.generate with a recording hook).

`build` lays out and wires; the handlers are the module-level functions above it. Over 400 lines
because the formatting of its seven views (cards, plotly charts, tables) lives beside them."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import gradio as gr

from demo import decoding, registry
from tabs import links
from tabs.chips import chips
from tabs.common import GENERATE_LANE, code, distinct_labels, escape, guard, model_picker, plot_text, raw_output, themed

TITLE = "Decoding playground"

DEFAULT_MODEL = "SmolLM2-135M-Instruct (bundled)"

DEFAULTS = decoding.DEFAULTS  # the sliders start at the engine's defaults
# The settings a preset fills (it only fills sliders: /decode always receives every setting):
# every generation setting but the length and the seed, at its default.
NEUTRAL = {k: v for k, v in asdict(DEFAULTS).items() if k not in ("max_new_tokens", "seed")}
PRESETS: dict[str, dict[str, Any]] = {
    "greedy": NEUTRAL,
    "beam search": NEUTRAL | dict(num_beams=5, num_return_sequences=3, no_repeat_ngram_size=2, early_stopping=True),
    "sampling": NEUTRAL | dict(do_sample=True, top_k=0, temperature=0.7),
    "top-k": NEUTRAL | dict(do_sample=True, top_k=50),
    "top-p": NEUTRAL | dict(do_sample=True, top_k=0, top_p=0.92),
}
PRESET_HELP = {
    "greedy": "**Greedy**: always the most likely next token. Plausible, but it soon starts repeating itself.",
    "beam search": "**Beam search**: keeps the `num_beams` most likely sequences at every step and returns the best "
    "`num_return_sequences` (≤ `num_beams`). `no_repeat_ngram_size=2` forbids any 2-gram twice.",
    "sampling": "**Sampling**: draws the next token from the distribution; `temperature` < 1 sharpens it so "
    "unlikely tokens are drawn less often.",
    "top-k": "**Top-k**: samples only among the `top_k` most likely tokens. A fixed count: too few when the "
    "distribution is flat, too many when it is peaked — watch *tokens kept* vs *mass kept* in the step view.",
    "top-p": "**Top-p (nucleus)**: samples among the smallest set of tokens whose probabilities add up to `top_p`: "
    "many tokens when the model is unsure, a handful when it is sure.",
    "custom": "**Custom**: every setting is yours.",
}
SETTING_NAMES = list(NEUTRAL)

# The prompts of the course notes on pipelines, tasks and decoding (and of the blog they follow),
# with the preset that shows each idea best.
EXAMPLES = [
    ["The capital of France is", "greedy", False],
    ["Somatic hypermutation allows the immune system to", "top-p", False],
    ["I enjoy walking with my cute dog", "beam search", False],
    ["I enjoy walking with my cute dog", "top-k", False],
    ["The car", "sampling", False],
    ["Explain what a transformer model is in one sentence.", "greedy", True],
]

STAGE_COLORS = ["#94a3b8", "#f59e0b", "#10b981", "#6366f1", "#ec4899", "#0ea5e9", "#84cc16"]


# ---------------------------------------------------------------------------
# Formatting (a few lines each)
# ---------------------------------------------------------------------------


def _shown(piece: str) -> str:
    """A token as students should see it: spaces and newlines visible."""
    return piece.replace("\n", "↵").replace(" ", "␣") or "∅"


def _chips(tokens: list[dict] | list[str], kind: str = "plain") -> str:
    """Tokens as chips (tabs/chips.py), spaces and newlines visible; special tokens marked as such."""
    pieces = [(t["token"], t["special"]) if isinstance(t, dict) else (t, False) for t in tokens]
    return chips([_shown(p) for p, _ in pieces], kinds=["special" if sp else kind for _, sp in pieces],
                 titles=[repr(p) for p, _ in pieces])


def _prompt_html(result: dict) -> str:
    toks = result.get("prompt_tokens") or []
    return (
        f"<div><b>What the model reads</b> ({len(toks)} tokens; special tokens in grey):</div>"
        f"{_chips(toks)}"
    )


def _notices_md(result: dict) -> str:
    lines = [f"ℹ️ {escape(n)}" for n in result.get("notices", [])]
    if result.get("ignored"):
        names = ", ".join(code(x.split(' ')[0]) for x in result["ignored"])
        lines.append(f"Not used by {escape(result.get('strategy', 'this strategy'))}: {names}.")
    return "\n\n".join(lines)


def _sequences_html(result: dict) -> str:
    seqs = result.get("sequences", [])
    cards = []
    for i, s in enumerate(seqs):
        n = max(len(s["token_ids"]), 1)
        beam = f" · beam score {s['beam_score']:.3f} (per token, what beam search ranks by)" if "beam_score" in s else ""
        cards.append(
            '<div class="tc-card">'
            f'<div class="tc-muted">#{i + 1} · log p = {s["score"]:.2f} '
            f"(avg {s['score'] / n:.2f} per token) · {len(s['token_ids'])} tokens · ended by {s['finish_reason']}{beam}</div>"
            f'{_chips(s["tokens"], "generated")}'
            f'<div class="tc-pre">{escape(s["text"])}</div></div>'
        )
    head = (
        f"<div><b>{escape(result.get('strategy', ''))}</b> — "
        "log p is the sequence's log-probability under the model (sum over its new tokens).</div>"
    )
    return head + "".join(cards)


def _stopped_html(partial: dict) -> str:
    """What Stop leaves on screen: where it stopped and the text generated so far (the charts follow)."""
    n = len(partial.get("steps") or [])
    what = " (best beam)" if partial.get("strategy") == "beam search" else ""
    return (
        f"<div class=\"tc-muted\">⏹ stopped at step {n}{escape(what)} — the charts below show the "
        f"{n} step{'s' if n != 1 else ''} generated so far.</div>"
        f'<div class="tc-card tc-pre">{escape(partial.get("text", ""))}</div>'
    )


def _partial_result(part: dict, steps: list[dict], strategy: str) -> dict:
    """A result-shaped dict of what a stream has generated so far, for the step view after Stop."""
    seq = {"text": part["text"], "token_ids": part["token_ids"], "tokens": [], "score": 0.0,
           "finish_reason": "stopped"}
    return {"partial": True, "strategy": strategy, "text": part["text"], "steps": list(steps),
            "sequences": [seq], "prompt": part.get("prompt", "")}


def _streaming_html(part: dict) -> str:
    what = " (best beam so far)" if part["last_step"].get("beams") else ""
    return (
        f"<div class=\"tc-muted\">generating… step {part['step'] + 1}{escape(what)}</div>"
        '<div class="tc-card tc-pre">'
        f"{escape(part['text'])}▌</div>"
    )


def _step_figure(result: dict | None, step: int, row: int):
    import plotly.graph_objects as go

    fig = go.Figure()
    if not result or not result.get("steps"):
        fig.update_layout(height=360, title="Generate to see the next-token distribution at each step")
        return themed(fig)
    st = result["steps"][min(step, len(result["steps"]) - 1)]
    rec = st["rows"][min(row, len(st["rows"]) - 1)]
    cands = rec["candidates"][:14]
    chosen = (rec.get("chosen") or {}).get("token_id")
    shown = distinct_labels([repr(_shown(c["token"])) for c in cands], [c["token_id"] for c in cands])
    labels = [plot_text(("▶ " if c["token_id"] == chosen else "") + t) for t, c in zip(shown, cands)]
    for k, stage in enumerate(st["stages"]):
        fig.add_bar(
            y=labels, x=[c["p"][k] for c in cands], orientation="h", name=stage,
            marker_color=STAGE_COLORS[k % len(STAGE_COLORS)],
            text=[("✂ cut by " + c["cut_by"]) if (k == len(st["stages"]) - 1 and c["cut_by"]) else "" for c in cands],
            textposition="outside", hovertemplate="%{y}: p=%{x:.4f}<extra>" + plot_text(stage) + "</extra>",
        )
    kept, mass = rec["kept"][-1], rec["kept_mass"][-1]
    fig.update_layout(
        barmode="group", height=120 + 34 * len(cands), margin=dict(l=10, r=30, t=60, b=40),
        title=dict(text=f"Step {st['step']}: {kept:,} tokens kept, holding {mass:.0%} of the model's probability "
                        f"· entropy {rec['entropy']:.2f} nats", font=dict(size=14)),
        xaxis_title="probability", yaxis=dict(autorange="reversed"), legend=dict(orientation="h", y=-0.12),
    )
    return themed(fig)


def _overview_figure(result: dict | None, row: int):
    """Across steps: how many tokens survive the processors, and how much probability they held."""
    from plotly.subplots import make_subplots

    fig = make_subplots(specs=[[{"secondary_y": True}]])
    steps = (result or {}).get("steps") or []
    rows = [st["rows"][min(row, len(st["rows"]) - 1)] for st in steps]
    x = [st["step"] for st in steps]
    fig.add_bar(x=x, y=[r["kept"][-1] for r in rows], name="tokens kept", marker_color="#6366f1", opacity=0.6)
    fig.add_scatter(x=x, y=[r["kept_mass"][-1] for r in rows], name="mass kept", mode="lines+markers",
                    marker_color="#f59e0b", secondary_y=True)
    fig.add_scatter(x=x, y=[(r.get("chosen") or {"p": [None]})["p"][0] for r in rows], name="p(chosen) under the model",
                    mode="markers", marker=dict(color="#10b981", size=7), secondary_y=True)
    fig.update_yaxes(title_text="tokens kept (log scale)", type="log", dtick=1, secondary_y=False)
    fig.update_yaxes(title_text="probability", range=[0, 1.05], secondary_y=True)
    fig.update_layout(
        height=300, margin=dict(l=10, r=10, t=50, b=40), xaxis_title="step",
        title=dict(text="Every step: tokens kept by the processors, the model probability they held, "
                        "and how likely the chosen token was", font=dict(size=14)),
        legend=dict(orientation="h", y=-0.25),
    )
    return themed(fig)


def _insight(result: dict | None, row: int = 0) -> str:
    """The decoding lesson of the course notes, read off this run: top-k keeps a fixed count, top-p a fixed mass."""
    steps = (result or {}).get("steps") or []
    if not steps:
        return ""
    stages = steps[0]["stages"]
    rows = [st["rows"][min(row, len(st["rows"]) - 1)] for st in steps]
    out = []
    for i, stage in enumerate(stages):
        if stage.startswith("top_k="):
            m = [(r["kept_mass"][i], st["step"]) for r, st in zip(rows, steps)]
            (lo, s_lo), (hi, s_hi) = min(m), max(m)
            if hi - lo < 0.1:
                out.append(f"**`{stage}`** kept tokens holding {lo:.0%}–{hi:.0%} of the model's probability at "
                           "every step.")
                continue
            out.append(
                f"**`{stage}`** kept the same number of tokens at every step, but they held between "
                f"**{lo:.0%}** (step {s_lo}: a flat distribution — good candidates were cut) and **{hi:.0%}** "
                f"(step {s_hi}: a peaked one — unlikely tokens stayed in the pool) of the model's probability."
            )
        if stage.startswith("top_p="):
            k = [(r["kept"][i], st["step"]) for r, st in zip(rows, steps)]
            (lo, s_lo), (hi, s_hi) = min(k), max(k)
            if lo == hi:
                out.append(f"**`{stage}`** kept {lo:,} token{'s' if lo != 1 else ''} at every step.")
                continue
            out.append(
                f"**`{stage}`** adapts: it kept **{lo:,}** token{'s' if lo != 1 else ''} at step {s_lo} "
                f"(the model was sure) and **{hi:,}** at step {s_hi} (it was not)."
            )
    if len(stages) == 1:
        ps = [r["chosen"]["p"][0] for r in rows if r.get("chosen")]
        if ps:
            out.append(
                f"No processor ran: each step took the model's own distribution. The chosen tokens had "
                f"p between {min(ps):.2f} and {max(ps):.2f}."
            )
    return "\n\n".join(out)


def _beam_figure(result: dict | None):
    """Beam search as a tree: each kept beam at each step, at its cumulative score, linked to its parent;
    the paths of the returned sequences in red."""
    import plotly.graph_objects as go

    fig = go.Figure()
    steps = (result or {}).get("steps") or []
    prev_y: list[float] = []
    for st in steps:
        beams = st.get("beams") or []
        ys = [b["score"] for b in beams]
        for b, y in zip(beams, ys):
            p = b.get("parent", -1)
            if 0 <= p < len(prev_y):
                fig.add_scatter(x=[st["step"] - 1, st["step"]], y=[prev_y[p], y], mode="lines",
                                line=dict(color="#64748b", width=1.5), showlegend=False, hoverinfo="skip")
        fig.add_scatter(  # each node labelled with the token it added
            x=[st["step"]] * len(beams), y=ys, mode="markers+text", showlegend=False,
            text=[plot_text(_shown(b["token"]))[:12] for b in beams], textposition="top center",
            textfont=dict(size=11), marker=dict(size=8, color="#6366f1"), hoverinfo="text",
            hovertext=[f"{plot_text(repr(_shown(b['token'])))} → {b['score']:.2f}<br>{plot_text(b['text'][-80:])}"
                       for b in beams],
        )
        prev_y = ys
    for i, seq in enumerate((result or {}).get("sequences") or []):
        ids = seq["token_ids"]
        xs, ys = [], []
        for st in steps:
            hit = next((b for b in st.get("beams") or [] if b["token_ids"] == ids[: st["step"] + 1]), None)
            if hit is not None:
                xs.append(st["step"])
                ys.append(hit["score"])
        fig.add_scatter(x=xs, y=ys, mode="lines+markers", name=f"returned #{i + 1}",
                        line=dict(color=["#dc2626", "#f97316", "#eab308"][i % 3], width=4), marker=dict(size=10))
    fig.update_layout(
        height=360, margin=dict(l=10, r=10, t=50, b=40), xaxis_title="step", yaxis_title="cumulative log-prob",
        title=dict(text="Beam tree: each node is a kept beam, labelled with the token it added, linked to its "
                        "parent; the returned sequences' paths are highlighted", font=dict(size=14)),
        legend=dict(orientation="h", y=-0.2),
    )
    return themed(fig)


def _step_md(result: dict | None, step: int, row: int) -> str:
    if not result or not result.get("steps"):
        return ""
    st = result["steps"][min(step, len(result["steps"]) - 1)]
    rec = st["rows"][min(row, len(st["rows"]) - 1)]
    ch = rec.get("chosen")
    lines = []
    if rec.get("text") is not None:
        lines.append(f"Beam {rec['row']} so far: {code(_shown(rec['text']) or '∅')}")
    if ch:
        lines.append(
            f"Chosen: **{escape(repr(_shown(ch['token'])))}** — p = {ch['p'][0]:.4f} under the model, "
            f"{ch['p'][-1]:.4f} after the processors."
        )
    table = ["| stage | tokens kept | model probability they hold |", "|---|---:|---:|"]
    for name, k, m in zip(st["stages"], rec["kept"], rec["kept_mass"]):
        table.append(f"| {code(name)} | {k:,} | {m:.1%} |")
    return "\n\n".join(lines + ["\n".join(table)])


def _beams_table(result: dict | None, step: int) -> list[list]:
    if not result or not result.get("steps"):
        return []
    st = result["steps"][min(step, len(result["steps"]) - 1)]
    return [[b["beam"], b["parent"], b["text"], b["score"], b["logprob"]] for b in st.get("beams") or []]


def _compare_html(out: dict) -> str:
    cards = []
    for r in out.get("results", []):
        kw = ", ".join(f"{k}={v}" for k, v in r["generate_kwargs"].items() if k != "max_new_tokens")
        bars = "".join(
            f'<div class="tc-small">distinct-{n}: {r[f"distinct_{n}"] if r[f"distinct_{n}"] is not None else "–"}'
            f'<div class="tc-bar"><div class="tc-bar-fill" style="width:{100 * (r[f"distinct_{n}"] or 0):.0f}%">'
            "</div></div></div>"
            for n in (1, 2, 3)
        )
        cards.append(
            '<div class="tc-card">'
            f"<div><b>{escape(r['strategy'])}</b></div>"
            f'<div class="tc-muted tc-mono">{escape(kw)}</div>'
            f'<div class="tc-pre">{escape(r["text"])}</div>'
            f"{bars}"
            f'<div class="tc-small">log p = {r["score"]:.2f} over {r["tokens_generated"]} tokens · '
            f"repeated 3-grams: {r['repeated_3grams']}</div></div>"
        )
    for name in out.get("pending", []):
        cards.append(
            '<div class="tc-card tc-card--pending">'
            f"<b>{escape(name)}</b><div>waiting…</div></div>"
        )
    grid = '<div class="tc-grid">'
    note = (
        "<div class='tc-muted'>Same prompt, same seed. "
        "<b>distinct-n</b> = unique n-grams ÷ all n-grams of the new tokens: 1.0 means no repetition.</div>"
    )
    return note + grid + "".join(cards) + "</div>"


# ---------------------------------------------------------------------------
# Event handlers
# ---------------------------------------------------------------------------


def _applicable(do_sample: bool, num_beams: int) -> dict[str, bool]:
    beam = int(num_beams or 1) > 1
    return dict(
        temperature=bool(do_sample), top_k=bool(do_sample), top_p=bool(do_sample), seed=bool(do_sample),
        early_stopping=beam, num_return_sequences=beam or bool(do_sample),
    )


def fill_preset(name: str) -> list:
    """A preset fills the sliders (SETTING_NAMES, in order) and its help text; "custom" leaves them."""
    if name not in PRESETS:
        return [gr.skip()] * len(SETTING_NAMES) + [PRESET_HELP.get(name, "")]
    p = PRESETS[name]
    return [p[k] for k in SETTING_NAMES] + [PRESET_HELP[name]]


def to_custom() -> str:
    """Touching a slider makes the preset "custom"."""
    return "custom"


def gate(do_sample: bool, num_beams: int, num_return_sequences: int) -> tuple:
    """Settings that do not apply are disabled: temperature, top_k, top_p, seed, early_stopping,
    num_return_sequences (greedy returns exactly one sequence, so it goes back to 1)."""
    ok = _applicable(do_sample, num_beams)
    nrs_update = gr.update(interactive=ok["num_return_sequences"])
    if not ok["num_return_sequences"] and int(num_return_sequences or 1) != 1:
        nrs_update = gr.update(interactive=False, value=1)
    return (
        gr.update(interactive=ok["temperature"]), gr.update(interactive=ok["top_k"]),
        gr.update(interactive=ok["top_p"]), gr.update(interactive=ok["seed"]),
        gr.update(interactive=ok["early_stopping"]), nrs_update,
    )


@guard(cache=True, lane=GENERATE_LANE)  # seeded: the same settings give the same tokens
def decode(
    model: str, prompt: str, max_new_tokens: int, do_sample: bool, num_beams: int,
    num_return_sequences: int, no_repeat_ngram_size: int, early_stopping: bool, temperature: float,
    top_k: int, top_p: float, repetition_penalty: float, seed: int, use_chat_template: bool,
):
    """/decode: every setting is its own parameter, named as in generate(); streams the text, then
    yields (sequences, notices, prompt view, raw output, state, partial). ``state`` (the step view's
    result) is emptied first, so a new run clears the old charts; ``partial`` holds the steps so far,
    for Stop."""
    yield '<div class="tc-muted">generating…</div>', "", "", gr.skip(), None, None
    strategy = "beam search" if int(num_beams or 1) > 1 else ("sampling" if do_sample is True else "greedy")
    steps: list[dict] = []
    stream = decoding.decode_stream(
        model, prompt, max_new_tokens=max_new_tokens, do_sample=do_sample, num_beams=num_beams,
        num_return_sequences=num_return_sequences, no_repeat_ngram_size=no_repeat_ngram_size,
        early_stopping=early_stopping, temperature=temperature, top_k=top_k, top_p=top_p,
        repetition_penalty=repetition_penalty, seed=seed, use_chat_template=use_chat_template,
    )
    for part in stream:
        if part.get("partial"):
            note = "\n\n".join(f"ℹ️ {escape(n)}" for n in part["notices"])
            steps.append(part["last_step"])
            yield _streaming_html(part), note, gr.skip(), gr.skip(), gr.skip(), _partial_result(part, steps, strategy)
        else:
            yield _sequences_html(part), _notices_md(part), _prompt_html(part), part, part, None


def stopped(partial: dict | None) -> tuple:
    """Stop: say where the run stopped and show the steps generated so far in the step view."""
    if not partial:
        return '<div class="tc-muted">⏹ stopped before the first step.</div>', gr.skip()
    return _stopped_html(partial), partial


def failed() -> str:
    """A run that raised (the toast says why): take the "generating…" line away."""
    return ""


def show_result(result: dict | None) -> tuple:
    """A new result: reset the step and row sliders and draw step 0, the overview and (beams) the tree."""
    n = len((result or {}).get("steps") or [])
    rows = len(((result or {}).get("steps") or [{"rows": [0]}])[0]["rows"])
    is_beam = bool(result) and "beam" in result.get("strategy", "")
    return (
        gr.update(maximum=max(n - 1, 1), value=0, interactive=n > 1),
        gr.update(maximum=max(rows - 1, 1), value=0, visible=rows > 1),
        _step_figure(result, 0, 0), _step_md(result, 0, 0),
        gr.update(value=_beams_table(result, 0), visible=is_beam),
        _overview_figure(result, 0), gr.update(value=_beam_figure(result) if is_beam else None, visible=is_beam),
        _insight(result, 0),
    )


def show_step(result: dict | None, step: int, row: int) -> tuple:
    """One step of one row (beam or sample): the candidates chart, its table, the beams kept."""
    s, r = int(step or 0), int(row or 0)
    return _step_figure(result, s, r), _step_md(result, s, r), _beams_table(result, s)


def show_row(result: dict | None, row: int) -> tuple:
    """Another row: its overview across steps and what it teaches."""
    r = int(row or 0)
    return _overview_figure(result, r), _insight(result, r)


@guard(cache=True, lane=GENERATE_LANE)
def compare(model: str, prompt: str, strategies: list[str], max_new_tokens: int, seed: int,
            use_chat_template: bool):
    """/compare: the cards fill in one strategy at a time; the raw output once all have run."""
    for out in decoding.compare_stream(model, prompt, strategies, max_new_tokens, seed, use_chat_template):
        yield _compare_html(out), (out if not out["pending"] else gr.skip())


# ---------------------------------------------------------------------------
# Layout and wiring
# ---------------------------------------------------------------------------


def build() -> None:
    gr.Markdown(
        "How does a language model pick the next word? At every step it gives a probability to **every** token "
        "in its vocabulary; a *decoding strategy* turns that into one choice. Pick a preset, generate, then walk "
        "through the steps: the chart shows the top candidates **before and after** each logits processor "
        "(repetition penalty, n-gram ban, temperature, top-k, top-p), which were cut, and which was chosen."
    )
    choices = registry.names_for(decoding.TASK)
    with gr.Row():
        with gr.Column(scale=3):
            prompt = gr.Textbox(label="prompt", value="I enjoy walking with my cute dog", lines=2,
                                info="Empty = start from the model's BOS token (an unconditional sample).")
            use_chat_template = gr.Checkbox(
                label="use_chat_template", value=False,
                info="Wrap the prompt in the model's chat template (instruct models such as SmolLM2).",
            )
        with gr.Column(scale=2):
            model = model_picker(decoding.TASK, prefer_trained_head="causal-lm")
            if DEFAULT_MODEL in choices:
                model.value = DEFAULT_MODEL
            preset = gr.Radio(list(PRESETS) + ["custom"], value="greedy", label="preset",
                              info="Presets only fill the sliders.")
    preset_help = gr.Markdown(PRESET_HELP["greedy"])

    D = DEFAULTS
    with gr.Tabs():
        with gr.Tab("Step by step"):
            with gr.Row():
                with gr.Column(scale=1, min_width=300):
                    max_new_tokens = gr.Slider(1, decoding.MAX_NEW_TOKENS, value=D.max_new_tokens, step=1,
                                               label="max_new_tokens")
                    do_sample = gr.Checkbox(label="do_sample", value=D.do_sample,
                                            info="Sample from the distribution instead of taking the best.")
                    num_beams = gr.Slider(1, decoding.MAX_BEAMS, value=D.num_beams, step=1, label="num_beams",
                                          info="1 = no beam search.")
                    num_return_sequences = gr.Slider(
                        1, decoding.MAX_RETURN_SEQUENCES, value=D.num_return_sequences, step=1,
                        label="num_return_sequences", info="≤ num_beams for beam search; greedy returns exactly one.",
                        interactive=False,
                    )
                    early_stopping = gr.Checkbox(label="early_stopping", value=D.early_stopping, interactive=False,
                                                 info="Beam search: stop once num_beams sequences have ended.")
                    no_repeat_ngram_size = gr.Slider(0, decoding.MAX_NGRAM, value=D.no_repeat_ngram_size, step=1,
                                                     label="no_repeat_ngram_size", info="0 = off.")
                    repetition_penalty = gr.Slider(0.5, 2.0, value=D.repetition_penalty, step=0.05,
                                                   label="repetition_penalty",
                                                   info="1.0 = off; > 1 discourages tokens already used.")
                    temperature = gr.Slider(0.0, 2.0, value=D.temperature, step=0.05, label="temperature",
                                            interactive=False,
                                            info="< 1 sharpens, > 1 flattens the distribution.")
                    top_k = gr.Slider(0, 200, value=D.top_k, step=1, label="top_k", interactive=False,
                                      info="0 = off.")
                    top_p = gr.Slider(0.0, 1.0, value=D.top_p, step=0.01, label="top_p", interactive=False,
                                      info="1.0 = off.")
                    seed = gr.Number(value=D.seed, precision=0, label="seed", interactive=False,
                                     info="Same seed + same settings = same text.")
                with gr.Column(scale=2):
                    with gr.Row():
                        go_btn = gr.Button("Generate", variant="primary")
                        stop_btn = gr.Button("Stop", variant="stop")
                    notices = gr.Markdown(label="notices")
                    sequences = gr.HTML(label="sequences")
                    prompt_view = gr.HTML(label="prompt tokens")
                    with gr.Row():
                        step = gr.Slider(0, 1, value=0, step=1, label="step", interactive=True)
                        row = gr.Slider(0, 1, value=0, step=1, label="beam / sequence", visible=False)
                    step_plot = gr.Plot(label="next-token candidates at this step")
                    step_info = gr.Markdown()
                    beams_df = gr.Dataframe(
                        headers=["beam", "parent", "text so far", "beam score", "log p (model)"],
                        label="beams kept after this step", visible=False, wrap=True, interactive=False,
                    )
                    overview_plot = gr.Plot(label="all steps")
                    insight = gr.Markdown()
                    beam_plot = gr.Plot(label="beam tree", visible=False)
            raw = raw_output()

        with gr.Tab("Compare strategies"):
            gr.Markdown(
                "The same prompt and seed through several strategies, side by side — greedy's repetition, "
                "what the n-gram ban fixes, beam search, top-k and top-p. Uses the prompt, model and "
                "`use_chat_template` above."
            )
            strategies = gr.CheckboxGroup(list(decoding.STRATEGIES), value=decoding.DEFAULT_COMPARE,
                                          label="strategies")
            with gr.Row():
                cmp_max_new_tokens = gr.Slider(1, decoding.MAX_NEW_TOKENS, value=D.max_new_tokens, step=1,
                                               label="max_new_tokens")
                cmp_seed = gr.Number(value=D.seed, precision=0, label="seed", info="The same seed for every sampler.")
            compare_btn = gr.Button("Compare", variant="primary")
            compare_view = gr.HTML(label="side by side")
            compare_raw = raw_output()

    state = gr.State(None)
    # in SETTING_NAMES order: what a preset fills
    sliders = [do_sample, num_beams, num_return_sequences, no_repeat_ngram_size, early_stopping,
               temperature, top_k, top_p, repetition_penalty]

    filled = preset.change(fill_preset, preset, sliders + [preset_help], api_name="fill", api_visibility="private")
    for c in sliders:
        c.input(to_custom, None, preset, api_visibility="private")

    gated = [temperature, top_k, top_p, seed, early_stopping, num_return_sequences]
    for c in (do_sample, num_beams):
        c.change(gate, [do_sample, num_beams, num_return_sequences], gated, api_visibility="private")

    ins = [model, prompt, max_new_tokens, do_sample, num_beams, num_return_sequences, no_repeat_ngram_size,
           early_stopping, temperature, top_k, top_p, repetition_penalty, seed, use_chat_template]
    partial = gr.State(None)  # the steps of the run in progress, for Stop
    run = gr.on([go_btn.click, prompt.submit], decode, ins, [sequences, notices, prompt_view, raw, state, partial],
                api_name="decode")
    run.failure(failed, None, sequences, api_visibility="private")
    # Stop ends a run started either way, and leaves what it generated in view
    stop_btn.click(stopped, partial, [sequences, state], cancels=[run], api_visibility="private")

    # the step view, from the stored result
    view = [step, row, step_plot, step_info, beams_df, overview_plot, beam_plot, insight]
    state.change(show_result, state, view, api_visibility="private")
    step.change(show_step, [state, step, row], [step_plot, step_info, beams_df], api_visibility="private")
    row.change(show_step, [state, step, row], [step_plot, step_info, beams_df], api_visibility="private")
    row.change(show_row, [state, row], [overview_plot, insight], api_visibility="private")

    compare_btn.click(compare, [model, prompt, strategies, cmp_max_new_tokens, cmp_seed, use_chat_template],
                      [compare_view, compare_raw], api_name="compare")

    examples = gr.Examples(EXAMPLES, [prompt, preset, use_chat_template], cache_examples=False,
                           label="Examples (course notes: pipelines, tasks and decoding)")
    links.register("decoding", run, examples=examples, prepare=filled)  # an example's preset fills the sliders first
