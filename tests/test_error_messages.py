"""Error messages show user text as text: Gradio renders a gr.Error's message as HTML in the toast,
so every message is escaped in one place (tabs.common.user_error) and reads exactly as typed."""

from __future__ import annotations

import html

import gradio as gr
import pytest

from demo.errors import BadInput
from tabs.common import guard, user_error
from testkit.browser import open_tab

TYPED = '<b>bold</b> <img src=x> <a href="https://example.org">link</a> & [MASK] or <mask>'


def test_user_error_escapes_markup_and_unescapes_back():
    err = user_error(TYPED)
    assert isinstance(err, gr.Error)
    assert "<" not in err.message  # no tag can open; a lone ">" is text
    assert html.unescape(err.message) == TYPED
    assert user_error("temperature must be > 0").message == "temperature must be > 0"


def test_guard_escapes_engine_messages():
    @guard(lane=None)
    def handler(text: str):
        raise BadInput(f"The text has no mask: type [MASK] or <mask> (got {text!r}).")

    with pytest.raises(gr.Error) as info:
        handler("<b>hi</b>")
    assert html.unescape(info.value.message) == "The text has no mask: type [MASK] or <mask> (got '<b>hi</b>')."
    assert "<b>" not in info.value.message


@pytest.mark.browser
def test_toast_shows_the_typed_text(page):
    """Fill-mask without a mask: the toast repeats the app's hint and the user's text, as text."""
    open_tab(page, "Tasks")
    open_tab(page, "Fill-mask")
    panel = page.locator("[role=tabpanel]:visible").nth(1)
    box = panel.locator("textarea:visible").first
    typed = "<b>bold</b> <img src=x> no mask here"
    box.fill(typed)
    panel.locator("button.primary:visible").first.click()
    toast = page.locator(".toast-body.error").first
    toast.wait_for(timeout=60_000)
    text = toast.inner_text()
    assert "type [MASK] or <mask>" in text, text  # the app's own hint is not cut at <mask>
    assert toast.locator("b, img").count() == 0, "typed markup became HTML in the toast"
    assert page.locator('img[src="x"]').count() == 0
