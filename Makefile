# One obvious entry point per task. `make lake` and `make test` are the README's two commands.
SHELL := /bin/bash
VENV  := .venv
PY    := $(VENV)/bin/python
ROWS  ?= 2000
BATCHES ?= 3

.PHONY: setup venv jars class-data trino chromium trino-cli package odcs lake replay maintain lineage test test-long lint clean emulator bench bench-history bench-wide profile

setup: venv jars trino chromium  ## everything a run or the tests need (idempotent)

venv: $(VENV)/.installed
$(VENV)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	@command -v python3.11 >/dev/null || command -v python3 >/dev/null || { echo "setup: python3.11 not found" >&2; exit 1; }
	@test -x $(PY) || python3 -m venv $(VENV)
	@# uv (from PyPI, into the venv) installs the same requirements as pip in ~33 s instead of ~90 s on a
	@# fresh clone: it links files from its cache and installs in parallel. --compile-bytecode writes the
	@# .pyc files as pip does: where PYTHONDONTWRITEBYTECODE is set, no later import would write them, and
	@# every Python process (job runs, checkov, the test workers) would compile its imports again.
	@test -x $(VENV)/bin/uv || $(PY) -m pip install -q --disable-pip-version-check "uv>=0.9,<1"
	$(VENV)/bin/uv pip install -q --compile-bytecode --python $(PY) -r requirements.txt -r requirements-dev.txt
	$(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e .
	@touch $@

jars: venv                  ## Spark's extra jars (jars.txt) and the local file-system jar (lakehouse_local/jvm)
	@scripts/fetch_jars.sh
	@scripts/build_localfs.sh

# ~30 s once, ~4 s off every later JVM start (docs/performance.md): for the targets that start many or long
# JVMs, not `make test`'s setup, where its two sessions would not earn it back.
class-data: jars            ## the JVM class-data archive local Spark sessions start from (lakehouse_local/class_data.py)
	@$(PY) -m lakehouse_local.class_data

trino:                      ## Trino 476 server + CLI into .cache/trino (runs the Athena SQL locally)
	@scripts/fetch_trino.sh

SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
chromium:                   ## headless Chromium (Debian package) for the lake report's browser test; installed only when missing
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; }

trino-cli: setup            ## explore the local lake (./lake, from `make lake`) in the Trino CLI
	$(PY) -m lakehouse_local.engines.trino --lake lake

package: venv               ## dist/lakehouse.zip for --extra-py-files (package + contracts)
	$(PY) scripts/build_package.py

odcs: venv                  ## contracts/ and contracts/gold/ as Open Data Contract Standard v3 documents in dist/odcs (LAKE_ROOT=s3://<lake bucket>)
	$(PY) -m lakehouse_local.odcs $(if $(LAKE_ROOT),--lake-root $(LAKE_ROOT))

lake: venv jars class-data             ## generate sample data and run the whole chain locally (no Trino needed)
	$(PY) -m lakehouse_local.local_run --rows $(ROWS) --batches $(BATCHES) $(if $(FRESH),--fresh)

replay: venv jars class-data           ## re-run ENTITY's quarantined rows (optional RULE=, BATCH=) through the current contract and data
	@test -n "$(ENTITY)" || { echo "usage: make replay ENTITY=sales [RULE=unknown_product_id] [BATCH=<batch id>]" >&2; exit 2; }
	$(PY) -m lakehouse_local.replay --entity $(ENTITY) $(if $(RULE),--rule $(RULE)) $(if $(BATCH),--batch $(BATCH)) --lake lake

maintain: venv jars class-data         ## OPTIMIZE + VACUUM every table of ./lake (the maintain_tables job; RETAIN_HOURS >= 168)
	$(PY) -m lakehouse_local.maintain --lake lake $(if $(RETAIN_HOURS),--retain-hours $(RETAIN_HOURS))

lineage: venv               ## ./lake's lineage from its OpenLineage events: lake/lineage/lineage.svg and a table of the job runs
	$(PY) -m lakehouse_local.lineage_view --lake lake

TEST_WORKERS ?= 2
test: setup                 ## the test suite (unit, integration, infra, sql) on TEST_WORKERS pytest-xdist workers, without the `long` runs
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup -m "not long"

test-long: setup class-data            ## the `long` end-to-end runs (docs/testing.md): emulated deployments, crash points, maintenance (CI runs it after make test)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup -m long

BENCH_ROWS ?= 5000000
bench: venv jars class-data            ## Spark (the Glue jobs) vs DuckDB and the lean DuckDB reference on BENCH_ROWS sales lines (STEPS=1: silver per step)
	$(PY) bench/lake_bench.py --rows $(BENCH_ROWS) $(if $(SCALES),--scales $(SCALES)) $(if $(STEPS),--steps)

DAYS ?= 250
DAY_ROWS ?= 20000
bench-history: venv jars class-data    ## one more day on lakes of 1 and DAYS days of DAY_ROWS sales lines: time, bytes read, files, cost
	$(PY) bench/history_bench.py --days $(DAYS) --day-rows $(DAY_ROWS) $(if $(POINTS),--points $(POINTS))

WIDE_ROWS ?= 300000
bench-wide: venv jars class-data       ## issue #32's wide CSV (16 columns, 2-column key): bronze + silver as two job processes vs the lean DuckDB reference, WIDE_ROWS lines
	$(PY) bench/wide_csv.py --rows $(WIDE_ROWS) $(if $(FILE_ROWS),--file-rows $(FILE_ROWS))

profile: venv jars class-data          ## where make lake's time goes: per job and call site, Spark jobs, Delta commits, seconds
	$(PY) bench/profile_chain.py --rows $(ROWS) --batches $(BATCHES)

lint: venv
	$(VENV)/bin/ruff check glue_jobs lakehouse_local tests scripts bench
	$(VENV)/bin/ruff format --check glue_jobs lakehouse_local tests scripts bench

clean:
	rm -rf lake dist .pytest_cache

emulator: setup             ## the deployed pipeline in an emulated AWS account: moto, terraform apply, trigger chain, catalog, Athena SQL on Trino, destroy
	$(PY) -m lakehouse_local.emulator --rows $(or $(EMU_ROWS),300) --batches $(or $(EMU_BATCHES),1) --athena $(EMU_ARGS)

.PHONY: terraform-check
terraform-check: setup      ## terraform fmt/validate/test, plan JSON, checkov, deploy.sh, apply on moto (no AWS)
	$(PY) -m pytest tests/infra
