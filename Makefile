# The two commands of the README:
#   make run   — set up and serve the portal on the embedded default (SQLite, eager Celery), demo data loaded
#   make test  — ruff, makemigrations --check, and the whole pytest suite against PostgreSQL and Redis
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
ARGS ?=

# make test runs against the real services; override on the command line if yours live elsewhere.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_WORKERS ?= 2
TEST_ENV := DJANGO_ENV=test DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL)
# The embedded default: whatever the shell exports, `make run` uses SQLite and eager Celery.
# The links in the demo's notices point at the address it is served on, unless PUBLIC_BASE_URL says otherwise.
RUN_ENV := DJANGO_ENV=development DATABASE_URL= REDIS_URL= CELERY_TASK_ALWAYS_EAGER=1 \
  PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://$(HOST):$(PORT)}

.PHONY: run setup pdf-deps test pytest lint format messages worker beat check-deploy clean up down

$(STAMP): requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@rm -f $(VENV)/.installed-* && touch $(STAMP)

messages: $(STAMP)
	@$(VENV)/bin/pybabel compile --domain=django --directory=locale --use-fuzzy --statistics 2>&1 | grep -v '^$$' || true

# WeasyPrint (PDF slips) needs Pango and the DejaVu fonts: installed with apt when missing and running as root,
# otherwise a warning (everything else, HTML slips included, works without them).
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
pdf-deps:
	@if { ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null; } | grep libpango-1.0 >/dev/null \
	    && [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing $(PDF_PACKAGES) for the PDF slips"; \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq \
	    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PDF_PACKAGES) >/dev/null; \
	else \
	  echo "WARNING: PDF slips need Pango and the DejaVu fonts, which are missing:"; \
	  echo "         sudo apt-get install $(PDF_PACKAGES)   (HTML slips work without them)"; \
	fi

setup: $(STAMP) messages pdf-deps
	@mkdir -p var
	@$(RUN_ENV) $(PY) manage.py migrate --no-input -v 0
	@$(RUN_ENV) $(PY) manage.py load_communes
	@$(RUN_ENV) $(PY) manage.py load_catalogue
	@$(RUN_ENV) $(PY) manage.py seed_demo
	@$(RUN_ENV) $(PY) manage.py stats_rebuild -v 0

run: setup
	@echo ""
	@echo "  Cổng dịch vụ công tỉnh Phú Thọ — http://$(HOST):$(PORT)/"
	@echo "  API docs: http://$(HOST):$(PORT)/api/docs/   readiness: http://$(HOST):$(PORT)/readyz"
	@echo ""
	@$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

test: $(STAMP) messages lint
	$(VENV)/bin/lint-imports
	@$(TEST_ENV) $(PY) -m portal.devtools.check_services
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(ARGS)

# One file or one test, without the lint steps: make pytest ARGS=communes/tests/test_api.py
pytest: $(STAMP) messages
	$(TEST_ENV) $(PY) -m pytest $(ARGS)

# Worker and beat run against REDIS_URL (default: the local Redis); DATABASE_URL as for the web processes.
WORKER_ENV := REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/0} CELERY_TASK_ALWAYS_EAGER=0

worker: $(STAMP)
	$(WORKER_ENV) $(VENV)/bin/celery -A portal worker --loglevel=INFO

beat: $(STAMP)
	@mkdir -p var
	$(WORKER_ENV) $(VENV)/bin/celery -A portal beat --loglevel=INFO --schedule var/celerybeat-schedule

# The production topology on this machine, in the background (deploy/up: nginx, 2 gunicorn, 2 Celery workers, beat,
# against the local PostgreSQL and Redis; README, "Production deployment"); `make down` stops it.
up: $(STAMP) messages pdf-deps
	@bash deploy/up

down:
	@bash deploy/down

# The deployment check with the production variables of .env.example filled in.
check-deploy: $(STAMP)
	@set -a && source .env.example && set +a && $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf var .pytest_cache test-artifacts
