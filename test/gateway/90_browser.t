#!/usr/bin/env perl
# The web client at / and the API explorer at /docs, in a real browser:
# test/browser/journey.mjs drives Debian's chromium with playwright-core
# against a gateway started here, and prints TAP that this file relays.
# When the journey asks (a line "PAUSE stop-database" / "PAUSE
# start-database"), the database is made unreachable and reachable again
# through a TCP relay, so that the page meets a real 503.
#
# Without chromium or the npm packages this FAILS, it does not skip: the
# browser tests are part of make test, and make installs both
# (scripts/deps.sh, scripts/npm-deps.sh).  Screenshots of the main states
# go to test/out/screenshots/.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AidoGW;
use IO::Handle;
use IPC::Open3 qw(open3);
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

my $ROOT = $AidoGW::ROOT;
my $CHROMIUM = $ENV{AIDO_CHROMIUM} // '/usr/bin/chromium';
my $JOURNEY = "$ROOT/test/browser/journey.mjs";
my $SHOTS = "$ROOT/test/out/screenshots";
my $TIMEOUT = 600;

my @missing;
push(@missing, "$CHROMIUM is not installed: apt-get install chromium " .
    '(make runs scripts/deps.sh, which installs it)') unless -x $CHROMIUM;
push(@missing, 'node is not installed: apt-get install nodejs npm')
    unless grep { -x "$_/node" } split(/:/, $ENV{PATH} // '');
push(@missing, "$ROOT/node_modules/playwright-core is not installed: run " .
    'make (scripts/npm-deps.sh), or npm ci in the repository')
    unless -f "$ROOT/node_modules/playwright-core/package.json";
if (@missing) {
	fail('chromium, node and playwright-core are there to run the ' .
	    'browser tests');
	diag($_) for @missing;
	done_testing();
	exit(1);
}

# The gateway reaches its database through a relay that the journey can
# have cut (a real 503) and restored.
my $db = AidoGW::create_db();
my $dbport = AidoGW::free_port();
my $proxy = AidoGW::tcp_proxy(listen => $dbport);
my $gw = AidoGW->new(db => $db, env => {
    DATABASE_URL => AidoGW::db_url(user => $db->{role},
    password => $db->{password}, db => $db->{name}, host => '127.0.0.1',
    port => $dbport), DB_CONNECT_TIMEOUT => 2 });

my %pause = (
	'stop-database' => sub {
		AidoGW::stop_proxy($proxy);
		return (1);
	},
	'start-database' => sub {
		$proxy = AidoGW::tcp_proxy(listen => $dbport);
		my $deadline = time() + 30;
		while (time() < $deadline) {
			return (1) if $gw->request(GET => '/health')->{status} ==
			    200;
			sleep(0.2);
		}
		return (0);
	},
);

my $errlog = "$SHOTS/journey.stderr";
system('mkdir', '-p', $SHOTS) == 0 or BAIL_OUT("cannot create $SHOTS");
open(my $err, '>', $errlog) or BAIL_OUT("cannot write $errlog: $!");

local $ENV{AIDO_BASE_URL} = $gw->base_url;
local $ENV{AIDO_SCREENSHOTS} = $SHOTS;
local $ENV{AIDO_CHROMIUM} = $CHROMIUM;
my $pid = open3(my $to, my $from, '>&' . fileno($err), 'node', $JOURNEY);
$to->autoflush(1);

my ($ended, $failures) = (0, 0);
local $SIG{ALRM} = sub { die "timeout\n" };
eval {
	alarm($TIMEOUT);
	while (my $line = <$from>) {
		chomp($line);
		if ($line =~ /\A(not )?ok \d+ - (.*)\z/) {
			$failures++ if $1;
			ok(!$1, $2);
		} elsif ($line =~ /\A#\s?(.*)\z/) {
			$failures ? diag($1) : note($1);
		} elsif ($line =~ /\APAUSE (\S+)\z/) {
			my $do = $pause{$1};
			my $done = $do ? $do->() : 0;
			print $to ($done ? "ok\n" : "failed: $1\n");
		} elsif ($line eq 'END') {
			$ended = 1;
		} elsif ($line =~ /\ABail out!/) {
			fail($line);
		} elsif (length($line)) {
			note($line);
		}
	}
	alarm(0);
};
my $timed_out = $@ eq "timeout\n";
kill('TERM', $pid) if $timed_out;
close($to);
waitpid($pid, 0);
my $exit = $? >> 8;
close($err);

ok($ended && !$timed_out && ($exit == 0 || $failures),
    'the browser run went to its end') or do {
	diag($timed_out ? "it took more than $TIMEOUT s" :
	    "node exited with status $exit");
	my $tail = `tail -n 30 \Q$errlog\E`;
	diag("its stderr:\n$tail") if length($tail);
};
ok($gw->running, 'the gateway kept running');

done_testing();
