#!/usr/bin/env perl
# PostgreSQL restarts under a write load: every task the gateway answered
# 2xx is still there afterwards; while the database is away the answers
# are 503 JSON with Retry-After, and none hangs longer than the connect
# timeout; the gateway serves again within 5 s of the database being back,
# without being restarted, and no worker crashed.
#
# Four clients POST tasks.  At 3 s the cluster is restarted (pg_ctl
# restart -m fast); at 7 s it is stopped (-m fast), left down for 2 s, and
# started again.  The clients go on until 6 s after the database is back
# (at least 12 s in all), however long a loaded machine takes to stop and
# start it, so that "writes succeed again within 5 s" is always watched.

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

my $CLIENTS = 4;
my $SECONDS = 12;		# the load lasts at least this long
my $AFTER = 6;			# and this long after the database is back
my $CONNECT_TIMEOUT = 5;

my $db = AidoGW::create_db();
my $gw = Faults::watch(AidoGW->new(db => $db, env => {
    DB_CONNECT_TIMEOUT => $CONNECT_TIMEOUT, DB_POOL_SIZE => 4 }));
my @users = map { Faults::record_user($gw->new_user) } 1 .. $CLIENTS;
my @workers = Faults::worker_pids($gw);
my $dir = File::Temp::tempdir('aido-restart-XXXXXX', TMPDIR => 1,
    CLEANUP => 1);

