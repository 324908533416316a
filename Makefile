# Two commands do everything: `make run` and `make test` (see README.md).
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test install clean

$(VENV)/.installed: requirements/base.txt requirements/test.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements/test.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed

# runstack owns the embedded servers and runs the Procfile's processes; Ctrl-C stops them, then the servers.
run: export DEBUG ?= 1
run: export LOG_FORMAT ?= plain
run: install
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo --url http://127.0.0.1:$(PORT)/
	$(PY) manage.py runstack --port $(PORT)

# Tests get embedded servers of their own under var/test, apart from `make run`'s.
test: export DEBUG ?= 1
test: export RW_VAR_DIR ?= var/test
test: export LOG_LEVEL ?= WARNING
test: install
	$(PY) manage.py collectstatic --noinput -v0
	$(VENV)/bin/pytest

clean:
	rm -rf $(VENV) node_modules staticfiles var
