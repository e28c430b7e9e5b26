"""What every tab does the same way: pick a model, turn engine errors into gr.Error, show raw output."""

from __future__ import annotations

import functools
import html
import inspect
import json
import logging
from typing import Any, Callable

import gradio as gr

from demo import models, registry
from demo.errors import DemoError

log = logging.getLogger(__name__)


def user_error(message: object) -> gr.Error:
    """The one way a message reaches the user.

    Gradio renders a gr.Error's message as HTML in the browser's toast, so a typed ``<b>`` would turn
    bold, ``<img src=x>`` would become an image and the hint "type [MASK] or <mask>" would lose its
    ``<mask>``. Escaped here, the toast shows exactly what was typed. Only ``&`` and ``<`` need it
    (a lone ``>`` is text in HTML), so "temperature must be > 0" reaches API clients unchanged; they
    receive the message as HTML (Gradio's contract): ``html.unescape`` gives back the plain sentence.
    """
    return gr.Error(str(message).replace("&", "&amp;").replace("<", "&lt;"))


def _to_gr_error(e: Exception) -> gr.Error:
    if isinstance(e, DemoError):
        return user_error(e)
    log.exception("unexpected error")
    return user_error(
        f"Something went wrong ({type(e).__name__}: {str(e)[:300]}). "
        "Try a shorter input or another model; if it keeps happening, please report it."
    )


def _request_key(fn: Callable, args: tuple, kwargs: dict) -> tuple | None:
    try:
        return ("request", fn.__module__, fn.__qualname__, json.dumps([args, kwargs], sort_keys=True))
    except (TypeError, ValueError):  # an argument that is not plain data: don't cache
        return None


_MISSING = object()
# The queues (app.share_lanes) that model work waits in, first come first served:
MODEL_LANE = "model"  # one forward pass (classify, attention, tokenize, ...)
GENERATE_LANE = "generate"  # a generate() loop: many forward passes, streamed


def guard(fn: Callable | None = None, *, cache: bool = False, lane: str | None = MODEL_LANE) -> Callable:
    """Wrap an event handler so that every failure reaches the user as a gr.Error with a message.

    Works for plain functions and generators (streaming); keeps the signature for Gradio.
    ``cache=True`` (deterministic handlers only) serves identical requests from the response cache
    (``models.RESPONSES``):
    when a whole class clicks the same example, it is computed once and the others wait for it
    (a streaming handler streams the first time; later requests get its final outputs at once).
    ``lane`` is the queue the event waits in; ``None`` for handlers that only reformat a result
    (no model call), so that they never wait behind someone else's generation.
    """
    if fn is None:
        return functools.partial(guard, cache=cache, lane=lane)
    wrapped = _guarded(fn, cache)
    wrapped.lane = lane
    return wrapped


def _guarded(fn: Callable, cache: bool) -> Callable:
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen(*args: Any, **kwargs: Any):
            try:
                models.warm_imports()
                key = _request_key(fn, args, kwargs) if cache else None
                if key is not None and (hit := models.response_peek(key, _MISSING)) is not _MISSING:
                    yield hit  # the whole result at once: someone already streamed it
                    return
                last = _MISSING
                for last in fn(*args, **kwargs):
                    yield last
                if key is not None and last is not _MISSING:  # finished, not stopped: keep the final outputs
                    models.response_put(key, last)
            except gr.Error:
                raise
            except Exception as e:
                raise _to_gr_error(e) from e

        return gen

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any):
        try:
            models.warm_imports()  # one thread imports transformers; concurrent first requests wait
            key = _request_key(fn, args, kwargs) if cache else None
            if key is not None:
                return models.response(key, lambda: fn(*args, **kwargs))
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except Exception as e:
            raise _to_gr_error(e) from e

    return wrapper


def default_model(task: str, prefer_trained_head: str | None = None) -> str | None:
    """The model a tab starts with: one that works right now, with a trained head if possible."""
    specs = registry.models_for(task)
    available = [s for s in specs if models.status(s) in ("bundled", "local", "cached")]
    if prefer_trained_head:
        trained = [s for s in available if prefer_trained_head in s.trained_heads]
        if trained:
            return trained[0].name
    pool = available or specs
    return pool[0].name if pool else None


