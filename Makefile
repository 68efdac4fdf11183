# Tasks of a developer's loop (README "Developing carekg"). Every target runs the tools
# installed in .venv by `make install`; CI (.ci/run) runs lint, types and the README's
# test command.
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: install lint types test-fast test check

install:  ## an editable install with the test tools, and the browser assets
	python3 -m venv $(VENV)
	$(BIN)/pip install -e '.[test]'
	npm ci --no-audit --no-fund

lint:  ## ruff over the whole tree
	$(BIN)/ruff check .

types:  ## mypy over the package as installed (.ci/types)
	PYTHON=$(BIN)/python .ci/types

test-fast:  ## the suite without the tests marked slow (under a minute)
	$(BIN)/pytest -q -m "not slow"

test:  ## the whole suite, as CI runs it
	$(BIN)/pytest -q

check: lint types test-fast
