# Atoll: `make run` and `make test` set up everything they need on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ENV    ?= dev
PORT   ?= 3000

# Reflex must use the bun we install from the npm registry (its own download can't work
# offline), must not phone home, and must not restart when the database file changes.
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export REFLEX_HOT_RELOAD_EXCLUDE_PATHS := $(CURDIR)/data:$(CURDIR)/tests:$(CURDIR)/bench
export PYTHONUNBUFFERED := 1

.PHONY: help install bun chromium db run test clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

bun:
	@command -v bun >/dev/null 2>&1 || npm install -g bun

install: $(VENV)/.installed bun ## Create .venv and install the project, dev tools and bun

chromium: ## Install Debian's Chromium for the browser tests when it is missing
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

db: install ## Create or update the local database schema and seed it
	$(BIN)/python -m db push
	$(BIN)/python -m db seed

run: db ## Serve the site on PORT (default 3000); ENV=prod for the production build
ifeq ($(ENV),prod)
	$(BIN)/reflex run --env prod --frontend-port $(PORT)
else
	$(BIN)/reflex run --env dev --frontend-port $(PORT)
endif

test: install chromium ## Run the whole suite, browser tests included
	$(BIN)/pytest

clean: ## Remove build output (keeps .venv and the database)
	rm -rf .web .states
