# Thin wrappers over pip, jupyter, pytest and nbgrader. Run from the repository root.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Every assignment is a folder under solutions/ (01_motivation, 02_losses, ...).
ASSIGNMENTS ?= $(notdir $(wildcard solutions/[0-9][0-9]_*))
# pytest-xdist workers for the test run (notebooks of one file stay on one worker).
WORKERS ?= 2
LAB_FLAGS ?= $(if $(filter 0,$(shell id -u)),--allow-root,)
# Extra arguments for `make lab`, e.g. LAB_ARGS="--no-browser --port=8890".
LAB_ARGS ?=
# The assignment for `make grade`/`make feedback`, e.g. A=04_sequence_gan.
A ?=
# More nbgrader arguments for `make feedback`/`make export` (e.g. --force).
NBGRADER_ARGS ?=
# make grade A=<assignment> [JOBS=n] [TIMEOUT=s] [SCHEDULER=tcp://host:port] [FORCE=1] [MEMORY=4G] [PROCESSES=512]
JOBS ?=
TIMEOUT ?=
SCHEDULER ?=
FORCE ?=
MEMORY ?=
PROCESSES ?=
GRADE_ARGS = $(if $(JOBS),--jobs $(JOBS)) $(if $(TIMEOUT),--timeout $(TIMEOUT)) $(if $(MEMORY),--memory $(MEMORY)) \
	$(if $(PROCESSES),--processes $(PROCESSES)) \
	$(if $(SCHEDULER),--scheduler $(SCHEDULER)) $(if $(filter 1 yes true,$(FORCE)),--force)

# The environment first on PATH for every command below, as if it were activated: nbgrader
# runs `alembic` from PATH when it creates the gradebook.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help install lab test release grade report feedback export bench clean-grading

help:
	@echo "make lab      set up .venv if needed and open JupyterLab on notebooks/"
	@echo "make test     set up .venv if needed and run the whole test suite (what CI runs)"
	@echo "make release  regenerate notebooks/ from solutions/ with nbgrader"
	@echo "make grade A=02_losses [JOBS=n] [TIMEOUT=s] [MEMORY=4G] [PROCESSES=512] [SCHEDULER=tcp://host:port] [FORCE=1]"
	@echo "             repair, then autograde every new submission of an assignment, in parallel, sandboxed"
	@echo "make report [A=02_losses]   class report of graded assignments: reports/<assignment>.html and .json"
	@echo "make feedback A=04_sequence_gan   feedback pages for an autograded assignment (feedback/)"
	@echo "make export   every grade in the gradebook to grades.csv"
	@echo "make bench    run the benchmarks in bench/ (not part of the tests)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -e ".[dev,grading]"
	touch $(STAMP)

install: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab $(LAB_FLAGS) --notebook-dir=notebooks $(LAB_ARGS)

test: $(STAMP)
	AML_GAN_FAST=1 $(BIN)/python -m pytest -n $(WORKERS) --dist loadfile --nbval-lax --durations=25 tests solutions

release: $(STAMP)
	@for a in $(ASSIGNMENTS); do \
		echo "== $$a"; \
		$(BIN)/nbgrader generate_assignment "$$a" --force --log-level=WARN || exit 1; \
	done
	@# The students' hand-in check reads the release's graded cells from the package: rewrite them
	@# here only, in this repository (a course folder elsewhere must not overwrite the package's file).
	@if [ -f aml_gan/handin_manifest.py ]; then $(BIN)/python -m aml_gan.handin --write-manifest notebooks; \
	else echo "(no aml_gan/ in this folder: the package's hand-in manifest is left as it is)"; fi

grade: $(STAMP)
	@test -n "$(A)" || { echo "usage: make grade A=<assignment> [JOBS=n] [TIMEOUT=s] [SCHEDULER=tcp://host:port] [FORCE=1]"; \
		echo "assignments: $(ASSIGNMENTS)"; exit 2; }
	$(BIN)/python -m aml_gan.grading grade "$(A)" $(strip $(GRADE_ARGS))

report: $(STAMP)
	$(BIN)/python -m aml_gan.grading report $(A)

feedback: $(STAMP)
	$(if $(A),,$(error Name the assignment: make feedback A=04_sequence_gan))
	$(BIN)/nbgrader generate_feedback "$(A)" $(NBGRADER_ARGS)

export: $(STAMP)
	$(BIN)/nbgrader export $(NBGRADER_ARGS)

bench: $(STAMP)
	$(BIN)/python -m bench

clean-grading:
	rm -rf submitted autograded feedback grading_logs gradebook.db
