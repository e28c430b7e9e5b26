"""Shared fixtures: no test touches the hub; tiny models are built once per machine.

The repository root is on sys.path through pytest's ``pythonpath`` (pyproject.toml): `demo`, `tabs`,
`app` and the support package `testkit` import as they do in the app.
"""

from __future__ import annotations

import os

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def pytest_configure(config: pytest.Config) -> None:
    from testkit import tiny_models

    tiny_models.register()  # built once per machine, keyed by testkit/tiny_models.py and the corpus


@pytest.fixture(scope="session")
def tiny_registry() -> str:
    return os.environ["TC_EXTRA_MODELS"]


@pytest.fixture(scope="session")
def app_url():
    """The whole Blocks app launched in-process on a free port; yields its URL."""
    import app as app_module

    demo = app_module.build_app()
    demo.launch(prevent_thread_lock=True, server_name="127.0.0.1", server_port=None, quiet=True,
                **app_module.launch_kwargs())
    try:
        yield demo.local_url
    finally:
        demo.close()


@pytest.fixture(scope="session")
def client(app_url):
    from gradio_client import Client

    return Client(app_url, verbose=False)


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright; skipped only where chromium is not installed."""
    import shutil

    from testkit.browser import ARGS, CHROMIUM

    if not shutil.which(CHROMIUM):
        pytest.skip("chromium is not installed: `apt-get install -y chromium` (make test does it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture()
def page(browser, app_url):
    """A fresh page on the app, watched: tests fail on external requests, console errors, dialogs."""
    from testkit.browser import Watch

    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    watch = Watch()
    watch.attach(pg)
    pg.watch = watch
    pg.goto(app_url)
    pg.get_by_text("Transformers Classroom").first.wait_for()
    yield pg
    context.close()
    assert not watch.external_requests, f"requests left 127.0.0.1: {watch.external_requests[:5]}"
    assert not watch.dialogs, f"a dialog fired (script ran?): {watch.dialogs}"
    assert not watch.console_errors, f"console errors: {watch.console_errors[:5]}"
