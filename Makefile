# AI Coach — the two commands: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt 2>/dev/null | sha1sum | cut -c1-12)
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=
# Two pytest-xdist workers: the suite is safe in parallel (each worker has its own SQLite file or
# PostgreSQL database, Redis database, free ports and browser); `make test PYTEST_XDIST=` runs
# serially (e.g. for --pdb). Capped at 2: the machines have two cores.
PYTEST_XDIST ?= -n 2
# JS tooling (ESLint only: the app has no JS build step). Re-installed when the lockfile changes.
NODE_STAMP = node_modules/.installed-$(shell cat package-lock.json 2>/dev/null | sha1sum | cut -c1-12)
JS_PATHS   = src/aicoach/web/static/js tests eslint.config.js

.PHONY: run test test-sqlite test-postgresql lint lint-js bench vendor setup clean format

$(STAMP):
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

setup: $(STAMP)

$(NODE_STAMP):
	npm ci --no-audit --no-fund
	@rm -f node_modules/.installed-*; touch $@

## make run: set up, migrate and serve http://127.0.0.1:8000 on the embedded defaults
run: setup
	$(BIN)/aicoach serve --host $(HOST) --port $(PORT)

## make test: set up, then the whole suite on SQLite and the database tests on PostgreSQL
test: setup
	$(BIN)/python scripts/ensure_test_services.py
	AICOACH_TEST_DB=sqlite $(BIN)/pytest $(PYTEST_XDIST) $(PYTEST_ARGS)
	AICOACH_TEST_DB=postgresql $(BIN)/pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

test-sqlite: setup
	AICOACH_TEST_DB=sqlite $(BIN)/pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

test-postgresql: setup
	AICOACH_TEST_DB=postgresql $(BIN)/pytest $(PYTEST_XDIST) $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/mypy
	$(BIN)/lint-imports
	@$(MAKE) --no-print-directory lint-js

## make lint-js: ESLint on the browser modules (tests hold no .js today; linted once they do)
lint-js: $(NODE_STAMP)
	npx eslint --no-error-on-unmatched-pattern $(JS_PATHS)

format: setup
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

bench: setup
	$(BIN)/python -m bench $(BENCH)

vendor: setup
	$(BIN)/python scripts/vendor.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache node_modules
