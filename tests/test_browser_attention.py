"""The attention view in a real browser: it draws SVG lines offline, and changing the layer redraws it."""

from __future__ import annotations

import pytest

from demo.course_texts import PYTHON_LANGUAGE
from testkit.browser import open_tab

pytestmark = pytest.mark.browser


def _signature(frame) -> str:
    """The opacity of every line: it changes when another layer is drawn."""
    return frame.locator("#vis svg").evaluate(
        "svg => Array.from(svg.querySelectorAll('line')).map(l => l.getAttribute('stroke-opacity')).join(',')"
    )


def test_attention_view_draws_and_redraws(page) -> None:
    """Uses the shared `page` fixture: it fails on requests leaving 127.0.0.1, console errors, dialogs."""
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    open_tab(page, "Attention")
    page.locator("#tc-attention-text-pair textarea").fill(PYTHON_LANGUAGE.rstrip("."))
    page.locator("#tc-attention-run").click()

    frame = page.frame_locator("#tc-attention-view iframe")
    frame.locator("#vis svg line").first.wait_for(state="attached", timeout=180_000)
    layer = frame.locator("#layer")
    assert layer.locator("option").count() == 6  # MiniLM: 6 layers in the menu
    n_tokens = frame.locator("#vis svg #left text").count()
    assert n_tokens > 10
    assert frame.locator("#vis svg line").count() == 12 * n_tokens * n_tokens  # 12 heads x T x T
    assert frame.locator("#filter option").count() == 5  # the A/B filter of a sentence pair
    before = _signature(frame)

    layer.select_option("3")
    page.wait_for_timeout(300)
    frame.locator("#vis svg line").first.wait_for(state="attached", timeout=60_000)
    after = _signature(frame)
    assert after and after != before

    frame.locator("#filter").select_option(label="Sentence A -> Sentence B")
    frame.locator("#vis svg line").first.wait_for(state="attached", timeout=60_000)
    assert frame.locator("#vis svg line").count() < 12 * n_tokens * n_tokens
    assert errors == []
