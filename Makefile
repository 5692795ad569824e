# The two commands of the quick start:
#   make lab   set everything up and open JupyterLab on the getting-started notebook
#   make test  set everything up and run the whole suite (what CI runs)
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
NODE_STAMP := widgets/node_modules/.installed-stamp
PY_TREES := meshlab tests bench conftest.py
# The notebooks run in a venv built from binder/ alone (what mybinder installs), plus only the
# test runner: a dependency the notebooks need but binder/ lacks then fails `make test`.
BINDER_VENV := .venv-binder
BINDER_STAMP := $(BINDER_VENV)/.installed-stamp
NB_RUNNER := 'pytest>=8' 'nbval>=0.11' 'pytest-timeout>=2.3'

.PHONY: setup core lab test check test-widgets test-notebooks test-pure sanitize replay bench lint
.PHONY: docs clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Rebuilt from scratch whenever what binder/ installs may have changed: a venv updated in place
# would keep a dependency the notebooks no longer get.
$(BINDER_STAMP): binder/requirements.txt pyproject.toml
	rm -rf $(BINDER_VENV)
	$(PY) -m venv $(BINDER_VENV)
	$(BINDER_VENV)/bin/pip install --quiet --upgrade pip
	$(BINDER_VENV)/bin/pip install --quiet -r binder/requirements.txt
	$(BINDER_VENV)/bin/pip install --quiet $(NB_RUNNER)
	touch $@

$(NODE_STAMP): widgets/package.json widgets/package-lock.json
	cd widgets && npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(STAMP)

# The simulator's C core, rebuilt when _core.c or one of its headers changed. Importing meshlab
# never compiles: a stale core is skipped (pure Python, with a warning) until this runs.
core: setup
	$(BIN)/python meshlab/sim/_core_build.py

# Jupyter refuses to run as root unless told; containers and fresh machines often are root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)

# The getting-started notebook is the server's default URL, so every URL Jupyter prints opens
# it, on a machine with no browser too (a notebook given as an argument opens only in a browser
# Jupyter starts itself; the printed URLs then open the Launcher). notebooks/ is the root the
# file browser shows. tests/browser/test_make_lab.py opens the printed URL in Chromium.
lab: setup core
	$(BIN)/jupyter lab $(ALLOW_ROOT) --ServerApp.root_dir=notebooks \
	  --LabApp.default_url=/lab/tree/01-getting-started.ipynb

# Headless alternative to `make lab`: a self-contained HTML replay of a built-in scenario.
replay: setup core
	mkdir -p build
	$(BIN)/meshlab run supervision-tree --seed 1 --out build/supervision-tree.parquet
	$(BIN)/meshlab replay build/supervision-tree.parquet --html build/supervision-tree.html
	@echo "open build/supervision-tree.html in a browser"

# `make test` runs in four steps; within a step, jobs that do not depend on each other run at
# once (make -j), each job's output printed whole when it ends. A failed job fails the step.
#   1. the installs: .venv (then the C core), widgets/node_modules, the binder venv
#   2. the static checks: ruff and mypy | tsc, eslint and vitest
#   3. the suite on two pytest-xdist workers, a module's tests in one worker (its module-scoped
#      fixtures made once), the modules handed out in collection order (the long browser ones
#      first); then the Ray tests alone: a Ray cluster started beside other work on a 2-core
#      machine can miss the window its raylet has to register
#   4. the notebooks in the binder venv | the pure-Python core | the sanitizer build
JOBS := $(MAKE) --no-print-directory -j3 --output-sync=target

test:
	$(JOBS) setup core $(NODE_STAMP) $(BINDER_STAMP)
	$(JOBS) check test-widgets
	$(BIN)/python -m pytest tests meshlab -q -m "not ray" \
	  -n 2 --dist loadfile --no-loadscope-reorder
	$(BIN)/python -m pytest tests -q -m ray
	$(JOBS) test-notebooks test-pure sanitize

check: setup
	$(BIN)/ruff check $(PY_TREES)
	$(BIN)/ruff format --check $(PY_TREES)
	$(BIN)/mypy

test-widgets: $(NODE_STAMP)
	cd widgets && npm run --silent typecheck && npm run --silent lint && npm run --silent test

# Every notebook (tutorials, labs, lab solutions) run top to bottom in the binder venv, on a
# kernel of that venv (--nbval-current-env: never a kernel spec found elsewhere on the machine).
test-notebooks: core $(BINDER_STAMP)
	$(BINDER_VENV)/bin/python -m pytest --nbval-lax --nbval-current-env notebooks -q

# The simulator tests again on the pure-Python twin of the C core (both must agree).
SIM_TESTS = $(filter-out tests/test_sim_core_build.py,$(wildcard tests/test_sim_*.py))
test-pure: setup
	MESHLAB_PURE=1 $(BIN)/python -m pytest $(SIM_TESTS) -q -m "not slow"

# The C core built with AddressSanitizer and UBSan, running the golden traces: any memory
# error or undefined behaviour aborts. Python itself is not instrumented, so the ASan runtime
# is preloaded, and PYTHONMALLOC=malloc lets ASan see every allocation, pymalloc's included.
SAN_DIR := build/sanitize
sanitize: setup
	$(BIN)/python meshlab/sim/_core_build.py --sanitize $(SAN_DIR)
	LD_PRELOAD="$$($(CC) -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0 \
	  PYTHONMALLOC=malloc MESHLAB_CORE="$$(ls $(SAN_DIR)/_core*.so)" \
	  $(BIN)/python -m pytest tests/test_sim_golden.py tests/test_sim_speedups.py -q -m "not slow"

bench: setup core
	$(BIN)/meshlab bench all

lint: setup
	$(BIN)/ruff check --fix $(PY_TREES)
	$(BIN)/ruff format $(PY_TREES)

docs: setup
	$(BIN)/mkdocs build --strict

clean:
	rm -rf $(VENV) $(BINDER_VENV) widgets/node_modules site .pytest_cache
