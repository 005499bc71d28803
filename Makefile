# Two commands for a newcomer: `make run` and `make test`. Each installs what it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run serve test test-fast lint format migrations-check bench bench-mcp chaos messages messages-check messages-update clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	touch $@

var:
	mkdir -p var/mail var/media var/cache

setup: $(VENV)/.installed var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo

run: setup  ## Serve the site and the MCP server (/mcp) on http://127.0.0.1:8000 with demo data
	@echo ""
	@echo "  Walks is running on http://$(HOST):$(PORT)/"
	@echo "  E-mails (sign-up codes, links) are written to $(CURDIR)/var/mail/; each one is announced here with its file."
	@echo "  Demo sign-in: see README (demo@walks.localhost / walks-demo-2026)."
	@echo ""
	WALKS_HOST=$(HOST) WALKS_PORT=$(PORT) $(VENV)/bin/uvicorn config.asgi:application --host $(HOST) --port $(PORT)

serve: setup  ## The same with several worker processes
	WALKS_HOST=$(HOST) WALKS_PORT=$(PORT) $(VENV)/bin/uvicorn config.asgi:application --workers 3 --host $(HOST) --port $(PORT)

test: $(VENV)/.installed  ## Run the test suite (browser tests need /usr/bin/chromium)
	$(PY) -m pytest -n auto --dist loadgroup $(PYTEST_ARGS)

test-fast: $(VENV)/.installed
	$(PY) -m pytest -n auto -m "not browser and not integration" $(PYTEST_ARGS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations-check: $(VENV)/.installed
	$(PY) manage.py makemigrations --check --dry-run

messages: $(VENV)/.installed  ## Recompile translations (needs gettext)
	$(PY) manage.py compilemessages --ignore=.venv

messages-check: $(VENV)/.installed  ## Fail on a string without a current Russian translation, or a stale catalogue
	$(PY) scripts/messages_check.py

messages-update: $(VENV)/.installed  ## makemessages into each app's catalogue, then compile; translate what it lists
	$(PY) scripts/messages_check.py --update

bench: $(VENV)/.installed
	bash bench/run.sh

chaos: $(VENV)/.installed
	bash bench/chaos.sh

bench-mcp: $(VENV)/.installed  ## An MCP tools/call of set_walk against the REST POST, on uvicorn (a minute)
	$(PY) bench/mcp.py

clean:
	rm -rf var/cache var/mail

bench-imports: $(VENV)/.installed  ## 10,000 imported rows: time and queries per batch (SQLite, or DATABASE_URL)
	$(PY) bench/imports.py
