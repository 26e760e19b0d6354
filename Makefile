# The two commands: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
STORE  := data/maintien.sqlite3
PORT   ?= 8501

.PHONY: run run-multi test test-sqlite test-postgres install store clean help lock

help:
	@echo "make run   - installe (.venv), crée la base d'exemple si absente, lance http://localhost:$(PORT)"
	@echo "make test  - installe puis lance toute la suite (SQLite puis PostgreSQL)"

# requirements.lock pins every package, transitive ones included, to the versions tested.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

$(STORE): | $(STAMP)
	$(BIN)/python -m dashboard init --sample

store: $(STORE)

run: $(STAMP) $(STORE)
	$(BIN)/streamlit run app.py --server.port $(PORT)

# Several app processes behind nginx (docs/deployment.md).
PROCESSES  ?= 2
MULTI_PORT ?= 8080
run-multi: $(STAMP) $(STORE)
	$(BIN)/python -m dashboard.tools.cluster --processus $(PROCESSES) --port $(MULTI_PORT)

# The whole suite on SQLite, then again against a real PostgreSQL server that
# the test fixture starts from the Debian binaries (skipped off CI when absent).
# Tests that do not drive a browser run on one worker per CPU (pytest-xdist; each worker has its own
# stores and, on PostgreSQL, its own server); the browser tests run one at a time, as they time pages.
WORKERS ?= auto
PYTEST_PARALLEL := $(BIN)/python -m pytest -n $(WORKERS) --dist worksteal -m "not e2e"
test: $(STAMP)
	$(BIN)/ruff check .
	$(PYTEST_PARALLEL)
	$(BIN)/python -m pytest -m e2e
	MAINTIEN_TEST_BACKEND=postgresql $(PYTEST_PARALLEL)

test-sqlite: $(STAMP)
	$(BIN)/ruff check .
	$(PYTEST_PARALLEL)
	$(BIN)/python -m pytest -m e2e

test-postgres: $(STAMP)
	MAINTIEN_TEST_BACKEND=postgresql $(PYTEST_PARALLEL)

# After changing a pin in pyproject.toml: a fresh venv from the pins alone, then its freeze.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade pip
	.venv-lock/bin/python -m pip install --quiet -e '.[test]'
	{ echo "# Every package the app and its tests install, at the version tested (constraints for pip: -c)."; \
	  echo "# Regenerate after changing a pin in pyproject.toml: make lock (see README, 'Dependencies')."; \
	  .venv-lock/bin/python -m pip freeze --exclude-editable; } > requirements.lock
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache test-artifacts
