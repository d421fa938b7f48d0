# vtpe — two commands: `make run` and `make test`. Both install what is missing first.
SHELL := /bin/bash
SWIFT ?= swift
VENV ?= .venv
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# C libraries behind the shims, the e2e driver (tmux) and the build tools.
APT_PACKAGES := libncurses-dev libusb-1.0-0-dev libpcsclite-dev libssl-dev libsqlite3-dev pkg-config tmux
# The USB reader tests: umockdev emulates the devices, its GObject bindings and pytest come from Debian's python3.
# The PC/SC test: pcscd with vsmartcard's virtual reader (scripts/test-pcscd.sh).
USB_TEST_PACKAGES := umockdev gir1.2-umockdev-1.0 python3-gi python3-pytest pcscd vsmartcard-vpcd
# The browser test of the 3-D Secure page (tests/interop/test_three_d_secure_browser.py): headless Chromium.
BROWSER_TEST_PACKAGES := chromium
ARGS ?=
# `make test` runs the suites against a throwaway PostgreSQL 15 server on 127.0.0.1 (scripts/test-postgres.sh) whose
# cluster lives in PG_TEST_DIR; set VTPE_TEST_POSTGRES_URL to run them against your own server instead.
PG_TEST_DIR ?= .build/test-postgres
PCSCD_TEST_DIR ?= .build/test-pcscd
# The suites; `make test` runs them in this order.
UNIT_TESTS ?= $(SWIFT) test --skip-build
E2E_TESTS ?= $(VENV)/bin/pytest -q tests/e2e
INTEROP_TESTS ?= $(VENV)/bin/pytest -q tests/interop
# libusb against emulated readers (docs/readers.md): Debian's python3, for umockdev's bindings.
USB_TESTS ?= /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/usb
# Every example scenario of the docs runs, so docs/scenarios.md never rots (JUnit XML for CI in .build/).
SCENARIO_TESTS ?= .build/debug/vtpe scenario docs/scenarios/*.yaml --report junit:.build/scenarios-junit.xml

.PHONY: run test deps usb-deps usb-tests build build-tests unit-tests scenario-tests e2e-tests interop-tests postgres-start postgres-stop venv release hot-code-profile bench clean help

help:
	@echo "make run    — build and open the countertop terminal (embedded gateway + card simulator)"
	@echo "make test   — build and run every test suite (Swift unit tests, the docs' scenarios, end-to-end tests in tmux, USB readers under umockdev, crypto interop)"
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

usb-deps:
	@missing=""; for p in $(USB_TEST_PACKAGES) $(BROWSER_TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

usb-tests: build usb-deps
	$(USB_TESTS)

run: build
	.build/debug/vtpe terminal $(ARGS)

# The release terminal: the Swift libraries linked in, and the code it keeps running after start-up packed together
# by the linker (functions in their own sections, laid out in the order of linker/terminal-hot-code.order, which
# `make hot-code-profile` makes) — the kernel maps code a large folio at a time, so scattered hot code stays resident
# (docs/benchmarks.md, "Packing the hot code").
RELEASE_FLAGS ?= --product vtpe --static-swift-stdlib -Xswiftc -Xfrontend -Xswiftc -function-sections \
	-Xlinker --section-ordering-file=$(CURDIR)/linker/terminal-hot-code.order

release: deps
	$(SWIFT) build -c release $(RELEASE_FLAGS)

# Profiles the release terminal under callgrind, rewrites linker/terminal-hot-code.order and links again with it
# (the linker's inputs do not include the file, so the binary is removed first); commit the file.
hot-code-profile: release
	@command -v valgrind >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq valgrind >/dev/null; }
	python3 bench/hot_code_profile.py .build/release/vtpe
	rm -f .build/release/vtpe
	$(SWIFT) build -c release $(RELEASE_FLAGS)

venv: $(VENV)/.installed

$(VENV)/.installed: tests/requirements.txt tests/requirements-nodeps.txt
	@$(PYTHON) -m venv --help >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq python3-venv >/dev/null; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
	$(VENV)/bin/pip install -q --disable-pip-version-check --no-deps -r tests/requirements-nodeps.txt
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
interop-tests: build venv usb-deps
	$(INTEROP_TESTS)

# Build everything first, then start the throwaway PostgreSQL (installed if missing) unless VTPE_TEST_POSTGRES_URL
# is set, and pcscd with its virtual reader for the PC/SC test; run the suites in order with its URL, and stop both
# whatever happens (failure, Ctrl-C, SIGTERM); the first failing suite ends the run and fails make ("Error N" carries
# the suite's exit status).
test: build-tests build venv usb-deps
	@set -e; \
	trap 'scripts/test-pcscd.sh stop $(PCSCD_TEST_DIR); [ -n "$${started_pg:-}" ] && scripts/test-postgres.sh stop $(PG_TEST_DIR) || true' EXIT; \
	trap 'exit 130' INT; trap 'exit 143' TERM; \
	if [ -z "$${VTPE_TEST_POSTGRES_URL:-}" ]; then \
	  started_pg=1; \
	  VTPE_TEST_POSTGRES_URL=$$(scripts/test-postgres.sh start $(PG_TEST_DIR)); \
	fi; \
	if scripts/test-pcscd.sh start $(PCSCD_TEST_DIR); then export VTPE_TEST_PCSCD=1; fi; \
	export VTPE_TEST_POSTGRES_URL; \
	echo "PostgreSQL for the tests: $$VTPE_TEST_POSTGRES_URL"; \
	echo '$(UNIT_TESTS)'; $(UNIT_TESTS); \
	echo '$(SCENARIO_TESTS)'; $(SCENARIO_TESTS); \
	echo '$(E2E_TESTS)'; $(E2E_TESTS); \
	echo '$(USB_TESTS)'; $(USB_TESTS); \
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
	WEBHOOKS=1 bench/gateway_wrk.sh .build/release/vtpe 0
	bench/gateway_pg.sh .build/release/vtpe

clean:
	rm -rf .build $(VENV)
