# The tip-line's two commands: `make run` (set up and start) and `make test` (set up and
# run the whole suite, on SQLite and on PostgreSQL); `make cluster` runs a two-machine deployment here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LANGS := zh_Hans bo en
CATALOGS := $(foreach l,$(LANGS),i18n/locales/$(l)/LC_MESSAGES/messages.po)
# The staff console has its own catalog domain, in Chinese and English only.
CONSOLE_LANGS := zh_Hans en
CONSOLE_CATALOGS := $(foreach l,$(CONSOLE_LANGS),i18n/locales/$(l)/LC_MESSAGES/console.po)
COMPILED := $(CATALOGS:.po=.mo) $(patsubst %.po,%.mo,$(wildcard $(CONSOLE_CATALOGS)))

.PHONY: run chat cluster setup test test-sqlite test-postgres catalogs extract lock clean bench

# The product on the embedded default (SQLite): public site :8000, staff console :8001,
# the notice dispatcher, and the bot when TIPLINE_TELEGRAM_TOKEN is set.
run: setup
	$(BIN)/tipline demo
	$(BIN)/tipline serve

# A deployment of two instances, as on two machines, in the foreground (Ctrl-C stops it all):
# PostgreSQL and Redis, two `tipline serve` (deploy/systemd/tipline@.service), nginx in front
# (deploy/nginx/tipline.conf): public site http://127.0.0.1:8080, staff console http://127.0.0.1:8081.
cluster: setup
	bash scripts/system-packages.sh
	$(BIN)/python scripts/cluster.py

# The report conversation in the terminal, no browser or Telegram needed.
chat: setup
	$(BIN)/tipline chat

setup: $(VENV)/.installed $(COMPILED)

$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

i18n/locales/%/LC_MESSAGES/messages.mo: i18n/locales/%/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile -d i18n/locales -D messages -l $*

i18n/locales/%/LC_MESSAGES/console.mo: i18n/locales/%/LC_MESSAGES/console.po $(VENV)/.installed
	$(BIN)/pybabel compile -d i18n/locales -D console -l $*

# Re-extract the code's strings and merge them into every catalog (then translate the new ones).
extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k plural:1,2 --no-location --sort-output \
	  --project=tipline --copyright-holder="tip-line contributors" -o i18n/messages.pot .
	for l in $(LANGS); do \
	  if [ -f i18n/locales/$$l/LC_MESSAGES/messages.po ]; then \
	    $(BIN)/pybabel update -i i18n/messages.pot -d i18n/locales -D messages -l $$l --no-fuzzy-matching --ignore-obsolete; \
	  else $(BIN)/pybabel init -i i18n/messages.pot -d i18n/locales -D messages -l $$l; fi; \
	done
	$(BIN)/pybabel extract -F babel-console.cfg -k N_ --no-location --sort-output \
	  --project=tipline-console --copyright-holder="tip-line contributors" -o i18n/console.pot .
	for l in $(CONSOLE_LANGS); do \
	  if [ -f i18n/locales/$$l/LC_MESSAGES/console.po ]; then \
	    $(BIN)/pybabel update -i i18n/console.pot -d i18n/locales -D console -l $$l --no-fuzzy-matching --ignore-obsolete; \
	  else $(BIN)/pybabel init -i i18n/console.pot -d i18n/locales -D console -l $$l; fi; \
	done

catalogs: $(COMPILED)

test: setup
	bash scripts/system-packages.sh
	bash scripts/pytest-suite.sh
	bash scripts/test-postgres.sh
	bash scripts/audit-deps.sh  # known vulnerabilities in requirements.lock (a warning when offline)

test-sqlite: setup
	bash scripts/pytest-suite.sh

# Speed, measured against a baseline in the same run (see bench/README.md).
bench: setup
	$(BIN)/python -m bench.console_bench
	$(BIN)/python -m bench.submission_bench
	$(BIN)/python -m bench.wizard_bench
	$(BIN)/python -m bench.bot_bench
	$(BIN)/python -m bench.fanout_bench
	$(BIN)/python -m bench.suggest_bench

# Refresh requirements.lock from pyproject.toml in a throw-away venv.
lock:
	rm -rf /tmp/tipline-lock && $(PYTHON) -m venv /tmp/tipline-lock
	/tmp/tipline-lock/bin/pip install --quiet -e '.[test]'
	/tmp/tipline-lock/bin/pip freeze --exclude-editable > requirements.lock

clean:
	rm -rf $(VENV) build *.egg-info $(COMPILED)
