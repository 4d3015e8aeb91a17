# Two entry points: `make run` (install, migrate, demo data, serve) and `make test`.
SHELL := /bin/bash
# Python 3.11 or newer: prefer an explicit python3.11, else the default python3.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint format messages check-migrations clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Python 3.11 or newer is needed; found $$($(PYTHON) --version 2>&1). Set PYTHON=/path/to/python3.11."; exit 1; }
	@$(PYTHON) -m venv $(VENV) || \
	  { rm -rf $(VENV); echo "Could not create $(VENV): on Debian/Ubuntu install the venv module (apt install python3-venv)."; exit 1; }
	$(PIP) install --quiet --upgrade pip

# Re-install whenever a requirements file changed.
$(STAMP): $(PY) requirements.txt requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP)

# load_demo also computes the partner suggestions and makes a few company users;
# ensure_demo_superuser prints new passwords for them and for the admin on every run.
run: install
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_demo
	$(PY) manage.py ensure_demo_superuser --url http://$(HOST):$(PORT)/admin/ --portal-url http://$(HOST):$(PORT)/accounts/login/
	@echo "Start page for companies: http://$(HOST):$(PORT)/"
	$(PY) manage.py runserver $(HOST):$(PORT)

# The suite runs on every core (at most four processes; each loads the sentence encoder once).
test: install
	@scripts/ensure-chromium
	$(PY) -m pytest -n auto --maxprocesses 4 $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-migrations: install
	$(PY) manage.py makemigrations --check --dry-run

# Extract new strings into locale/de/LC_MESSAGES/django.po, then compile after translating.
messages: install
	$(PY) manage.py makemessages --locale de --no-obsolete --no-location --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'tests/*'
	$(PY) manage.py compilemessages --locale de --ignore '.venv/*'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
