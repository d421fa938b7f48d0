# vtpe — two commands: `make run` and `make test`. Both install what is missing first.
SHELL := /bin/bash
SWIFT ?= swift
VENV ?= .venv
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# C libraries behind the shims, the e2e driver (tmux) and the build tools.
APT_PACKAGES := libncurses-dev libusb-1.0-0-dev libssl-dev libsqlite3-dev pkg-config tmux
ARGS ?=

.PHONY: run test deps build build-tests unit-tests e2e-tests interop-tests venv release bench clean help

help:
	@echo "make run    — build and open the countertop terminal (embedded gateway + card simulator)"
	@echo "make test   — build and run every test suite (Swift unit tests, end-to-end tests in tmux, crypto interop)"
	@echo "make bench  — release build, then crypto and EMV throughput on one core"
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

unit-tests: build-tests
	$(SWIFT) test --skip-build

e2e-tests: build venv
	$(VENV)/bin/pytest -q tests/e2e

# Our crypto calculator against independent PyPI implementations (pyemv, psec, pydukpt).
interop-tests: build venv
	$(VENV)/bin/pytest -q tests/interop

test: unit-tests e2e-tests interop-tests

# Throughput on one core, release build (figures go to docs/benchmarks.md).
bench: release
	taskset -c 0 .build/release/vtpe bench --seconds 3

clean:
	rm -rf .build $(VENV)
