# Two commands for a fresh machine: `make demo` and `make test`. Both set up .venv first (pip only, no root).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_SCRIPT := examples/long/borrowed-sugar.fountain
DEMO_BANK := character_bank/borrowed-sugar

.PHONY: demo test setup clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

demo: setup
	$(BIN)/movieagent make $(DEMO_SCRIPT) --characters $(DEMO_BANK) -o out/demo

test: setup
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

clean:
	rm -rf out .pytest_cache
