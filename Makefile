# Lectern: `make run` serves a demo, `make test` runs the whole suite.
# Both build .venv with uv from the hash-pinned locks first (uv is installed with pip if missing).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Use the Python 3.13 named by .python-version; never let uv download an interpreter.
export UV_PYTHON_DOWNLOADS ?= never
UV := $(shell uv --version >/dev/null 2>&1 && echo uv || echo "$(PYTHON) -m uv")

.PHONY: run test lint format lock bench check-deploy clean vnu a11y-lighthouse

# The Nu HTML Checker for tests/a11y/test_html.py (a Java program, from npm; pinned).
VNU_VERSION := 26.9.27
VNU_JAR := .tools/vnu/node_modules/vnu-jar/build/dist/vnu.jar

$(BIN)/.synced: requirements.lock requirements-dev.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv \
		|| $(PYTHON) -m pip install --quiet --user --break-system-packages uv
	$(UV) venv --quiet --allow-existing --python 3.13 $(VENV)
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes --compile-bytecode \
		requirements.lock requirements-dev.lock
	@touch $@

# `make run PORT=8100` serves on another port.
PORT ?= 8000
run: $(BIN)/.synced
	$(BIN)/python manage.py quickstart --addrport 127.0.0.1:$(PORT)

$(VNU_JAR):
	npm install --silent --no-audit --no-fund --no-save --prefix .tools/vnu vnu-jar@$(VNU_VERSION)

vnu: $(VNU_JAR)

# Lighthouse's accessibility and best-practices scores (catalog, lesson, attempt): a
# benchmark, not a CI gate, since it is slow. Lighthouse pinned, from npm.
a11y-lighthouse: $(BIN)/.synced
	@test -x .tools/lighthouse/node_modules/.bin/lighthouse || npm install --silent --no-audit \
		--no-fund --no-save --prefix .tools/lighthouse lighthouse@12.2.3
	$(BIN)/python bench/lighthouse_bench.py

test: $(BIN)/.synced
	@if command -v npm >/dev/null && command -v java >/dev/null; then $(MAKE) --no-print-directory vnu; \
		else echo "npm or java missing: tests/a11y/test_html.py (the Nu HTML Checker) is skipped"; fi
	$(BIN)/python manage.py makemigrations --check --dry-run >/dev/null
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

lint: $(BIN)/.synced
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(BIN)/.synced
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-resolve pyproject.toml and export hash-pinned locks without download addresses.
lock:
	$(UV) lock --upgrade
	$(UV) export --quiet --no-emit-project --no-dev --format requirements-txt -o requirements.lock
	$(UV) export --quiet --no-emit-project --only-group dev --format requirements-txt \
		-o requirements-dev.lock

# Every benchmark runs even when one misses a target; the summary at the end lists every
# figure against its target (bench/results.py) and fails if any missed. With POSTGRES (a
# server URL, no database name) and REDIS set, the scoring, page and load benchmarks also run
# on PostgreSQL + Redis, as issue 13 asks:
#   make bench POSTGRES=postgres://postgres@127.0.0.1:5432 REDIS=redis://127.0.0.1:6379
BENCH_ENV = BENCH_RESULTS=.bench-results.jsonl
bench: $(BIN)/.synced
	@rm -f .bench-results.jsonl
	-$(BENCH_ENV) $(BIN)/python bench/import_bench.py
	-$(BENCH_ENV) $(BIN)/python bench/gradebook_bench.py
	-$(BENCH_ENV) $(BIN)/python bench/http_bench.py
	$(if $(POSTGRES),-$(BENCH_ENV) $(BIN)/python bench/http_bench.py --postgres $(POSTGRES) \
		--cache-url $(REDIS)/3)
	$(if $(POSTGRES),-DATABASE_URL=$(POSTGRES)/lectern CACHE_URL=$(REDIS)/14 \
		$(BIN)/python bench/page_queries.py)
	$(if $(POSTGRES),-$(BENCH_ENV) DATABASE_URL=$(POSTGRES)/lectern REDIS_URL=$(REDIS)/15 \
		$(BIN)/python bench/scoring_bench.py,-$(BENCH_ENV) $(BIN)/python bench/scoring_bench.py)
	-$(BENCH_ENV) $(BIN)/python bench/search_bench.py
	$(if $(POSTGRES),-$(BENCH_ENV) DATABASE_URL=$(POSTGRES)/lectern $(BIN)/python bench/search_bench.py)
	-$(BENCH_ENV) $(BIN)/python bench/load_bench.py
	$(if $(POSTGRES),-$(BENCH_ENV) DATABASE_URL=$(POSTGRES)/lectern REDIS_URL=$(REDIS)/1 \
		$(BIN)/python bench/load_bench.py)
	$(BENCH_ENV) $(BIN)/python bench/results.py

check-deploy: $(BIN)/.synced
	DEBUG=false SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=lectern.example \
		EMAIL_HOST=smtp.example.org \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
