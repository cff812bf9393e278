# dlicourse: `make run` and `make test` set themselves up on a fresh machine (Python 3.11+ and pip).
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BROWSER_STAMP := $(VENV)/.installed-browser
PROFILE ?= workshop

.PHONY: help setup run test test-browser test-jax lint labs check-labs expected lab doctor clean distclean

help:
	@echo "make run        set up, then run every solution notebook headless ($(PROFILE) profile) and print their figures"
	@echo "make test       set up, then run the whole test suite"
	@echo "make test-browser  the labs in JupyterLab in Chromium (needs: apt-get install chromium)"
	@echo "make test-jax   every solution notebook on Keras's JAX backend (fast profile)"
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
	@# Modules are byte-compiled when first imported, not all 13,000 at install (half its time). What a graded
	@# submission imports is compiled now: it runs with -B on a read-only tree and would compile it every start.
	$(BIN)/python -c "import dlicourse, keras, cv2, dlicourse.images, dlicourse.grading.answers"
	@command -v bwrap >/dev/null || echo "note: isolated grading needs bubblewrap (as root: apt-get install bubblewrap); see README, Grading"
	@touch $@

# Playwright only for the browser tests; Chromium itself comes from the system (.ci/run installs it).
$(BROWSER_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,jax,browser]'
	@touch $@

setup: $(STAMP)

run: $(STAMP)
	$(BIN)/dlicourse run --profile $(PROFILE)

test: $(STAMP) lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup --durations=25

test-browser: $(BROWSER_STAMP)
	$(BIN)/python -m pytest -p no:xdist --browser tests/test_browser.py --durations=5

test-jax: $(STAMP)
	KERAS_BACKEND=jax $(BIN)/dlicourse run --profile fast --runs-dir runs/jax

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
