"""Playwright on Debian's chromium (never `playwright install`): helpers for the browser tests and screenshots."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

if TYPE_CHECKING:  # pragma: no cover
    from playwright.sync_api import ConsoleMessage, Dialog, Locator, Page, Request

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(__file__).parent.parent / "artifacts" / "screenshots"
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


@dataclass
class Watch:
    """What a page did that a test may fail on: requests off this machine, console errors, dialogs."""

    external_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def attach(self, page: "Page") -> None:
        def on_request(req: "Request") -> None:
            url = urlparse(req.url)
            if url.scheme in ("http", "https", "ws", "wss") and url.hostname not in LOCAL_HOSTS:
                self.external_requests.append(req.url)

        def on_console(msg: "ConsoleMessage") -> None:
            if msg.type == "error":
                self.console_errors.append(msg.text)

        def on_dialog(dialog: "Dialog") -> None:
            self.dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("request", on_request)
        page.on("console", on_console)
        page.on("dialog", on_dialog)
        # anything leaving the machine is blocked, so a leak fails fast instead of hanging
        page.route(lambda u: urlparse(u).hostname not in LOCAL_HOSTS, lambda route: route.abort())


def screenshot(page: "Page", name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def _first_visible(locator: "Locator") -> "Locator | None":
    for i in range(locator.count()):
        if locator.nth(i).is_visible():
            return locator.nth(i)
    return None


def open_tab(page: "Page", title: str) -> None:
    """Click a (top-level or nested) tab by its title, through the "More tabs" menu if it overflowed."""
    page.get_by_role("tab").first.wait_for()
    tab = _first_visible(page.get_by_role("tab", name=title, exact=True))
    menus = page.get_by_role("button", name="More tabs")  # one per row of tabs that overflowed
    for i in range(menus.count()):
        if tab is not None:
            break
        if menus.nth(i).is_visible():
            menus.nth(i).click()
            tab = _first_visible(page.get_by_role("button", name=title, exact=True))
            if tab is None:
                menus.nth(i).click()  # not in this menu: close it again
    assert tab is not None, f"no tab called {title!r}, not even in a 'More tabs' menu"
    tab.click()
