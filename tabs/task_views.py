"""Small views shared by the fill-mask, generation, seq2seq, multiple-choice and NSP tabs.

Everything user-supplied (tokens come from user text) is escaped before it goes into HTML.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import gradio as gr

from demo import models
from demo.errors import DemoError
from tabs.common import escape, guard
from tabs.task_panel import ModelPanel, panel_values

# segment colours: sentence A, sentence B (token_type_ids 0 / 1), highlighted tokens
_SEGMENT = ("#dbeafe", "#fde68a")
_HIGHLIGHT = "#fca5a5"
_GENERATED = "#bbf7d0"
_SPECIAL = "#e5e7eb"

DECODING_JS = """() => {
  // the top-level tab, or (on a narrow screen) its entry in Gradio's "More tabs" overflow menu;
  // element.click() works on the menu entry even while the menu is closed
  const entries = [...document.querySelectorAll('button[role="tab"], .overflow-dropdown button')];
  const target = entries.find(b => b.textContent.trim().toLowerCase().startsWith('decoding'));
  if (target) { target.click(); window.scrollTo({top: 0, behavior: 'smooth'}); }
}"""


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
    marked = set(highlight)
    specials = set(special)
    chips = []
    for i, (t, n) in enumerate(zip(tokens, ids)):
        if i in marked:
            bg = _HIGHLIGHT
        elif generated_from is not None and i >= generated_from:
            bg = _GENERATED
        elif t in specials:
            bg = _SPECIAL
        elif segments is not None and i < len(segments):
            bg = _SEGMENT[1 if segments[i] else 0]
        else:
            bg = _SEGMENT[0]
        chips.append(
            f'<span style="display:inline-flex;flex-direction:column;align-items:center;margin:2px;'
            f'padding:2px 5px;border-radius:5px;background:{bg};color:#111827;font-family:monospace">'
            f'<span style="white-space:pre">{escape(t)}</span>'
            f'<span style="font-size:0.75em;color:#4b5563">{int(n)}</span></span>'
        )
    head = f'<div style="font-size:0.9em;margin-bottom:4px">{caption}</div>' if caption else ""
    return f'<div class="tc-tokens" style="line-height:1.4">{head}{"".join(chips)}</div>'


def encoded_caption(n: int, extra: str = "") -> str:
    return f"<b>Encoded input</b> — {n} tokens (token above, input id below){extra}"


def notice_md(notice: str | None) -> str:
    """The truncation notice, visible above the results (empty when nothing was cut)."""
    return f"✂️ **Truncated.** {escape(notice)}" if notice else ""


def loss_md(result: dict, what: str) -> str:
    """outputs.loss and the loss function that actually ran."""
    fns = ", ".join(f"`nn.{escape(f)}`" for f in result.get("loss_function", [])) or "none recorded"
    return (
        f"**outputs.loss = {result['loss']:.4f}** for {what}\n\n"
        f"Loss function that ran inside `forward()`: {fns} · logits shape `{result.get('logits_shape')}`"
    )


def label_dict(items: Sequence[tuple[str, float]]) -> dict[str, float]:
    """For gr.Label: unique keys even when two choices read the same."""
    out: dict[str, float] = {}
    for i, (name, score) in enumerate(items):
        key = name if name not in out else f"{name} ({i + 1})"
        out[key] = float(score)
    return out


def wire_panel(model: gr.Dropdown, panel: ModelPanel, head: str, task: str) -> None:
    """Fill the model panel on page load and whenever the model changes (runs refresh it too)."""
    gr.on(None, panel_for(head, task, quiet=True), model, panel.outputs, api_visibility="private",
          show_progress="hidden")


def panel_for(head: str, task: str, quiet: bool = False):
    """Handler that loads ``model`` with ``head`` and returns the panel values.

    ``quiet``: a model that cannot load (not on this machine) is explained in the panel itself,
    with the command that fixes it, instead of an error toast (used on page load).
    """

    def show(name: str):
        try:
            return panel_values(models.load(name, head, task=task))
        except DemoError as e:
            if not quiet:
                raise gr.Error(str(e)) from e
            return f"⚠️ {escape(e)}", [], ""

    return guard(show)
