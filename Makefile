# The two commands of the README: `make demo` runs the hub with demo data, `make test` runs
# every test. Both set up the virtual environment first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench translations clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/smt demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python bench/ingest.py

# After changing portal texts: refresh the Spanish catalog, then translate the new entries.
translations: $(STAMP)
	cd src/smt/web/portal && ../../../../$(BIN)/pybabel extract -F babel.cfg -o /tmp/smt-messages.pot . \
	  && ../../../../$(BIN)/pybabel update -i /tmp/smt-messages.pot -d locale -l es --no-fuzzy-matching

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
