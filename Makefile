# vtpe — two commands: `make run` and `make test`. Both install what is missing first.
SHELL := /bin/bash
SWIFT ?= swift
VENV ?= .venv
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# C libraries behind the shims, the e2e driver (tmux) and the build tools.
APT_PACKAGES := libncurses-dev libusb-1.0-0-dev libssl-dev libsqlite3-dev pkg-config tmux
ARGS ?=
# `make test` runs the suites against a throwaway PostgreSQL 15 server on 127.0.0.1 (scripts/test-postgres.sh) whose
# cluster lives in PG_TEST_DIR; set VTPE_TEST_POSTGRES_URL to run them against your own server instead.
PG_TEST_DIR ?= .build/test-postgres
# The suites; `make test` runs them in this order.
UNIT_TESTS ?= $(SWIFT) test --skip-build
E2E_TESTS ?= $(VENV)/bin/pytest -q tests/e2e
INTEROP_TESTS ?= $(VENV)/bin/pytest -q tests/interop
# Every example scenario of the docs runs, so docs/scenarios.md never rots (JUnit XML for CI in .build/).
SCENARIO_TESTS ?= .build/debug/vtpe scenario docs/scenarios/*.yaml --report junit:.build/scenarios-junit.xml

.PHONY: run test deps build build-tests unit-tests scenario-tests e2e-tests interop-tests postgres-start postgres-stop venv release bench clean help

help:
	@echo "make run    — build and open the countertop terminal (embedded gateway + card simulator)"
	@echo "make test   — build and run every test suite (Swift unit tests, the docs' scenarios, end-to-end tests in tmux, crypto interop)"
	@echo "              against a throwaway PostgreSQL on 127.0.0.1 (or your own: VTPE_TEST_POSTGRES_URL=postgres://…)"
	@echo "make postgres-start / postgres-stop — that throwaway PostgreSQL, for running single suites by hand"
	@echo "make bench  — release build, then crypto and EMV throughput on one core, tap-to-approval latency, then the gateway under wrk"
	@echo "make run ARGS='--profile countertop --data-dir /tmp/vtpe'   — pass options to vtpe terminal"

deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "Swift 6.1+ is required (swift not on PATH)"; exit 1; }

build: deps
	$(SWIFT) build

run: build
	.build/debug/vtpe terminal $(ARGS)

release: deps
	$(SWIFT) build -c release

venv: $(VENV)/.installed

$(VENV)/.installed: tests/requirements.txt
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
	touch $@

build-tests: deps
	$(SWIFT) build --build-tests

# Run alone, the suites use VTPE_TEST_POSTGRES_URL from the environment and skip PostgreSQL without it.
unit-tests: build-tests
	$(UNIT_TESTS)

scenario-tests: build
	$(SCENARIO_TESTS)

e2e-tests: build venv
	$(E2E_TESTS)

# Our crypto calculator against independent PyPI implementations (pyemv, psec, pydukpt).
interop-tests: build venv
	$(INTEROP_TESTS)

# Build everything first, then start the throwaway PostgreSQL (installed if missing) unless VTPE_TEST_POSTGRES_URL
# is set, run the suites in order with its URL, and stop it whatever happens (failure, Ctrl-C, SIGTERM); the first
# failing suite ends the run and fails make ("Error N" carries the suite's exit status).
test: build-tests build venv
	@set -e; \
	if [ -z "$${VTPE_TEST_POSTGRES_URL:-}" ]; then \
	  trap 'scripts/test-postgres.sh stop $(PG_TEST_DIR)' EXIT; \
	  trap 'exit 130' INT; trap 'exit 143' TERM; \
	  VTPE_TEST_POSTGRES_URL=$$(scripts/test-postgres.sh start $(PG_TEST_DIR)); \
	fi; \
	export VTPE_TEST_POSTGRES_URL; \
	echo "PostgreSQL for the tests: $$VTPE_TEST_POSTGRES_URL"; \
	echo '$(UNIT_TESTS)'; $(UNIT_TESTS); \
	echo '$(SCENARIO_TESTS)'; $(SCENARIO_TESTS); \
	echo '$(E2E_TESTS)'; $(E2E_TESTS); \
	echo '$(INTEROP_TESTS)'; $(INTEROP_TESTS)

# The same throwaway PostgreSQL by hand: `eval $$(make -s postgres-start)`, then `make unit-tests` etc.
postgres-start:
	@url=$$(scripts/test-postgres.sh start $(PG_TEST_DIR)) && echo "export VTPE_TEST_POSTGRES_URL=$$url"

postgres-stop:
	@scripts/test-postgres.sh stop $(PG_TEST_DIR)

# Release build, then crypto/EMV throughput on one core, tap-to-approval latency through a headless terminal (1,000
# taps), and the gateway under wrk (empty store, then 1,000,000 payments); figures go to docs/benchmarks.md.
bench: release
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk >/dev/null; }
	taskset -c 0 .build/release/vtpe bench --seconds 3
	python3 bench/tap_latency.py --bin .build/release/vtpe --count 1000
	bench/gateway_wrk.sh .build/release/vtpe 1000000

clean:
	rm -rf .build $(VENV)
