# aido: one entry point.
#   make            install missing packages, build extension and gateway
#   make install    install the extension into the local PostgreSQL
#   make test       build, install, run every suite on a throwaway cluster
#                   (the pgTAP suites twice: C extension, SQL-only flavor)
#   make test-faults the long suites: database faults, hostile input, fuzzing,
#                   sanitizers, secrets (test/faults/, SECURITY.md)
#   make fuzz       run each libFuzzer target FUZZ_SECONDS (default 60)
#   make asan       AddressSanitizer + UBSan builds of the gateway and unit tests
#   make install-db install or upgrade aido in the database of DATABASE_URL
#                   (the C extension, or the SQL-only flavor where the server
#                   or the role cannot have it: Neon), bootstrap it, make the
#                   gateway's role
#   make run        start the gateway (and, without DATABASE_URL, a local cluster)
#   make bench      benchmarks (see bench/README.md)
#   make bench-peer aido against the benchmark peer (bench/peer/) only
#   make bench-events the change feed: 1,000 SSE subscribers, the change log's cost (bench/events.sh)

SHELL := /bin/bash
PG_CONFIG ?= pg_config
# Non-root users install through sudo.
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: all deps extension gateway unit install test run bench bench-peer bench-events clean \
	bench-tools \
	test-faults fuzz fuzz-build asan install-db

all: deps extension gateway

deps:
	@scripts/deps.sh
	@scripts/npm-deps.sh

extension: deps
	$(MAKE) -C extension PG_CONFIG=$(PG_CONFIG) all sqlonly

gateway: deps
	$(MAKE) -C gateway

unit: deps
	$(MAKE) -C test/unit

install: extension
	$(SUDO) $(MAKE) -C extension PG_CONFIG=$(PG_CONFIG) install

# The pgTAP suites run a second time against the SQL-only flavor
# (sql/sqlonly), with two gateway suites: the gateway starts on it.
test: all install unit
	test/run
	AIDO_FLAVOR=sqlonly test/run test/sql/*.sql test/sql/*.t \
		test/gateway/20_auth.t test/gateway/30_tasks.t

# Clang (libFuzzer) and PgBouncer are needed by these targets only.
test-faults: all install unit asan fuzz-build
	test/run-faults

FUZZ_SECONDS ?= 60
fuzz: fuzz-build
	$(MAKE) -C test/fuzz run FUZZ_SECONDS=$(FUZZ_SECONDS)

fuzz-build: deps
	@scripts/deps.sh faults
	$(MAKE) -C test/fuzz

asan: deps
	$(MAKE) -C gateway asan
	$(MAKE) -C test/unit asan

run: all install
	scripts/run.sh

install-db: all
	scripts/install-db

# bench/httprate: the HTTP side of bench/latency.sh's fixed-rate runs.
bench-tools:
	$(MAKE) -C bench/httprate

bench: all install bench-tools
	@scripts/deps.sh bench
	bench/run

bench-peer: all install bench-tools
	@scripts/deps.sh bench
	BENCH_MODE=peer bench/run

bench-events: all install
	@scripts/deps.sh bench
	bench/events.sh

clean:
	$(MAKE) -C extension clean
	$(MAKE) -C gateway clean
	$(MAKE) -C test/unit clean
	$(MAKE) -C test/fuzz clean
	$(MAKE) -C bench/httprate clean
