"""Embeddings: one word, several sentences — the static vector never changes, the contextual one does."""

from __future__ import annotations

import gradio as gr

from demo import embeddings
from demo.errors import BadInput
from tabs import links
from tabs.common import code, escape, guard, model_picker, plot_text, raw_output, themed

TITLE = "Embeddings"

SENSE_COLOURS = {"river": "#0ea5e9", "money": "#f59e0b", "snake": "#16a34a", "language": "#7c3aed", None: "#64748b"}


def _examples() -> list[list[str]]:
    """The course notes' "Python" pair (alone, then with 16 more sentences), the classic "bank", and "bat"."""
    return [
        ["python", embeddings.DEFAULT_A, embeddings.DEFAULT_B, ""],
        ["python", embeddings.DEFAULT_A, embeddings.DEFAULT_B, embeddings.sense_lines("python")],
        ["bank", "I went to the bank to deposit money.", "We sat on the river bank.", embeddings.sense_lines("bank")],
        ["bat", "The bat flew out of the cave at night.", "He swung the bat and hit the ball.", ""],
    ]


def _summary(r: dict) -> str:
    w = escape(r["word"])
    pieces = " / ".join(
        f"{escape(s['where'])}: " + " ".join(code(p) for p in s["pieces"]) for s in r["sentences"][:2]
    )
    ctx = r["contextual_cosine"]
    w2v = "—" if r["word2vec_cosine"] is None else f"**{r['word2vec_cosine']}**"
    rows = [
        f"### “{w}” in sentence A vs sentence B",
        "| vector | kind | cosine(A, B) |",
        "|---|---|---|",
        f"| input-embedding row ({escape(r['model'])}) | static | **{r['static_cosine']}** |",
        f"| Word2Vec ({escape(r['word2vec']['corpus'])}) | static | {w2v} |",
        f"| embedding-layer output (token + position + segment) | layer 0 | {ctx[0]} |",
        f"| last hidden layer | contextual, layer {len(ctx) - 1} | **{ctx[-1]}** |",
        "",
        f"Tokens of the word — {pieces}.",
    ]
    if r["static_neighbours"]:
        rows.append(
            "\n**Nearest rows of the input-embedding table** (static, any sentence): "
            + ", ".join(f"{code(n['token'])} {n['cosine']:.2f}" for n in r["static_neighbours"])
        )
    if r["word2vec_neighbours"]:
        rows.append(
            "\n**Word2Vec nearest words** (static, any sentence): "
            + ", ".join(f"{code(n['word'])} {n['cosine']:.2f}" for n in r["word2vec_neighbours"])
        )
    rows += [f"\nℹ️ {escape(n)}" for n in r["notes"]]
    return "\n".join(rows)


def _line_plot(r: dict):
    import plotly.graph_objects as go

    names = r["layer_names"]
    fig = go.Figure()
    fig.add_scatter(x=names, y=r["contextual_cosine"], mode="lines+markers", name="contextual (hidden state)",
                    line=dict(width=3, color="#7c3aed"))
    fig.add_scatter(x=names, y=[r["static_cosine"]] * len(names), mode="lines", name="static (input-embedding row)",
                    line=dict(dash="dash", color="#16a34a"))
    if r["word2vec_cosine"] is not None:
        fig.add_scatter(x=names, y=[r["word2vec_cosine"]] * len(names), mode="lines", name="static (Word2Vec)",
                        line=dict(dash="dot", color="#f59e0b"))
    low = min(r["contextual_cosine"] + [r["static_cosine"]])
    fig.update_layout(
        title=f"cosine of “{plot_text(r['word'])}” in sentence A vs B, per layer",
        yaxis=dict(title="cosine similarity", range=[max(-1.0, low - 0.1), 1.02]),
        xaxis=dict(title="layer"), height=380, margin=dict(l=50, r=20, t=50, b=40),
        legend=dict(orientation="h", y=-0.25), template="plotly_white",
    )
    return themed(fig)


def _labels(r: dict) -> list[str]:
    out = []
    for i, s in enumerate(r["sentences"]):
        tag = "A" if i == 0 else "B" if i == 1 else str(i + 1)
        text = s["sentence"] if len(s["sentence"]) <= 38 else s["sentence"][:37] + "…"
        out.append(plot_text(f"{tag}: {text}"))
    return out


def _heat_map(r: dict):
    import plotly.graph_objects as go

    labels = _labels(r)
    fig = go.Figure(go.Heatmap(z=r["similarity"], x=labels, y=labels, zmin=0, zmax=1, colorscale="Viridis",
                               text=[[f"{v:.3f}" for v in row] for row in r["similarity"]],
                               hovertemplate="%{y}<br>%{x}<br>cosine %{text}<extra></extra>"))
    fig.update_layout(
        title=f"cosine between sentences, {r['layer_names'][r['layer']]}",
        height=380 + 8 * max(0, len(labels) - 6), margin=dict(l=10, r=10, t=50, b=10), template="plotly_white",
        xaxis=dict(showticklabels=len(labels) <= 8, tickangle=-30), yaxis=dict(autorange="reversed"),
    )
    return themed(fig)


