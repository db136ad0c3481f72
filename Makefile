# Thin wrappers: each target is the commands you would type. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PYTHON := $(VENV)/bin/python
MANAGE := $(PYTHON) manage.py

# The test suite runs on PostgreSQL (the production shape); DATABASE_URL and SECRET_KEY from
# the environment win. pytest-django gives each xdist worker its own test database.
TEST_DATABASE_URL := $(or $(DATABASE_URL),postgres://postgres@127.0.0.1:5432/ecosystem)
TEST_SECRET_KEY := $(or $(SECRET_KEY),insecure-test-only-secret-key)
PYTEST_ARGS ?=

.PHONY: help install run migrate demo test lint bench clean

help:
	@echo "make run      install, migrate, seed the demo, start the scheduler and the server"
	@echo "make test     the test suite on PostgreSQL (DATABASE_URL, default $(TEST_DATABASE_URL))"
	@echo "make lint     ruff (lint + format check) and mypy"
	@echo "make install  create/refresh .venv (Python >= 3.12) when pyproject.toml changed"
	@echo "make migrate  apply database migrations"
	@echo "make demo     seed the demo tenant (acme) unless it exists"
	@echo "make bench    benchmarks (not available yet)"
	@echo "make clean    remove caches and build output (keeps .venv, db.sqlite3, media/)"

install:
	@scripts/bootstrap

migrate: install
	$(MANAGE) migrate --no-input

demo: install
	$(MANAGE) seed_demo

# The embedded default: SQLite, tasks in process, and run_scheduler doing beat's timed work.
# The scheduler runs in the background and is stopped when the server stops.
run: migrate
	$(MANAGE) seed_demo
	@echo
	@echo "Open http://acme.localhost:8000 — sign in as admin@acme.example / demo-pass-2026"
	@echo
	@$(MANAGE) run_scheduler & scheduler=$$!; \
	  trap 'kill $$scheduler 2>/dev/null; wait $$scheduler 2>/dev/null' EXIT INT TERM; \
	  $(MANAGE) runserver 0.0.0.0:8000

test: install
	@DATABASE_URL='$(TEST_DATABASE_URL)' $(PYTHON) scripts/check-postgres
	DATABASE_URL='$(TEST_DATABASE_URL)' SECRET_KEY='$(TEST_SECRET_KEY)' \
	  $(VENV)/bin/pytest -n 2 $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy ecosystem partners dealreg onboarding mdf

bench:
	@echo "make bench: the benchmark harness (bench/) arrives with the performance issue;"
	@echo "there is nothing to measure yet."

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache staticfiles build *.egg-info
	find . -path ./$(VENV) -prune -o -type d -name __pycache__ -exec rm -rf {} +
