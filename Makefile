# Placement Advisor
#   make run    set up .venv, migrate, load the demo, serve http://127.0.0.1:8000 (SQLite, DEBUG=1)
#   make test   set up .venv + dev tools, system packages, PostgreSQL/Redis, run the whole pytest suite
#   make check  acceptance checks from ../shared/checks (when present)

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

export DJANGO_SETTINGS_MODULE ?= advisor.settings
# Playwright must use Debian's chromium; it never downloads a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
export CHROMIUM_PATH ?= /usr/bin/chromium

.PHONY: help venv install install-dev static-vendor system-deps-optional run migrate demo test check system-deps services compose-config clean

help:
	@echo "make run            serve the app at http://$(HOST):$(PORT) with the demo data (DEBUG=1, SQLite unless DATABASE_URL is set)"
	@echo "make test           run the whole test suite against PostgreSQL (installs chromium, starts services if needed)"
	@echo "make check          acceptance checks from $(SHARED)/checks"
	@echo "make compose-config validate docker-compose.yml"
	@echo "make clean          remove .venv, caches and collected static files"

# --- environment -----------------------------------------------------------

$(PY):
	$(PYTHON) -m venv $(VENV)

venv: $(PY)

$(STAMP_RUNTIME): requirements.txt | $(PY)
	@echo ">> installing runtime requirements into $(VENV)"
	$(PIP) install --quiet -r requirements.txt
	touch $@

# plotly.js (strict bundle) from the npm registry, pinned and checksummed; git-ignored.
static-vendor: | $(PY)
	$(PY) scripts/fetch_static.py

# requirements-dev.txt includes requirements.txt, so this also satisfies the runtime stamp.
$(STAMP_DEV): requirements.txt requirements-dev.txt | $(PY)
	@echo ">> installing dev requirements into $(VENV)"
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(STAMP_RUNTIME) $@

install: $(STAMP_RUNTIME) static-vendor

install-dev: $(STAMP_DEV) static-vendor

system-deps:
	bash scripts/ensure-system-packages.sh

# `make run` wants the same packages (Chromium and Pango for the PDF) but serves
# the app without them, saying what is missing, when it cannot install them.
system-deps-optional:
	bash scripts/ensure-system-packages.sh || echo ">> warning: PDF export needs the packages above"

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

test: install-dev system-deps services
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
