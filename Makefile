# cfn-catalog: `make help` lists the targets. Every target creates .venv on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CLI := $(BIN)/cfn-catalog

.DEFAULT_GOAL := help
FLINK_VENV := .venv-flink
FLINK_PIN := apache-flink==1.20.5

.PHONY: help install render docs lint scan diff test check bench flink-check clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

$(STAMP): setup.cfg pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP) ## Create .venv and install the package with test tools

render: $(STAMP) ## Render the whole catalog into templates_out/
	$(CLI) render --all

docs: $(STAMP) ## Regenerate docs/ and the catalog table in README.md
	$(CLI) docs

lint: $(STAMP) ## cfn-lint every rendered template (zero findings allowed)
	$(CLI) lint --all

scan: $(STAMP) ## checkov security scan of templates_out/ (offline)
	$(CLI) scan --all

diff: $(STAMP) ## What an update from the last tag would do (exit 3: breaking or replacement)
	$(CLI) diff --all

test: $(STAMP) ## Run every test and gate (CI runs this, then the quick benchmark)
	@# bytecode once, so the many CLI processes the gates and tests start need not compile the package each
	@$(BIN)/python -m compileall -q src tests > /dev/null
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(CLI) render --all --check
	$(CLI) docs --check
	$(CLI) params --check
	$(BIN)/python -m pytest -n 2 --dist worksteal
	@echo "--- changes against the last release (informational) ---"
	@$(CLI) diff --all; code=$$?; [ $$code -le 1 ] || [ $$code -eq 3 ]

check: test ## Exactly what CI runs: make test, then the quick benchmark
	$(BIN)/python bench/bench.py --quick

bench: $(STAMP) ## Time the CLI against its floors (see README, Performance)
	$(BIN)/python bench/bench.py

$(FLINK_VENV)/.installed:
	$(PYTHON) -m venv $(FLINK_VENV)
	$(FLINK_VENV)/bin/pip install --quiet --upgrade pip
	$(FLINK_VENV)/bin/pip install --quiet $(FLINK_PIN) $$(grep -E '^pytest==' constraints.txt)
	touch $@

flink-check: $(FLINK_VENV)/.installed ## Plan and run the Flink job's SQL on a local Flink 1.20 (own ~700 MB venv, Java 11+)
	PYTHONPATH=src $(FLINK_VENV)/bin/python -m pytest --confcutdir=tests/flink -W ignore::DeprecationWarning \
		-W ignore::UserWarning tests/flink

clean: ## Remove .venv, .venv-flink, caches and build files (keeps templates_out/)
	rm -rf $(VENV) $(FLINK_VENV) build dist src/*.egg-info .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
