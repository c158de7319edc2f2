# Two commands for a fresh clone: `make run` (Rhythm on an embedded PostgreSQL) and `make test`.
# Packages are installed by uv (itself installed from PyPI into .venv by pip): `make run` installs the runtime
# lock only, `make test` adds the development lock (tests, lint, benchmarks, the CP-SAT polish).
PYTHON ?= python3
UV_VERSION := 0.13.9
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
UV_INSTALL := $(UV) pip install --quiet --python $(BIN)/python
RUNTIME := $(VENV)/.installed
DEV := $(VENV)/.installed-dev

.PHONY: run test lint schema lock bench clean

$(UV):
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(RUNTIME): requirements.lock pyproject.toml | $(UV)
	$(UV_INSTALL) -r requirements.lock
	$(UV_INSTALL) --no-deps -e .
	touch $@

$(DEV): requirements-dev.lock $(RUNTIME)
	$(UV_INSTALL) -r requirements-dev.lock
	touch $@

run: $(RUNTIME)
	$(BIN)/rhythm serve

# The suite in TEST_PROCESSES processes, each test file whole in one of them (most of the suite's time waits on
# servers and workers), then the GraphQL fuzz module alone: its generated cases share one test id, which parallel
# runs do not keep apart.
TEST_PROCESSES ?= 2
test: $(DEV)
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist loadfile --ignore=tests/fuzz
	$(BIN)/python -m pytest tests/fuzz

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/mypy

schema: $(RUNTIME)
	$(BIN)/rhythm export-schema > schema.graphql

# The development lock is resolved first; the runtime lock takes the same versions of what it needs.
lock: | $(UV)
	$(UV) pip compile pyproject.toml --extra dev --universal --python-version 3.11 --quiet -o requirements-dev.lock
	$(UV) pip compile pyproject.toml --universal --python-version 3.11 --quiet -c requirements-dev.lock -o requirements.lock

bench: $(DEV)
	$(BIN)/python -m bench.dashboard

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
