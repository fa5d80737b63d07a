# Archer's commands (ARCHITECTURE §3). `make dev` runs the product locally; `make test` runs everything CI runs.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: dev reset test lint types pytest web-install web-build web-test web-watch e2e demo eval bench migrate seed install clean lock report

# Dev installs resolve the lock INPUTS (requirements.in, voice/requirements.in) plus the dev tools; what ships
# installs the hashed locks (requirements.txt: Function app; voice/requirements.txt: voice image). `make lock`
# regenerates both from PyPI (the machine's pip config and local wheel dirs are ignored so hashes match PyPI).
$(STAMP): requirements.in requirements-dev.txt $(wildcard voice/requirements.in)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

install: $(STAMP)

dev: install web-build
	$(PY) -m devhost

test: install lint types pytest web-test

lint: install
	$(VENV)/bin/ruff check .

types: install
	$(VENV)/bin/mypy shared functions voice devhost function_app.py

lock: install
	for spec in requirements voice/requirements; do \
	  env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
	    --strip-extras --no-header --output-file $$spec.txt $$spec.in || exit 1; done

# The whole Python suite, browser end-to-end tests included (they need the built web UI).
pytest: install web-build
	$(VENV)/bin/pytest -q

# The admin web app (web/), once it exists.
# `npm install` against the committed lock, not `npm ci`: the registry reachable here lacks other platforms'
# optional binaries (e.g. @tailwindcss/oxide-*), which `npm ci` insists on finding in the lock. `--no-save`
# keeps npm from rewriting the lock for this platform, so `make dev` leaves the work tree unmodified.
web-install:
	@if [ -f web/package.json ]; then cd web && { [ -d node_modules ] && [ node_modules -nt package-lock.json ] || npm install --no-audit --no-fund --no-save; }; fi

web-build: web-install
	@if [ -f web/package.json ]; then cd web && npm run --silent build; fi

# Rebuilds web/dist on every source change while `make dev` (in another terminal) serves it.
web-watch: web-install
	@cd web && npx vite build --watch

web-test: web-install
	@if [ -f web/package.json ]; then cd web && npm run --silent test; fi

e2e: install web-build
	$(VENV)/bin/pytest -q -m e2e

# `make demo SITUATION=distress` (emergency, fraud, already_paid, validation, third_party, spanish, cease) plays a
# safety situation instead of the payment call.
demo: install
	$(PY) -m shared.agent.demo $(if $(SITUATION),--situation $(SITUATION))

# The quality report (HTML + JSON) for the last 7 days into .local/reports/; e.g. REPORT_ARGS="--from 2026-11-01".
report: install
	$(PY) -m shared.quality.report --out .local/reports $(REPORT_ARGS)

eval: install
	$(PY) -m tests.scenarios.eval

bench: install
	@for b in bench/*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

migrate: install
	$(PY) -m shared.db.migrate upgrade head

seed: install
	$(PY) -m shared.db.seed

# Fresh demo data: empties the local database (DATABASE_URL, else the embedded one of `make dev`) and seeds it.
# Nothing else is deleted (.venv, node_modules and web/dist stay); refused in production.
reset: install
	$(PY) -m shared.admin.demo_reset

clean:
	rm -rf $(VENV) .local web/node_modules web/dist
