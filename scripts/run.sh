#!/usr/bin/env bash
# make run: start the gateway in the foreground.
#
#   scripts/run.sh          start (see below); Ctrl-C stops the gateway
#   scripts/run.sh stop     stop the local PostgreSQL cluster, if there is one
#
# With DATABASE_URL (environment or .env) the gateway uses that database and
# nothing local is touched: scripts/install-db (make install-db) installs or
# upgrades aido there, in the flavor the server allows, and the gateway
# connects as the role aido_gateway it makes.  Without it, a local PostgreSQL 15 cluster is
# created (once, announced in one line) and started: loopback only, port
# 5432 when free (else another, remembered), database "aido" with the
# extension bootstrapped, and a login role "aido_gateway" (member of
# aido_api, not a superuser) whose generated password is kept in a file only
# the invoking user can read.  A JWT_SECRET is generated the same way when
# neither the environment nor .env has one, so tokens survive restarts.
#
# PostgreSQL refuses to run as root: as root the cluster runs as the
# "postgres" system user, and when that user cannot reach the checkout (say
# under /root) the cluster lives in /var/lib/aido/ instead of .run/.
# The cluster keeps running after the gateway stops, so the next start is
# quick; "scripts/run.sh stop" stops it.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

say() { printf 'aido: %s\n' "$*"; }
die() { printf 'aido: %s\n' "$*" >&2; exit 1; }

# What the gateway will see of a variable: the environment, else .env, read
# by the gateway's own parser (gateway/aido-env, built from gateway/dotenv.c),
# so that this script and the gateway never read .env differently.
env_tool=gateway/aido-env

# Set (and not empty); secrets are never printed.
configured() {
	"$env_tool" -q "$1"
}

setting() {
	local v
	v=$("$env_tool" "$1") || true
	printf '%s' "${v:-$2}"
}

port_busy() {
	(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
	perl -MIO::Socket::INET -e 'my $s = IO::Socket::INET->new(Listen => 1,
	    LocalAddr => "127.0.0.1", LocalPort => 0) or die "$!\n";
	    print $s->sockport, "\n";'
}

# ------------------------------------------------------------ the cluster

PGBIN=$(pg_config --bindir 2>/dev/null || true)
[ -x "${PGBIN:-}/initdb" ] || PGBIN=/usr/lib/postgresql/15/bin

if [ "$(id -u)" -eq 0 ]; then
	owner=postgres
	as_owner=(runuser -u postgres --)
else
	owner=$(id -un)
	as_owner=()
fi

# Where the local cluster and its secrets live: .run/ in the checkout when
# the cluster's owner can reach it, else a persistent directory per
# checkout under /var/lib/aido.
state_dir() {
	if [ "$owner" = "$(id -un)" ] ||
	    (cd / && runuser -u "$owner" -- test -x "$top") 2>/dev/null; then
		printf '%s/.run' "$top"
	else
		local tag
		tag=$(printf '%s' "$top" | sha256sum | cut -c1-8)
		printf '/var/lib/aido/%s-%s' "$(basename "$top")" "$tag"
	fi
}

state=$(state_dir)
pgdir=$state/pg
pgdata=$pgdir/data
pglog=$pgdir/postgresql.log
sock=$pgdir/sock

as_pg() { (cd "$pgdir" && "${as_owner[@]}" "$@"); }

cluster_running() {
	[ -f "$pgdata/PG_VERSION" ] && as_pg "$PGBIN/pg_ctl" -D "$pgdata" status >/dev/null 2>&1
}

if [ "${1:-}" = stop ]; then
	if cluster_running; then
		as_pg "$PGBIN/pg_ctl" -D "$pgdata" -m fast -w stop >/dev/null
		say "stopped the local PostgreSQL cluster in $pgdata"
	else
		say "no local PostgreSQL cluster is running (looked in $pgdata)"
	fi
	exit 0
