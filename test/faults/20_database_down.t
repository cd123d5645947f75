#!/usr/bin/env perl
# The database is not up when the gateway starts: it retries with backoff
# and comes up once the database does (API.md §4); when the database is
# still down after DB_CONNECT_TIMEOUT, it stops with one clear line and
# exit status 2, neither sooner nor much later.  Here the real cluster is
# stopped and started (pg_ctl), not a port left closed.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../gateway/lib";
use Test::More;
use AidoGW;
use Faults;
use Time::HiRes qw(sleep time);

plan(skip_all => 'needs AIDO_PGDATA (make test-faults)')
    unless $ENV{AIDO_PGDATA};

my $db = AidoGW::create_db();
Faults::record_secret($db->{password});

# Stopped for the whole of DB_CONNECT_TIMEOUT: exit 2, one line.
{
	is(Faults::pg_ctl('stop', '-m', 'fast'), 0, 'the cluster is stopped');
	my $t0 = time();
	my $f = AidoGW::start_failure(timeout => 60, env => {
	    AidoGW::config_env(db => $db), DB_CONNECT_TIMEOUT => 3 });
	my $took = time() - $t0;
	is($f->{exit}, 2, 'a gateway whose database stays down for ' .
	    'DB_CONNECT_TIMEOUT exits with status 2');
	is(scalar(@{ $f->{lines} }), 1, '... saying why in one line on stderr');
	like($f->{lines}[0] // '', qr/\Aaido-gateway: the database does not answer \(\d+ attempts in \d+ s, DB_CONNECT_TIMEOUT 3\): .*refused/,
	    '... that names the database, the attempts, the timeout and ' .
	    'libpq\'s reason');
	unlike($f->{stderr} . $f->{stdout}, qr/\Q$db->{password}\E/,
	    '... and not the password');
	my ($attempts) = ($f->{lines}[0] // '') =~ /\((\d+) attempts/;
	cmp_ok($attempts // 0, '>=', 3, 'it tried several times (backoff), ' .
	    'not once');
	ok($took >= 2.5 && $took < 3 + 5, 'it gave up after about ' .
	    'DB_CONNECT_TIMEOUT seconds') or diag(sprintf('%.1f s', $took));
	diag(sprintf('database down at start: exit %s after %.1f s, %s ' .
	    'attempts', $f->{exit} // 'none', $took, $attempts // '?'));
}

# Stopped when the gateway starts, started 4 s later: the gateway waits,
# then serves.
{
	my $gw = Faults::watch(AidoGW->new(db => $db, wait => 0,
	    env => { DB_CONNECT_TIMEOUT => 20 }));
	sleep(4);
	ok($gw->running, 'while the database is down, the gateway keeps ' .
	    'waiting for it (no exit)');
	is(Faults::pg_ctl('start'), 0, 'the cluster starts again');
	my $back = time();
	my $ok = eval { $gw->wait_healthy(30) };
	my $took = time() - $back;
	ok($ok, 'the gateway comes up once the database does') or diag($@);
	cmp_ok($took, '<=', 5, '... within 5 s of the database being back')
	    or diag(sprintf('%.1f s', $took));
	diag(sprintf('database up 4 s after the gateway started: healthy ' .
	    '%.2f s after the database was back', $took));
	like($gw->output, qr/does not answer yet, retrying for up to 20 s/,
	    'it said, once, that it was waiting');
	my $u = $gw->new_user;
	my $r = $gw->api($u->{token}, POST => '/api/tasks', { title => 'x' });
	is($r->{status}, 201, 'and it serves writes');
	is_deeply([ Faults::crash_lines($gw) ], [], 'no worker crashed');
}

ok(Faults::cluster_up(), 'the cluster is up for the next test');

done_testing();
