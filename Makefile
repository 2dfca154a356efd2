# The two commands of the README: `make demo` and `make test`. Both install what is missing first.
SHELL := /bin/bash
export PATH := $(PATH):/opt/swift/usr/bin
HOSO_ARCHIVE ?= demo-archive
export HOSO_ARCHIVE

.PHONY: all setup build demo test lint unit-tests crash-test bench crash-stress clean fuzz

all: build

setup:
	@tools/setup

build: setup
	swift build --product hoso

demo: build
	@tools/demo

# Every test: the house rules (tools/lint: swift format and ruff), Swift unit and end-to-end tests (no compiler warnings
# allowed in our code), the browser tests of the web application (headless Chromium), then a few SIGKILL crash trials.
# The full 50-trial run is `make crash-stress`.
test: setup lint
	@set -o pipefail; swift build --build-tests 2>&1 | tee .build-log.txt | grep -vE '^\[[0-9]+/[0-9]+\]' || { echo "build failed"; exit 1; }
	@if grep -E "^$(CURDIR)/(Sources|Tests)/.*warning:" .build-log.txt; then echo "make test: compiler warnings in hoso's code (see above)"; exit 1; fi
	swift test --skip-build
	tools/browser-test
	tools/crash-stress --self-test
	tools/crash-stress --trials 3 --seed 1

lint: setup
	tools/lint

crash-stress: build
	tools/crash-stress --trials 50

bench: setup
	@tools/setup --bench
	tools/bench-store
	tools/bench-records
	tools/bench-signing
	tools/bench-copies
	tools/bench-sync
	tools/bench-web

# libFuzzer over every reader of outside bytes (tools/fuzz): FUZZ_SECONDS per harness; what it finds is kept in
# Fuzz/regressions/, which `make test` replays.
FUZZ_SECONDS ?= 30
fuzz: setup
	FUZZ_SECONDS=$(FUZZ_SECONDS) tools/fuzz

clean:
	rm -rf .build demo-archive Samples/generated .build-log.txt
