# Next Steps: `make run` to use it, `make test` to check it.
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run serve test lint format admin bench screenshots clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

# Local use: DEBUG on, SQLite in the project folder, the roadmap loaded.
run: export DEBUG = 1
run: $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_roadmap --if-empty
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# Production: DEBUG off, SECRET_KEY and ALLOWED_HOSTS from the environment, gunicorn + whitenoise.
# Forwarded headers are believed from FORWARDED_ALLOW_IPS only (config/gunicorn.conf.py).
WEB_CONCURRENCY ?= 4
WEB_THREADS ?= 1
BIND ?= 127.0.0.1:$(PORT)
serve: $(STAMP)
	$(PY) manage.py check --deploy --fail-level WARNING
	$(PY) manage.py migrate --no-input
	$(PY) manage.py load_roadmap --if-empty
	$(PY) manage.py collectstatic --no-input --verbosity 0
	$(VENV)/bin/gunicorn config.wsgi --config config/gunicorn.conf.py --bind $(BIND) \
		--workers $(WEB_CONCURRENCY) --threads $(WEB_THREADS) --access-logfile - --error-logfile -

admin: export DEBUG = 1
admin: $(STAMP)
	$(PY) manage.py migrate --no-input
	$(PY) manage.py createsuperuser

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The whole suite, browser tests included, against DATABASE_URL (SQLite when unset).
test: lint
	@chromium=$$(scripts/find-chromium) || exit 1; \
	CHROMIUM_PATH="$$chromium" SECRET_KEY=test-only-secret-key DEBUG=0 \
	SECURE_SSL_REDIRECT=0 SECURE_COOKIES=0 \
	$(PY) -m pytest $(PYTEST_ARGS)

# Load benchmark of the production setup (bench/run.py --help): SQLite, or DATABASE_URL's PostgreSQL.
LEARNERS ?= 10000
DURATION ?= 10
BENCH_ARGS ?=
bench: $(STAMP)
	$(PY) bench/run.py --learners $(LEARNERS) --duration $(DURATION) $(BENCH_ARGS)

# The README's pictures, taken in Chromium from the real app with a demo learner.
screenshots: $(STAMP)
	@chromium=$$(scripts/find-chromium) || exit 1; \
	CHROMIUM_PATH="$$chromium" SECRET_KEY=screenshots-only DEBUG=0 SECURE_SSL_REDIRECT=0 \
	SECURE_COOKIES=0 SCREENSHOTS_DIR=docs/screenshots \
	$(PY) -m pytest -q tests/e2e/test_screenshots.py

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-* *.egg-info
