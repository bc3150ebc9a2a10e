# Two commands do all set-up: `make demo` and `make test` (each creates .venv on first use).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test lint bench clean cluster-demo

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

demo: $(BIN)/.installed
	$(BIN)/deptfeeds demo

# The cluster on this machine: PostgreSQL, Redis, a scheduler and two workers crawl the samples.
cluster-demo: $(BIN)/.installed
	bash tests/install-tools.sh postgresql redis-server
	$(BIN)/python -m deptfeeds.cluster_demo

test: $(BIN)/.installed
	bash tests/install-tools.sh
	$(BIN)/python -m pytest

# Benchmarks (about 30 minutes; `make bench QUICK=1` for small sizes): figures in bench/out/summary.json.
bench: $(BIN)/.installed
	$(BIN)/python -m bench.run_all $(if $(QUICK),--quick)

lint: $(BIN)/.installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) samples/data samples/public samples/cluster-demo
