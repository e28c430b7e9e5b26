"""The real app in real Chromium: what a person sees on the Models and Anatomy tabs."""

from __future__ import annotations

import pytest

from demo import models, registry
from markers import not_prefetched
from testkit.browser import open_tab, screenshot

pytestmark = pytest.mark.browser


def test_models_tab_shows_status_and_fix_commands(page):
    open_tab(page, "Models")
    table = page.get_by_label("Registry").first
    table.get_by_text("SmolLM2-135M-Instruct (bundled)").first.wait_for()
    fix = "python -m demo.prefetch distilgpt2" if models.status(registry.get("distilgpt2")) != "cached" else "cached"
    assert table.get_by_text(fix).count() >= 1
    screenshot(page, "models")


@not_prefetched("distilgpt2")
def test_try_loading_a_missing_model_explains_the_fix(page):
    open_tab(page, "Models")
    dropdown = page.get_by_label("model", exact=True).first
    dropdown.click()
    page.get_by_role("option", name="distilgpt2", exact=True).click()
    page.get_by_role("button", name="Try loading").click()
    page.get_by_text("python -m demo.prefetch distilgpt2").last.wait_for(timeout=20_000)


def test_anatomy_tab_reproduces_seed_000(page):
    open_tab(page, "Anatomy")
    for layer in ["vocab_transform", "vocab_projector", "pre_classifier", "qa_outputs"]:
        page.get_by_text(layer).first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Show head and losses").click()
    page.get_by_text("nn.BCEWithLogitsLoss").first.wait_for(timeout=30_000)
    screenshot(page, "anatomy")


@pytest.mark.parametrize("width", [1400, 760])  # 760: the top-level tabs overflow into "More tabs"
def test_generation_links_to_the_decoding_playground(page, width):
    page.set_viewport_size({"width": width, "height": 1000})
    open_tab(page, "Tasks")
    open_tab(page, "Text generation")
    page.get_by_role("button", name="Decoding playground →").click()
    page.get_by_text("How does a language model pick the next word?").first.wait_for(state="visible", timeout=10_000)
