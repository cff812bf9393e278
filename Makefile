# dlicourse: `make run` and `make test` set themselves up on a fresh machine (Python 3.11+ and pip).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BROWSER_STAMP := $(VENV)/.installed-browser
PROFILE ?= workshop
# Imported once at set-up so that their bytecode is written (see $(STAMP)): the course, a kernel, papermill, the tests.
COMPILED := import dlicourse, dlicourse.images, dlicourse.grading.answers, keras, tensorflow, cv2, jax, \
	matplotlib.pyplot, PIL.Image, ipykernel.kernelapp, ipykernel.ipkernel, ipykernel.debugger, ipywidgets, \
	papermill, nbclient, dask.distributed, pytest, xdist, nbval

.PHONY: help setup run test test-browser test-jax lint labs check-labs expected lab doctor clean distclean

help:
	@echo "make run        set up, then run every solution notebook headless ($(PROFILE) profile) and print their figures"
	@echo "make test       set up, then run the whole test suite"
	@echo "make test-browser  the labs in JupyterLab in Chromium (needs: apt-get install chromium)"
	@echo "make test-jax   every solution notebook on Keras's JAX backend (fast profile, training seed 1)"
	@echo "make lab        open JupyterLab on the student notebooks in labs/"
	@echo "make labs       write labs/ from solutions/ (after editing a solution)"
	@echo "make expected   refresh the solutions' expected outputs from a fast run"
	@echo "make lint       ruff"
	@echo "make clean      remove runs and caches of this checkout;  make distclean: also .venv"

# Reinstalled only when pyproject.toml changes, so a second `make run` starts at once.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --no-compile -e '.[dev,jax]'
	@# What the course imports is byte-compiled now, by importing it, not all 13,000 modules at install (half
	@# its time). Python would compile a module at its first import, but not where PYTHONDONTWRITEBYTECODE is
	@# set, as on many CI machines and containers: then every kernel compiled TensorFlow again (19 CPU-s each),
	@# and a graded submission, which runs with -B on a read-only tree, always would. Empty, the variable is off.
	PYTHONDONTWRITEBYTECODE= PYDEVD_DISABLE_FILE_VALIDATION=1 $(BIN)/python -c "$(COMPILED)"
	@command -v bwrap >/dev/null || echo "note: isolated grading needs bubblewrap (as root: apt-get install bubblewrap); see docs/grading.md"
	@touch $@

# Playwright only for the browser tests; Chromium itself comes from the system (.ci/run installs it).
$(BROWSER_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,jax,browser]'
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -c "import jupyterlab.labapp, playwright.sync_api"
	@touch $@

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/dlicourse run --profile $(PROFILE)

test: $(STAMP) lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup --durations=25

test-browser: $(BROWSER_STAMP)
	$(BIN)/python -m pytest -p no:xdist --browser tests/test_browser.py --durations=5

# Another training seed than make test's 0: every change is checked on two different trainings at no extra cost.
JAX_SEED ?= 1
test-jax: $(STAMP)
	@echo "make test-jax: every solution on JAX, fast profile, training seed $(JAX_SEED)"
	KERAS_BACKEND=jax $(BIN)/dlicourse run --profile fast -p seed=$(JAX_SEED) --runs-dir runs/jax

lint: $(STAMP)
	$(BIN)/ruff check .

labs: $(STAMP)
	$(BIN)/dlicourse release

check-labs: $(STAMP)
	$(BIN)/dlicourse release --check

expected: $(STAMP)
	$(BIN)/dlicourse run --profile fast --runs-dir runs
	$(BIN)/dlicourse release --expect-from runs/fast

lab: $(STAMP)
	$(BIN)/jupyter lab labs/

clean:
	rm -rf runs outputs labs/outputs solutions/outputs .pytest_cache .ruff_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
