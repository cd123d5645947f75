#!/usr/bin/env perl
# Behind PgBouncer in transaction pooling mode (Neon's pooled endpoint
# works the same way): the whole black-box suite of the gateway
# (test/gateway/*.t but the browser tests) passes with every DATABASE_URL
# pointing at PgBouncer on loopback instead of at PostgreSQL.  Databases
# and roles are still made directly in the cluster (AidoGW.pm:
# AIDO_GW_DB_HOST, AIDO_GW_DB_PORT); PgBouncer finds each role's SCRAM
# secret with auth_query.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../gateway/lib";
use Test::More;
use AidoGW;
use Faults;
use File::Temp qw(tempdir);
use POSIX ();
use Time::HiRes qw(sleep time);

plan(skip_all => 'needs AIDO_PGDATA (make test-faults)')
    unless $ENV{AIDO_PGDATA};
my ($bouncer) = grep { -x } ('/usr/sbin/pgbouncer', '/usr/bin/pgbouncer');
plan(skip_all => 'needs pgbouncer (scripts/deps.sh faults)') unless $bouncer;

my $dir = tempdir('aido-bouncer-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod(0755, $dir);
my $port = AidoGW::free_port();
my $user = $ENV{PGUSER} // 'postgres';
open(my $fh, '>', "$dir/userlist.txt") or die "userlist: $!";
print $fh qq{"$user" "$ENV{PGPASSWORD}"\n};
close($fh);
chmod(0600, "$dir/userlist.txt");
open($fh, '>', "$dir/pgbouncer.ini") or die "ini: $!";
print $fh <<"INI";
[databases]
* = host=127.0.0.1 port=$ENV{PGPORT}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
pool_mode = transaction
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
auth_user = $user
auth_query = SELECT usename, passwd FROM pg_catalog.pg_shadow WHERE usename = \$1
max_client_conn = 1000
default_pool_size = 20
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
admin_users = $user
log_connections = 0
log_disconnections = 0
INI
close($fh);
if ($> == 0) {
	my ($uid, $gid) = (getpwnam('postgres'))[2, 3];
	chown($uid, $gid, $dir, map { "$dir/$_" } qw(userlist.txt pgbouncer.ini));
}

# PgBouncer will not run as root: the child drops to postgres, then
# execs it, so the pid is PgBouncer's own.
my $pid = fork();
die "fork: $!" unless defined $pid;
if ($pid == 0) {
	if ($> == 0) {
		my ($uid, $gid) = (getpwnam('postgres'))[2, 3];
		POSIX::setgid($gid);
		POSIX::setuid($uid);
	}
	open(STDOUT, '>', '/dev/null');
	open(STDERR, '>>', "$dir/pgbouncer.stderr");
	exec($bouncer, "$dir/pgbouncer.ini") or POSIX::_exit(127);
}
END {
	local $?;
	if ($pid) {
		kill('TERM', $pid);
		waitpid($pid, 0);
	}
}
my $deadline = time() + 15;
sleep(0.1) until AidoGW::port_open($port) || time() > $deadline;
ok(AidoGW::port_open($port), 'PgBouncer listens on 127.0.0.1') or
    BAIL_OUT('PgBouncer did not start: ' .
    AidoGW::_slurp("$dir/pgbouncer.log") .
    AidoGW::_slurp("$dir/pgbouncer.stderr"));

# The gateway does speak through PgBouncer, in transaction mode.
{
	local $ENV{AIDO_GW_DB_HOST} = '127.0.0.1';
	local $ENV{AIDO_GW_DB_PORT} = $port;
	my $gw = Faults::watch(AidoGW->new);
	like($gw->db->{url}, qr/:$port\//, 'the gateway\'s DATABASE_URL ' .
	    'names PgBouncer\'s port');
	my $u = Faults::record_user($gw->new_user);
	my $t = $gw->new_task($u, title => 'pooled');
	my $r = $gw->api($u->{token}, GET => "/api/tasks/$t->{id}");
	is($r->{status}, 200, 'a task made through PgBouncer is read back');
	my $role = $gw->db->{role};
	my $clients = `psql -X -A -t -h 127.0.0.1 -p $port -d pgbouncer -c 'SHOW CLIENTS' 2>&1`;
	my $n = () = $clients =~ /\|\Q$role\E\|/g;
	cmp_ok($n, '>=', 1, 'PgBouncer lists the gateway among its clients ' .
	    '(SHOW CLIENTS)') or diag($clients);
	$gw->stop;
}

# DB_POOL_RECYCLE behind PgBouncer: the gateway's own connection (a client
# of PgBouncer) is replaced; PgBouncer keeps its server connection, which
# is why test/gateway/15_database.t skips its check here.  Reuse is looked
# at with the default DB_POOL_RECYCLE (300 s), so that a slow machine
# cannot recycle the connection between two looks; the replacement while
# a read is held in the database (AidoGW's hold_read), since an idle
# connection may be recycled before a psql can see it.
{
	local $ENV{AIDO_GW_DB_HOST} = '127.0.0.1';
	local $ENV{AIDO_GW_DB_PORT} = $port;
	# PgBouncer's client ports of the role, comma-separated.
	my $clients = sub {
		my ($role) = @_;
		my @rows = split(/\n/, `psql -X -A -h 127.0.0.1 -p $port -d pgbouncer -c 'SHOW CLIENTS' 2>&1`);
		my @head = split(/\|/, shift(@rows) // '');
		my ($col) = grep { $head[$_] eq 'port' } 0 .. $#head;
		my ($ucol) = grep { $head[$_] eq 'user' } 0 .. $#head;
		return (join(',', sort map { (split(/\|/))[$col] }
		    grep { ((split(/\|/))[$ucol] // "") eq $role } @rows));
	};
	# Three reads, then "200 200 200 port[,port...]".
	my $ports = sub {
		my ($gw, $u) = @_;
		my @st = map { $gw->api($u->{token}, GET => '/api/tasks')
		    ->{status} } 1 .. 3;
		return ("@st " . $clients->($gw->db->{role}));
	};
	# The port of the gateway's one client while a read is held (waiting
	# until PgBouncer lists that one alone), and the read's status.
	my $held_port = sub {
		my ($gw, $u) = @_;
		my $h = $gw->hold_read($u->{token});
		my $p = '';
		my $deadline = time() + 10;
		while (time() < $deadline) {
			$p = $clients->($gw->db->{role});
			last if $p =~ /\A\d+\z/;
			sleep(0.05);
		}
		return ($gw->release_read($h) . " $p");
	};

	my $gw = Faults::watch(AidoGW->new(env => { DB_POOL_SIZE => 1 }));
	my $u = Faults::record_user($gw->new_user);
	my $first = $ports->($gw, $u);
	my $again = $ports->($gw, $u);
	ok($first =~ /\A200 200 200 \d+\z/ && $again eq $first,
	    'DB_POOL_SIZE=1 behind PgBouncer: requests in quick succession ' .
	    'reuse the gateway\'s one connection')
	    or diag("first: $first, then: $again");
	$gw->stop;

	$gw = Faults::watch(AidoGW->new(env => { DB_POOL_SIZE => 1,
	    DB_POOL_RECYCLE => 2 }));
	$u = Faults::record_user($gw->new_user);
	$first = $held_port->($gw, $u);
	# Let the connection age past DB_POOL_RECYCLE (it was born before
	# the read was answered).
	sleep(2.5);
	my $later = $held_port->($gw, $u);
	ok($first =~ /\A200 \d+\z/ && $later =~ /\A200 \d+\z/ &&
	    $later ne $first,
	    '... which is replaced once older than DB_POOL_RECYCLE')
	    or diag("before: $first, after: $later");
	$gw->stop;
}

my $t0 = time();
my @res = Faults::run_suite(env => { AIDO_GW_DB_HOST => '127.0.0.1',
    AIDO_GW_DB_PORT => $port });
my $n = Faults::suite_ok('behind PgBouncer (transaction pooling)', @res);
diag(sprintf('the gateway suite behind PgBouncer: %d files, %d tests, ' .
    '%d failed files, %.0f s', scalar(@res), $n,
    scalar(grep { !$_->{ok} } @res), time() - $t0));

my $log = AidoGW::_slurp("$dir/pgbouncer.log");
my @leaks = grep { index($log, $_) >= 0 } Faults::secrets(),
    $ENV{PGPASSWORD};
is(scalar(@leaks), 0, 'PgBouncer\'s log holds no password or token');

done_testing();
