#!/usr/bin/env perl
# Live sync and reminders in the web client (API.md §3.4), in a real
# browser: test/browser/live.mjs drives Debian's chromium with two browser
# contexts against a gateway started here, and prints TAP relayed here.
# Like 90_browser.t, it fails (does not skip) without chromium, node or
# playwright-core: make installs them.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AidoGW;

my $ROOT = $AidoGW::ROOT;
my $CHROMIUM = $ENV{AIDO_CHROMIUM} // '/usr/bin/chromium';
my $TIMEOUT = 300;

unless (-x $CHROMIUM &&
    -f "$ROOT/node_modules/playwright-core/package.json" &&
    grep { -x "$_/node" } split(/:/, $ENV{PATH} // '')) {
	fail('chromium, node and playwright-core are there to run the ' .
	    'browser tests (make installs them)');
	done_testing();
	exit(1);
}

my $gw = AidoGW->new;
local $ENV{AIDO_BASE_URL} = $gw->base_url;
local $ENV{AIDO_CHROMIUM} = $CHROMIUM;
my $pid = open(my $from, '-|', 'node', "$ROOT/test/browser/live.mjs")
    or die "node: $!";
my ($ended, $timed_out) = (0, 0);
local $SIG{ALRM} = sub { die "timeout\n" };
eval {
	alarm($TIMEOUT);
	while (my $line = <$from>) {
		chomp($line);
		if ($line =~ /\A(not )?ok \d+ - (.*)\z/) {
			ok(!$1, $2);
		} elsif ($line =~ /\A#\s?(.*)\z/) {
			diag($1);
		} elsif ($line eq 'END') {
			$ended = 1;
		} elsif ($line =~ /\ABail out!/) {
			fail($line);
		}
	}
	alarm(0);
};
$timed_out = $@ eq "timeout\n";
kill('TERM', $pid) if $timed_out;
close($from);
ok($ended && !$timed_out, 'the browser run went to its end');
ok($gw->running, 'the gateway kept running');

done_testing();
