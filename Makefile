# Two commands on a fresh machine:  `make demo`  and  `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

## Install, ingest the demo corpus (+ seed reports) into out/watchfloor.db, print a summary, write exports.
demo: $(STAMP)
	$(BIN)/watchfloor demo --out out

## Run the test suite (slow benchmark tests excluded; `make bench` runs them).
test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check src tests scripts
	$(BIN)/ruff format --check src tests scripts || true
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/pytest -q -m slow

clean:
	rm -rf out $(VENV)