def _pca_plot(r: dict):
    import plotly.graph_objects as go

    pca = r["pca"]
    fig = go.Figure()
    groups: dict[str | None, list[dict]] = {}
    for i, p in enumerate(pca["points"]):
        key = p["label"] if p["label"] else ("A / B" if i < 2 else None)
        groups.setdefault(key, []).append(dict(p, tag="A" if i == 0 else "B" if i == 1 else ""))
    for label, pts in groups.items():
        fig.add_scatter(
            x=[p["x"] for p in pts], y=[p["y"] for p in pts], mode="markers+text", name=plot_text(label or "unlabelled"),
            text=[p["tag"] for p in pts], textposition="top center", customdata=[plot_text(p["sentence"]) for p in pts],
            hovertemplate="%{customdata}<extra></extra>",
            marker=dict(size=13 if label == "A / B" else 10, color=SENSE_COLOURS.get(label, "#ef4444"),
                        symbol="star" if label == "A / B" else "circle", line=dict(width=1, color="#fff")),
        )
    ev = pca["explained_variance"]
    if len(pca["points"]) < 3:
        fig.add_annotation(text="Add more sentences (more_sentences) to see clusters", showarrow=False,
                           xref="paper", yref="paper", x=0.5, y=0.9)
    fig.update_layout(
        title=f"“{plot_text(r['word'])}” in {len(pca['points'])} sentences, {r['layer_names'][pca['layer']]}: 2D PCA",
        xaxis=dict(title=f"PC1 ({ev[0]:.0%} of variance)"), yaxis=dict(title=f"PC2 ({ev[1]:.0%})"),
        height=440, margin=dict(l=50, r=20, t=50, b=40), template="plotly_white",
    )
    return themed(fig)


def build() -> None:
    gr.Markdown(
        "**Static** embeddings give a word one vector, whatever the sentence: a row of the model's "
        "input-embedding table, or a Word2Vec vector. **Contextual** (dynamic) embeddings are the hidden "
        "states after each layer: attention mixes in the neighbours, so *python* the snake and *Python* "
        "the language drift apart layer by layer (the course notes on BERT's static vs contextual embeddings). "
        "A word split into sub-word pieces is the "
        "mean of its pieces."
    )
    with gr.Row():  # inputs on the left, the results beside them: in view after the click at 1440x900
        with gr.Column(scale=2, min_width=360):
            model = model_picker("embeddings")
            with gr.Row():
                word = gr.Textbox(label="word", value=embeddings.DEFAULT_WORD, scale=1, min_width=120)
                layer = gr.Number(label="layer", value=-1, precision=0, minimum=-64, maximum=64, scale=1,
                                  min_width=120, info="for the heat map and PCA: -1 = last, 0 = embedding layer")
            sentence_a = gr.Textbox(label="sentence_a", value=embeddings.DEFAULT_A)
            sentence_b = gr.Textbox(label="sentence_b", value=embeddings.DEFAULT_B)
            go = gr.Button("Compare", variant="primary", elem_id="tc-embeddings-run")
            more = gr.Textbox(
                value=embeddings.sense_lines(embeddings.DEFAULT_WORD), label="more_sentences", lines=4, max_lines=12,
                placeholder="optional: one sentence per line, or 'sense | sentence' to colour the PCA scatter",
                info=f"more sentences for the heat map and the PCA scatter (up to {embeddings.MAX_SENTENCES})",
            )
            fill = gr.Button("Fill with example sentences for this word", size="sm")
        with gr.Column(scale=3, min_width=420):
            line = gr.Plot(label="cosine per layer")  # the lesson at a glance, then the numbers
            summary = gr.Markdown()
    with gr.Row():
        heat = gr.Plot(label="similarity heat map")
        pca = gr.Plot(label="PCA of the contextual vectors")
    raw = raw_output()

    @guard(cache=True)  # deterministic: a class clicking the same example computes it once
    def compare(model: str, word: str, sentence_a: str, sentence_b: str, more_sentences: str, layer: float):
        r = embeddings.compare(model, word, sentence_a, sentence_b, more_sentences, layer)
        return _summary(r), _line_plot(r), _heat_map(r), _pca_plot(r), r

    @guard(lane=None)
    def fill_examples(word: str) -> str:
        lines = embeddings.sense_lines(word or "")
        if not lines:
            known = sorted({r["word"] for r in embeddings.sense_sentences()})
            raise BadInput(f"No example sentences for {str(word)[:40]!r}; there are some for: {', '.join(known)}.")
        return lines

    event = go.click(compare, [model, word, sentence_a, sentence_b, more, layer], [summary, line, heat, pca, raw],
             api_name="embeddings")
    fill.click(fill_examples, word, more, api_visibility="private")
    examples = gr.Examples(_examples(), inputs=[word, sentence_a, sentence_b, more], cache_examples=False,
                           label="Examples (the course notes' Python; bank: river vs money)")
    links.register("embeddings", event, examples=examples)
