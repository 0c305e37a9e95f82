# Community Response Map — every command sets itself up first and can be run again.
#   make run    set up, migrate, seed the demo project, serve http://127.0.0.1:8000
#   make test   set up and run the whole test suite (SQLite unless DATABASE_URL is set)
#   make check  ruff, mypy, djlint, makemigrations --check
#   make bench  benchmarks (figures and ratios)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: setup run test check bench format

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

setup: $(STAMP)

run: setup
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py serve

# pytest exits 5 when it collected no test: that is a failure here, never a pass.
test: setup
	@$(BIN)/python -m pytest $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: no test was collected" >&2; exit 1; fi; exit $$rc

check: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy responsemap benchmarks
	$(BIN)/djlint --lint responsemap
	RESPONSEMAP_ENV=test $(BIN)/python manage.py makemigrations --check --dry-run

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup
	$(BIN)/python -m benchmarks $(BENCH_ARGS)
