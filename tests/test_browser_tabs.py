"""Every tab in real Chromium: open it, run its first example, look at the result, screenshot it;
then type an XSS attempt into every free-text box and check it shows as text and fires nothing.

The page fixture fails the test on any request leaving 127.0.0.1, any console error, any dialog.
"""

from __future__ import annotations

import re

import pytest
from browser import open_tab, screenshot

pytestmark = pytest.mark.browser

XSS = '<img src=x onerror=alert(1)><script>alert("xss")</script>'

TASKS = "Tasks"
# (top-level tab, sub-tab or None) for every view of the app
VIEWS = [
    (TASKS, "Text classification"),
    (TASKS, "Sentence pairs"),
    (TASKS, "Token classification"),
    (TASKS, "Question answering"),
    (TASKS, "Fill-mask"),
    (TASKS, "Text generation"),
    (TASKS, "Translation & summarization"),
    (TASKS, "Multiple choice"),
    (TASKS, "Next sentence"),
    ("Decoding playground", None),
    ("Attention", None),
    ("Embeddings", None),
    ("Tokenizer", None),
    ("WordPiece trainer", None),
    ("MLM masking", None),
    ("Anatomy", None),
    ("Models", None),
]


def _open(page, top: str, sub: str | None) -> None:
    open_tab(page, top)
    if sub:
        open_tab(page, sub)


def _slug(top: str, sub: str | None) -> str:
    return re.sub(r"[^a-z0-9]+", "-", f"{top} {sub or ''}".lower()).strip("-")


def _wait_idle(page, timeout_ms: int = 90_000) -> None:
    """Wait until no event of the app is still running (Gradio marks pending outputs)."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => document.querySelectorAll('.pending, .generating, .eta-bar').length === 0",
        timeout=timeout_ms,
    )
    page.wait_for_timeout(300)


def _visible_panel(page):
    """The tab panel currently shown (innermost)."""
    return page.locator("[role=tabpanel]:visible").last


def _primary_button(page):
    return _visible_panel(page).locator("button.primary:visible, button.lg.primary:visible").first


def _no_injected_markup(page) -> None:
    for frame in page.frames:
        assert frame.locator('img[src="x"]').count() == 0, f"injected <img> in {frame.url[:80]}"
        scripts = frame.evaluate("() => [...document.scripts].map(s => s.textContent).join('\\n')")
        assert 'alert("xss")' not in scripts, f"injected <script> ran in {frame.url[:80]}"


@pytest.mark.parametrize("top, sub", VIEWS, ids=[_slug(t, s) for t, s in VIEWS])
def test_each_view_runs_its_first_example(page, top, sub):
    _open(page, top, sub)
    panel = _visible_panel(page)
    examples = panel.locator(".gallery-item:visible, button.example:visible, tr.tr-body:visible td")
    if examples.count():
        examples.first.click(force=True)  # a table of examples: click its first cell
        page.wait_for_timeout(500)
    button = _primary_button(page)
    if button.count():
        button.click()
    _wait_idle(page)
    errors = page.locator(".toast-body.error:visible, .toast-wrap .error:visible")
    assert errors.count() == 0, f"{top}/{sub}: error shown: {errors.first.inner_text()[:300]}"
    screenshot(page, _slug(top, sub))


@pytest.mark.parametrize("top, sub", VIEWS, ids=[_slug(t, s) for t, s in VIEWS])
def test_xss_in_every_text_box_stays_text(page, top, sub):
    _open(page, top, sub)
    boxes = _visible_panel(page).locator(
        "textarea:visible:not([disabled]), input[type=text]:visible:not([role=listbox]):not([disabled])"
    )
    typed = 0
    for i in range(boxes.count()):
        box = boxes.nth(i)
        if box.get_attribute("readonly") is not None or box.get_attribute("aria-expanded") is not None:
            continue  # outputs and dropdowns
        box.fill(XSS)
        typed += 1
    button = _primary_button(page)
    if typed and button.count():
        button.click()
        _wait_idle(page)
    _no_injected_markup(page)
    # the page fixture then fails on any dialog (an alert that ran) or console error
