# Two commands on a fresh machine: `make run` and `make test`. Both create and reuse .venv.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
export FLASK_APP := wsgi.py


.PHONY: run run-prod bench test lint sast test-unit test-integration test-e2e translations extract-messages install clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed translations

translations: $(VENV)/.installed
	@$(BIN)/pybabel -q compile -d lms/translations

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o lms/translations/messages.pot --no-location --sort-output .
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching

HOST ?= 127.0.0.1
PORT ?= 5000

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask seed-demo
	@echo "lms: http://$(HOST):$(PORT)"
	LMS_PUBLIC_BASE_URL=http://$(HOST):$(PORT) $(BIN)/flask run --host $(HOST) --port $(PORT)

# Production on this machine: gunicorn and one RQ worker against PostgreSQL and Redis. Needs
# LMS_DATABASE_URL, LMS_REDIS_URL, LMS_SECRET_KEY, LMS_SIGNING_KEY and LMS_SECRETS_KEY (README).
run-prod: install
	@test -n "$$LMS_DATABASE_URL" -a -n "$$LMS_REDIS_URL" || \
	  { echo "Đặt LMS_DATABASE_URL và LMS_REDIS_URL / set LMS_DATABASE_URL and LMS_REDIS_URL (README: Production)"; exit 1; }
	LMS_ENV=production $(BIN)/flask --app wsgi db upgrade
	LMS_ENV=production $(BIN)/flask --app wsgi worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  LMS_ENV=production $(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

# Every script in bench/, its figures written into docs/benchmarks.md (BENCH_ARGS=--quick: small sizes).
bench: install
	$(BIN)/python bench/run_all.py $(BENCH_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check lms tests migrations wsgi.py gunicorn.conf.py

# Static security analysis: any finding of medium or high severity fails (domain/security.md #55).
sast: $(VENV)/.installed
	$(BIN)/bandit -r lms -ll -q

# The accessibility engine the browser tests inject (axe-core, pinned in tests/e2e/axe/package-lock.json).
AXE := tests/e2e/axe/node_modules/axe-core/axe.min.js
$(AXE): tests/e2e/axe/package.json tests/e2e/axe/package-lock.json
	npm ci --prefix tests/e2e/axe --no-audit --no-fund --loglevel=error
	touch $@

# Tests run in parallel, one PostgreSQL per worker; the demo is seeded once and copied into each, each
# browser-test file runs whole on one worker (tests/conftest.py, tests/demo.py).
TEST_WORKERS ?= auto
test: install lint sast $(AXE)
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup

test-unit: install
	$(BIN)/python -m pytest tests/unit

test-integration: install
	$(BIN)/python -m pytest tests/integration

test-e2e: install $(AXE)
	$(BIN)/python -m pytest tests/e2e

clean:
	rm -rf $(VENV) instance .pytest_cache
