# Two entry points for a fresh machine (see README.md):
#   make demo  - create .venv, install, build the student release and grade the bundled samples
#   make test  - create .venv, install, run the whole test suite
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install system-deps demo test lock clean

$(STAMP): pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $(STAMP)

install: $(STAMP)

# Headless Chromium renders the TA review bundle in tests/test_review.py (Debian package).
system-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "note: install chromium (apt-get install chromium) for the review-bundle tests"; fi; }

demo: install
	$(BIN)/python -m autograder demo

# One pytest worker per core (pytest-xdist): the suite is CPU-bound and mostly single-threaded.
test: install system-deps
	$(BIN)/python -m pytest -n auto --dist worksteal --durations=20

lock: install
	$(BIN)/python -m pip freeze --exclude-editable | sed '1i # Every transitive dependency, pinned. Regenerate: make lock' > constraints.txt

clean:
	rm -rf $(VENV) build release/*/ .pytest_cache
