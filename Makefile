# Two commands: `make demo` and `make test`. Both install first.
# A user with a GPU overrides the torch pin, e.g.
#   make install TORCH_SPEC="torch==2.13.0 --index-url https://download.pytorch.org/whl/cu128"
PYTHON ?= python3
VENV ?= .venv
TORCH_SPEC ?= torch==2.13.0
BIN := $(VENV)/bin

.PHONY: install demo test lint bench clean

install: $(BIN)/ann2snn

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(BIN)/ann2snn: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH_SPEC)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	# NeuroBench checks our operation counts and nirtorch runs our NIR exports in the tests;
	# --no-deps keeps the torch pin
	$(BIN)/python -m pip install --quiet --no-deps neurobench==2.3.0 snntorch==1.0.0 nirtorch==2.6
	@touch $(BIN)/ann2snn

demo: install
	$(BIN)/ann2snn demo

test: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -q

bench: install
	$(BIN)/python benchmarks/methods.py

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
