#!/usr/bin/env perl
# API.md §3 and §4: when the database goes away the gateway answers 503
# with Retry-After (and /health says "unhealthy"), without leaking anything;
# when it comes back, or when pooled connections die, the gateway recovers
# by itself.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AidoGW;
use Time::HiRes qw(sleep time);

my $db = AidoGW::create_db();
my $port = AidoGW::free_port();
my $proxy = AidoGW::tcp_proxy(listen => $port);
my $gw = AidoGW->new(db => $db, env => {
    DATABASE_URL => AidoGW::db_url(user => $db->{role},
    password => $db->{password}, db => $db->{name}, host => '127.0.0.1',
    port => $port), DB_CONNECT_TIMEOUT => 2 });
my $u = $gw->new_user;
$gw->new_task($u, title => 'survives outages');

# Pooled connections killed by the server (a restart, Neon closing idle
# sessions): reads are retried on a fresh connection, so the user sees
# nothing.
{
	my $r = $gw->api($u->{token}, GET => '/api/tasks');
	is($r->{status}, 200, 'tasks are listed while the database is up');
	my $killed = AidoGW::psql($db->{name}, 'SELECT count(*) FROM ' .
	    '(SELECT pg_terminate_backend(pid) FROM pg_stat_activity ' .
	    "WHERE usename = '$db->{role}') AS t");
	cmp_ok($killed, '>=', 1, 'the server closes the connections the ' .
	    'gateway pooled');
	sleep(0.5);
	my @st = map { $gw->api($u->{token}, GET => '/api/tasks')->{status} }
	    1 .. 6;
	is_deeply(\@st, [ (200) x 6 ], 'after the server closed every pooled ' .
	    'connection, the following reads are all answered 200')
	    or diag("statuses: @st");
	my $h = $gw->request(GET => '/health');
	is($h->{status}, 200, 'and /health is 200 again');
}

# The database becomes unreachable.
AidoGW::stop_proxy($proxy);
{
	my $r = $gw->request(GET => '/health');
	is($r->{status}, 503, '/health is 503 when the database is unreachable');
	is(ref($r->{json}) eq 'HASH' && $r->{json}{status}, 'unhealthy',
	    '... saying status "unhealthy"');
	is(ref($r->{json}) eq 'HASH' && $r->{json}{database}, 'unavailable',
	    '... and database "unavailable"');
	like(AidoGW::header($r, 'retry-after') // '', qr/\A\d+\z/,
	    '... with a Retry-After in seconds');

	$r = $gw->api($u->{token}, GET => '/api/tasks');
	AidoGW::error_ok($r, 503, undef,
	    'an API read is 503 with a JSON error body');
	like(AidoGW::header($r, 'retry-after') // '', qr/\A\d+\z/,
	    '... and a Retry-After in seconds');
	$r = $gw->api($u->{token}, POST => '/api/tasks', { title => 'lost' });
	AidoGW::error_ok($r, 503, undef, 'an API write is 503 too');
	$r = $gw->login($u->{email}, $u->{password});
	AidoGW::error_ok($r, 503, undef,
	    'a login is 503, not a credentials error');
	my $body = $r->{content};
	ok(index($body, $db->{password}) < 0 && $body !~ /\bSELECT\b|aido_/i &&
	    $body !~ /\b\d+\.\d+\.\d+\.\d+:\d+|port \d+/,
	    'the 503 body leaks no SQL, address or password');
	ok($gw->running, 'the gateway itself keeps running');
}

# The database comes back.
$proxy = AidoGW::tcp_proxy(listen => $port);
{
	my $deadline = time() + 30;
	my $st = 0;
	while (time() < $deadline) {
		$st = $gw->request(GET => '/health')->{status};
		last if $st == 200;
		sleep(0.2);
	}
	is($st, 200, '/health is 200 again once the database is back');
	my $r = $gw->api($u->{token}, GET => '/api/tasks');
	is($r->{status}, 200, 'tasks are served again');
	my @titles = map { $_->{title} } @{ $r->{json}{items} // [] };
	is_deeply(\@titles, ['survives outages'],
	    'with the data from before the outage, and nothing from it');
}

done_testing();
