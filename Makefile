# Advocate: `make run` starts it, `make test` tests it. Only python3 (3.11+) is needed.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CASES  ?= 100000
SECONDS ?= 20

.PHONY: install dev run test test-sqlite test-postgresql lint audit bench chaos clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

run: install
	$(BIN)/python -m advocate.devserver

# The whole suite on SQLite, then again on a throwaway PostgreSQL (skipped, with the
# reason, when its binaries are not installed), then the linters.
test: dev
	$(MAKE) --no-print-directory test-sqlite
	$(MAKE) --no-print-directory test-postgresql
	$(MAKE) --no-print-directory lint

# The real-worker Celery tests run in their own pytest process, apart from the rest. (The
# reminder test that once hung here ran two in-thread workers in one process, which share
# kombu's event loop; it now starts two worker processes.)
test-sqlite: dev
	ADVOCATE_TEST_DB=sqlite $(BIN)/python -m pytest -q tests --ignore=tests/perf --ignore=tests/tasks
	ADVOCATE_TEST_DB=sqlite $(BIN)/python -m pytest -q tests/tasks

test-postgresql: dev
	ADVOCATE_TEST_DB=postgresql $(BIN)/python -m pytest -q tests --ignore=tests/perf --ignore=tests/tasks
	ADVOCATE_TEST_DB=postgresql $(BIN)/python -m pytest -q tests/tasks

lint: dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/bandit -q -r advocate tasks -lll

# Known-vulnerable dependencies (pip-audit, PyPI's advisory data). Needs the network: with no
# vulnerability service reachable every package is reported as not audited, and --strict
# makes that a failure rather than a silent pass.
audit: dev
	$(BIN)/pip freeze --exclude-editable > $(VENV)/requirements-audit.txt
	$(BIN)/pip-audit --strict --progress-spinner off --no-deps -r $(VENV)/requirements-audit.txt

# More rounds of the fault harness (SIGKILLed web workers) than make test runs.
chaos: dev
	CHAOS_ROUNDS=$${CHAOS_ROUNDS:-500} ADVOCATE_TEST_DB=postgresql $(BIN)/python -m pytest -q tests/chaos

bench: dev
	CASES=$(CASES) SECONDS=$(SECONDS) $(BIN)/python -m tests.perf.bench

clean:
	rm -rf $(VENV) .bench .pytest_cache .mypy_cache .ruff_cache
