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
# Where this user may create a network namespace (root), the suite runs in one with only loopback
# up, so every grading run in it proves that grading needs no network (tests/test_offline.py).
PYTEST := $(BIN)/python -m pytest -n auto --dist worksteal --durations=20
OFFLINE := $(shell unshare --net true 2>/dev/null && command -v ip >/dev/null && echo yes)

test: install system-deps
ifeq ($(OFFLINE),yes)
	unshare --net sh -c 'ip link set lo up && DLCOURSE_SUITE_OFFLINE=1 exec $(PYTEST)'
else
	@echo "note: cannot create a network namespace here; the suite runs with the network"
	$(PYTEST)
endif

lock: install
	$(BIN)/python -m pip freeze --exclude-editable | sed '1i # Every transitive dependency, pinned. Regenerate: make lock' > constraints.txt

clean:
	rm -rf $(VENV) build release/*/ .pytest_cache
