# The two commands of the quick start:
#   make lab   set everything up and open JupyterLab on the getting-started notebook
#   make test  set everything up and run the whole suite (what CI runs)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := widgets/node_modules/.installed-stamp
PY_TREES := meshlab tests bench

.PHONY: setup lab test replay bench lint docs clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

$(NODE_STAMP): widgets/package.json widgets/package-lock.json
	cd widgets && npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(STAMP)

# Jupyter refuses to run as root unless told; containers and fresh machines often are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: setup
	$(BIN)/jupyter lab $(ALLOW_ROOT) notebooks/01-getting-started.ipynb

# Headless alternative to `make lab`: a self-contained HTML replay of a built-in scenario.
replay: setup
	mkdir -p build
	$(BIN)/meshlab run supervision-tree --seed 1 --out build/supervision-tree.parquet
	$(BIN)/meshlab replay build/supervision-tree.parquet --html build/supervision-tree.html
	@echo "open build/supervision-tree.html in a browser"

test: setup $(NODE_STAMP)
	$(BIN)/ruff check $(PY_TREES)
	$(BIN)/ruff format --check $(PY_TREES)
	cd widgets && npm run --silent typecheck && npm run --silent test
	$(BIN)/python -m pytest tests meshlab --nbval-lax notebooks -q

bench: setup
	$(BIN)/meshlab bench all

lint: setup
	$(BIN)/ruff check --fix $(PY_TREES)
	$(BIN)/ruff format $(PY_TREES)

docs: setup
	$(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) widgets/node_modules site .pytest_cache
