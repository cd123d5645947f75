#!/usr/bin/env perl
# The database stops answering: its postmaster is frozen (SIGSTOP), so a
# new connection is accepted by the kernel and then never answered, as
# with a Neon compute waking, a failover or a black-holed host.  No
# worker blocks on it: /openapi.json and a CORS preflight are answered
# while requests that need the database wait in the queue; these are
# served once the database answers again, or answered 503 + Retry-After
# when DB_CONNECT_TIMEOUT runs out while it is still frozen.
#
# The gateways keep no idle connection (DB_POOL_RECYCLE=1), so that the
# requests need new ones: connections opened before the freeze would go
# on working, their backends are not the postmaster.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../gateway/lib";
use Test::More;
use AidoGW;
use Faults;
use POSIX ();
use Time::HiRes qw(sleep time);

plan(skip_all => 'needs AIDO_PGDATA (make test-faults)')
    unless $ENV{AIDO_PGDATA};

my $ORIGIN = 'http://localhost:3000';

open(my $fh, '<', "$ENV{AIDO_PGDATA}/postmaster.pid")
    or die "postmaster.pid: $!";
my $postmaster = <$fh>;
close($fh);
chomp($postmaster);
die "no postmaster pid\n" unless $postmaster =~ /\A\d+\z/;

# Whatever happens, the cluster is not left frozen for the next file.
my $frozen = 0;
sub freeze { kill('STOP', $postmaster) or die "SIGSTOP: $!"; $frozen = 1 }
sub thaw { kill('CONT', $postmaster) if $frozen; $frozen = 0 }
END { thaw() }
$SIG{INT} = $SIG{TERM} = sub { thaw(); exit(1) };

my $db = AidoGW::create_db();

# Until the gateway's role has no connection left (the recycle closed
# them), so that what follows needs new ones.
sub no_connections {
	my $deadline = time() + 20;
	while (time() < $deadline) {
		return (1) if AidoGW::psql($db->{name}, 'SELECT count(*) FROM ' .
		    "pg_stat_activity WHERE usename = '$db->{role}'") == 0;
		sleep(0.25);
	}
	return (0);
}

# A request written on its own connection and left to its answer.
sub send_request {
	my ($gw, $line, @headers) = @_;
	my $s = Faults::connect_to($gw, 5);
	print $s join("\r\n", $line, 'Host: 127.0.0.1', @headers,
	    'Connection: close', '', '');
	return ($s);
}

sub answered {
	my ($s) = @_;
	my $rin = '';
	vec($rin, fileno($s), 1) = 1;
	return (select(my $rout = $rin, undef, undef, 0) > 0);
}

