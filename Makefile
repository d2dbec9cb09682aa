# Two commands do all the set-up: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := FLASK_DEBUG=1 $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint format install install-dev migrate demo-data bench bench-instructions fuzz

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/activate
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## make run: install, migrate, load demo data into an empty database, serve locally
run: install
	$(FLASK) db upgrade
	$(FLASK) demo-data
	@echo "Demo sign-ins (password alongside-demo): admin@example.org, manager@example.org,"
	@echo "  mentor1@example.org, mentor2@example.org, nqsw1@example.org ... nqsw5@example.org"
	@echo "Alongside is at http://$(HOST):$(PORT)/ (Ctrl+C stops it)"
	$(FLASK) run --host $(HOST) --port $(PORT) --no-debugger

## make test: install the dev tools, lint, run every test: two workers share the unit, HTTP
## and browser tests; the load tests then run alone, since they measure the server's pace
test: install-dev lint
	$(BIN)/python -m pytest -n 2 --ignore=tests/load
	$(BIN)/python -m pytest tests/load

## make fuzz: the hostile-input test with every hostile value on every field and many
## generated examples (HOSTILE_EXAMPLES, default 3000; `make test` runs 100)
HOSTILE_EXAMPLES ?= 3000
fuzz: install-dev
	HOSTILE_EXAMPLES=$(HOSTILE_EXAMPLES) $(BIN)/python -m pytest -o timeout=3600 tests/http/test_hostile_input.py

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

migrate: install
	$(FLASK) db upgrade

demo-data: install
	$(FLASK) demo-data

## make bench: every page as a share of a bare Flask page at council scale, the writes,
## and the free-slot maths (not part of the tests; needs wrk, about 5-10 minutes)
bench: install
	PYTHONPATH=. $(BIN)/python bench/availability.py
	$(BIN)/python -m bench.pages

## make bench-instructions: each page's CPU instructions a request as a share of hello's,
## counted by valgrind: repeatable where timings are not (not part of the tests; ~5 minutes)
bench-instructions: install
	$(BIN)/python -m bench.instructions
