# GitOps Console: `make run` serves the app, `make test` runs every test.
# Both set everything up first, on a fresh Debian machine with Python 3.11+, Node/npm and make.

PYTHON ?= python3
# Empty: gunicorn.conf.py decides (GITOPS_BIND, GITOPS_WORKERS); given, they win.
HOST ?=
PORT ?=
WORKERS ?=
# Test processes: one per core (each with its own databases and servers); 1 runs serially.
TEST_WORKERS ?= auto
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HTMX := webapp/static/vendor/htmx.min.js
CHROMIUM := /usr/bin/chromium
NGINX := /usr/sbin/nginx

SERVER_ARGS := $(if $(HOST)$(PORT),--bind $(or $(HOST),127.0.0.1):$(or $(PORT),5000)) \
	$(if $(WORKERS),--workers $(WORKERS))

.PHONY: run test lint bench install install-test assets system-packages loadgen db clean

run: install assets db
	@$(FLASK) users bootstrap
	$(BIN)/gunicorn --config gunicorn.conf.py $(SERVER_ARGS) wsgi:app

test: install-test assets system-packages
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

lint: install-test
	$(BIN)/ruff check .

bench: install-test assets loadgen
	$(BIN)/python -m bench

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test
assets: $(HTMX)

db: install
	$(FLASK) db upgrade

# Debian ships venv separately (python3-venv); install it when we may and must.
$(BIN)/python:
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-venv \
	    && $(PYTHON) -m venv $(VENV); \
	  else echo "Python's venv module is missing: run 'sudo apt-get install python3-venv'"; exit 1; fi; }
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test,postgres]'
	touch $@

# htmx comes from the npm registry at the version pinned in package-lock.json: no CDN.
$(HTMX): package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(dir $@)
	cp node_modules/htmx.org/dist/htmx.min.js $@

# The end-to-end tests drive Debian's Chromium (Playwright cannot download its own here);
# the README's nginx example runs in Debian's nginx-light; the PostgreSQL half of the
# tests runs a throw-away cluster with Debian's postgresql binaries (initdb, pg_ctl).
system-packages:
	@missing=""; [ -x $(CHROMIUM) ] || missing="chromium"; \
	[ -x $(NGINX) ] || missing="$$missing nginx-light"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  else echo "Missing:$$missing. Run 'sudo apt-get install$$missing'"; exit 1; fi; \
	fi

# The page benchmark's load generator is Debian's wrk; without it (not root) the benchmark
# says so and falls back on a slower Python client.
loadgen:
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk \
	    || echo "Could not install wrk: the page benchmark uses its Python load generator"; \
	  else echo "wrk is missing ('sudo apt-get install wrk'): the page benchmark uses its Python load generator"; fi; }

clean:
	rm -rf $(VENV) node_modules $(HTMX) .pytest_cache .ruff_cache
