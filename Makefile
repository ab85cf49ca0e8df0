# Probation partnerships: `make run` serves the portal, `make test` runs the whole suite.
# With no DATABASE_URL or REDIS_URL both start an embedded Postgres and Redis under var/.

PYTHON_BIN ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test install install-python install-frontend lint format clean manage

run: install
	$(PY) -m partnership.launcher run

test: install
	$(PY) -m partnership.launcher test $(ARGS)

install: install-python install-frontend

install-python: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON_BIN) >/dev/null 2>&1 || { echo "Python 3.11 is needed ($(PYTHON_BIN) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON_BIN) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

install-frontend: static/build/application.css

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

static/build/application.css: node_modules/.package-lock.json assets/scss/application.scss
	npm run --silent build

lint: install-python
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-python
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Run any manage.py command against the same servers: make manage ARGS="createsuperuser"
manage: install
	$(PY) -m partnership.launcher exec $(PY) manage.py $(ARGS)

clean:
	rm -rf var/test staticfiles static/build
