# Two commands on a fresh machine:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
BASE := $(VENV)/.installed-base
FULL := $(VENV)/.installed-full

.PHONY: install install-all demo test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(BASE): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(FULL): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@ $(BASE)

## the core package (SQLite, CLI)
install: $(BASE)
## everything: Postgres driver, Ray, web UI, test tools
install-all: $(FULL)

## Install, ingest the demo corpus (+ seed reports) into out/watchfloor.db, print a summary, write exports.
demo: $(BASE)
	$(BIN)/watchfloor demo --out out

## Run the test suite (slow benchmark tests excluded; `make bench` runs them).
test: $(FULL)
	$(BIN)/pytest -q

lint: $(FULL)
	$(BIN)/ruff check src tests scripts
	$(BIN)/mypy

bench: $(FULL)
	$(BIN)/pytest -q -m slow

clean:
	rm -rf out $(VENV)
