# Two commands on a fresh machine: `make run` and `make test`. Both create and reuse .venv.
VENV := .venv
BIN := $(VENV)/bin
PYTHON ?= python3
export FLASK_APP := wsgi.py


.PHONY: run run-prod bench test lint sast audit-deps lock sbom test-unit test-integration test-e2e translations extract-messages install clean

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
# The address printed on documents (report cards' and receipts' verify links, QR codes): the one
# `make run` serves on, unless LMS_PUBLIC_BASE_URL names another (a proxy in front). The demo's
# seeding issues its cards with it too, so they verify where the demo is served.
PUBLIC_BASE_URL := $(or $(LMS_PUBLIC_BASE_URL),http://$(HOST):$(PORT))

run: install
	$(BIN)/flask db upgrade
	LMS_PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(BIN)/flask seed-demo
	@echo "lms: http://$(HOST):$(PORT)"
	LMS_PUBLIC_BASE_URL=$(PUBLIC_BASE_URL) $(BIN)/flask run --host $(HOST) --port $(PORT)

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

# Static security analysis: any finding of medium or high severity fails (domain/security.md #55);
# then the dependency audit (#56).
sast: $(VENV)/.installed
	$(BIN)/bandit -r lms -ll -q
	@$(MAKE) --no-print-directory audit-deps

# Supply-chain tools in their own environment, so they never change what the app runs with.
TOOLS := .venv-tools
$(TOOLS)/.installed: requirements-tools.txt
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install -q -r requirements-tools.txt
	touch $@

# pip-audit --strict over requirements.lock. Where the vulnerability service cannot be reached (no
# internet, or a mirror without PyPI's per-release JSON) it prints "NOT RUN" and does not fail,
# unless LMS_REQUIRE_DEPENDENCY_AUDIT=1; it never prints "passed" without having checked.
audit-deps:
	@if $(MAKE) --no-print-directory -s $(TOOLS)/.installed >/dev/null 2>&1; then \
	  $(PYTHON) deploy/audit_dependencies.py $(TOOLS)/bin/pip-audit requirements.lock; \
	else echo "dependency audit: NOT RUN — its tools could not be installed (no package index)"; \
	  test "$$LMS_REQUIRE_DEPENDENCY_AUDIT" != 1; fi

# Every runtime dependency, transitive ones too, pinned with its files' hashes (after changing
# requirements.txt). Production installs with `pip install --require-hashes -r requirements.lock`.
lock: $(TOOLS)/.installed
	cp requirements.lock requirements.lock.new  # pins already chosen are kept unless requirements.txt moves them
	$(TOOLS)/bin/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-header \
	  --no-emit-index-url --no-emit-find-links --output-file requirements.lock.new requirements.txt
	{ sed -n '1,/^[a-z]/p' requirements.lock | sed '$$d'; cat requirements.lock.new; } > requirements.lock.tmp
	mv requirements.lock.tmp requirements.lock && rm -f requirements.lock.new

# The software bill of materials (CycloneDX 1.6 JSON) of what requirements.lock installs.
sbom: $(TOOLS)/.installed
	$(TOOLS)/bin/cyclonedx-py requirements --output-reproducible --of JSON --sv 1.6 -o sbom.cdx.json requirements.lock
	@echo "sbom.cdx.json: $$(grep -c '"bom-ref"' sbom.cdx.json) entries"

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
	rm -rf $(VENV) $(TOOLS) instance .pytest_cache
