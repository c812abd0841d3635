# Every target sets itself up: a fresh machine needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers of `make test`: auto is one per CPU, none when PYTEST_ARGS names only
# test files or test ids (tests/conftest.py); 0 runs the suite serially in one process.
PYTEST_WORKERS ?= auto

.PHONY: demo serve test lint format migrate run clean bench loadtest screenshots messages mutation

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.requirements: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.requirements-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.requirements $@

## demo: install, migrate the SQLite database, load the demo personas, serve on :8000
demo: $(VENV)/.requirements
	DEBUG=1 PORTAL_DEMO=1 $(BIN)/python manage.py migrate --no-input
	DEBUG=1 PORTAL_DEMO=1 $(BIN)/python manage.py reset_demo
	DEBUG=1 PORTAL_DEMO=1 $(BIN)/python manage.py runserver $(HOST):$(PORT)

## serve: production-like on this machine: `check --deploy` (any warning stops the start),
## migrate, collectstatic, then gunicorn with WORKERS workers (2 x CPUs + 1) on HOST:PORT;
## needs DATABASE_URL=postgres://..., CACHE_URL=redis://... and the production settings
## (README, "Production deployment")
WORKERS ?= $(shell echo $$((2 * $$(nproc 2>/dev/null || echo 1) + 1)))
THREADS ?= 1
# Each worker keeps its PostgreSQL connection (checked before reuse: CONN_HEALTH_CHECKS).
serve: export CONN_MAX_AGE ?= 60
serve: $(VENV)/.requirements
	@case "$$DATABASE_URL" in postgres://*|postgresql://*|pgsql://*) ;; \
		*) echo "make serve: set DATABASE_URL=postgres://... (one database for every instance)" >&2; exit 1;; esac
	@case "$$CACHE_URL" in redis://*|rediss://*) ;; \
		*) echo "make serve: set CACHE_URL=redis://... (one cache for every instance)" >&2; exit 1;; esac
	$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	exec $(BIN)/gunicorn portal.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS) \
		--threads $(THREADS) --timeout 30 --graceful-timeout 20 --max-requests 10000 \
		--max-requests-jitter 1000

## test: install dev requirements and run the whole suite (pytest, in parallel: PYTEST_WORKERS)
# The suite runs with DEBUG off, as production does, which needs a base URL for mail links.
test: export PORTAL_BASE_URL ?= http://testserver
test: $(VENV)/.requirements-dev
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

## mutation: mutation testing of the money rules (mutmut, and hand mutations of constants):
## fails on a surviving change that tests/mutation/equivalent.toml does not explain
mutation: $(VENV)/.requirements-dev
	$(BIN)/python -m tests.mutation.run

## bench: requests/s, latency, queries and memory of the main pages (bench/results.json)
bench: $(VENV)/.requirements
	$(BIN)/python -m bench.run

## loadtest: LOADTEST_MEMBERS (50) testers browsing, borrowing and repaying for LOADTEST_SECONDS
## (120) against two gunicorn instances behind a proxy, on a throwaway PostgreSQL database next
## to DATABASE_URL's; fails on a 5xx, a double booking or a balance off its ledger
loadtest: $(VENV)/.requirements
	$(BIN)/python -m loadtest.run

## screenshots: PNGs of every page a persona reaches at phone and desktop width, and a few in
## English (-en), into docs/screenshots/ (needs Debian's chromium, chromium-l10n for Japanese
## date inputs and fonts-noto-cjk for the Japanese glyphs; optipng, if there, shrinks them)
screenshots: $(VENV)/.requirements-dev
	PORTAL_SCREENSHOTS_DIR=docs/screenshots PORTAL_REQUIRE_BROWSER=1 \
		$(BIN)/python -m pytest tests/browser/screenshots.py -q
	if command -v optipng >/dev/null; then optipng -quiet -o2 docs/screenshots/*.png; fi

## messages: gather the translatable strings into locale/en/LC_MESSAGES/django.po, keeping its
## translations (new ones may come from locale/en/parts/*.po), and compile it (needs gettext)
PO := locale/en/LC_MESSAGES/django.po
messages: $(VENV)/.requirements-dev
	PORTAL_BASE_URL=http://x $(BIN)/python manage.py makemessages
	# A new string that merely resembles a translated one comes out "fuzzy" with that
	# translation: empty it, so it is translated for what it says.
	msgattrib --clear-fuzzy --empty -o $(PO) $(PO)
	# The old catalog's untranslated entries are left out of what is merged: msgmerge keeps
	# an empty plural entry of it rather than take the compendium's translation.
	for part in locale/en/parts/*.po; do \
		[ -e "$$part" ] && msgattrib --force-po --translated -o $(PO).translated $(PO) && \
		msgmerge --quiet --no-fuzzy-matching --compendium "$$part" -o $(PO) $(PO).translated $(PO); \
	done; rm -f $(PO).translated; true
	msgfmt --check --statistics -o locale/en/LC_MESSAGES/django.mo $(PO)

lint: $(VENV)/.requirements-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

format: $(VENV)/.requirements-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache mutants mutants-run.log