def model_picker(task: str | tuple[str, ...], prefer_trained_head: str | None = None, label: str = "model",
                 **kw: Any) -> gr.Dropdown:
    """A dropdown of the registry models that can do ``task`` (or any of several tasks: the first task's
    models first; the default is the first task's)."""
    tasks = (task,) if isinstance(task, str) else tuple(task)
    choices: list[str] = []
    for t in tasks:
        choices += [n for n in registry.names_for(t) if n not in choices]
    return gr.Dropdown(
        choices=choices,
        value=default_model(tasks[0], prefer_trained_head),
        label=label,
        info="Bundled models work offline; others need `python -m demo.prefetch NAME` once.",
        **kw,
    )


def raw_output(label: str = "Raw output") -> gr.JSON:
    """The collapsed JSON that shows what the engine really returned."""
    with gr.Accordion(label, open=False, elem_classes="tc-raw"):  # tc-raw: hidden in presenter mode
        return gr.JSON(label=label)


PLOT_LINES = "rgba(128, 128, 128, 0.3)"  # grid and axis lines that show on a light and on a dark page


def themed(fig: Any) -> Any:
    """A plotly figure that reads in Gradio's light and dark theme.

    gr.Plot draws the figure as it comes (Gradio applies no theme to plotly), and a plotly template's
    white paper would stay a white box on a dark page. The background here is transparent, the grid
    a grey that shows on both; the text colour follows the page's through assets/style.css
    (``.dark .js-plotly-plot``), since no single colour has 4.5:1 contrast against both backgrounds.
    """
    clear = "rgba(0, 0, 0, 0)"
    fig.update_layout(template="plotly_white", paper_bgcolor=clear, plot_bgcolor=clear)
    fig.update_xaxes(gridcolor=PLOT_LINES, zerolinecolor=PLOT_LINES, linecolor=PLOT_LINES)
    fig.update_yaxes(gridcolor=PLOT_LINES, zerolinecolor=PLOT_LINES, linecolor=PLOT_LINES)
    return fig


def head_notice(loaded: models.Loaded) -> str:
    """Markdown warning when the model's head was newly initialised at load time."""
    if not loaded.newly_initialized:
        return f"✅ `{type(loaded.model).__name__}`: every weight came from the checkpoint."
    keys = ", ".join(code(k) for k in loaded.newly_initialized[:8])
    more = "" if len(loaded.newly_initialized) <= 8 else f" (+{len(loaded.newly_initialized) - 8} more)"
    return (
        f"⚠️ **Newly initialised head** in `{type(loaded.model).__name__}`: {keys}{more} "
        "were not in the checkpoint, so they are random. Predictions are meaningless until this "
        "head is fine-tuned — pick a model trained for this task to see real answers."
    )


def escape(text: Any) -> str:
    """Escape anything user-supplied before it goes into HTML."""
    return html.escape(str(text), quote=True)


def plot_text(text: Any) -> str:
    """Text for a plotly title, tick, legend or hover: shown as typed, never as markup.

    Plotly reads ``<b>``, ``<br>``, ``<a href>`` … in every string; it decodes ``&lt; &gt; &amp;``
    but not ``&quot;``, so quotes are left alone.
    """
    return html.escape(str(text), quote=False)


def distinct_labels(texts: list[str], ids: list[int]) -> list[str]:
    """Plot categories, one per item: a text that two items share gets its token id (byte-level
    pieces such as 'Ġspiral' and 'spiral' read the same; plotly would stack them on one bar)."""
    return [f"{t} (id {i})" if texts.count(t) > 1 else t for t, i in zip(texts, ids)]


def code(text: Any) -> str:
    """``text`` as a Markdown code span, shown literally (Markdown never decodes entities inside
    one, so the text must not be HTML-escaped); a backtick inside cannot end the span."""
    return "`" + str(text).replace("`", "ˋ") + "`"
