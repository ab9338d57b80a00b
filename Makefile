# shuzheng — `make demo` and `make test` work on a fresh machine; see README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
SZ := $(VENV)/bin/shuzheng
VENDOR := src/shuzheng/web/static/vendor
PYTEST_ARGS ?=
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: setup assets chromium demo serve broker-configured worker beat test lint check-migrations pytest e2e bench clean

setup: $(VENV)/.installed assets

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	@touch $@

# Front-end assets come from the npm registry into static/vendor (no CDN at run time).
assets: $(VENDOR)/.installed

$(VENDOR)/.installed: package.json
	npm install --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)/htmx $(VENDOR)/echarts
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/
	@touch $@

# Debian's Chromium (and a CJK font for readable screenshots) drives the browser tests, and poppler's
# pdfsig checks the PAdES signatures of e-licences; installed when missing (the machines run as root).
chromium:
	@(command -v chromium >/dev/null && fc-list 2>/dev/null | grep -qi wqy) \
	  || (apt-get update -qq && apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null) \
	  || echo "chromium could not be installed: browser tests will be skipped"
	@command -v pdfsig >/dev/null || (apt-get update -qq && apt-get install -y -qq poppler-utils >/dev/null) \
	  || echo "poppler-utils could not be installed: the pdfsig check of e-licences will be skipped"

demo: setup
	DJANGO_SETTINGS_MODULE=shuzheng.config.settings.demo $(SZ) migrate --no-input -v 0
	DJANGO_SETTINGS_MODULE=shuzheng.config.settings.demo $(SZ) load-demo
	DJANGO_SETTINGS_MODULE=shuzheng.config.settings.demo $(SZ) runserver 127.0.0.1:8000 --insecure

serve: setup
	$(VENV)/bin/gunicorn shuzheng.config.wsgi -b 127.0.0.1:8000 -w 3

# Without a broker, tasks run inside the web process and a worker would only listen to Celery's default
# amqp://localhost; refuse instead. The check reads settings, so a CELERY_BROKER_URL in .env counts.
broker-configured: setup
	@$(SZ) shell -v 0 -c "from django.conf import settings; import sys; \
	  sys.exit(0 if settings.CELERY_BROKER_URL else 'CELERY_BROKER_URL is not set (e.g. redis://127.0.0.1:6379/0)')"

worker: broker-configured
	$(VENV)/bin/celery -A shuzheng.config worker -l info

beat: broker-configured
	$(VENV)/bin/celery -A shuzheng.config beat -l info

test: setup chromium lint check-migrations pytest

lint: setup
	$(VENV)/bin/ruff check
	$(VENV)/bin/ruff format --check
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache  # the import cache kept modules that had become packages

check-migrations: setup
	DJANGO_SETTINGS_MODULE=shuzheng.config.settings.test $(SZ) makemigrations --check --dry-run

# --dist loadfile: a file's tests share one worker, so a file over the full demo (web/tests/demo/) loads it
# once on that worker, not once per test.
pytest: setup
	$(VENV)/bin/pytest -n auto --dist loadfile $(PYTEST_ARGS)

e2e: setup chromium
	$(VENV)/bin/pytest -m browser $(PYTEST_ARGS)

# wrk (Debian's package) drives the side-by-side benchmark; installed when missing (the machines run as root).
bench: setup
	@command -v wrk >/dev/null || (apt-get update -qq && apt-get install -y -qq wrk >/dev/null) \
	  || echo "wrk could not be installed: python -m bench sidebyside will not run"
	$(PY) -m bench

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
