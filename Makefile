# Covenant: `make run` serves the portal with demo data; `make test` runs the whole suite.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
HOST ?= 127.0.0.1:8000
# Review packets have their own queue so a big cycle never delays other tasks.
QUEUES ?= celery,reviews

.PHONY: run test lint format bench worker venv clean

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

run: venv
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --once
	@if [ -n "$$REDIS_URL" ]; then \
		echo "REDIS_URL is set: starting a Celery worker with beat (logs in var/celery.log)"; \
		$(VENV)/bin/celery -A config worker -Q $(QUEUES) --beat --loglevel=info --logfile=var/celery.log \
			--pidfile=var/celery.pid --detach; \
	fi
	@echo "Covenant on http://$(HOST)/ (demo logins in README.md)"
	$(PY) manage.py runserver $(HOST)

test: venv
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: venv
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: venv
	$(VENV)/bin/celery -A config worker -Q $(QUEUES) --beat --loglevel=info

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache

# Benchmarks on PostgreSQL (DATABASE_URL), each printing JSON with our time, the floor measured
# in the same run and the ratio: ingestion, aggregation and backtest; the portfolio dashboard
# against the admin's contract list; a full review cycle by real workers; business-time dues
# against adding a plain timedelta; the support clock sweep against the SELECT of due clocks and
# bulk ticket events against a COPY of the same rows; a minute's escalation levels fired and paged
# by real workers against posting the same events straight to the receiver.
# BENCH_ARGS="--scale 0.01" for a quick run.
bench: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py bench $(BENCH_ARGS)
	$(PY) manage.py bench_dashboard $(BENCH_ARGS)
	$(PY) manage.py bench_reviews $(BENCH_ARGS)
	$(PY) manage.py bench_business_time $(BENCH_ARGS)
	$(PY) manage.py bench_support $(BENCH_ARGS)
	$(PY) manage.py bench_escalations $(BENCH_ARGS)
