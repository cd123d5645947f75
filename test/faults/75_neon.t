#!/usr/bin/env perl
# On a database that behaves like Neon (test/neon/neon-local: TLS only,
# SCRAM with channel binding checked by a proxy that terminates TLS with an
# ep- certificate reached by SNI, PgBouncer in transaction mode behind it,
# a compute that is stopped when idle and woken on connect, aido installed
# by neondb_owner, which is not a superuser):
#   - the whole gateway suite (test/gateway/*.t but the browser tests)
#     passes with the gateway on the pooled endpoint, sslmode=verify-full
#     and channel_binding=require;
#   - a request that arrives while the compute sleeps is answered after the
#     wake, not refused;
#   - an idle gateway runs no query and opens no connection (so it lets
#     the compute sleep), and the compute, once suspended, stays down;
#   - the proxy's own failure (XX000, "Couldn't connect to compute node",
#     when the wake fails) is answered 503, not 500;
#   - a gateway that starts while the wake fails waits for it (XX000 is
#     a refusal that waiting may cure: gateway/startup.c);
#   - aido is the SQL-only flavor, installed by make install-db as
#     neondb_owner (test/neon/install-aido), and the pgTAP suite of that
#     flavor passes there too, as neondb_owner through the pooler.
# AIDO_NEON_IDLE (default 5) is the idle period in seconds.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../gateway/lib";
use Test::More;
use AidoGW;
use Faults;
use File::Temp qw(tempdir);
use IO::Socket::UNIX;
use IPC::Open3 qw(open3);
use JSON::PP;
use Symbol qw(gensym);
use Time::HiRes qw(sleep time);

my $root = "$FindBin::Bin/../..";
my ($bouncer) = grep { -x } ('/usr/sbin/pgbouncer', '/usr/bin/pgbouncer');
plan(skip_all => 'needs pgbouncer (scripts/deps.sh faults)') unless $bouncer;
plan(skip_all => 'needs openssl and python3')
    unless grep({ -x "$_/openssl" } split(/:/, $ENV{PATH})) &&
    grep({ -x "$_/python3" } split(/:/, $ENV{PATH}));

