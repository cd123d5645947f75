#!/usr/bin/env perl
# API.md §3.3 through the official MCP TypeScript SDK's client (npm
# @modelcontextprotocol/sdk, pinned by package-lock.json), Streamable HTTP,
# against the real gateway and database: test/mcp/sdk-client.mjs lists the
# tools, calls each, looks at the effect through REST, makes user B try
# user A's tasks with and without A's user_id, and presents an expired
# token.  Each line it prints is one test here.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IPC::Open3 qw(open3);
use Test::More;
use AidoGW;

my $ROOT = $AidoGW::ROOT;
my $CLIENT = "$ROOT/test/mcp/sdk-client.mjs";
my $TIMEOUT = 180;

my @missing;
push(@missing, 'node is not installed: apt-get install nodejs npm')
    unless grep { -x "$_/node" } split(/:/, $ENV{PATH} // '');
push(@missing, "$ROOT/node_modules/\@modelcontextprotocol/sdk is not " .
    'installed: run make (scripts/npm-deps.sh), or npm ci')
    unless -f "$ROOT/node_modules/\@modelcontextprotocol/sdk/package.json";
if (@missing) {
	fail('node and the MCP SDK are there to run the client');
	diag($_) for @missing;
	done_testing();
	exit(1);
}

my $gw = AidoGW->new;
my $a = $gw->new_user;
my $b = $gw->new_user;

# A's session, signed as the gateway signs, but expired an hour ago.
my $now = time();
my $old = AidoGW::jwt_encode(secret => $gw->secret, claims => {
    sub => $a->{id}, sid => $a->{claims}{sid}, iat => $now - 7200,
    exp => $now - 3600 });

my $errlog = File::Temp->new(TEMPLATE => 'mcp-sdk-XXXXXX', TMPDIR => 1);
local $ENV{AIDO_URL} = $gw->base_url;
local $ENV{AIDO_TOKEN_A} = $a->{token};
local $ENV{AIDO_USER_A} = $a->{id};
local $ENV{AIDO_TOKEN_B} = $b->{token};
local $ENV{AIDO_TOKEN_OLD} = $old;
my $pid = open3(my $to, my $from, '>&' . fileno($errlog), 'node', $CLIENT);
close($to);

my $n = 0;
local $SIG{ALRM} = sub { die "timeout\n" };
eval {
	alarm($TIMEOUT);
	while (my $line = <$from>) {
		my $r = eval { $AidoGW::JSON->decode($line) };
		if (ref($r) ne 'HASH') {
			note($line);
			next;
		}
		$n++;
		ok($r->{ok}, $r->{name}) or
		    diag(AidoGW::_masked($gw, $AidoGW::JSON->encode(
		    $r->{diag} // 'no detail')));
	}
	alarm(0);
};
my $timed_out = $@ eq "timeout\n";
kill('TERM', $pid) if $timed_out;
waitpid($pid, 0);
my $exit = $? >> 8;

ok(!$timed_out && $exit == 0 && $n >= 25, 'the SDK client ran to its ' .
    "end ($n findings)") or do {
	diag($timed_out ? "it took more than $TIMEOUT s" :
	    "node exited with status $exit");
	seek($errlog, 0, 0);
	my @tail = (<$errlog>)[-20 .. -1];
	diag(AidoGW::_masked($gw, join('', grep { defined } @tail)));
};
ok($gw->running, 'the gateway kept running');

done_testing();
