"""Transformers Classroom: assembles the tabs and launches. `python app.py` serves on 0.0.0.0:7860."""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio: no outbound lookup

import gradio as gr

from tabs import TABS, links, presenter
from tabs.common import GENERATE_LANE, MODEL_LANE

if TYPE_CHECKING:  # pragma: no cover
    from starlette.types import ASGIApp, Receive, Scope, Send

ASSETS = Path(__file__).parent / "assets"

INTRO = (
    "# 🤗 Transformers Classroom\n"
    "Tokens, attention, embeddings, task heads, losses and decoding — with real models, "
    "step by step. Every result has a *Raw output* panel showing exactly what the model returned."
)

# Chosen with `python -m bench.bench_load --compare` (README, "Classroom load"); env overrides for it.
LANE_LIMITS = {MODEL_LANE: 2, GENERATE_LANE: 1}  # events running at once in each queue
QUEUE_MAX_SIZE = 256  # a class of 30 with a few clicks each in flight; beyond that "queue full"


def share_lanes(demo: gr.Blocks, limits: dict[str, int], one_queue: bool = False) -> None:
    """Put every model-running event in its lane's first-come-first-served queue (``tabs.common.guard``).

    Gradio gives each event its own queue (and its own concurrency limit) and picks among the
    queues at random: with ~50 events, a class could run dozens of forward passes at once on two
    cores while one student's generation waited behind newer requests. One-forward-pass requests
    and generate() loops get a lane each so that a quick click never waits behind a long
    generation; reformatting events (preset sliders, a step slider) keep their own queues.
    ``one_queue`` puts both lanes in one queue (compared in bench/bench_load.py).
    """
    for block_fn in demo.fns.values():
        lane = getattr(block_fn.fn, "lane", None)
        if lane in limits:
            queue = MODEL_LANE if one_queue else lane
            block_fn.concurrency_id = queue
            block_fn.concurrency_limit = limits[queue]


QUEUE_MODES = ("lanes", "one", "per-event")  # TC_QUEUE: the lanes (default), a single queue, Gradio's default


def queue_mode() -> str:
    """TC_QUEUE, checked: a typo stops the app instead of silently meaning "lanes" (unset or empty: lanes)."""
    mode = os.environ.get("TC_QUEUE") or "lanes"
    if mode not in QUEUE_MODES:
        raise SystemExit(f"TC_QUEUE={mode!r} is not a queue setting: set it to one of "
                         f"{', '.join(QUEUE_MODES)} (see the README, \"Classroom load\"), or unset it for lanes.")
    return mode


def _apply_queue_setting(demo: gr.Blocks, mode: str) -> None:
    """TC_QUEUE=lanes (default), one (a single queue) or per-event (Gradio's default); TC_<LANE>_CONCURRENCY."""
    limits = {lane: int(os.environ.get(f"TC_{lane.upper()}_CONCURRENCY", n)) for lane, n in LANE_LIMITS.items()}
    if mode != "per-event":
        share_lanes(demo, limits, one_queue=mode == "one")


def tab_id(module: ModuleType) -> str:
    """A tab's id (its module's name: tokenizer, tasks, decoding, …); links select tabs by it."""
    return module.__name__.rsplit(".", 1)[-1].removesuffix("_tab").replace("_", "-")


def build_app() -> gr.Blocks:
    mode = queue_mode()  # before building anything: a mistyped TC_QUEUE stops here
    with gr.Blocks(title="Transformers Classroom") as demo:
        with gr.Row(equal_height=True):
            gr.Markdown(INTRO, elem_id="intro")
            presenter.build(demo)  # the presenter-mode toggle; ?present=1 turns it on
        notice = links.notice()  # what a link (?tab=…) had that the app ignored
        with gr.Tabs():
            for t in TABS:
                with gr.Tab(t.TITLE, id=tab_id(t)):
                    t.build()
        links.wire(demo, notice)
    demo.queue(default_concurrency_limit=2, max_size=QUEUE_MAX_SIZE)
    _apply_queue_setting(demo, mode)
    return demo


class PageCompression:
    """Gzip for what Gradio's own BrotliMiddleware leaves out: it compresses only paths with a file
    extension (.js, .css), so the page itself ("/", ~570 kB) and /config (~440 kB) went out uncompressed.

    Paths with an extension pass through to it untouched (they keep brotli); Starlette's GZipMiddleware
    skips streams (text/event-stream), images and anything already encoded.
    """

    def __init__(self, app: ASGIApp) -> None:
        from starlette.middleware.gzip import GZipMiddleware

        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=1024)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        last = scope.get("path", "").rsplit("/", 1)[-1]
        app = self.gzip if scope["type"] == "http" and "." not in last else self.app
        await app(scope, receive, send)


def launch_kwargs() -> dict:
    from starlette.middleware import Middleware

    return {
        "app_kwargs": {"middleware": [Middleware(PageCompression)]},
        "css": (ASSETS / "style.css").read_text(encoding="utf-8"),
        "theme": gr.themes.Soft(),
        # every handler raises gr.Error itself; this makes Gradio's own input checks (a word sent
        # to a number field) reach API users as their message instead of a generic "exception"
        "show_error": True,
    }


if __name__ == "__main__":
    import threading

    from demo import models

    app = build_app()
    app.launch(
        server_name=os.environ.get("GRADIO_SERVER_NAME", "0.0.0.0"),
        server_port=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        prevent_thread_lock=True,
        **launch_kwargs(),
    )
    # the page already answers; import torch + transformers now so the first click doesn't wait ~4 s
    threading.Thread(target=models.warm_imports, name="warm-imports", daemon=True).start()
    app.block_thread()
