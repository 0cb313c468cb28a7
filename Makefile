# RefBot: `make run` installs and starts the bot (the browser playground when no Slack settings are configured); `make test` installs and runs the whole test suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install run demo test test-sqlite test-postgres lint bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

run: install
	$(BIN)/refbot run

demo: install
	$(BIN)/refbot demo

test: install
	bash scripts/test.sh

test-sqlite: install
	$(BIN)/pytest

test-postgres: install
	bash scripts/test.sh --postgres-only

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy refbot

bench: install
	$(BIN)/python bench/bench_search.py

clean:
	rm -rf $(VENV) build *.egg-info
