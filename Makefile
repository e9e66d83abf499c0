# Placement Advisor
#   make run    set up .venv, migrate, load the demo, serve http://127.0.0.1:8000 (SQLite, DEBUG=1)
#   make test   set up .venv + dev tools, system packages, PostgreSQL/Redis, run the whole pytest suite
#   make check  acceptance checks from ../shared/checks (when present)
#   make lint   ruff, import-linter contracts and mypy (make test runs it first)
#   make lock   compile requirements*.in into the hashed lockfiles requirements*.txt

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check --no-input
HOST   ?= 127.0.0.1
PORT   ?= 8000
SHARED ?= ../shared
PYTEST_ARGS ?=
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/placement_advisor

# Stamps live inside the venv, so deleting .venv also forgets what was installed.
STAMP_RUNTIME := $(VENV)/.stamp-requirements
STAMP_DEV     := $(VENV)/.stamp-requirements-dev

export DJANGO_SETTINGS_MODULE ?= advisor.config.settings
# Playwright must use Debian's chromium; it never downloads a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export CHROMIUM_PATH ?= /usr/bin/chromium

.PHONY: help venv install install-dev static-vendor system-deps-optional run migrate demo test lint lock check system-deps services compose-config clean

help:
	@echo "make run            serve the app at http://$(HOST):$(PORT) with the demo data (DEBUG=1, SQLite unless DATABASE_URL is set)"
	@echo "make test           run the whole test suite against PostgreSQL (installs chromium, starts services if needed)"
	@echo "make lint           ruff check, ruff format --check, lint-imports and mypy (make test runs it first)"
	@echo "make lock           recompile requirements.in and requirements-dev.in into the hashed lockfiles"
	@echo "make check          acceptance checks from $(SHARED)/checks"
	@echo "make compose-config validate docker-compose.yml"
	@echo "make clean          remove .venv, caches and collected static files"

# --- environment -----------------------------------------------------------

$(PY):
	$(PYTHON) -m venv $(VENV)

venv: $(PY)

$(STAMP_RUNTIME): requirements.txt | $(PY)
	@echo ">> installing runtime requirements into $(VENV)"
	$(PIP) install --quiet --require-hashes -r requirements.txt
	touch $@

# plotly.js (strict bundle) from the npm registry, pinned and checksummed; git-ignored.
static-vendor: | $(PY)
	$(PY) scripts/fetch_static.py

# requirements-dev.txt pins every package of requirements.txt at the same version (it is compiled
# with requirements.txt as a constraint), so this also satisfies the runtime stamp.
$(STAMP_DEV): requirements.txt requirements-dev.txt | $(PY)
	@echo ">> installing dev requirements into $(VENV)"
	$(PIP) install --quiet --require-hashes -r requirements-dev.txt
	touch $(STAMP_RUNTIME) $@

install: $(STAMP_RUNTIME) static-vendor

install-dev: $(STAMP_DEV) static-vendor

# requirements*.in are the edited sources; the .txt lockfiles pin every transitive
# dependency with its hashes for Python 3.11 on Linux x86_64. Existing pins are kept:
# `make lock LOCK_ARGS=--upgrade` (or --upgrade-package NAME) moves them.
# --allow-unsafe pins pip and setuptools too, which --require-hashes needs;
# --strip-extras because requirements-dev.in uses requirements.txt as a constraint file.
# The runtime lock comes first: the dev lock is constrained by it.
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make lock" $(VENV)/bin/pip-compile --quiet --generate-hashes \
	--allow-unsafe --strip-extras --no-emit-find-links --no-emit-index-url --no-emit-trusted-host $(LOCK_ARGS)
lock: $(STAMP_DEV)
	$(PIP_COMPILE) -o requirements.txt requirements.in
	$(PIP_COMPILE) -o requirements-dev.txt requirements-dev.in

# SYSTEM_DEPS_ARGS=--dry-run prints what would be installed (tests/test_makefile.py).
system-deps:
	bash scripts/ensure-system-packages.sh --for test $(SYSTEM_DEPS_ARGS)

# `make run` asks only for what the PDF report uses (Chromium and Pango), and serves
# the app without them, saying what is missing, when it cannot install them.
system-deps-optional:
	bash scripts/ensure-system-packages.sh --for run $(SYSTEM_DEPS_ARGS) || echo ">> warning: PDF export needs the packages above"

# --- run ---------------------------------------------------------------------

run migrate demo: export DEBUG := 1

migrate: install
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py load_demo

run: system-deps-optional migrate
	@signin="$$($(PY) manage.py load_demo)"; \
	db="$${DATABASE_URL:+DATABASE_URL}"; tasks="$${CELERY_BROKER_URL:+Celery (CELERY_BROKER_URL)}"; \
	echo; \
	echo "================================================================"; \
	echo " Placement Advisor: http://$(HOST):$(PORT)/"; \
	echo " database: $${db:-SQLite (db.sqlite3)}   tasks: $${tasks:-in-process}"; \
	echo; \
	echo "$$signin" | sed 's/^/ /'; \
	echo "================================================================"; \
	echo
	$(PY) manage.py runserver $(HOST):$(PORT)

# --- tests -------------------------------------------------------------------

test services: export DEBUG := 1
test services: export DATABASE_URL ?= $(TEST_DATABASE_URL)

services:
	bash scripts/ensure-services.sh

# Every check runs, so one look shows all that fails; then lint fails if any did.
# DEBUG=1: django-stubs' mypy plugin imports the settings, which want a SECRET_KEY otherwise.
# lint-imports reads the layer contracts (.importlinter or pyproject.toml) and fails when there are none.
lint: export DEBUG := 1
lint: install-dev
	@status=0; \
	echo ">> ruff check"; $(VENV)/bin/ruff check . || status=1; \
	echo ">> ruff format --check"; $(VENV)/bin/ruff format --check . || status=1; \
	echo ">> lint-imports"; $(VENV)/bin/lint-imports || status=1; \
	echo ">> mypy"; $(VENV)/bin/mypy || status=1; \
	exit $$status

test: install-dev lint system-deps services
	@echo ">> pytest with DATABASE_URL=$$DATABASE_URL"
	$(PY) -m pytest $(PYTEST_ARGS)

check: export DEBUG := 1
check: install
	@if [ ! -d "$(SHARED)/checks" ]; then echo "no $(SHARED)/checks: nothing to check"; exit 0; fi; \
	status=0; \
	$(PY) $(SHARED)/checks/check_scenarios.py $(PY) $(SHARED)/scenarios || status=1; \
	$(PY) $(SHARED)/checks/check_prices.py $(SHARED)/prices-examples.json || status=1; \
	exit $$status

compose-config:
	SECRET_KEY=$${SECRET_KEY:-compose-config-check} POSTGRES_PASSWORD=$${POSTGRES_PASSWORD:-compose-config-check} \
		docker-compose -f docker-compose.yml config --quiet && echo "docker-compose.yml is valid"

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .hypothesis
	find . -path ./.git -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
