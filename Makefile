# Probation partnerships: `make run` serves the portal, `make test` runs the whole suite.
# With no DATABASE_URL or REDIS_URL both start an embedded Postgres and Redis under var/.
# The launcher and the tools (load test, benchmark, backup, restore) are in tooling/.

PYTHON_BIN ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run test install install-python install-frontend lint format clean manage load bench backup restore screenshots

run: install
	$(PY) -m tooling.launcher run

test: install
	$(PY) -m tooling.launcher test $(ARGS)

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
	$(PY) -m tooling.launcher exec $(PY) manage.py $(ARGS)

# A bounded load test on its own database (LOAD_SECONDS, default 30; LOAD_USERS, default 20)
load: install
	$(PY) -m tooling.launcher exec $(PY) -m tooling.load $(ARGS)

# The benchmark on its own database: SCALE=full (1,000,000 referrals), tenth, small or a factor
SCALE ?= full
bench: install
	$(PY) -m tooling.launcher exec $(PY) -m tooling.bench --scale $(SCALE) $(ARGS)

# The database and the private files to var/backups/<timestamp>.dump (or BACKUP_FILE=...)
backup: install-python
	$(PY) -m tooling.launcher exec $(PY) -m tooling.backup $(if $(BACKUP_FILE),--file "$(BACKUP_FILE)")

# make restore BACKUP_FILE=var/backups/<timestamp>.dump [CONFIRM=<database name, to replace it>]
restore: install-python
	@test -n "$(BACKUP_FILE)" || { echo "Say which backup: make restore BACKUP_FILE=var/backups/<timestamp>.dump"; exit 2; }
	$(PY) -m tooling.launcher exec $(PY) -m tooling.restore "$(BACKUP_FILE)" $(if $(CONFIRM),--confirm "$(CONFIRM)")

# Each demo role's home page at 1280px and 320px into docs/screenshots/ (on the `make run` database)
screenshots: install
	$(PY) -m tooling.screenshots

clean:
	rm -rf var/test staticfiles static/build
