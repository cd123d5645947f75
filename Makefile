# aido: one entry point.
#   make            install missing packages, build extension and gateway
#   make install    install the extension into the local PostgreSQL
#   make test       build, install, run every suite on a throwaway cluster
#   make run        start the gateway (and, without DATABASE_URL, a local cluster)
#   make bench      benchmarks (see bench/README.md)

SHELL := /bin/bash
PG_CONFIG ?= pg_config
# Non-root users install through sudo.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: all deps extension gateway unit install test run bench clean

all: deps extension gateway

deps:
	@scripts/deps.sh
	@scripts/npm-deps.sh

extension: deps
	$(MAKE) -C extension PG_CONFIG=$(PG_CONFIG)

gateway: deps
	@if [ -f gateway/Makefile ]; then $(MAKE) -C gateway; fi

unit: deps
	@if [ -f test/unit/Makefile ]; then $(MAKE) -C test/unit; fi

install: extension
	$(SUDO) $(MAKE) -C extension PG_CONFIG=$(PG_CONFIG) install

test: all install unit
	test/run

run: all install
	scripts/run.sh

bench: all install
	@scripts/deps.sh bench
	bench/run

clean:
	$(MAKE) -C extension clean
	@if [ -f gateway/Makefile ]; then $(MAKE) -C gateway clean; fi
	@if [ -f test/unit/Makefile ]; then $(MAKE) -C test/unit clean; fi
