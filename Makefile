# Lectern: `make run` serves a demo, `make test` runs the whole suite.
# Both build .venv with uv from the hash-pinned locks first (uv is installed with pip if missing).

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Use the Python 3.13 named by .python-version; never let uv download an interpreter.
export UV_PYTHON_DOWNLOADS ?= never
UV := $(shell uv --version >/dev/null 2>&1 && echo uv || echo "$(PYTHON) -m uv")

.PHONY: run test lint format lock bench check-deploy clean

$(BIN)/.synced: requirements.lock requirements-dev.lock
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv \
		|| $(PYTHON) -m pip install --quiet --user --break-system-packages uv
	$(UV) venv --quiet --allow-existing --python 3.13 $(VENV)
	$(UV) pip sync --quiet --python $(BIN)/python --require-hashes \
		requirements.lock requirements-dev.lock
	@touch $@

run: $(BIN)/.synced
	$(BIN)/python manage.py quickstart

test: $(BIN)/.synced
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

bench: $(BIN)/.synced
	$(BIN)/python bench/import_bench.py
	$(BIN)/python bench/scoring_bench.py
	$(BIN)/python bench/gradebook_bench.py
	-$(BIN)/python bench/http_bench.py
	$(BIN)/python bench/load_bench.py

check-deploy: $(BIN)/.synced
	DEBUG=false SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=lectern.example \
		EMAIL_HOST=smtp.example.org \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