sub status_of {
	my ($bytes) = @_;
	my ($st) = ($bytes // '') =~ m{\AHTTP/1\.[01] (\d{3})};
	return ($st // 0);
}

# Frozen for longer than nothing: the database routes wait, the others
# answer, and once the database is back the waiters are served.
{
	my $gw = Faults::watch(AidoGW->new(db => $db, env => {
	    DB_POOL_SIZE => 4, DB_POOL_RECYCLE => 1, DB_CONNECT_TIMEOUT => 30,
	    FRONTEND_URL => $ORIGIN }));
	my $u = Faults::record_user($gw->new_user);
	ok(no_connections(), 'the idle connections were recycled');

	freeze();
	my @waiting = map { send_request($gw, 'GET /api/tasks HTTP/1.1',
	    "Authorization: Bearer $u->{token}") } 1 .. 6;
	sleep(1);	# they reach the workers, which start connecting

	my @st;
	for (1 .. 4) {
		push(@st, $gw->raw_request("GET /openapi.json HTTP/1.1\r\n" .
		    "Host: 127.0.0.1\r\nConnection: close\r\n\r\n")->{status});
		push(@st, $gw->raw_request("OPTIONS /api/tasks HTTP/1.1\r\n" .
		    "Host: 127.0.0.1\r\nOrigin: $ORIGIN\r\n" .
		    "Access-Control-Request-Method: GET\r\n" .
		    "Connection: close\r\n\r\n")->{status});
	}
	is_deeply(\@st, [ (200, 204) x 4 ], 'while the database is frozen, ' .
	    '/openapi.json (200) and CORS preflights (204) are answered');
	is(scalar(grep { answered($_) } @waiting), 0, '... while the ' .
	    'requests that need the database are still waiting');

	thaw();
	my @after = map { status_of((Faults::read_all($_, 40))[0]) } @waiting;
	is_deeply(\@after, [ (200) x 6 ], 'once the database answers again, ' .
	    'the requests that waited for it are served') or
	    diag("statuses: @after");
	ok($gw->running, 'the gateway is alive');
	is_deeply([ Faults::crash_lines($gw) ], [], 'no worker crashed');
	$gw->stop;
}

# Frozen for longer than DB_CONNECT_TIMEOUT: the waiters are answered
# 503 + Retry-After while it is still frozen; then it is served again.
{
	my $gw = Faults::watch(AidoGW->new(db => $db, env => {
	    DB_POOL_SIZE => 2, DB_POOL_RECYCLE => 1,
	    DB_CONNECT_TIMEOUT => 2 }));
	my $u = Faults::record_user($gw->new_user);
	ok(no_connections(), 'the idle connections were recycled');

	freeze();
	my @waiting = (
	    send_request($gw, 'GET /health HTTP/1.1'),
	    map { send_request($gw, 'GET /api/tasks HTTP/1.1',
	    "Authorization: Bearer $u->{token}") } 1 .. 3);
	my @answers = map { (Faults::read_all($_, 30))[0] // '' } @waiting;
	my $openapi = $gw->request(GET => '/openapi.json')->{status};
	thaw();

	is_deeply([ map { status_of($_) } @answers ], [ (503) x 4 ],
	    'a frozen database is 503 once DB_CONNECT_TIMEOUT has run out, ' .
	    'while it is still frozen') or
	    diag(join("\n", map { (split(/\r\n/, $_))[0] // '' } @answers));
	is(scalar(grep { /^retry-after: \d+\r$/mi } @answers), 4,
	    '... each with Retry-After');
	like($answers[0], qr/"status":"unhealthy"/, '... /health saying ' .
	    'unhealthy');
	is($openapi, 200, '/openapi.json is still answered');

	my $deadline = time() + 30;
	my $st = 0;
	while (time() < $deadline) {
		$st = $gw->api($u->{token}, GET => '/api/tasks')->{status};
		last if $st == 200;
		sleep(0.2);
	}
	is($st, 200, 'after the thaw the database routes are served again');
	is_deeply([ Faults::crash_lines($gw) ], [], 'no worker crashed');
	$gw->stop;
}

# The worker that accepted the connection $s: the gateway's end of it is
# in /proc/net/tcp (local port API_PORT, remote port ours), and its inode
# among one worker's open files.
sub worker_of {
	my ($gw, $s, @workers) = @_;
	my $want = sprintf('0100007F:%04X 0100007F:%04X', $gw->port,
	    $s->sockport);
	my $deadline = time() + 10;
	while (time() < $deadline) {
		open(my $t, '<', '/proc/net/tcp') or return (undef);
		my ($inode) = map { (split(' ', $_))[9] }
		    grep { index($_, $want) >= 0 } <$t>;
		close($t);
		for my $w (defined $inode ? @workers : ()) {
			opendir(my $d, "/proc/$w/fd") or next;
			my @hit = grep { (readlink("/proc/$w/fd/$_") // '') eq
			    "socket:[$inode]" } readdir($d);
			closedir($d);
			return ($w) if @hit;
		}
		sleep(0.05);
	}
	return (undef);
}

# After an outage (a connection that could not be opened), a request
# that finds the worker's only open connection busy waits for it, as any
# other, instead of being answered 503 at once.  Three client connections
# that one worker accepted: the first's read waits on a lock held by the
# test (its connection busy), the second's needs a second connection,
# which the frozen database never opens (DB_CONNECT_TIMEOUT 1 s), and
# the third comes after that failure.  Once the lock is gone, the busy
# connection serves all three, the database still frozen.  (The lock is
# held for less than DB_POOL_RECYCLE, which would replace the connection
# when it is next taken.)
{
	my $gw = Faults::watch(AidoGW->new(db => $db, env => {
	    DB_POOL_SIZE => 4, DB_POOL_RECYCLE => 4,
	    DB_CONNECT_TIMEOUT => 1 }));
	my @workers = Faults::worker_pids($gw);
	my $u = Faults::record_user($gw->new_user);
	ok(no_connections(), 'the idle connections were recycled');

	my (%by, @three);
	for (1 .. 20) {
		my $s = Faults::connect_to($gw, 5);
		my $w = worker_of($gw, $s, @workers) // next;
		push(@{ $by{$w} }, $s);
		if (@{ $by{$w} } == 3) {
			@three = @{ $by{$w} };
			last;
		}
	}
	is(scalar(@three), 3, 'three client connections on one worker');

	my $app = AidoGW::unique_name('aido_locker');
	my $locker = fork();
	die "fork: $!" unless defined $locker;
	if ($locker == 0) {
		$ENV{PGAPPNAME} = $app;
		eval { AidoGW::psql($db->{name}, 'BEGIN; LOCK TABLE aido.tasks ' .
		    'IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(2.5); COMMIT') };
		POSIX::_exit(0);
	}
	my $deadline = time() + 20;
	until (AidoGW::psql($db->{name}, 'SELECT count(*) FROM pg_locks l ' .
	    'JOIN pg_stat_activity a USING (pid) WHERE l.granted AND ' .
	    "a.application_name = '$app'") > 0 || time() > $deadline) {
		sleep(0.05);
	}

	my $get = "GET /api/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n" .
	    "Authorization: Bearer $u->{token}\r\nConnection: close\r\n\r\n";
	print { $three[0] } $get;
	$deadline = time() + 20;
	until (AidoGW::psql($db->{name}, 'SELECT count(*) FROM pg_locks l ' .
	    "JOIN pg_stat_activity a USING (pid) WHERE a.usename = " .
	    "'$db->{role}' AND NOT l.granted") > 0 || time() > $deadline) {
		sleep(0.05);
	}

	freeze();
	print { $three[1] } $get;
	sleep(1.2);	# its connection fails to open meanwhile
	print { $three[2] } $get;
	my @st = map { status_of((Faults::read_all($_, 20))[0]) } @three;
	thaw();
	waitpid($locker, 0);
	is_deeply(\@st, [ 200, 200, 200 ], 'the busy connection serves the ' .
	    'requests that waited for it, none answered 503 at once') or
	    diag("statuses: @st");
	is_deeply([ Faults::crash_lines($gw) ], [], 'no worker crashed');
	$gw->stop;
}

done_testing();
