# trustcnn — `make run` and `make test` work on a fresh machine: they create .venv,
# install the project, then run the experiment or the test suite.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

export KEDRO_DISABLE_TELEMETRY := 1
export DO_NOT_TRACK := 1
export MPLBACKEND := Agg

.PHONY: install run replicate docs smoke test test-fast lint browser postgres fashion-mnist benchmark clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "trustcnn needs python3 >= 3.10")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch/torchvision are pinned in pyproject.toml to the CPU-usable releases on local disk
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@

# Through DVC, so dvc.lock records what ran (`dvc status` is then up to date) and a second
# `make run` re-runs nothing that is current. Its stages are the Kedro pipelines of `transfer`.
run: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dvc repro
	@echo
	@cat data/08_reporting/metrics.md
	@echo
	@echo "Figures: data/08_reporting/*.png (dvc plots show)   Metrics: data/08_reporting/metrics.json (dvc metrics show: headline/)"
	@echo "Open MLflow: $(BIN)/mlflow ui --backend-store-uri sqlite:///$(CURDIR)/mlflow.db   then its runs page:"
	@[ -f mlflow.db ] && $(BIN)/python -c 'from trustcnn.tracking.experiments import runs_page; \
		print(runs_page("trustcnn", "sqlite:///$(CURDIR)/mlflow.db"))' 2>/dev/null || \
		echo "http://127.0.0.1:5000 (choose Model training in its sidebar: docs/mlflow.md)"

# The whole experiment once per seed in replicate.seeds (conf/base/parameters_replicate.yml), through
# DVC (replicates/dvc.yaml: a stage per seed, so only stale seeds run), then the summary across seeds
# (data/08_reporting/replicates/summary.md) and `dvc repro`, whose evaluation follows its champion.
# JOBS=2: two seeds side by side (dvc queue); RUNNER=parallel: ParallelRunner inside each seed;
# KEDRO_ENV=decoy_fashion: that environment's replicates (replicates/decoy_fashion/dvc.yaml). docs/replicates.md.
JOBS   ?= 1
RUNNER ?= parallel
replicate: install
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/trustcnn replicate --jobs $(JOBS) --runner $(RUNNER) $(if $(KEDRO_ENV),--env $(KEDRO_ENV))
	@echo
	@cat $(if $(filter-out local base,$(KEDRO_ENV)),data/envs/$(KEDRO_ENV),data)/08_reporting/replicates/summary.md | head -n 20

# The result tables and sentences in docs/results.md and README.md, from the committed outputs.
docs: install
	$(BIN)/python -m trustcnn.replicates.docs

# The pages under docs/ as a website in site/ (git-ignored; open site/index.html): --strict fails on a
# broken link or anchor and on a page missing from mkdocs.yml's nav (tests/test_docs_site.py runs it too).
.PHONY: docs-site
docs-site: install
	$(BIN)/mkdocs build --strict

smoke: install  # under data/envs/smoke, MLflow experiment trustcnn-smoke: the real results stay as they are
	$(BIN)/kedro run --pipelines=transfer --env=smoke

test: install browser postgres fashion-mnist
	$(BIN)/python -m pytest -n 2 --dist loadfile --durations=30

# The edit-test loop: every test that needs no Kedro run, server or browser — all but tests/integration
# (real kedro/mlflow/dvc processes, servers, Chromium) and tests/benchmarks (each runs a benchmark's smoke size).
test-fast: install
	$(BIN)/python -m pytest -q -n 2 -m "not integration" --ignore=tests/integration --ignore=tests/benchmarks

# ruff (lint, then the formatter's check) and mypy, with the settings in pyproject.toml; .ci/run runs it
# before the tests and .pre-commit-config.yaml on each commit. docs/contributing.md.
lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

# The user study's browser test drives Debian's Chromium (browser downloads don't work here):
# installed with apt-get when missing and we are root; otherwise that one test is skipped (outside CI).
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || \
		echo "warning: Debian's chromium is not installed; tests/integration/test_user_study.py will skip its browser test"

# tests/integration/test_postgres_tracking.py starts its own PostgreSQL from Debian's server programs:
# installed with apt-get when missing and we are root; otherwise that test is skipped (outside CI).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; } || \
		echo "warning: Debian's postgresql is not installed; tests/integration/test_postgres_tracking.py will skip"

# The real Fashion-MNIST (the decoy_fashion env, tests/benchmarks/test_bench_cost_growth.py) from Debian's
# dataset-fashion-mnist, in /usr/share/datasets/fashion-mnist: installed with apt-get when missing and we
# are root; otherwise that test is skipped (outside CI).
fashion-mnist:
	@ls /usr/share/datasets/fashion-mnist/*ubyte* >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dataset-fashion-mnist >/dev/null; } || \
		echo "warning: Debian's dataset-fashion-mnist is not installed; tests/benchmarks/test_bench_cost_growth.py will skip"

clean:  # a study's answers are backed up first (trustcnn study backup: ~/.local/share/trustcnn/user_study-backups)
	@for db in $$(find data -name responses.sqlite); do $(BIN)/trustcnn study backup --db "$$db" || exit 1; done
	rm -rf mlflow.db mlartifacts
	find data -type f ! -name .gitkeep -delete
