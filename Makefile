# The two commands of the README: `make demo` runs the hub with demo data, `make test` runs
# every test. Both set up the virtual environment first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench translations clean

ASSETS := src/smt/web/portal/assets
VENDOR := src/smt/web/portal/static/vendor

$(STAMP): pyproject.toml $(ASSETS)/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# The portal's front-end libraries, from the npm registry at the locked versions.
	cd $(ASSETS) && npm ci --silent --no-audit --no-fund
	mkdir -p $(VENDOR)
	cp $(ASSETS)/node_modules/uplot/dist/uPlot.iife.min.js $(ASSETS)/node_modules/uplot/dist/uPlot.min.css $(VENDOR)/
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/smt demo

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

test: lint
	$(BIN)/pytest

# Every benchmark runs even when one misses a bar; the target fails if any did.
bench: $(STAMP)
	$(BIN)/python bench/ingest.py; ingest=$$?; $(BIN)/python bench/api.py; api=$$?; \
	$(BIN)/python bench/soap.py; soap=$$?; $(BIN)/python bench/han.py; han=$$?; \
	$(BIN)/python bench/extract.py; extract=$$?; \
	exit $$(( ingest || api || soap || han || extract ))

# After changing portal texts: refresh the Spanish catalog, then translate the new entries.
translations: $(STAMP)
	cd src/smt/web/portal && ../../../../$(BIN)/pybabel extract -F babel.cfg -o /tmp/smt-messages.pot . \
	  && ../../../../$(BIN)/pybabel update -i /tmp/smt-messages.pot -d locale -l es --no-fuzzy-matching

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
