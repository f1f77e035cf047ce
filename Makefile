# Clientela — `make run` serves the app with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
PG_URL ?= postgres://postgres@127.0.0.1:5432/clientela

.PHONY: run test install install-test lint test-sqlite test-postgres e2e messages bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo_data --size small --seed 1 --if-missing
	@echo ""
	@echo "  Clientela is running at http://127.0.0.1:$(PORT)/"
	@echo "  Log in as admin@demo.example with password: demo"
	@echo ""
	$(PY) manage.py db_worker --queue-name '*' --no-reload & $(PY) manage.py runserver 127.0.0.1:$(PORT) --noreload; kill $$! 2>/dev/null || true

lint: install-test
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.prod SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(60))') ALLOWED_HOSTS=crm.example.com \
		$(PY) manage.py check --deploy --fail-level WARNING

test-sqlite: install-test
	$(VENV)/bin/pytest -q -m "not e2e"

test-postgres: install-test
	@if $(PY) -c "import psycopg,sys; psycopg.connect('$(PG_URL)'.rsplit('/',1)[0]+'/postgres', connect_timeout=3).close()" 2>/dev/null; then \
		echo "== PostgreSQL suite =="; DATABASE_URL=$(PG_URL) $(VENV)/bin/pytest -q -m "not e2e"; \
	elif [ -n "$$CI" ]; then echo "PostgreSQL is not answering on 127.0.0.1:5432 and CI requires it." >&2; exit 1; \
	else echo "!! PostgreSQL not reachable: PostgreSQL suite SKIPPED (CI would fail)." >&2; fi

e2e: install-test
	$(VENV)/bin/pytest -q -m e2e

test: lint test-sqlite test-postgres e2e


# The performance table (docs/performance.md); SIZE=small|medium|large (default large: 1M contacts).
bench: install
	$(PY) -m bench $(if $(SIZE),--size $(SIZE),)

messages: install
	cd clientela && ../$(PY) ../manage.py makemessages -l es --no-obsolete --no-wrap --add-location file -i "locale/*" && ../$(PY) ../manage.py compilemessages

clean:
	rm -rf $(VENV) var
