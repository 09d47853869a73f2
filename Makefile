# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
# Everything installs into .venv; Debian packages (WeasyPrint's libraries, Chromium) are installed
# only where missing, with apt-get (as root, or through sudo).

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
APT_INSTALL := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends
# Debian's packages for WeasyPrint (Pango, HarfBuzz) and fonts with æ, ø, å and the Sami letters.
WEASYPRINT_DEBS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-core
PYTEST_ARGS ?=

.PHONY: run test lint format web worker beat lock bench system-deps browser-deps clean

run: $(VENV)/.runtime system-deps .env
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	@echo "Portalen kjører på http://127.0.0.1:8000 (Ctrl+C stopper den)."
	$(PY) manage.py runserver 127.0.0.1:8000

test: $(VENV)/.dev system-deps browser-deps .env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev .env
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The production processes, each started by deploy/run from its line in the Procfile (the one place that
# defines them; systemd and CI start them the same way). `make web` serves the portal with gunicorn on
# 127.0.0.1:8000 (GUNICORN_BIND to change it), after collecting the static files WhiteNoise serves.
web: $(VENV)/.runtime system-deps .env
	$(PY) manage.py collectstatic --no-input --verbosity 0
	deploy/run web

# A Celery worker; needs REDIS_URL or CELERY_BROKER_URL. For development it runs the beat scheduler built in
# (WORKER_ARGS=--beat), so that one terminal does it all. In production beat is its own process, exactly one
# (`make beat`, veiledning-beat.service): run `make worker WORKER_ARGS=` beside it, never two beats.
WORKER_ARGS ?= --beat
worker: $(VENV)/.runtime system-deps .env
	deploy/run worker $(WORKER_ARGS)

beat: $(VENV)/.runtime .env
	deploy/run beat

# Regenerates the locks from requirements.in and requirements-dev.in: every transitive dependency pinned, with
# the hashes pip checks when installing. To upgrade one transitive package without touching the others:
# make lock LOCK_ARGS="--upgrade-package kombu". uv's own version is pinned in requirements-dev.in.
LOCK_ARGS ?=
UV_COMPILE = $(VENV)/bin/uv pip compile --quiet --generate-hashes --python-version 3.11 --universal \
	--custom-compile-command "make lock" $(LOCK_ARGS)
lock: $(VENV)/.dev
	$(UV_COMPILE) requirements.in -o requirements.txt
	$(UV_COMPILE) requirements-dev.in -o requirements-dev.txt

# meetings.py needs PostgreSQL (127.0.0.1:5432, or MEETINGS_BENCH_DATABASE_URL); it makes and drops its own database.
bench: $(VENV)/.dev system-deps .env
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(APT_INSTALL) wrk; }
	$(PY) benchmarks/web.py
	$(PY) benchmarks/crawl.py
	$(PY) benchmarks/query_counts.py
	$(PY) benchmarks/meetings.py
	$(PY) benchmarks/contracts.py
	$(PY) benchmarks/contracts_send.py
	$(PY) benchmarks/development_plans.py
	$(PY) benchmarks/surveys.py

# Stock Debian ships the venv module separately (python3-venv); it is installed if missing.
$(PY):
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV) && $(SUDO) apt-get update -qq \
		&& $(APT_INSTALL) python3-venv && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --upgrade pip

# The locks carry a hash for every file, and --require-hashes makes pip refuse anything else.
$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.txt
	touch $(VENV)/.runtime $@

.env:
	cp .env.example .env

# The libraries and fonts are checked one by one: a machine with Pango but without the fonts would
# otherwise render PDFs in whatever font it happens to have.
system-deps: | $(VENV)/.runtime
	@dpkg -s $(WEASYPRINT_DEBS) >/dev/null 2>&1 || { \
		$(SUDO) apt-get update -qq && $(APT_INSTALL) $(WEASYPRINT_DEBS); }

browser-deps:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && $(APT_INSTALL) chromium; }

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
