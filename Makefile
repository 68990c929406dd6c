# Heli's front door: `make run` serves the demonstration committee, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
# `make run PORT=8080` serves on another port.
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := heli.settings

.PHONY: run test lint format messages bench clean system-packages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.base-installed: requirements/base.lock | $(BIN)/python
	$(BIN)/pip install -q -r requirements/base.lock
	touch $@

$(VENV)/.test-installed: requirements/test.lock | $(BIN)/python
	$(BIN)/pip install -q -r requirements/test.lock
	touch $@ $(VENV)/.base-installed

# A development run: DEBUG on, so the demonstration accounts keep the published password.
run: export DEBUG ?= True
run: $(VENV)/.base-installed
	mkdir -p var
	$(MANAGE) migrate --noinput -v 0
	$(MANAGE) load_demo
	$(MANAGE) runserver 127.0.0.1:$(PORT)

system-packages:
	scripts/ensure-system-packages.sh

lint: $(VENV)/.test-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy heli scripts

format: $(VENV)/.test-installed
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(VENV)/.test-installed system-packages lint
	$(MANAGE) makemigrations --check --dry-run
	$(BIN)/python -m heli.lib.catalogs --check
	$(BIN)/pytest -n 2 -q

# Extract the interface strings into the catalogues and compile them (needs GNU gettext).
messages: $(VENV)/.test-installed
	$(MANAGE) makemessages -l zh_Hans --no-obsolete --no-location --ignore=.venv --ignore=var
	$(BIN)/python -m heli.lib.catalogs --compile

bench: $(VENV)/.test-installed
	$(BIN)/python scripts/bench.py
	$(BIN)/python scripts/bench_liaison.py
	$(BIN)/python scripts/bench_browser.py

clean:
	rm -rf $(VENV) var
