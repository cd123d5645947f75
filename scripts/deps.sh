#!/usr/bin/env bash
# Install the Debian packages aido needs, when they are missing, and say so.
# Called by make; safe to run again (it does nothing when all are present).
#   scripts/deps.sh            build + test dependencies
#   scripts/deps.sh bench      also the benchmark tools
#   scripts/deps.sh faults     also what make test-faults and make fuzz need:
#                              clang with libFuzzer, PgBouncer, openssl,
#                              python3 (test/neon's proxy)
set -euo pipefail

pkgs=(
	postgresql-15 postgresql-server-dev-15 postgresql-contrib
	libpq-dev
	kore
	libjansson-dev libsodium-dev libcrypt-dev libssl-dev libcurl4-openssl-dev
	postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl
	gcc make pkg-config curl perl
	chromium
)
if [ "${1:-}" = bench ]; then
	pkgs+=(wrk hey postgresql-client-15 python3 procps)
	# bench/peer (make bench-peer): the FastAPI + SQLModel stack of the
	# Evolution-of-Todo seeds, from Debian.  SQLAlchemy 1.4 (bookworm's)
	# drives psycopg2 only; uvloop and httptools are uvicorn[standard]'s.
	pkgs+=(python3-fastapi python3-sqlmodel python3-sqlalchemy python3-psycopg2
		python3-jwt python3-uvicorn python3-uvloop python3-httptools gunicorn)
fi
if [ "${1:-}" = faults ]; then
	pkgs+=(clang libclang-rt-14-dev pgbouncer openssl python3)
fi

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
	    grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "aido: installing missing Debian packages: ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
	sudo=()
elif command -v sudo >/dev/null; then
	sudo=(sudo)
else
	echo "aido: need root or sudo to install: ${missing[*]}" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q >/dev/null ||
    echo "aido: apt-get update failed; trying the lists already present" >&2
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
