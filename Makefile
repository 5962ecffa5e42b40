# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench screenshot install clean

run: $(STAMP)
	$(BIN)/taskforge

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Benchmarks: figures against baselines measured in the same run (see benchmarks/); data in benchmarks/.data.
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

# The README's pictures, taken from the real app by Textual's SVG export.
screenshot: $(STAMP)
	$(BIN)/python tests/tui/screenshot.py docs

install: $(STAMP)

# Reinstall only when the project's metadata changes; the install is editable.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,postgres,sync,web,mcp]'
	touch $(STAMP)

clean:
	rm -rf $(VENV) .pytest_cache build dist
