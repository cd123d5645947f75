#!/usr/bin/env perl
# More slow calls than connections: a psql session held by this test locks
# one task row, so PATCHes of it block inside the database.  With
# DB_POOL_SIZE=2 and statement_timeout 4 s on the gateway's role, eight
# concurrent PATCHes take both connections and queue the rest: the queued
# ones are answered 503 + Retry-After after the bounded wait (5 s), the
# blocked ones 503 when their statement times out, none hangs, nothing
# crashes, and once the lock is gone everything is served again.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../gateway/lib";
use Test::More;
use AidoGW;
use Faults;
use HTTP::Tiny;
use POSIX ();
use Time::HiRes qw(sleep time);

plan(skip_all => 'needs AIDO_PGDATA (make test-faults)')
    unless $ENV{AIDO_PGDATA};

my $CALLS = 8;

my $db = AidoGW::create_db();
AidoGW::psql($db->{name},
    qq{ALTER ROLE "$db->{role}" SET statement_timeout = '4s'});
my $gw = Faults::watch(AidoGW->new(db => $db,
    env => { DB_POOL_SIZE => 2 }));
my @workers = Faults::worker_pids($gw);
my $u = Faults::record_user($gw->new_user);
my $task = $gw->new_task($u, title => 'contended');
my $other = $gw->new_task($u, title => 'free');

# The lock: a psql session of the test, held until we cancel it.
my $locker = fork();
die "fork: $!" unless defined $locker;
if ($locker == 0) {
	eval { AidoGW::psql($db->{name}, 'BEGIN; SELECT 1 FROM aido.tasks ' .
	    "WHERE id = '$task->{id}' FOR UPDATE; SELECT pg_sleep(60); " .
	    'COMMIT') };
	POSIX::_exit(0);
}
my $deadline = time() + 10;
until (AidoGW::psql($db->{name}, 'SELECT count(*) FROM pg_stat_activity ' .
    "WHERE query LIKE '%pg_sleep(60)%' AND pid <> pg_backend_pid()") > 0 ||
    time() > $deadline) {
	sleep(0.1);
}

my $dir = File::Temp::tempdir('aido-pool-XXXXXX', TMPDIR => 1,
    CLEANUP => 1);
my @kids;
my $t0 = time();
for my $i (1 .. $CALLS) {
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	if ($pid == 0) {
		my $h = HTTP::Tiny->new(timeout => 60);
		my $s = time();
		my $r = $h->request('PATCH', $gw->base_url .
		    "/api/tasks/$task->{id}", { headers => {
		    Authorization => "Bearer $u->{token}",
		    'Content-Type' => 'application/json' },
		    content => qq({"title":"patched $i"}) });
		my $j = eval { $AidoGW::JSON->decode($r->{content}) };
		open(my $fh, '>', "$dir/$i") or POSIX::_exit(1);
		printf $fh "%d %.3f %s %s\n", $r->{status}, time() - $s,
		    $r->{headers}{'retry-after'} // '-',
		    ref($j) eq 'HASH' ? ($j->{code} // '-') : '-';
		close($fh);
		POSIX::_exit(0);
	}
	push(@kids, $pid);
	sleep(0.05);
}

# While the pool is saturated, the gateway still answers what needs no
# connection at once.
sleep(1);
my $s = time();
my $r = $gw->request(GET => '/openapi.json');
my $quick = time() - $s;
is($r->{status}, 200, 'while the pool is saturated, a route without a ' .
    'database call is still served');
cmp_ok($quick, '<', 2, '... at once');

waitpid($_, 0) for @kids;
my $all = time() - $t0;
my @res;
for my $i (1 .. $CALLS) {
	open(my $fh, '<', "$dir/$i") or die "$dir/$i: $!";
	my ($st, $took, $ra, $code) = split(/ /, scalar(<$fh>) // '');
	chomp($code) if defined $code;
	push(@res, { status => $st, took => $took, ra => $ra,
	    code => $code });
}
my @busy = grep { $_->{status} == 503 } @res;
my @other = grep { $_->{status} != 503 } @res;
my ($slowest) = sort { $b <=> $a } map { $_->{took} } @res;
diag(sprintf('%d PATCHes on a locked row, 2 connections: %s; slowest ' .
    '%.1f s', $CALLS, join(' ', map { "$_->{status}/$_->{took}s" } @res),
    $slowest));

is(scalar(@busy), $CALLS, 'every PATCH of the locked row is answered 503 ' .
    '(queued: pool saturated; running: statement timeout)')
    or diag(join(' ', map { $_->{status} } @other));
is(scalar(grep { $_->{ra} =~ /\A\d+\z/ && $_->{code} eq 'unavailable' }
    @busy), scalar(@busy), '... each with Retry-After and code ' .
    '"unavailable"');
cmp_ok($slowest, '<=', 12, 'no request waited without bound (5 s ' .
    'queue wait, 4 s statement timeout)');
cmp_ok(scalar(grep { $_->{took} >= 4.5 } @busy), '>=', 1,
    'the queued ones did wait for a connection first (no 503 at once)');

ok($gw->running, 'the gateway is alive');

# The lock goes: full recovery.
AidoGW::psql($db->{name}, 'SELECT pg_cancel_backend(pid) FROM ' .
    "pg_stat_activity WHERE query LIKE '%pg_sleep(60)%' AND " .
    'pid <> pg_backend_pid()');
waitpid($locker, 0);
$r = $gw->api($u->{token}, PATCH => "/api/tasks/$task->{id}",
    { title => 'after the lock' });
is($r->{status}, 200, 'once the lock is released the row can be patched');
is($r->{json}{title}, 'after the lock', '... and holds the new title');
my @st = map { $gw->api($u->{token}, GET => "/api/tasks/$other->{id}")
    ->{status} } 1 .. 10;
is_deeply(\@st, [ (200) x 10 ], 'ten reads in a row are all served');
is_deeply([ Faults::worker_pids($gw) ], \@workers,
    'no worker crashed or was restarted');
is_deeply([ Faults::crash_lines($gw) ], [], 'its log tells of no crash');

done_testing();
