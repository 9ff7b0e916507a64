# xng: `make demo` runs the demo shop, `make test` runs every test. Both set everything up first.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
SOURCES := $(shell find xng -name '*.py' -not -path '*/__target__/*') tools/build.py tools/shake_runtime.py

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $$($(PY) -c "import tomllib; print(' '.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['dev']))")
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.installed node_modules/.installed ## Create the virtualenv and install the pinned tools

build/xng.min.js: $(VENV)/.installed node_modules/.installed $(SOURCES)
	$(PY) tools/build.py

build: build/xng.min.js ## Compile xng/ with Transcrypt: build/xng.min.js, xng.core.min.js, xng.mjs, channels.mjs, snippet.js

browser: $(VENV)/.installed ## Make sure there is a Chromium to test with (as root: apt-get install chromium)
	$(PY) tools/chromium.py --ensure

package: build ## npm pack the package xng (build/xng-VERSION.tgz)
	npm pack --ignore-scripts --pack-destination build

demo: build ## Serve the demo shop, privacy page and collector at http://127.0.0.1:8000 (PORT=... to change)
	PORT=$(PORT) $(PY) -m demo_site.server

demo-https: build ## The demo, plus HTTPS with a self-signed certificate on port 8443
	PORT=$(PORT) $(PY) -m demo_site.server --https-port 8443

test: build browser bench/node_modules/.installed ## Run the unit tests (CPython) and the end-to-end tests (Chromium), and check the size budgets
	$(PY) tools/check_size.py
	$(PY) -m pytest -q tests

test-unit: $(VENV)/.installed ## Only the CPython unit tests
	$(PY) -m pytest -q tests/unit

mutate: $(VENV)/.installed node_modules/.installed ## Break each opt-out rule in turn (tests/mutants/) and show the test that catches it; MUTANTS=id,... for some
	$(PY) tools/mutate.py

bench/node_modules/.installed: bench/package.json bench/package-lock.json
	npm ci --prefix bench --no-audit --no-fund --loglevel=error
	touch $@

bench: build bench/node_modules/.installed ## Sizes, load (compile/run) and per-call costs of xng, its floors and five peers (build/bench.json)
	$(PY) tools/check_size.py
	$(PY) bench/run.py

soak: build ## Fault scenarios (503s, collector down, reloads, two tabs, bursts): delivered / lost / duplicated
	$(PY) tools/soak.py

screenshot: build ## Refresh docs/privacy-page.png from the running demo
	$(PY) tools/screenshot.py

clean: ## Remove build output (the virtualenv and node_modules stay)
	rm -rf build xng/__target__

.PHONY: help setup build browser package demo demo-https test test-unit mutate bench soak screenshot clean
