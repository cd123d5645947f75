#!/usr/bin/env perl
# The official MCP conformance suite against POST /mcp, every server
# scenario of each protocol era aido speaks:
#  - 2025-11-25 with npm @modelcontextprotocol/conformance 0.1.16;
#  - 2026-07-28 with 0.2.0-alpha.12 (installed as mcp-conformance-next: the
#    release has no scenario of that revision yet).
# Both pinned by package-lock.json.  What does not apply to a tools-only,
# stateless server is listed, with the reason, in the baselines
# test/mcp/conformance-*.yml; anything else failing, or a listed failure
# that starts passing, fails here.  The gateway runs with
# AIDO_MCP_CONFORMANCE=1, which adds the suite's fixture tools (fixed
# answers, no database) to its own.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Temp qw(tempdir);
use Test::More;
use AidoGW;

my $ROOT = $AidoGW::ROOT;
my $TIMEOUT = 300;
my %SUITE = (
	'2025-11-25' => '@modelcontextprotocol/conformance',
	'2026-07-28' => 'mcp-conformance-next',
);

my @missing;
push(@missing, 'node is not installed: apt-get install nodejs npm')
    unless grep { -x "$_/node" } split(/:/, $ENV{PATH} // '');
for my $pkg (sort values %SUITE) {
	push(@missing, "$ROOT/node_modules/$pkg is not installed: run make " .
	    '(scripts/npm-deps.sh), or npm ci')
	    unless -f "$ROOT/node_modules/$pkg/dist/index.js";
}
if (@missing) {
	fail('node and the conformance suites are there');
	diag($_) for @missing;
	done_testing();
	exit(1);
}

my $gw = AidoGW->new(env => { AIDO_MCP_CONFORMANCE => 1 });
my $url = $gw->base_url . '/mcp';

for my $version (sort keys %SUITE) {
	my $out = tempdir('mcp-conformance-XXXXXX', TMPDIR => 1, CLEANUP => 1);
	my @cmd = ('node', '--import', "$ROOT/test/mcp/node20.mjs",
	    "$ROOT/node_modules/$SUITE{$version}/dist/index.js", 'server',
	    '--url', $url, '--spec-version', $version, '--suite', 'all',
	    '--expected-failures', "$ROOT/test/mcp/conformance-$version.yml",
	    '-o', $out);
	my $cmd = join(' ', map { "'$_'" } @cmd);
	my $log = eval {
		local $SIG{ALRM} = sub { die "timeout\n" };
		alarm($TIMEOUT);
		my $text = `timeout $TIMEOUT $cmd 2>&1`;
		alarm(0);
		$text;
	} // '';
	my $exit = $? >> 8;
	$log =~ s/\e\[[0-9;]*m//g;
	my ($summary) = $log =~ /(=== SUMMARY ===.*)\z/s;

	ok($exit == 0 && $log =~ /Baseline check passed/,
	    "conformance $version: every scenario passes but the baselined") or
	    diag($summary // substr($log, -3000));
	my @passed = ($summary // '') =~ /^✓ (\S+):/mg;
	cmp_ok(scalar(@passed), '>=', 10,
	    "... and at least 10 scenarios pass in full") or
	    diag($summary // 'no summary');
	note($summary) if defined $summary;
}

ok($gw->running, 'the gateway kept running');

done_testing();
