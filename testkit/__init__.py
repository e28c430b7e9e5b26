"""Support code for the tests and the benchmarks (no app code imports it).

- ``testkit.tiny_models``: tiny random models of every family the registry uses, built offline
  and registered through $TC_EXTRA_MODELS (``register()``).
- ``testkit.server``: ``python app.py`` (or any command) in its own process on a free loopback
  port, waited for until it answers (``serve()``), and its peak memory.
- ``testkit.browser``: Playwright on Debian's chromium: the page watcher that fails on requests
  leaving the machine, console errors and dialogs; ``open_tab()``, ``screenshot()``.
- ``python -m testkit.screenshots``: every tab and sub-tab, light and dark, into artifacts/screenshots/.

Run everything from the repository root (pytest's ``pythonpath`` and ``python -m`` put it on the path).
"""
