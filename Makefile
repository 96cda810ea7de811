# Two entry points for a fresh machine (see README.md):
#   make demo  - create .venv, install, build the student release and grade the bundled samples
#   make test  - create .venv, install, run the whole test suite
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test lock clean

$(STAMP): pyproject.toml constraints.txt
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/python -m autograder demo

test: install
	$(BIN)/python -m pytest

lock: install
	$(BIN)/python -m pip freeze --exclude-editable | sed '1i # Every transitive dependency, pinned. Regenerate: make lock' > constraints.txt

clean:
	rm -rf $(VENV) build release/*/ .pytest_cache
