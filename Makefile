# RefBot: `make run` installs and starts the bot (the browser playground when no Slack settings are configured); `make test` installs and runs the whole test suite.
# Both install the exact versions in constraints.txt; `make run` installs only what RefBot needs to run.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install -q -c constraints.txt

.PHONY: install install-dev run demo check test test-sqlite test-postgres lint bench constraints clean

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(PIP) -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(PIP) -e '.[dev]'
	@touch $@

run: install
	$(BIN)/refbot run

demo: install
	$(BIN)/refbot demo

check: install
	$(BIN)/refbot check

test: install-dev
	bash scripts/test.sh

test-sqlite: install-dev
	$(BIN)/pytest

test-postgres: install-dev
	bash scripts/test.sh --postgres-only

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/mypy refbot

bench: install-dev
	$(BIN)/python bench/bench_search.py
	$(BIN)/python bench/bench_startup.py

# Re-pin constraints.txt from a fresh environment after changing pyproject.toml's dependencies.
constraints:
	rm -rf .venv-pin && $(PYTHON) -m venv .venv-pin
	.venv-pin/bin/python -m pip install -q -e '.[dev]'
	{ head -3 constraints.txt; .venv-pin/bin/python -m pip freeze --exclude-editable | grep -vi '^refbot'; } > constraints.new
	mv constraints.new constraints.txt && rm -rf .venv-pin

clean:
	rm -rf $(VENV) build *.egg-info
