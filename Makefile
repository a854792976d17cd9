# 场景对接平台 — `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
FLASK := $(BIN)/flask --app wsgi.py

.PHONY: run test install clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "需要 Python 3.11（$(PYTHON)）"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python setup.cfg requirements/constraints.txt
	$(BIN)/pip install --quiet -c requirements/constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	mkdir -p instance
	$(FLASK) db upgrade
	$(FLASK) seed reference
	$(FLASK) seed demo --if-empty
	$(FLASK) search check >/dev/null 2>&1 || $(FLASK) search rebuild
	@echo "场景对接平台: http://127.0.0.1:5000"
	SEARCH_BACKGROUND_DRAIN=1 REQUIRE_ADMIN_TOTP=$${REQUIRE_ADMIN_TOTP:-0} $(BIN)/waitress-serve --host 127.0.0.1 --port 5000 wsgi:app

# Each pytest run is spread over TEST_WORKERS processes (pytest-xdist; 2 = this machine's
# cores; TEST_WORKERS=0 runs in one process). Each worker has its own temporary directory,
# SQLite file or PostgreSQL database (tests/conftest.py) and live servers on free ports;
# tests marked xdist_group run one after another in the same worker (loadgroup).
TEST_WORKERS ?= 2
XDIST := -n $(TEST_WORKERS) --dist loadgroup

# The import contract (setup.cfg: features import downward only), bandit, the whole suite on
# SQLite (browser tests included), then again on PostgreSQL (browser tests use their own
# database, so they run once), then the search and matching tests with the search index in
# PostgreSQL too (SEARCH_BACKEND=postgres).
test: $(STAMP)
	@echo "== Import contract"
	$(BIN)/lint-imports --no-cache
	@echo "== Security lint (bandit: medium and high findings fail)"
	$(BIN)/bandit -q -ll -r marketplace
	@echo "== SQLite test run"
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)
	$(BIN)/python -m tests.postgres -m "not browser" $(XDIST) $(PYTEST_ARGS)
	@echo "== PostgreSQL search backend: search, matching, their authorization and privacy checks"
	$(BIN)/python -m tests.postgres --search-backend postgres -m "not browser" \
		-k "search or matching" $(XDIST) $(PYTEST_ARGS) \
		tests/search tests/matching tests/test_authz_matrix.py tests/privacy

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
