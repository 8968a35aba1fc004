# The two commands a newcomer needs: `make run` and `make test`.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
HOST    ?= 127.0.0.1
PORT    ?= 5000
export SEALBID_ENV ?= development

.PHONY: run test lint bench install translations clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/pybabel compile -f -d app/translations

run: install
	SEALBID_SCHEDULER=0 $(BIN)/flask --app wsgi db upgrade
	SEALBID_SCHEDULER=0 $(BIN)/flask --app wsgi signing init
	SEALBID_SCHEDULER=0 $(BIN)/flask --app wsgi demo load
	@echo "sealbid is serving on http://$(HOST):$(PORT)  (Ctrl-C stops it)"
	$(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT) --no-reload

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: lint
	$(BIN)/pytest -q -n auto --dist loadfile

bench: install
	$(BIN)/python bench/notice_list.py
	$(BIN)/python bench/sign_record.py
	$(BIN)/python bench/expert_draw.py
	$(BIN)/python bench/evaluation.py
	$(BIN)/python bench/envelope.py
	$(BIN)/python bench/deadline_rush.py

clean:
	rm -rf $(VENV) instance .pytest_cache
