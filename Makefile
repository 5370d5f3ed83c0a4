# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Leave CONFIG empty to use ./config.toml when it exists, or built-in defaults.
CONFIG ?=

.PHONY: run test lint typecheck sandbox clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# The tests start the sandbox too, so the test set-up includes its extra.
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,sandbox]'
	touch $@ $(VENV)/.installed-run $(VENV)/.installed-sandbox

$(VENV)/.installed-sandbox: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[sandbox]'
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/credcord run $(if $(CONFIG),--config $(CONFIG))

# The real bot in a simulated Discord, in your browser; ARGS=--reset starts afresh.
sandbox: $(VENV)/.installed-sandbox
	$(BIN)/credcord sandbox $(if $(CONFIG),--config $(CONFIG)) $(ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check bot cogs tests bench
	$(BIN)/ruff format --check bot cogs tests bench

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy

test: lint typecheck
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
