# Community Response Map — every command sets itself up first and can be run again.
#   make run    set up, migrate, seed the demo project, serve http://127.0.0.1:8000
#               (PostgreSQL when DATABASE_URL says so: two roles, see docs/deploy.md);
#               DEBUG off: `DEBUG=true make run` is developer mode
#   make test   set up and run the whole test suite (SQLite unless DATABASE_URL is set)
#   make check  ruff, mypy, djlint, makemigrations --check, compiled translations current
#   make messages  update the translation catalogues from the code, then compile them
#   make bench  benchmarks (figures and ratios)

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: setup run test check check-messages messages bench format

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install -q --disable-pip-version-check -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

# Front-end libraries from the npm registry at set-up time, pinned in package.json and
# package-lock.json (integrity checked), never committed and never loaded from a CDN:
# each file a page loads goes to its app's static/<app>/vendor/ (ignored by git).
# deploy/vendor.py needs only Python: no Node.js or npm on the machine.
VENDOR_STAMP := node_modules/.vendor-stamp

$(VENDOR_STAMP): package.json package-lock.json deploy/vendor.py
	@$(PYTHON) deploy/vendor.py

setup: $(STAMP) $(VENDOR_STAMP)

# With DATABASE_URL naming PostgreSQL (as a role that may create roles: postgres on a
# development machine), the two roles are set up first (idempotent): migrate runs as the
# tables' owner, the demo and the server as the application's role (docs/deploy.md).
run: setup
	@set -e; \
	case "$${DATABASE_URL:-}" in postgres*) \
		roles="$$($(BIN)/python manage.py setup_database_roles --print-env)"; eval "$$roles"; \
		export DATABASE_URL DATABASE_OWNER_URL;; \
	esac; \
	$(BIN)/python manage.py migrate --noinput; \
	unset DATABASE_OWNER_URL; \
	$(BIN)/python manage.py seed_demo --no-accounts; \
	exec $(BIN)/python manage.py serve --announce "seed_demo --accounts-only"

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
	@$(MAKE) --no-print-directory check-messages

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: setup
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

# Translations. The compiled .mo files are committed, so a fresh machine needs no GNU
# gettext to run or test; only updating a catalogue does (README, "Translations").
LOCALES := fr es ar ht
CATALOGUES := $(wildcard responsemap/locale/*/LC_MESSAGES/django.po)
MESSAGES_IGNORE := --ignore=.venv --ignore=var --ignore=benchmarks --ignore=tests \
	--ignore=docs --ignore=deploy --ignore='*.egg-info'

messages: setup
	@command -v msgfmt >/dev/null || { echo "make messages needs GNU gettext (apt-get install gettext)" >&2; exit 1; }
	RESPONSEMAP_ENV=test $(BIN)/python manage.py makemessages $(addprefix -l ,$(LOCALES)) \
		$(MESSAGES_IGNORE) --add-location=file --no-obsolete
	@for po in responsemap/locale/*/LC_MESSAGES/django.po; do \
		echo "msgfmt $$po"; msgfmt --check -o "$${po%.po}.mo" "$$po" || exit 1; \
	done

# Each .po compiled afresh must give the same catalogue as its committed .mo (compared as
# parsed catalogues, not bytes, so another gettext version doesn't count as a change).
define SAME_CATALOGUE
import gettext, sys
def catalogue(path):
    try:
        with open(path, "rb") as f:
            return gettext.GNUTranslations(f)._catalog
    except OSError:
        return None
sys.exit(catalogue(sys.argv[1]) != catalogue(sys.argv[2]))
endef
export SAME_CATALOGUE

check-messages:
	@if ! command -v msgfmt >/dev/null; then \
		echo "check-messages: skipped, GNU gettext (msgfmt) is not installed"; exit 0; fi; \
	tmp=$$(mktemp -d); rc=0; \
	for po in $(CATALOGUES); do \
		msgfmt --check -o "$$tmp/django.mo" "$$po" || { rc=1; continue; }; \
		$(BIN)/python -c "$$SAME_CATALOGUE" "$$tmp/django.mo" "$${po%.po}.mo" \
			|| { echo "$${po%.po}.mo is not compiled from $$po: run make messages" >&2; rc=1; }; \
	done; rm -rf "$$tmp"; \
	[ $$rc -eq 0 ] && echo "check-messages: $(words $(CATALOGUES)) catalogues compiled and current"; exit $$rc