my $idle = $ENV{AIDO_NEON_IDLE} // 5;
my $dir = tempdir('aido-neon-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $up = system("$root/test/neon/neon-local", 'up', $dir);
END { local $?; system("$root/test/neon/neon-local", 'down', $dir) if $dir }
BAIL_OUT('test/neon/neon-local up failed: ' .
    AidoGW::_slurp("$dir/proxy.log")) if $up;

# DIR/env: neondb_owner on the direct endpoint.  Everything AidoGW does in
# the database (create databases and roles, look at sessions) runs as it.
for (split(/\n/, AidoGW::_slurp("$dir/env"))) {
	$ENV{$1} = $2 if /\Aexport (\w+)=(.*)\z/;
}
delete($ENV{PGAPPNAME});
Faults::record_secret($ENV{PGPASSWORD});
my %neon = (
	AIDO_MAINT_DB => 'neondb',
	AIDO_GW_INSTALL => "$root/test/neon/install-aido",
	AIDO_GW_DB_HOST => $ENV{PGHOSTADDR},
	AIDO_GW_DB_PORT => $ENV{PGPORT},
	AIDO_GW_DB_TLSNAME => $ENV{NEON_POOLER_HOST},
	AIDO_GW_DB_PARAMS => "sslmode=verify-full&sslrootcert=" .
	    "$ENV{PGSSLROOTCERT}&channel_binding=require",
);
$ENV{$_} = $neon{$_} for keys(%neon);

my $JSON = JSON::PP->new->canonical;

# One command to the proxy's admin socket (test/neon/proxy.py).
sub admin {
	my (@cmd) = @_;
	my $s = IO::Socket::UNIX->new(Peer => $ENV{NEON_ADMIN_SOCKET})
	    or die "admin socket: $!";
	print $s "@cmd\n";
	my $line = <$s> // '{}';
	close($s);
	return ($JSON->decode($line));
}

sub wait_state {
	my ($want, $timeout) = @_;
	my $deadline = time() + $timeout;
	my $st;
	while (time() < $deadline) {
		$st = admin('state')->{state};
		return (1) if $st eq $want;
		sleep(0.1);
	}
	return (0);
}

# psql with the environment's settings; (stdout, stderr, exit status).
sub psql_env {
	my ($env, @args) = @_;
	local @ENV{ keys(%$env) } = values(%$env);
	delete(@ENV{ grep { !defined $ENV{$_} } keys(%$env) });
	my $err = gensym;
	my $pid = open3(my $in, my $out, $err, 'psql', '-X', '-A', '-t',
	    @args);
	close($in);
	my $o = do { local $/; <$out> } // '';
	my $e = do { local $/; <$err> } // '';
	waitpid($pid, 0);
	return ($o, $e, $? >> 8);
}

# prove over pgTAP files in database $db as the environment's role, on
# the pooled endpoint; (stdout, stderr, exit status).
sub psql_prove {
	my ($db, @files) = @_;
	my $err = gensym;
	my $pid = open3(my $in, my $out, $err, 'prove', '--source', 'pgTAP',
	    '--pgtap-option', "dbname=$db", '--pgtap-option',
	    "host=$ENV{NEON_POOLER_HOST}", '--pgtap-option', "port=$ENV{PGPORT}",
	    '--pgtap-option', "username=$ENV{PGUSER}", @files);
	close($in);
	my $o = do { local $/; <$out> } // '';
	my $e = do { local $/; <$err> } // '';
	waitpid($pid, 0);
	return ($o, $e, $? >> 8);
}

sub pct {
	my ($p, @v) = @_;
	@v = sort { $a <=> $b } @v;
	return (@v ? $v[int($p * $#v + 0.5)] : 'none');
}

# ---------------------------------------------------------------- Neon's rules

admin('suspend-after', 0);
{
	is(AidoGW::psql('neondb', 'SELECT rolsuper::text || ' .
	    "pg_has_role('neon_superuser', 'MEMBER')::text FROM pg_roles " .
	    'WHERE rolname = current_user'), 'falsetrue',
	    'neondb_owner is no superuser, and a member of neon_superuser');
	my $db = AidoGW::create_db(extension => 0);
	my (undef, $e) = psql_env({}, '-d', $db->{name}, '-c',
	    'CREATE EXTENSION aido');
	like($e, qr/permission denied to create extension "aido"/,
	    'CREATE EXTENSION aido is refused to neondb_owner');
	my ($o, $e2, $rc) = psql_env({ PGSSLMODE => 'disable' }, '-c',
	    'SELECT 1');
	ok($rc != 0 && $e2 =~ /connection is insecure/,
	    'a connection without TLS is refused') or diag($e2);
	($o, $e2, $rc) = psql_env({ PGHOST => $ENV{PGHOSTADDR},
	    PGSSLMODE => 'require', PGCHANNELBINDING => 'prefer' }, '-c',
	    'SELECT 1');
	ok($rc != 0 && $e2 =~ /endpoint ID is not specified/,
	    'without SNI (a bare address) the proxy asks for the endpoint') or
	    diag($e2);
	($o, $e2, $rc) = psql_env({ PGHOST => $ENV{NEON_POOLER_HOST} }, '-c',
	    "SELECT 'pooled'");
	is($o, "pooled\n", 'the pooled endpoint takes channel_binding=require ' .
	    'and sslmode=verify-full') or diag($e2);
}

# ---------------------------------------------------------------- the suite

my $before = admin('stats')->{logins};
my $t0 = time();
my @res = Faults::run_suite(env => { %neon });
my $n = Faults::suite_ok('on the Neon-like environment (pooler, TLS, ' .
    'channel binding, neondb_owner)', @res);
diag(sprintf('the gateway suite on the Neon-like environment: %d files, ' .
    '%d tests, %d failed files, %.0f s', scalar(@res), $n,
    scalar(grep { !$_->{ok} } @res), time() - $t0));
my $logins = admin('stats')->{logins};
cmp_ok(($logins->{'pooled SCRAM-SHA-256-PLUS'} // 0) -
    ($before->{'pooled SCRAM-SHA-256-PLUS'} // 0), '>=', scalar(@res),
    'the gateways logged in on the pooled endpoint with channel binding');
is(join(',', grep { !/PLUS\z/ } sort(keys(%$logins))), '',
    'no login went without channel binding') or diag($JSON->encode($logins));

# ---------------------------------------------------------------- pgTAP

# The pgTAP suite (test/sql/*.sql but the C flavor's, chosen as
# test/run-suites chooses them for AIDO_FLAVOR=sqlonly) as neondb_owner,
# through the pooled endpoint, on a database that install-aido gave the
# SQL-only flavor with make install-db; pgtap is trusted there, as on
# Neon (neon-local).  neondb_owner is no member of the roles aido made
# (PostgreSQL 15: CREATEROLE does not make one), which the suite's SET
# ROLE needs: it grants them to itself, as a Neon user may.
SKIP: {
	skip('NEON_AIDO_INSTALL=c: the pgTAP suite is the SQL-only ' .
	    'flavor\'s here', 3) if ($ENV{NEON_AIDO_INSTALL} // '') eq 'c';
	my $db = AidoGW::create_db();
	is(AidoGW::psql($db->{name}, q{SELECT (SELECT count(*) FROM } .
	    q{pg_extension WHERE extname = 'aido') || ' ' || } .
	    q{(SELECT count(*) FROM aido_config.version)}), '0 1',
	    'install-aido gave the databases the SQL-only flavor (no ' .
	    'extension, a recorded version)');
	AidoGW::psql($db->{name}, 'CREATE EXTENSION pgtap; ' .
	    'GRANT aido_api, aido_admin TO neondb_owner');
	my @files = grep {
		substr(AidoGW::_slurp($_), 0, 2000) !~
		    /aido flavor: (?!sqlonly\b)[a-z]+/;
	} glob("$root/test/sql/*.sql");
	my $t1 = time();
	my ($out, $err, $rc) = psql_prove($db->{name}, @files);
	ok($rc == 0 && $out =~ /^Result: PASS$/m, 'the pgTAP suite passes ' .
	    'as neondb_owner through the pooler, TLS and channel binding') or
	    diag($out . $err);
	my ($nf, $nt) = $out =~ /^Files=(\d+), Tests=(\d+)/m;
	is($nf, scalar(@files), '... every file of the SQL-only flavor ran');
	diag(sprintf('the pgTAP suite on the Neon-like environment: %d files, ' .
	    '%d tests, %.0f s', $nf // 0, $nt // 0, time() - $t1));
}

# ---------------------------------------------------------------- scale to zero

my $gw = Faults::watch(AidoGW->new);
my $u = Faults::record_user($gw->new_user);
my $task = $gw->new_task($u, title => 'asleep');
admin('suspend-after', 2);

# An idle session on the direct endpoint is ended with 57P01.
{
	my $err = gensym;
	my $pid = open3(my $in, my $out, $err, 'psql', '-X', '-A', '-t',
	    '-v', 'VERBOSITY=verbose');
	print $in "SELECT 'first';\n";
	$in->flush;
	ok(wait_state('down', 60), 'the idle compute is suspended') or
	    diag(AidoGW::_slurp("$dir/proxy.log"));
	print $in "SELECT 'second';\n";
	close($in);
	my $e = do { local $/; <$err> } // '';
	waitpid($pid, 0);
	like($e, qr/FATAL:\s+57P01: terminating connection due to administrator command/,
	    'an idle session gets 57P01 when the compute is suspended');
}

# Requests while the compute sleeps wait for the wake.
my (@answers, @wait);
for my $i (1 .. 5) {
	wait_state('down', 60) or last;
	my $s0 = time();
	my $r = $gw->api($u->{token}, GET => "/api/tasks/$task->{id}");
	push(@wait, time() - $s0);
	push(@answers, $r->{status});
}
is("@answers", '200 200 200 200 200', 'each request that arrives while ' .
    'the compute sleeps is answered 200 after the wake');
my $st = admin('stats');
diag(sprintf('wake: pg_ctl start p50 %.3f s, max %.3f s; connection held ' .
    'by the proxy p50 %.3f s, max %.3f s; request answered after ' .
    'p50 %.3f s, max %.3f s (%d wakes)',
    pct(0.5, @{ $st->{wakes} }), pct(1, @{ $st->{wakes} }),
    pct(0.5, @{ $st->{held} }), pct(1, @{ $st->{held} }),
    pct(0.5, @wait), pct(1, @wait), scalar(@{ $st->{wakes} })));

# ---------------------------------------------------------------- an idle gateway

# Awake and idle: the gateway runs no statement and opens no connection
# for $idle s (pg_stat_statements, log_connections).
{
	admin('suspend-after', 0);
	is($gw->api($u->{token}, GET => '/api/tasks')->{status}, 200,
	    'the gateway serves (and the compute is up)');
	my $role = $gw->db->{role};
	my $calls = sub {
		return (AidoGW::psql('neondb', 'SELECT coalesce(sum(calls), 0) ' .
		    'FROM pg_stat_statements s JOIN pg_roles r ON r.oid = ' .
		    "s.userid WHERE r.rolname = '$role'"));
	};
	my $logins = sub {
		my $log = AidoGW::_slurp($ENV{NEON_PGLOG});
		return (scalar(() = $log =~ /connection authorized: user=\Q$role\E /g));
	};
	sleep(1);	# the statistics of the last request
	my ($c0, $l0) = ($calls->(), $logins->());
	cmp_ok($c0, '>', 0, 'pg_stat_statements counts the gateway\'s role');
	sleep($idle);
	my ($c1, $l1) = ($calls->(), $logins->());
	is($c1 - $c0, 0, "an idle gateway runs no statement in $idle s");
	is($l1 - $l0, 0, "... and opens no connection");
}

# Once suspended, the compute stays down while the gateway idles.
{
	admin('suspend-after', 2);
	ok(wait_state('down', 60), 'the compute is suspended under an idle ' .
	    'gateway');
	my $w0 = scalar(@{ admin('stats')->{wakes} });
	sleep($idle);
	my $s = admin('stats');
	ok($s->{state} eq 'down' && @{ $s->{wakes} } == $w0,
	    "nothing wakes it in $idle s") or diag($JSON->encode($s));
}

# ---------------------------------------------------------------- XX000

# The wake fails: the proxy answers ERROR XX000 "Couldn't connect to
# compute node", which the gateway must take for "database unavailable".
{
	admin('fail-wakes', 1000000);
	my $r = $gw->api($u->{token}, GET => '/api/tasks');
	AidoGW::error_ok($r, 503, 'unavailable', 'a request while the wake ' .
	    'fails (XX000 from the proxy) is answered 503');
	admin('fail-wakes', 0);
	cmp_ok(admin('stats')->{failed_wakes}, '>', 0,
	    '... the proxy did refuse the wake');
	# The gateway does not try again before its Retry-After.
	my $deadline = time() + 30;
	while ($r->{status} == 503 && time() < $deadline) {
		sleep(AidoGW::header($r, 'retry-after') // 1);
		$r = $gw->api($u->{token}, GET => '/api/tasks');
	}
	is($r->{status}, 200, '... and once the wake works, after ' .
	    'Retry-After, 200 again');
}
$gw->stop;

# A gateway that starts while the wake fails for a moment waits for it,
# within DB_CONNECT_TIMEOUT, as for a database that does not answer yet:
# Neon's proxy says XX000 "Couldn't connect to compute node" for a wake
# that failed, which a retry may cure.
{
	admin('suspend');
	admin('fail-wakes', 3);
	my $fw = admin('stats')->{failed_wakes};
	my $t = time();
	my $gw2 = eval { Faults::watch(AidoGW->new(db => $gw->db,
	    env => { DB_CONNECT_TIMEOUT => 20 })) };
	my $why = $@;
	ok($gw2, 'a gateway that starts while the wake fails 3 times ' .
	    'waits and then serves') or diag(sprintf('after %.1f s: %s',
	    time() - $t, $why =~ s/\n.*//sr));
	is(admin('stats')->{failed_wakes} - $fw, 3,
	    '... through the 3 wakes the proxy refused');
	admin('fail-wakes', 0);
	$gw2->stop if $gw2;
}
admin('suspend-after', 0);

# Secrets never in the environment's logs.
my $logs = join('', map { AidoGW::_slurp("$dir/$_") }
    qw(proxy.log pgbouncer.log postgresql.log));
# Those of this file, and those the suite's files recorded (make
# test-faults: AIDO_FAULTS_DIR).
my @secrets = Faults::secrets();
push(@secrets, grep { length($_) >= 6 } split(/\n/,
    AidoGW::_slurp("$ENV{AIDO_FAULTS_DIR}/secrets")))
    if $ENV{AIDO_FAULTS_DIR};
my @leaks = grep { index($logs, $_) >= 0 } @secrets;
is(scalar(@leaks), 0, 'the logs of the proxy, PgBouncer and PostgreSQL ' .
    'hold no password or token');

done_testing();
