# Every target bootstraps the project's own environment in .venv from nothing but python3.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SEED   ?= 7
OUT    ?= results/northeast

.PHONY: run test lint typecheck bench app clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

run: $(VENV)/.installed  ## Run the Northeast scenario: CSV, run.json, PNG summary and a short table.
	$(BIN)/declineabm run configs/northeast.toml --seed $(SEED) --out $(OUT)

test: $(VENV)/.installed  ## Run the whole test suite.
	$(BIN)/python -m pytest -n 2 --dist loadgroup

lint: $(VENV)/.installed  ## ruff check and ruff format --check.
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(VENV)/.installed  ## mypy over the package (scope and settings: [tool.mypy] in pyproject.toml).
	$(BIN)/mypy

bench: $(VENV)/.installed  ## Speed and memory at three city sizes against Mesa's Schelling; writes bench.csv.
	$(BIN)/python -m benchmarks.run --out bench.csv

app: $(VENV)/.installed  ## The live city in the browser, on http://127.0.0.1:8765
	$(BIN)/declineabm app

clean:
	rm -rf $(VENV) .venv-newest results bench.csv bench_sweep.csv app_speed.csv test-output .pytest_cache .ruff_cache .mypy_cache
