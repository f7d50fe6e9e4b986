# One obvious entry point per task. `make lake` and `make test` are the README's two commands.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
ROWS  ?= 2000
BATCHES ?= 3

.PHONY: setup venv jars package lake test lint clean

setup: venv jars            ## everything a run or the tests need (idempotent)

venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	@command -v python3.11 >/dev/null || command -v python3 >/dev/null || { echo "setup: python3.11 not found" >&2; exit 1; }
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt -r requirements-dev.txt
	$(PY) -m pip install -q --no-deps -e .
	@touch $@

jars:
	@scripts/fetch_jars.sh

package: venv               ## dist/lakehouse.zip for --extra-py-files (package + contracts)
	$(PY) scripts/build_package.py

lake: setup                 ## generate sample data and run the whole chain locally
	$(PY) -m lakehouse.local_run --rows $(ROWS) --batches $(BATCHES)

test: setup                 ## the whole test suite (unit, integration, infra, sql)
	$(PY) -m pytest

lint: venv
	$(VENV)/bin/ruff check glue_jobs tests scripts bench

clean:
	rm -rf lake dist .pytest_cache
