"""Every tab in real Chromium: open it, run its first example, look at the result, screenshot it;
then type an XSS attempt into every free-text box and check it shows as text and fires nothing.

The page fixture fails the test on any request leaving 127.0.0.1, any console error, any dialog.
"""

from __future__ import annotations

import re

import pytest

from testkit.browser import open_tab, screenshot

pytestmark = pytest.mark.browser

XSS = '<img src=x onerror=alert(1)><script>alert("xss")</script>'

TASKS = "Tasks"
# (top-level tab, sub-tab or None, what a person sees once the first example has run) for every view
VIEWS = [
    (TASKS, "Text classification", r"softmax|sigmoid|regression"),
    (TASKS, "Sentence pairs", r"\[SEP\]"),
    (TASKS, "Token classification", r"\d+ words → \d+ entit"),
    (TASKS, "Question answering", r"Naive decoding"),
    (TASKS, "Fill-mask", r"mask 1 \(token \d+\)"),
    (TASKS, "Text generation", r"generated tokens in green"),
    (TASKS, "Translation & summarization", r"Encoded input"),
    (TASKS, "Multiple choice", r"batch x choices x tokens"),
    (TASKS, "Next sentence", r"IsNext"),
    ("Decoding playground", None, r"log p = -?\d"),
    ("Attention", None, r"\d+ layers × \d+ heads"),
    ("Embeddings", None, r"so the cosine is exactly 1\.0"),
    ("Tokenizer", None, r"17953"),  # "I love NLP!" (pipelines, tasks and decoding notes) → ..., 17953, 2361, ...
    ("WordPiece trainer", None, r"new token"),
    ("MLM masking", None, r"-100 everywhere else"),
    ("Anatomy", None, r"pre_classifier"),
    ("Models", None, r"loaded as"),
]
# views with no free-text box (pickers and buttons only): the XSS test types nowhere there
NO_TEXT_BOX = {"Anatomy", "Models"}
# views whose result shows the typed text itself (not only its tokens): it must read there as text.
# (Question answering shows it too, but split around the answer span a random head picks.)
ECHOES_INPUT = {"Translation & summarization", "Tokenizer"}
IDS = [re.sub(r"[^a-z0-9]+", "-", f"{t} {s or ''}".lower()).strip("-") for t, s, _ in VIEWS]


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


def _visible_panel(page, sub: str | None):
    """The panel of the view: the top-level tab's, or its sub-tab's (a view may hold tabs of its own)."""
    return page.locator("[role=tabpanel]:visible").nth(1 if sub else 0)


def _primary_button(page, sub: str | None):
    return _visible_panel(page, sub).locator("button.primary:visible, button.lg.primary:visible").first


def _no_injected_markup(page) -> None:
    for frame in page.frames:
        assert frame.locator('img[src="x"]').count() == 0, f"injected <img> in {frame.url[:80]}"
        scripts = frame.evaluate("() => [...document.scripts].map(s => s.textContent).join('\\n')")
        assert 'alert("xss")' not in scripts, f"injected <script> ran in {frame.url[:80]}"


@pytest.mark.parametrize("top, sub, shows", VIEWS, ids=IDS)
def test_each_view_runs_its_first_example(page, top, sub, shows):
    _open(page, top, sub)
    panel = _visible_panel(page, sub)
    examples = panel.locator(".gallery-item:visible, button.example:visible, tr.tr-body:visible td")
    if top != "Models":  # the one view without examples (it lists the registry)
        assert examples.count(), f"{top}/{sub}: no examples to click"
        examples.first.click(force=True)  # a table of examples: click its first cell
        page.wait_for_timeout(500)
    button = _primary_button(page, sub)
    assert button.count(), f"{top}/{sub}: no primary button"
    button.click()
    _wait_idle(page)
    errors = page.locator(".toast-body.error:visible, .toast-wrap .error:visible")
    assert errors.count() == 0, f"{top}/{sub}: error shown: {errors.first.inner_text()[:300]}"
    page.wait_for_function(  # the result itself, as a person reads it (plots draw a moment later)
        "([i, pattern]) => new RegExp(pattern).test([...document.querySelectorAll('[role=tabpanel]')]"
        ".filter(p => p.offsetParent !== null)[i].innerText)", arg=[1 if sub else 0, shows], timeout=30_000)
    screenshot(page, _slug(top, sub))


@pytest.mark.parametrize("top, sub, shows", VIEWS, ids=IDS)
def test_xss_in_every_text_box_stays_text(page, top, sub, shows):
    _open(page, top, sub)
    boxes = _visible_panel(page, sub).locator(
        "textarea:visible:not([disabled]), input[type=text]:visible:not([role=listbox]):not([disabled])"
    )
    typed = 0
    for i in range(boxes.count()):
        box = boxes.nth(i)
        if box.get_attribute("readonly") is not None or box.get_attribute("aria-expanded") is not None:
            continue  # outputs and dropdowns
        box.fill(XSS)
        typed += 1
    view = sub or top
    if view in NO_TEXT_BOX:
        assert typed == 0, f"{view} has a text box now: take it out of NO_TEXT_BOX"
        return
    assert typed > 0, f"{view}: typed into no text box (did the selector stop matching?)"
    button = _primary_button(page, sub)
    if button.count():
        button.click()
        _wait_idle(page)
    _no_injected_markup(page)
    filled = [boxes.nth(i).input_value() for i in range(boxes.count())]
    assert filled.count(XSS) == typed, f"{view}: the typed text did not stay in its boxes as text"
    if view in ECHOES_INPUT:
        assert XSS[:20] in _visible_panel(page, sub).inner_text(), f"{view}: the typed text is not shown as text"
    # the page fixture then fails on any dialog (an alert that ran) or console error