# One client: POSTs until the parent creates $dir/stop (or, should the
# parent die, a minute and a half has passed); one line per request:
# n start end status retry-after json-error id
sub client {
	my ($i, $until) = @_;
	my $u = $users[$i];
	my $h = HTTP::Tiny->new(timeout => 30, keep_alive => 1);
	open(my $log, '>', "$dir/client$i") or die "$dir/client$i: $!";
	my $n = 0;
	while (!-e "$dir/stop" && time() < $until) {
		$n++;
		my $title = "load $i $n";
		my $t0 = time();
		my $r = $h->request('POST', $gw->base_url . '/api/tasks', {
		    headers => { Authorization => "Bearer $u->{token}",
		    'Content-Type' => 'application/json' },
		    content => $AidoGW::JSON->encode({ title => $title }) });
		my $t1 = time();
		my $j = eval { $AidoGW::JSON->decode($r->{content} // '') };
		my $ra = $r->{headers}{'retry-after'} // '-';
		my $errshape = ref($j) eq 'HASH' && defined $j->{code} &&
		    defined $j->{detail} ? 1 : 0;
		my $id = ref($j) eq 'HASH' && $r->{status} == 201 ?
		    ($j->{id} // '-') : '-';
		printf $log "%d %.3f %.3f %d %s %d %s\n", $n, $t0, $t1,
		    $r->{status}, $ra, $errshape, $id;
		sleep(0.01);
	}
	close($log);
}

my $t_start = time();
my $until = $t_start + 90;
my @kids;
for my $i (0 .. $CLIENTS - 1) {
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	if ($pid == 0) {
		client($i, $until);
		POSIX::_exit(0);
	}
	push(@kids, $pid);
}

# Polls /health until 200; returns the seconds it took (undef: never).
sub recovery {
	my ($from) = @_;
	my $h = HTTP::Tiny->new(timeout => 10);
	while (time() < $from + 30) {
		my $r = $h->get($gw->base_url . '/health');
		return (time() - $from) if $r->{status} == 200;
		sleep(0.05);
	}
	return (undef);
}

sleep(3);
my $rc = Faults::pg_ctl('restart', '-m', 'fast');
my $back1 = time();
is($rc, 0, 'pg_ctl restart -m fast of the cluster under load');
my $rec1 = recovery($back1);

sleep(1) while time() < $t_start + 7;
my $down2 = time();
is(Faults::pg_ctl('stop', '-m', 'fast'), 0, 'the cluster is stopped under load');
sleep(2);
is(Faults::pg_ctl('start'), 0, 'and started again 2 s later');
my $back2 = time();
my $rec2 = recovery($back2);

sleep(0.1) while time() < $back2 + $AFTER || time() < $t_start + $SECONDS;
open(my $stop, '>', "$dir/stop") or die "$dir/stop: $!";
close($stop);
waitpid($_, 0) for @kids;

ok(defined $rec1 && $rec1 <= 5, 'after a restart, /health is 200 within ' .
    '5 s of the database being back') or diag('took ' . ($rec1 // 'ever'));
ok(defined $rec2 && $rec2 <= 5, 'after 2 s down, /health is 200 within ' .
    '5 s of the database being back') or diag('took ' . ($rec2 // 'ever'));

# What the clients saw.
my (@rows, %acked);
for my $i (0 .. $CLIENTS - 1) {
	open(my $fh, '<', "$dir/client$i") or die "client$i: $!";
	while (<$fh>) {
		chomp;
		my %r;
		@r{qw(n t0 t1 status ra shape id)} = split(/ /);
		$r{client} = $i;
		push(@rows, \%r);
		$acked{"$i $r{n}"} = $r{id} if $r{status} =~ /\A2/;
	}
	close($fh);
}
my $sent = @rows;
my @bad = grep { $_->{status} != 201 && $_->{status} != 503 } @rows;
my @unavail = grep { $_->{status} == 503 } @rows;
my @badshape = grep { $_->{shape} != 1 || $_->{ra} !~ /\A\d+\z/ } @unavail;
my ($slowest) = sort { $b <=> $a } map { $_->{t1} - $_->{t0} } @rows;

# First 201 of any client after each return of the database.
my ($first1) = sort { $a <=> $b } map { $_->{t1} - $back1 }
    grep { $_->{status} == 201 && $_->{t0} >= $back1 } @rows;
my ($first2) = sort { $a <=> $b } map { $_->{t1} - $back2 }
    grep { $_->{status} == 201 && $_->{t0} >= $back2 } @rows;

# What the database holds: titles are "load <client> <n>".
my $ids = join(',', map { "'$_->{id}'" } @users);
my %found = map { $_ => 1 } split(/\n/, AidoGW::psql($db->{name},
    "SELECT substr(title, 6) FROM aido.tasks WHERE user_id IN ($ids)"));
my @lost = grep { !$found{$_} } sort keys(%acked);
my $found_sent = grep { $found{"$_->{client} $_->{n}"} } @rows;

diag(sprintf('writes: %d sent, %d acknowledged (2xx), %d found in the ' .
    'database; %d answered 503; slowest answer %.2f s; /health back %.2f ' .
    's after the restart, %.2f s after 2 s down; first 201 %.2f s / %.2f s ' .
    'after the database was back', $sent, scalar(keys(%acked)), $found_sent,
    scalar(@unavail), $slowest // 0, $rec1 // -1, $rec2 // -1,
    $first1 // -1, $first2 // -1));

cmp_ok($sent, '>=', 40, 'the clients sent a real load') or
    diag("only $sent requests");
is_deeply(\@lost, [], 'every task answered 2xx is in the database ' .
    'afterwards') or diag(scalar(@lost) . ' lost, e.g. ' . $lost[0]);
cmp_ok($found_sent, '>=', scalar(keys(%acked)),
    'the database holds at least every acknowledged task (a 503 write may ' .
    'have run)');
is_deeply([ map { "$_->{status}" } @bad ], [],
    'every answer was 201 or 503, nothing else (no 500, no dropped ' .
    'connection)');
cmp_ok(scalar(@unavail), '>=', 1, 'the clients did meet the outage (503s)');
is(scalar(@badshape), 0, 'every 503 has a JSON error body and a ' .
    'Retry-After in seconds');
cmp_ok($slowest // 99, '<=', $CONNECT_TIMEOUT + 2, 'no answer took ' .
    'longer than DB_CONNECT_TIMEOUT (+2 s): nothing hangs');
ok(defined $first2 && $first2 <= 5, 'writes succeed again within 5 s of ' .
    'the database being back');

ok($gw->running, 'the gateway process is alive after both outages');
is_deeply([ Faults::worker_pids($gw) ], \@workers,
    'its workers are the same processes: none crashed or was restarted');
is_deeply([ Faults::crash_lines($gw) ], [],
    'its log tells of no crash, sandbox violation or fatal error');
my $u = $users[0];
my $r = $gw->api($u->{token}, GET => '/api/tasks?limit=5');
is($r->{status}, 200, 'and it serves reads without being restarted');

done_testing();
