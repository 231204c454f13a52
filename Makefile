# Alliance: `make demo` to try it, `make test` to check it.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-nodeps.txt | sha1sum | cut -c1-12)
HOST ?= 127.0.0.1
PORT ?= 8000
# One worker for every queue (practice/settings.py TASK_QUEUES_ALL; deploy/ runs one per queue).
WORKER_QUEUES ?= safety,analytics,ai,celery

.PHONY: demo test install migrate seed serve worker beat bench loadtest lint format schema e2e screenshots clean-demo

$(STAMP): requirements.txt requirements-nodeps.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

migrate: install
	$(PY) manage.py migrate --noinput

# Seeds once: data/.demo-seeded marks a seeded database (delete it, or `make clean-demo`, to reseed).
seed: migrate
	@if [ ! -f data/.demo-seeded ]; then \
		ALLIANCE_DEMO=1 $(PY) manage.py seed_demo --seed 7 > data/demo-logins.txt && touch data/.demo-seeded; \
		cat data/demo-logins.txt; \
	else \
		echo "Demo data already seeded."; cat data/demo-logins.txt; \
	fi

demo: seed
	@echo ""
	@echo "Alliance is running at http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	@echo "Logins are listed above (also in data/demo-logins.txt)."
	@echo "E-mails it sends (portal invitations and the like) are written to $(CURDIR)/data/outbox-mail/: open the newest file to follow its link."
	ALLIANCE_DEMO=1 $(PY) manage.py runserver $(HOST):$(PORT) --noreload

serve: migrate
	$(VENV)/bin/gunicorn practice.wsgi:application --preload --bind $(HOST):$(PORT) --workers 2

worker: install
	$(VENV)/bin/celery -A practice worker --loglevel=INFO --concurrency=2 -Q $(WORKER_QUEUES)

beat: install
	$(VENV)/bin/celery -A practice beat --loglevel=INFO

test: install
	$(PY) -m pytest -q $(PYTEST_ARGS)

e2e: install
	$(PY) -m pytest -q tests/e2e

bench: install
	$(PY) benchmarks/nudge_simulation.py
	$(PY) benchmarks/run.py

# The production topology under load (benchmarks/loadtest.py, docs/capacity.md): loopback only,
# its own Redis and PostgreSQL database `loadtest`; LOADTEST_SCENARIOS=all adds the Redis outage
# and the killed worker, LOADTEST_DURATION (seconds, default 120) bounds each scenario.
loadtest: install
	$(PY) benchmarks/loadtest.py

# The README's pictures, from a freshly seeded demo in a temporary folder (needs /usr/bin/chromium).
screenshots: install
	$(PY) scripts/screenshots.py

schema: install
	$(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

# mypy: the files and globs in pyproject.toml [tool.mypy] (services, selectors, models, tasks).
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

clean-demo:
	rm -f data/alliance.sqlite3* data/.demo-seeded data/demo-logins.txt
