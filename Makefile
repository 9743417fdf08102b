# The two commands of the README: `make run` and `make test`. Each does all set-up it needs and is
# fast when nothing changed. Rasa runs in .venv-rasa (its own pins); our code runs in .venv.

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON310 ?= $(shell pyenv which python3.10 2>/dev/null || command -v python3.10)
RASA_VENV := .venv-rasa
APP_VENV := .venv
RASA := $(RASA_VENV)/bin/rasa
MODEL := models/current.tar.gz
SPACY_DA := var/spacy_da/meta.json
LEXICON := var/lexicon_da.txt.gz
SPELLINGS := var/spellings_da.tsv.gz
CHROMIUM := /usr/bin/chromium
NGINX := /usr/sbin/nginx
TRAINING_INPUTS := config.yml domain.yml $(shell find data bot/understanding bot/knowledge rasa_components -name '*.yml' -o -name '*.py' 2>/dev/null) $(SPACY_DA) $(SPELLINGS)

export RASA_TELEMETRY_ENABLED := false
export RASA_PORT ?= 5005
export ACTION_PORT ?= 5055
export WEB_PORT ?= 8000
export TF_CPP_MIN_LOG_LEVEL := 2

.PHONY: help setup model run run-prod test lock clean

help:
	@echo "make run    start the assistant (action server + Rasa server) on embedded defaults"
	@echo "make test   run every check: unit tests, data validation, NLU gate, test stories, conversations"
	@echo "make run-prod  the production topology on this machine: nginx, 2 web apps, 2 Rasa, 2 action"
	@echo "               servers, PostgreSQL and Redis (the machine's; see README)"

$(RASA_VENV)/.installed: requirements/rasa.lock requirements/understanding.lock
	@test -n "$(PYTHON310)" || { echo "Python 3.10 is required (pyenv install 3.10.13)"; exit 1; }
	$(PYTHON310) -m venv $(RASA_VENV)
	$(RASA_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/rasa.lock
	$(RASA_VENV)/bin/pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
		-r requirements/understanding.lock
	touch $@

$(APP_VENV)/.installed: requirements/app.lock
	@test -n "$(PYTHON310)" || { echo "Python 3.10 is required (pyenv install 3.10.13)"; exit 1; }
	$(PYTHON310) -m venv $(APP_VENV)
	$(APP_VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements/app.lock
	touch $@

$(SPACY_DA): scripts/build_spacy_da.py $(RASA_VENV)/.installed
	rm -rf var/spacy_da
	$(RASA_VENV)/bin/python scripts/build_spacy_da.py var/spacy_da

# The model is dated when training starts (Rasa may keep an older file when nothing changed), so an
# input edited while it trains is newer than the model and the next `make` trains again.
$(MODEL): $(TRAINING_INPUTS) $(RASA_VENV)/.installed
	started=$$(date +%s); $(RASA) train --fixed-model-name current --out models --quiet && touch -d "@$$started" $@

$(LEXICON): scripts/build_lexicon_da.py $(RASA_VENV)/.installed
	$(RASA_VENV)/bin/python scripts/build_lexicon_da.py $@

# Words typed without æ, ø and å, with their letters (wordfreq is in the app environment).
$(SPELLINGS): scripts/build_spellings_da.py bot/understanding/data/readers.yml $(APP_VENV)/.installed
	$(APP_VENV)/bin/python scripts/build_spellings_da.py $@

setup: $(RASA_VENV)/.installed $(APP_VENV)/.installed $(SPACY_DA) $(LEXICON) $(SPELLINGS)

model: setup $(MODEL)

run: model
	scripts/run.sh

# Production topology on one machine (scripts/run_prod.sh): needs the machine's PostgreSQL and Redis.
run-prod: model $(NGINX)
	scripts/run_prod.sh

test: model $(CHROMIUM) $(NGINX)
	scripts/test.sh

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
$(CHROMIUM):
	$(if $(filter 0,$(shell id -u)),,sudo) sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium'

# `make run-prod` balances with Debian's nginx (run from its own configuration under var/, not /etc).
$(NGINX):
	$(if $(filter 0,$(shell id -u)),,sudo) sh -c 'apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx'


# Re-resolve the lock files from the .in files in fresh environments.
lock:
	rm -rf /tmp/lock-rasa /tmp/lock-app
	$(PYTHON310) -m venv /tmp/lock-rasa && /tmp/lock-rasa/bin/pip install --quiet -r requirements/rasa.in
	/tmp/lock-rasa/bin/pip freeze --exclude-editable > requirements/rasa.lock
	$(PYTHON310) -m venv /tmp/lock-app && /tmp/lock-app/bin/pip install --quiet -r requirements/app.in
	/tmp/lock-app/bin/pip freeze --exclude-editable > requirements/app.lock

clean:
	rm -rf models results var/spacy_da var/log
