# The two commands of the README: `make demo` and `make test`. Both install what they need
# (system packages if missing, the virtual environment, the Kafka jars) and are safe to rerun.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.9

.PHONY: demo test install lint lock clean

# SQLFluff lints the dbt models and macros through the dbt templater, which compiles the project:
# the profile reads PANTAU_WAREHOUSE_PATH (a throwaway warehouse here), dbt's target and logs go
# beside it.
LINT_STATE := $(CURDIR)/.pantau/lint
SQLFLUFF := mkdir -p $(LINT_STATE) && PANTAU_WAREHOUSE_PATH=$(LINT_STATE)/warehouse.duckdb \
	DBT_TARGET_PATH=$(LINT_STATE)/target DBT_LOG_PATH=$(LINT_STATE)/logs \
	DBT_SEND_ANONYMOUS_USAGE_STATS=false $(BIN)/sqlfluff lint dbt_project/models dbt_project/macros

demo: install
	$(BIN)/pantau demo

test: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(SQLFLUFF)
	$(BIN)/pytest

install: $(VENV)/.installed

# --compile-bytecode: the packages' .pyc files are written once here, so no process compiles
# them again at start-up (a shell with PYTHONDONTWRITEBYTECODE never caches them): each dbt run
# starts about 1.5 s sooner.
$(VENV)/.installed: pyproject.toml requirements.lock scripts/system-deps.sh
	@bash scripts/system-deps.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip install -q --compile-bytecode --python $(BIN)/python -r requirements.lock -e .
	@touch $@

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(SQLFLUFF)

# Re-resolve the pinned environment after changing pyproject.toml.
lock:
	$(BIN)/uv pip compile -q pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	-$(BIN)/pantau stack down
	rm -rf .pantau