elif [ $# -gt 0 ]; then
	die "usage: scripts/run.sh [stop]"
fi

[ -x gateway/start ] || die "gateway/start is missing: build the gateway first (make)"
[ -x "$env_tool" ] || die "$env_tool is missing: build the gateway first (make)"
# A .env the gateway could not read stops here, with the gateway's reason.
"$env_tool" || exit 1

api_host=$(setting API_HOST 127.0.0.1)
api_port=$(setting API_PORT 8000)
api="http://$api_host:$api_port"

if configured DATABASE_URL; then
	say "using the DATABASE_URL of the $([ -n "${DATABASE_URL:-}" ] && echo environment || echo .env file); nothing local is started"
	# aido installed or upgraded there first (make install-db); when that
	# made the gateway's own role, the gateway connects as it (on Neon
	# through the pooler), not as the owner whose URL was given.
	urlfile=$(mktemp)
	scripts/install-db --quiet --url-file="$urlfile" || { rm -f "$urlfile"; exit 1; }
	if [ -s "$urlfile" ]; then
		DATABASE_URL=$(cat "$urlfile")
		export DATABASE_URL
		say "the gateway connects as aido_gateway (member of aido_api only)"
	fi
	rm -f "$urlfile"
	say "API on $api (Ctrl-C stops it)"
	exec gateway/start
fi

created=
if [ ! -f "$pgdata/PG_VERSION" ]; then
	created=yes
	mkdir -p "$state"
	chmod 755 "$state"
	mkdir -p "$pgdir"
	[ "$owner" = "$(id -un)" ] || chown "$owner:" "$pgdir"
	chmod 700 "$pgdir"
	as_pg "$PGBIN/initdb" -D "$pgdata" -U "$owner" -A scram-sha-256 \
	    --auth-local=peer -E UTF8 --locale=C.UTF-8 >"$state/initdb.log" 2>&1 ||
	    { cat "$state/initdb.log" >&2; die "initdb failed"; }
	rm -f "$state/initdb.log"
	as_pg sh -c "cat >>'$pgdata/postgresql.conf'" <<-EOF

	# aido (scripts/run.sh): loopback only, a private socket directory.
	listen_addresses = '127.0.0.1'
	unix_socket_directories = '$sock'
	EOF
fi

if cluster_running; then
	port=$(sed -n 4p "$pgdata/postmaster.pid" 2>/dev/null || true)
	say "local PostgreSQL 15 cluster already running in $pgdata (user $owner, 127.0.0.1:$port)"
else
	port=$(cat "$state/port" 2>/dev/null || echo 5432)
	if port_busy "$port"; then
		old=$port
		port=5432
		port_busy "$port" && port=$(free_port)
		[ "$old" = 5432 ] || say "port $old is taken; the local cluster moves to $port"
	fi
	as_pg mkdir -p "$sock"
	say "${created:+creating and }starting a local PostgreSQL 15 cluster in $pgdata (user $owner, 127.0.0.1:$port; data kept between runs)"
	as_pg "$PGBIN/pg_ctl" -D "$pgdata" -l "$pglog" -w -t 60 \
	    -o "-p $port" start >/dev/null ||
	    { tail -n 20 "$pglog" >&2 || true; die "the local cluster did not start (log: $pglog)"; }
fi
printf '%s\n' "$port" >"$state/port"

# Secrets, readable only by the invoking user.
secret_file() {
	local f=$state/$1
	if [ ! -s "$f" ]; then
		(umask 077 && od -An -tx1 -N"$2" /dev/urandom | tr -d ' \n' >"$f")
	fi
	chmod 600 "$f"
	cat "$f"
}
pw=$(secret_file gateway.password 24)

psql_admin() {
	as_pg "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -p "$port" \
	    -U "$owner" "$@"
}

if [ -z "$(psql_admin -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = 'aido'")" ]; then
	psql_admin -d postgres -c 'CREATE DATABASE aido' >/dev/null
fi
# The password travels in the environment, never on a command line.
AIDO_PW=$pw psql_admin -d aido >/dev/null <<'SQL'
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS aido;
ALTER EXTENSION aido UPDATE;
SELECT aido_bootstrap();
\getenv pw AIDO_PW
SELECT format('%s ROLE aido_gateway LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD %L',
	CASE WHEN EXISTS (SELECT FROM pg_roles WHERE rolname = 'aido_gateway')
	THEN 'ALTER' ELSE 'CREATE' END, :'pw') \gexec
GRANT aido_api TO aido_gateway;
SQL

if ! configured JWT_SECRET; then
	JWT_SECRET=$(secret_file jwt_secret 32)
	export JWT_SECRET
fi
export DATABASE_URL="postgresql://aido_gateway:$pw@127.0.0.1:$port/aido"

cat <<EOF
aido: DATABASE_URL=postgresql://aido_gateway:****@127.0.0.1:$port/aido (password in $state/gateway.password)
aido: API on $api; Ctrl-C stops the gateway, the cluster keeps running (stop it: scripts/run.sh stop)
aido: in a browser: the web client at $api/ and the API explorer at $api/docs
aido: try it:
  TOKEN=\$(curl -s $api/api/auth/signup -H 'Content-Type: application/json' \\
      -d '{"email":"me@example.com","password":"change me please"}' |
      sed -E 's/.*"token": *"([^"]+)".*/\1/')
  curl -s $api/api/tasks -H "Authorization: Bearer \$TOKEN" \\
      -H 'Content-Type: application/json' -d '{"title":"Try aido","priority":"high"}'
  curl -s "$api/api/tasks?status=pending" -H "Authorization: Bearer \$TOKEN"
EOF
exec gateway/start
