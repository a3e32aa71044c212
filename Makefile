# 奉献积分 —党员奉献量化积分制管理系统
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MEMBERS ?= 10000
PYTEST_ARGS ?= -n 2
# The `ldap` extra (python-ldap) builds against OpenLDAP's headers: added where they are.
EXTRAS := dev$(shell test -e /usr/include/lber.h && echo ,ldap)

.PHONY: setup run test lint security bench loadtest check-deploy messages demo clean

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[$(EXTRAS)]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/vendor/.installed: node_modules/.installed scripts/vendor_assets.sh
	bash scripts/vendor_assets.sh
	touch $@

setup: $(VENV)/.installed static/vendor/.installed
	$(PY) manage.py migrate --noinput -v 0
	$(PY) manage.py createcachetable

# The worker that pushes messages (django-q2 on the database: no broker to run) starts
# beside the server and stops with it.
run: setup
	$(PY) manage.py demo --if-empty
	$(PY) manage.py demo_logins
	$(PY) manage.py qcluster & worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver 127.0.0.1:8000

# Every Python package of the project (each top-level folder with an __init__.py), but
# the tests: mypy checks them all, bandit them and the scripts.
APP_PACKAGES := $(patsubst %/,%,$(filter-out tests/ node_modules/ static/ templates/ locale/ var/,$(dir $(wildcard */__init__.py))))

# lint-imports: the apps' layers (pyproject.toml, README "Architecture"); an import of a
# higher app fails here.
lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy $(APP_PACKAGES)

# Known vulnerabilities in the installed packages (scripts/pip_audit.py explains the
# offline case) and high-severity findings of bandit in the application code.
# [tool.bandit] leaves out tests and migrations.
APP_DIRS := $(APP_PACKAGES) scripts
security: $(VENV)/.installed
	$(PY) scripts/pip_audit.py
	$(VENV)/bin/bandit -q -c pyproject.toml -r $(APP_DIRS) -lll

test: setup lint security
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	$(PY) manage.py bench --members $(MEMBERS)

# Month-end load under gunicorn on loopback (scripts/loadtest.py); not part of `make test`.
LOADTEST_SECONDS ?= 60
loadtest: setup
	$(PY) scripts/loadtest.py --seconds $(LOADTEST_SECONDS)

check-deploy: setup
	DJANGO_SETTINGS_MODULE=config.settings.production \
	DJANGO_SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	DJANGO_ALLOWED_HOSTS=jifen.example.internal \
	$(PY) manage.py check --deploy --fail-level WARNING

messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l zh_Hans --no-obsolete --ignore=node_modules --ignore=.venv --ignore=var --ignore=static/vendor --ignore=test-artifacts --ignore=tests
	$(PY) manage.py compilemessages -l zh_Hans --ignore=node_modules --ignore=.venv

clean:
	rm -rf var/jifen.sqlite3* static/vendor node_modules $(VENV)
