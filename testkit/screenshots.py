"""Screenshots of every tab and sub-tab, light and dark: `python -m testkit.screenshots` (`make screenshots`).

Starts `python app.py` in its own process (``testkit.server``, offline, a free loopback port), opens
each view in Debian's chromium through Playwright and saves
artifacts/screenshots/<light|dark>/<tab>[-<sub-tab>].png. The views are read from the running app's
own layout (Gradio's /config), so a new tab or sub-tab is photographed with no change here. ``--examples``
first runs each view's first example, so the picture shows a result.

    python -m testkit.screenshots [--examples] [--theme light|dark]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING, Any

from testkit.browser import ARGS, ARTIFACTS, CHROMIUM, Watch, open_tab
from testkit.server import serve

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import Page

THEMES = ("light", "dark")  # Gradio's own ?__theme= parameter
IDLE = "() => document.querySelectorAll('.pending, .generating, .eta-bar').length === 0"


def views(url: str) -> list[tuple[str, ...]]:
    """Every view as its path of tab titles, e.g. ("Tokenizer",) or ("Tasks", "Fill-mask").

    A top-level tab that holds only text and tabs (the Tasks tab) is a folder: its tabs are the
    views. Tabs inside a tab that has inputs of its own (the Tokenizer's result tabs) are not.
    """
    with urllib.request.urlopen(url + "config", timeout=30) as r:
        config = json.load(r)
    kinds = {c["id"]: c["type"] for c in config["components"]}
    titles = {c["id"]: _text(c.get("props", {}).get("label")) for c in config["components"] if c["type"] == "tabitem"}

    def tab_items(node: dict[str, Any]) -> list[dict[str, Any]]:
        """The tab items of the first tabs container at or below ``node``."""
        if kinds.get(node["id"]) == "tabs":
            return [c for c in node.get("children", []) if c["id"] in titles]
        for child in node.get("children", []):
            found = tab_items(child)
            if found:
                return found
        return []

    out: list[tuple[str, ...]] = []
    for top in tab_items(config["layout"]):
        children = top.get("children", [])
        is_folder = any(kinds.get(c["id"]) == "tabs" for c in children) and all(
            kinds.get(c["id"]) in ("tabs", "markdown", "html") for c in children)
        if is_folder:
            out += [(titles[top["id"]], titles[sub["id"]]) for sub in tab_items(top)]
        else:
            out.append((titles[top["id"]],))
    return out


def _text(label: Any) -> str:
    """A tab's title: a string, or an i18n entry (its English text when the config carries it)."""
    if isinstance(label, dict):
        return str(label.get("en") or label.get("key") or label)
    return str(label)


def slug(path: tuple[str, ...]) -> str:
    return re.sub(r"[^a-z0-9]+", "-", " ".join(path).lower()).strip("-")


def _wait_idle(page: "Page") -> None:
    page.wait_for_timeout(300)
    page.wait_for_function(IDLE, timeout=120_000)
    page.wait_for_timeout(500)  # plots draw a moment after their data arrives


def _run_first_example(page: "Page", nested: bool) -> None:
    """Click the view's first example and its primary button, as a person would (best effort)."""
    panel = page.locator("[role=tabpanel]:visible").nth(1 if nested else 0)
    examples = panel.locator(".gallery-item:visible, button.example:visible, tr.tr-body:visible td")
    if examples.count():
        examples.first.click(force=True)
        page.wait_for_timeout(500)
    button = panel.locator("button.primary:visible, button.lg.primary:visible").first
    if button.count():
        button.click()
        _wait_idle(page)


def shoot(url: str, themes: tuple[str, ...], examples: bool) -> list[Path]:
    from playwright.sync_api import sync_playwright

    saved: list[Path] = []
    paths = views(url)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for theme in themes:
            for path in paths:
                context = browser.new_context(viewport={"width": 1400, "height": 1000})
                page = context.new_page()
                watch = Watch()
                watch.attach(page)
                page.goto(f"{url}?__theme={theme}")
                page.get_by_text("Transformers Classroom").first.wait_for()
                for title in path:
                    open_tab(page, title)
                _wait_idle(page)
                if examples:
                    _run_first_example(page, nested=len(path) > 1)
                out = ARTIFACTS / theme / f"{slug(path)}.png"
                out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out), full_page=True)
                saved.append(out)
                problems = watch.external_requests + watch.console_errors + watch.dialogs
                print(f"{out.relative_to(ARTIFACTS.parent.parent)}" + (f"  ⚠ {problems[:3]}" if problems else ""))
                context.close()
        browser.close()
    return saved


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--examples", action="store_true", help="run each view's first example before the screenshot")
    ap.add_argument("--theme", choices=THEMES, help="only this theme (default: both)")
    args = ap.parse_args(argv)
    if not shutil.which(CHROMIUM):
        print(f"{CHROMIUM} is not installed: `apt-get install -y chromium` (`make setup-test` does it)")
        return 1
    with serve() as (url, _proc, seconds):
        print(f"app answered in {seconds:.1f} s at {url}")
        saved = shoot(url, (args.theme,) if args.theme else THEMES, args.examples)
    print(f"{len(saved)} screenshots in {ARTIFACTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
