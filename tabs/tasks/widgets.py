"""What the task sub-tabs share: the model panel and its wiring, the encoded-input views, the loss
line and the truncation notice. One of each; a sub-tab lays them out and formats its own results.

Everything user-supplied (tokens come from user text) is escaped before it goes into HTML.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Sequence

import gradio as gr

from demo import anatomy, models
from demo.errors import DemoError
from tabs.chips import chips, legend, position_kinds
from tabs.common import code, escape, guard, head_notice

# --- the model panel: class, head layers, losses, newly initialised weights -------------------------

HEAD_COLUMNS = ["layer", "type", "shape", "parameters"]


@dataclass
class ModelPanel:
    summary: gr.Markdown  # class + newly-initialised warning (always visible)
    head: gr.Dataframe  # head layers in forward order
    losses: gr.Markdown  # loss per problem type
    model: gr.Dropdown | None = None  # the picker it follows (None: the tab wires it itself)
    show: Callable | None = None  # the handler that fills it (panel_handler)

    @property
    def outputs(self) -> list:
        return [self.summary, self.head, self.losses]

    def refresh_after(self, event: Any) -> None:
        """Refill the panel once ``event`` succeeded (its run loaded the model); empty the event's results
        when the user picks another model (clear_on_model_change)."""
        event.success(self.show, self.model, self.outputs, api_visibility="private")
        clear_on_model_change(self.model, event, keep=self.outputs)


def model_panel(model: gr.Dropdown | None = None, head: str | None = None, task: str | None = None) -> ModelPanel:
    """Create the panel's components in the current layout context; given the ``model`` picker and the
    ``head``/``task``, also fill it on page load and whenever the model changes (wire_panel)."""
    summary = gr.Markdown(elem_classes=["tc-model-summary"])
    with gr.Accordion("Model anatomy: head layers and loss", open=False):
        head_table = gr.Dataframe(headers=HEAD_COLUMNS, interactive=False, label="Head on top of the base model")
        losses = gr.Markdown()
    panel = ModelPanel(summary, head_table, losses)
    if model is not None and head is not None:
        panel.model, panel.show = model, panel_handler(head, task)
        wire_panel(model, panel.outputs, panel.show)
    return panel


def panel_values(loaded: models.Loaded) -> tuple[str, list[list], str]:
    """Values for ModelPanel.outputs, from the loaded model itself."""
    info = anatomy.describe_loaded(loaded)
    summary = f"**Model class:** {code(info['model_class'])}"
    if loaded.head == "sequence-classification":
        unset = f" (the config leaves it unset: chosen from num_labels = {info['num_labels']})"
        how = "" if info["problem_type_declared"] else unset
        summary += f" · **problem_type:** {code(info['problem_type'])}{how}"
    summary += "\n\n" + head_notice(loaded)
    rows = [[h["name"], h["type"], h["shape"], h["params"]] for h in info["head"]]
    loss_lines = [
        f"- **{escape(p)}** → {code('nn.' + fn)}" + (" ← this model" if p == info["problem_type"] else "")
        for p, fn in info["losses"].items()
    ]
    losses = (
        "**Loss by problem type** (found by running the class with labels and recording which "
        "loss function ran):\n" + "\n".join(loss_lines)
        if loss_lines
        else ""
    )
    return summary, rows, losses


def panel_or_notice(model: str, head: str, task: str | None = None) -> tuple[str, list, str]:
    """The model panel's values, or the reason the model cannot load (with the fix) in its summary.

    Used on page load too, where a toast for a model that is not on this machine would be noise.
    """
    try:
        return panel_values(models.load(model, head, task=task))
    except DemoError as e:
        return f"⚠️ {escape(e)}", [], ""


def panel_handler(head: str, task: str | None = None) -> Callable:
    """The event handler that fills a ModelPanel for the picked model (``panel_or_notice``).

    Not cached: its answer changes when a model is prefetched, and a loaded model answers at once.
    """

    def show_panel(model: str) -> tuple[str, list, str]:
        return panel_or_notice(model, head, task)

    return guard(show_panel)


def wire_panel(model: gr.Dropdown, outputs: list, handler: Callable) -> None:
    """Run ``handler(model)`` when the page loads and whenever the model changes (fills the model panel,
    and whatever else follows the model, e.g. the classification tab's label picker)."""
    gr.on(None, handler, model, outputs, api_visibility="private", show_progress="hidden")


# Inputs a run may prefill (a label picker, the loss's labels box): a new model never empties them.
FORM_INPUTS = (gr.Dropdown, gr.Textbox, gr.Slider, gr.Checkbox, gr.CheckboxGroup, gr.Radio, gr.Number)


def stale_outputs(event: Any, keep: Iterable = ()) -> list:
    """The results ``event`` writes that belong to the model that made them: its outputs but the model
    panel (``keep``, refilled for the new model) and the inputs it prefills."""
    from gradio.context import Context

    blocks = Context.root_block.blocks
    kept = {id(c) for c in keep}
    found = [blocks[i] for i in event["outputs"]]
    return [c for c in found if id(c) not in kept and not isinstance(c, FORM_INPUTS)]


def clear_on_model_change(model: gr.Dropdown, event: Any, keep: Iterable = ()) -> None:
    """When the user picks another model, empty the results ``event`` showed (they came from the old model).

    ``.input``, not ``.change``: a link or an example that sets the model and runs keeps its result.
    """
    stale = stale_outputs(event, keep)
    if stale:
        model.input(lambda: [None] * len(stale) if len(stale) > 1 else None, None, stale,
                    api_visibility="private", show_progress="hidden")


# --- the encoded input ---------------------------------------------------------------------------------

ENCODED_COLUMNS = ["position", "token", "input_id", "token_type_id", "segment"]
SEGMENT_NAMES = {0: "text", 1: "text_pair", None: "special"}  # sequence_ids → what the tab calls it


@dataclass
class EncodedView:
    tokens: gr.HTML
    table: gr.Dataframe

    @property
    def outputs(self) -> list:
        return [self.tokens, self.table]


def encoded_view(open: bool = False, label: str = "Encoded input: what the model really reads") -> EncodedView:
    """Tokens coloured by segment + a table of ids and token_type_ids, in a collapsible accordion."""
    with gr.Accordion(label, open=open):
        tokens = gr.HTML(label="tokens, coloured by segment (special: [CLS], [SEP], <s>, </s> …)")
        table = gr.Dataframe(headers=ENCODED_COLUMNS, interactive=False, label="input_ids and token_type_ids",
                             max_height=260, wrap=True)
    return EncodedView(tokens, table)


def encoded_values(view: dict) -> tuple[str, list[list[Any]]]:
    """Values for EncodedView.outputs from the engine's ``encoded`` dict: chips by segment, and the table."""
    types = view.get("token_type_ids") or [None] * len(view["tokens"])
    segments = [SEGMENT_NAMES.get(s, "special") for s in view["sequence_ids"]]
    rows = [[i, tok, tid, "—" if tt is None else tt, seg]
            for i, (tok, tid, tt, seg) in enumerate(zip(view["tokens"], view["input_ids"], types, segments))]
    html = chips(
        view["tokens"],
        ids=view["input_ids"],
        kinds=position_kinds(view["tokens"], segments=view["sequence_ids"]),
        titles=[f"{seg} · token_type_id {'—' if tt is None else tt}" for seg, tt in zip(segments, types)],
    )
    return html + legend([("seg-a", "text"), ("seg-b", "text_pair"), ("special", "special")]), rows


def tokens_html(
    tokens: Sequence[str],
    ids: Sequence[int],
    *,
    highlight: Iterable[int] = (),
    generated_from: int | None = None,
    segments: Sequence[int] | None = None,
    special: Iterable[str] = (),
    caption: str = "",
) -> str:
    """Tokens as chips with their id underneath; mask positions highlighted, segments coloured."""
    kinds = position_kinds(tokens, highlight=highlight, generated_from=generated_from, segments=segments,
                           special=special)
    return chips(tokens, ids=ids, kinds=kinds, caption=caption)


def encoded_caption(n: int, extra: str = "") -> str:
    return f"<b>Encoded input</b> — {n} tokens (token above, input id below){extra}"


# --- results ----------------------------------------------------------------------------------------------


def notice_md(notice: str | None) -> str:
    """The engine's ``truncation_notice`` as Markdown (empty when nothing was cut)."""
    return f"✂️ **Truncated.** {escape(notice)}" if notice else ""


def with_notice(text: str, notice: str | None) -> str:
    """``text``, then the truncation notice in its own paragraph when something was cut."""
    return f"{text}\n\n{notice_md(notice)}" if notice else text


def loss_md(ran: dict, what: str) -> str:
    """outputs.loss, the loss function that actually ran, and the truncation notice of that input."""
    fns = ", ".join(f"`nn.{escape(f)}`" for f in ran.get("loss_function", [])) or "none recorded"
    shape = f" · logits shape `{ran['logits_shape']}`" if ran.get("logits_shape") else ""
    text = (
        f"**outputs.loss = {ran['loss']:.4f}** for {what}\n\n"
        f"Loss function that ran inside `forward()`: {fns}{shape}. A lower loss means the model already "
        "agrees with this label; training nudges the weights to lower it."
    )
    return with_notice(text, ran.get("truncation_notice"))


@dataclass
class LossSection:
    button: gr.Button | None = None
    result: gr.Markdown | None = None
    raw: gr.JSON | None = None

    @property
    def outputs(self) -> list:
        return [self.result] + ([self.raw] if self.raw is not None else [])


@contextmanager
def loss_section(explain: str, title: str = "Compute the loss for this label", button: str = "Compute outputs.loss",
                 raw: bool = False) -> Iterator[LossSection]:
    """The collapsed "compute the loss" section: the explanation, the label inputs (created inside the
    ``with`` block), the button, the loss line (and its raw output with ``raw=True``)."""
    section = LossSection()
    with gr.Accordion(title, open=False):
        gr.Markdown(explain)
        with gr.Row():
            yield section
            section.button = gr.Button(button, scale=1)
        section.result = gr.Markdown()
        if raw:
            section.raw = gr.JSON(label="loss raw output")


def label_dict(items: Sequence[tuple[str, float]]) -> dict[str, float]:
    """For gr.Label: unique keys even when two choices read the same."""
    out: dict[str, float] = {}
    for i, (name, score) in enumerate(items):
        key = name if name not in out else f"{name} ({i + 1})"
        out[key] = float(score)
    return out


DECODING_JS = """() => {
  // the top-level tab, or (on a narrow screen) its entry in Gradio's "More tabs" overflow menu;
  // element.click() works on the menu entry even while the menu is closed
  const entries = [...document.querySelectorAll('button[role="tab"], .overflow-dropdown button')];
  const target = entries.find(b => b.textContent.trim().toLowerCase().startsWith('decoding'));
  if (target) { target.click(); window.scrollTo({top: 0, behavior: 'smooth'}); }
}"""
