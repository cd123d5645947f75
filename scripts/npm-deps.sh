#!/usr/bin/env bash
# Install the npm packages of package-lock.json (the API explorer served at
# /docs, playwright-core for the browser tests, and the official MCP SDK and
# conformance suite for the tests of /mcp) into node_modules, when
# they are missing or older than the lockfile, and say so.  Called by make;
# does nothing when node_modules is up to date.
#
# Only the npm registry is used, through npm ci and the committed lockfile,
# with install scripts off: no browser is ever downloaded (the tests drive
# Debian's chromium, which scripts/deps.sh installs).
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.package-lock.json
if [ -f "$stamp" ] && [ ! package-lock.json -nt "$stamp" ] &&
    [ -f node_modules/swagger-ui-dist/swagger-ui-bundle.js ] &&
    [ -f node_modules/playwright-core/package.json ] &&
    [ -f node_modules/@modelcontextprotocol/sdk/package.json ] &&
    [ -f node_modules/@modelcontextprotocol/conformance/dist/index.js ] &&
    [ -f node_modules/mcp-conformance-next/dist/index.js ]; then
	exit 0
fi

if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
	echo "aido: installing missing Debian packages: nodejs npm"
	if [ "$(id -u)" -eq 0 ]; then
		sudo=()
	elif command -v sudo >/dev/null; then
		sudo=(sudo)
	else
		echo "aido: need root or sudo to install: nodejs npm" >&2
		exit 1
	fi
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -q >/dev/null ||
	    echo "aido: apt-get update failed; trying the lists already present" >&2
	"${sudo[@]}" apt-get install -y -q --no-install-recommends nodejs npm
fi

echo "aido: installing npm packages (npm ci: swagger-ui-dist, playwright-core," \
    "@modelcontextprotocol/sdk, @modelcontextprotocol/conformance)"
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 SCARF_ANALYTICS=false
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
