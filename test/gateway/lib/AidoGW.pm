package AidoGW;

# Black-box harness for the aido gateway.
#
# Given the PG* variables of a superuser (as pg_virtualenv sets them), it
# creates a fresh database with the extension and a login role that is a
# member of aido_api (not a superuser), starts gateway/start on a free
# loopback port from an empty directory with an explicit environment, waits
# for /health, and stops it by PID at the end (also when a test dies).
#
#	my $gw = AidoGW->new;			# fresh database, gateway running
#	my $u = $gw->new_user;			# {token, user, email, password}
#	my $r = $gw->api($u->{token}, POST => '/api/tasks', {title => 'x'});
#	is($r->{status}, 201);
#
#	my $f = AidoGW::start_failure(env => {...});	# {exit, stderr, lines}
#
# Run the suites from the repository root, on a throwaway cluster:
#	test/with-cluster prove test/gateway/	(or: pg_virtualenv -v 15 prove ...)
#
# Core modules only.  Nothing secret is ever printed: diagnostics that show
# the gateway's output have the passwords and the JWT secret masked.

use strict;
use warnings;

use Cwd qw(abs_path);
use Digest::SHA qw(hmac_sha256 hmac_sha384 hmac_sha512);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use HTTP::Tiny;
use IO::Socket::INET;
use IPC::Open3 qw(open3);
use JSON::PP;
use MIME::Base64 qw(encode_base64 decode_base64);
use POSIX qw(:sys_wait_h);
use Symbol qw(gensym);
use Time::HiRes qw(sleep time);

our $ROOT = abs_path(dirname(__FILE__) . '/../../..');
our $START = $ENV{AIDO_GATEWAY_START} // "$ROOT/gateway/start";

# Origins the gateways under test allow (FRONTEND_URL, comma-separated).
our $ORIGIN = 'http://localhost:3000';
our $ORIGIN2 = 'http://app.aido.test:8080';

our $JSON = JSON::PP->new->utf8->canonical->allow_nonref;

my %LIVE;		# running gateways, by pid, stopped at exit
my @DATABASES;		# databases and roles created here, dropped at exit
my %PROXIES;		# TCP relays started here, by pid
my $OWNER = $$;		# forked children must not clean up
my $SEQ = 0;

$SIG{PIPE} = 'IGNORE';
$SIG{INT} = $SIG{TERM} = sub { exit(130) };

END {
	my $status = $?;
	if ($$ == $OWNER) {
		$_->stop for values %LIVE;
		stop_proxy($_) for keys %PROXIES;
		_drop_all();
	}
	$? = $status;
}

# ---------------------------------------------------------------- utilities

sub random_hex {
	my ($bytes) = @_;
	open(my $fh, '<:raw', '/dev/urandom') or die "urandom: $!";
	read($fh, my $buf, $bytes) == $bytes or die "urandom: short read";
	close($fh);
	return (unpack('H*', $buf));
}

sub unique_name {
	my ($prefix) = @_;
	$SEQ++;
	return ("${prefix}_$$" . "_$SEQ" . '_' . random_hex(3));
}

sub unique_email {
	return (lc(unique_name('user')) . '@example.com');
}

sub free_port {
	my $s = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
	    LocalPort => 0, Proto => 'tcp', ReuseAddr => 1)
	    or die "cannot find a free port: $!";
	my $port = $s->sockport;
	close($s);
	return ($port);
}

sub port_open {
	my ($port) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
	    PeerPort => $port, Proto => 'tcp', Timeout => 2);
	return (0) unless $s;
	close($s);
	return (1);
}

sub b64url {
	my ($s) = @_;
	my $e = encode_base64($s, '');
	$e =~ tr{+/}{-_};
	$e =~ s/=+\z//;
	return ($e);
}

sub b64url_decode {
	my ($s) = @_;
	$s =~ tr{-_}{+/};
	$s .= '=' x ((4 - length($s) % 4) % 4);
	return (decode_base64($s));
}

# A JWT signed in Perl, for tampering tests.  alg HS256 (default), HS384,
# HS512 or none; header and claims are taken as given.
sub jwt_encode {
	my (%a) = @_;
	my $alg = $a{alg} // 'HS256';
	my $header = $a{header} // { alg => $alg, typ => 'JWT' };
	my $input = b64url($JSON->encode($header)) . '.' .
	    b64url($JSON->encode($a{claims} // {}));
	my %mac = (HS256 => \&hmac_sha256, HS384 => \&hmac_sha384,
	    HS512 => \&hmac_sha512);
	my $sig = '';
	if ($alg ne 'none') {
		my $f = $mac{$alg} or die "jwt_encode: no alg $alg";
		$sig = b64url($f->($input, $a{secret} // die 'jwt_encode: secret'));
	}
	return ("$input.$sig");
}

# (header, claims) of a JWT, or () when it is not one.
sub jwt_decode {
	my ($token) = @_;
	my @p = split(/\./, $token // '', -1);
	return () unless @p == 3;
	my ($h, $c) = eval {
		($JSON->decode(b64url_decode($p[0])),
		    $JSON->decode(b64url_decode($p[1])));
	};
	return () unless ref($h) eq 'HASH' && ref($c) eq 'HASH';
	return ($h, $c);
}

my $UUID = qr/\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\z/;
my $RFC3339 = qr/\A(\d{4})-(\d\d)-(\d\d)[Tt](\d\d):(\d\d):(\d\d)(\.\d+)?
    ([Zz]|[+-]\d\d:\d\d)\z/x;

sub is_uuid { return (defined $_[0] && !ref($_[0]) && $_[0] =~ $UUID) }

sub is_rfc3339 {
	return (defined $_[0] && !ref($_[0]) && $_[0] =~ $RFC3339);
}

# Seconds since the epoch (with fraction) of an RFC 3339 timestamp.
sub epoch {
	my ($ts) = @_;
	my @m = ($ts // '') =~ $RFC3339 or return (undef);
	my ($y, $mo, $d, $h, $mi, $s, $frac, $off) = @m;
	my $t = _days_from_civil($y, $mo, $d) * 86400 + $h * 3600 +
	    $mi * 60 + $s + ($frac ? "0$frac" : 0);
	if ($off =~ /\A([+-])(\d\d):(\d\d)\z/) {
		my $o = $2 * 3600 + $3 * 60;
		$t -= $1 eq '+' ? $o : -$o;
	}
	return ($t);
}

# RFC 3339 (UTC, "Z") of an epoch.
sub rfc3339 {
	my ($t) = @_;
	return (POSIX::strftime('%Y-%m-%dT%H:%M:%SZ', gmtime($t)));
}

sub _days_from_civil {
	my ($y, $m, $d) = @_;
	$y -= $m <= 2;
	my $era = POSIX::floor($y / 400);
	my $yoe = $y - $era * 400;
	my $doy = int((153 * ($m + ($m > 2 ? -3 : 9)) + 2) / 5) + $d - 1;
	my $doe = $yoe * 365 + int($yoe / 4) - int($yoe / 100) + $doy;
	return ($era * 146097 + $doe - 719468);
}

# Percent-encoding for query strings.
sub qs {
	my (@kv) = @_;
	my @out;
	while (@kv) {
		my ($k, $v) = splice(@kv, 0, 2);
		utf8::encode($v) if utf8::is_utf8($v);
		$v =~ s/([^A-Za-z0-9\-._~])/sprintf('%%%02X', ord($1))/ge;
		push(@out, "$k=$v");
	}
	return (join('&', @out));
}

# ---------------------------------------------------------------- databases

# psql as the superuser of the PG* environment; returns stdout, dies with
# psql's message on error.
sub psql {
	my ($db, $sql) = @_;
	my $err = gensym;
	my $pid = open3(my $in, my $out, $err, 'psql', '-X', '-q', '-A', '-t',
	    '-v', 'ON_ERROR_STOP=1', '-d', $db, '-c', $sql);
	close($in);
	my $stdout = do { local $/; <$out> } // '';
	my $stderr = do { local $/; <$err> } // '';
	waitpid($pid, 0);
	die "psql failed on [$sql]: $stderr\n" if $?;
	chomp($stdout);
	return ($stdout);
}

sub _maint_db { return ($ENV{AIDO_MAINT_DB} // 'postgres') }

# A fresh database: the extension created (unless extension => 0) and
# bootstrapped (unless bootstrap => 0), and a login role in aido_api
# (unless role => 0, then the role is a plain login role).  The suites
# sign many users up from 127.0.0.1: the signup throttle is raised out of
# their way (aido.signup_max_per_address 100000) unless signup_throttle =>
# 1 keeps the default.  Returns {name, role, password, url}.  The url (the gateway's
# DATABASE_URL) points at AIDO_GW_DB_HOST:AIDO_GW_DB_PORT when they are
# set (a connection pooler in front of the cluster: test/faults), else at
# the cluster of the PG* variables, where the database is made.  With
# AIDO_GW_INSTALL set, aido is installed by running it with the
# database's name and 1 (bootstrap) or 0, instead of CREATE EXTENSION.
sub create_db {
	my (%o) = @_;
	my $ext = $o{extension} // 1;
	my $boot = $o{bootstrap} // $ext;
	my $name = unique_name('aidogw');
	my $role = "${name}_gw";
	my $pw = random_hex(12);
	psql(_maint_db(), qq{CREATE DATABASE "$name"});
	push(@DATABASES, { name => $name, role => $role });
	if ($ext && $ENV{AIDO_GW_INSTALL}) {
		# Another way in than CREATE EXTENSION (test/neon: the PG*
		# role is not a superuser).
		system($ENV{AIDO_GW_INSTALL}, $name, $boot ? 1 : 0) == 0 or
		    die "$ENV{AIDO_GW_INSTALL} $name failed\n";
	} else {
		psql($name, 'CREATE EXTENSION aido') if $ext;
		psql($name, 'SELECT aido_bootstrap()') if $boot;
	}
	if ($ext && !$o{signup_throttle}) {
		# The C flavor reads the setting aido.signup_max_per_address;
		# the SQL-only flavor (AIDO_GW_INSTALL: test/aido-install,
		# test/neon) the owner's table aido_config.settings, and a role
		# that is no superuser (test/neon's neondb_owner) may not set a
		# parameter no extension defines.
		if (psql($name, q{SELECT to_regclass('aido_config.settings') } .
		    'IS NOT NULL') eq 't') {
			psql($name, q{UPDATE aido_config.settings SET value = } .
			    q{'100000' WHERE name = 'signup_max_per_address'});
		} else {
			psql($name, qq{ALTER DATABASE "$name" SET } .
			    'aido.signup_max_per_address = 100000');
		}
	}
	my $in = $ext ? ' IN ROLE aido_api' : '';
	psql($name, qq{CREATE ROLE "$role" LOGIN NOSUPERUSER } .
	    qq{PASSWORD '$pw'$in});
	_archive_secret($pw);
	return ({ name => $name, role => $role, password => $pw,
	    url => db_url(user => $role, password => $pw, db => $name,
	    host => $ENV{AIDO_GW_DB_HOST}, port => $ENV{AIDO_GW_DB_PORT}) });
}

# A DATABASE_URL.  With AIDO_GW_DB_TLSNAME set (test/neon), the URL names
# that host and connects to the given address (hostaddr=: SNI and
# verify-full without DNS), and AIDO_GW_DB_PARAMS (sslmode=..., ...) is
# added to its query.
sub db_url {
	my (%o) = @_;
	my $scheme = $o{scheme} // 'postgresql';
	my $host = $o{host} // $ENV{PGHOSTADDR} // $ENV{PGHOST} //
	    'localhost';
	my $port = $o{port} // $ENV{PGPORT} // 5432;
	my $auth = "$o{user}:$o{password}\@";
	return ("$scheme://$auth/$o{db}?host=$host&port=$port")
	    if $host =~ m{\A/};
	my @q;
	if (my $name = $ENV{AIDO_GW_DB_TLSNAME}) {
		push(@q, 'hostaddr=' . ($host eq 'localhost' ? '127.0.0.1' :
		    $host));
		$host = $name;
	}
	push(@q, $ENV{AIDO_GW_DB_PARAMS}) if $ENV{AIDO_GW_DB_PARAMS};
	return ("$scheme://$auth$host:$port/$o{db}" .
	    (@q ? '?' . join('&', @q) : ''));
}

sub _drop_all {
	return if $ENV{AIDO_GW_KEEP};
	for my $d (reverse(@DATABASES)) {
		eval {
			psql(_maint_db(),
			    qq{DROP DATABASE IF EXISTS "$d->{name}" WITH (FORCE)});
			psql(_maint_db(), qq{DROP ROLE IF EXISTS "$d->{role}"});
		};
	}
	@DATABASES = ();
}

# ---------------------------------------------------------------- processes

sub _base_env {
	my (%o) = @_;
	my %env = (
		PATH => $ENV{PATH} // '/usr/local/bin:/usr/bin:/bin',
		LANG => 'C.UTF-8',
		HOME => $o{dir},
	);
	return (\%env);
}

sub _spawn {
	my ($dir, $env) = @_;
	-x $START or die "gateway launcher $START is missing or not executable\n";
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	if ($pid == 0) {
		setpgrp(0, 0);
		chdir($dir) or POSIX::_exit(126);
		open(STDIN, '<', '/dev/null');
		open(STDOUT, '>', "$dir/stdout.log");
		open(STDERR, '>', "$dir/stderr.log");
		%ENV = %$env;
		exec($START) or POSIX::_exit(127);
	}
	return ($pid);
}

sub _slurp {
	my ($path) = @_;
	open(my $fh, '<', $path) or return ('');
	local $/;
	my $s = <$fh>;
	return ($s // '');
}

# With AIDO_GW_ARCHIVE set (make test-faults), the secrets of every
# database, gateway and user made here, and the output of every gateway,
# are kept there: test/faults/99_secrets.t then checks that no log holds
# any of them.
sub _archive_secret {
	my $d = $ENV{AIDO_GW_ARCHIVE} or return;
	open(my $fh, '>>', "$d/secrets") or return;
	print $fh "$_\n" for grep { defined $_ && length($_) >= 6 } @_;
	close($fh);
}

sub _archive_log {
	my ($self) = @_;
	_archive_text("gw.$self->{pid}", $self->output);
}

sub _archive_text {
	my ($name, $text) = @_;
	my $d = $ENV{AIDO_GW_ARCHIVE} or return;
	mkdir("$d/logs");
	open(my $fh, '>', "$d/logs/$name") or return;
	print $fh $text;
	close($fh);
}

sub _group_alive {
	my ($pgid) = @_;
	return (kill(0, -$pgid) ? 1 : 0);
}

# The configuration of a working gateway on database $o{db}, as a list of
# variable => value.
sub config_env {
	my (%o) = @_;
	return (
		DATABASE_URL => $o{db}{url},
		JWT_SECRET => $o{jwt_secret} // random_hex(24),
		API_HOST => '127.0.0.1',
		API_PORT => $o{port} // free_port(),
		FRONTEND_URL => "$ORIGIN,$ORIGIN2",
		DB_CONNECT_TIMEOUT => 10,
	);
}

# Starts the launcher with exactly the given environment (PATH, LANG and
# HOME added) in an empty directory, or in $o{dir} (e.g. one holding a
# .env), and waits (at most $o{timeout} s, default 60) for it to exit.
# Returns {exit, signal, stderr, stdout, lines (non-empty stderr lines),
# timed_out}.
sub start_failure {
	my (%o) = @_;
	my $dir = $o{dir} // tempdir('aidogw-XXXXXX', TMPDIR => 1,
	    CLEANUP => 1);
	my $env = _base_env(dir => $dir);
	%$env = (%$env, %{ $o{env} // {} });
	delete($env->{$_}) for grep { !defined $env->{$_} } keys(%$env);
	my $pid = _spawn($dir, $env);
	my $deadline = time() + ($o{timeout} // 60);
	my $r = { timed_out => 0 };
	while (1) {
		my $w = waitpid($pid, WNOHANG);
		if ($w == $pid) {
			$r->{exit} = WIFEXITED($?) ? WEXITSTATUS($?) : undef;
			$r->{signal} = WIFSIGNALED($?) ? WTERMSIG($?) : undef;
			last;
		}
		if (time() > $deadline) {
			$r->{timed_out} = 1;
			kill('TERM', $pid);
			sleep(2);
			kill('KILL', -$pid) if _group_alive($pid);
			waitpid($pid, 0);
			last;
		}
		sleep(0.05);
	}
	# Workers of a gateway that did start must not outlive the test.
	if (_group_alive($pid)) {
		kill('TERM', -$pid);
		sleep(1);
		kill('KILL', -$pid) if _group_alive($pid);
	}
	$r->{stderr} = _slurp("$dir/stderr.log");
	$r->{stdout} = _slurp("$dir/stdout.log");
	$r->{lines} = [ grep { /\S/ } split(/\n/, $r->{stderr}) ];
	_archive_secret($env->{JWT_SECRET});
	_archive_text("failed.$pid", $r->{stdout} . $r->{stderr});
	return ($r);
}

# ---------------------------------------------------------------- a gateway

# AidoGW->new(%o): a running gateway on a fresh database.
#   db => {...}		a database from create_db (default: a fresh one)
#   env => {...}	extra or overriding variables (undef deletes one)
#   jwt_secret => s	(default: 48 random hex characters)
#   dir => path		working directory (default: an empty temp dir)
#   wait => 0		do not wait for /health (the caller polls)
sub new {
	my ($class, %o) = @_;
	my $self = bless({}, $class);
	$self->{db} = $o{db} // create_db();
	$self->{secret} = $o{jwt_secret} // random_hex(24);
	$self->{port} = free_port();
	$self->{dir} = $o{dir} // tempdir('aidogw-XXXXXX', TMPDIR => 1,
	    CLEANUP => 1);
	my $env = _base_env(dir => $self->{dir});
	%$env = (%$env, config_env(db => $self->{db}, port => $self->{port},
	    jwt_secret => $self->{secret}), %{ $o{env} // {} });
	delete($env->{$_}) for grep { !defined $env->{$_} } keys(%$env);
	$self->{env} = $env;
	$self->{port} = $env->{API_PORT};
	$self->{base} = "http://127.0.0.1:$self->{port}";
	$self->{http} = HTTP::Tiny->new(timeout => 30, keep_alive => 1,
	    agent => 'aido-gateway-tests/1');
	$self->{owner} = $$;
	$self->{pid} = _spawn($self->{dir}, $env);
	$LIVE{ $self->{pid} } = $self;
	_archive_secret($self->{secret}, $env->{JWT_SECRET});
	$self->wait_healthy unless defined $o{wait} && !$o{wait};
	return ($self);
}

sub base_url { return ($_[0]{base}) }
sub port { return ($_[0]{port}) }
sub pid { return ($_[0]{pid}) }
sub secret { return ($_[0]{secret}) }
sub db { return ($_[0]{db}) }
sub env { return ($_[0]{env}) }

# Everything the gateway wrote, stdout and stderr.
sub output {
	my ($self) = @_;
	return (_slurp("$self->{dir}/stdout.log") .
	    _slurp("$self->{dir}/stderr.log"));
}

sub _masked {
	my ($self, $s) = @_;
	for my $secret ($self->{db}{password}, $self->{secret}) {
		next unless defined $secret && length $secret;
		$s =~ s/\Q$secret\E/********/g;
	}
	return ($s);
}

sub running {
	my ($self) = @_;
	return (0) if defined $self->{exit};
	my $w = waitpid($self->{pid}, WNOHANG);
	if ($w == $self->{pid}) {
		$self->{exit} = $?;
		delete($LIVE{ $self->{pid} });
		return (0);
	}
	return (1);
}

# Waits until GET /health answers 200 (at most $timeout s, default 60).
sub wait_healthy {
	my ($self, $timeout) = @_;
	my $deadline = time() + ($timeout // 60);
	my $last = 'no answer';
	while (time() < $deadline) {
		if (!$self->running) {
			my $out = $self->_masked($self->output);
			$out =~ s/\A.*((?:\n.*){0,20})\z/$1/s;
			die "gateway exited (status $self->{exit}) before " .
			    "/health answered; its output:\n$out\n";
		}
		my $r = eval {
			$self->{http}->request('GET', "$self->{base}/health",
			    { headers => {}, timeout => 2 });
		};
		if ($r && $r->{status} == 200) {
			return (1);
		}
		$last = $r ? "status $r->{status}" : 'no answer';
		sleep(0.1);
	}
	my $out = $self->_masked($self->output);
	$out =~ s/\A.*((?:\n.*){0,20})\z/$1/s;
	die "gateway on port $self->{port} never answered /health with 200 " .
	    "($last); its output:\n$out\n";
}

# SIGTERM to the launcher; returns true when it and everything it started
# were gone within $timeout s (default 20).  Whatever is left is killed.
sub stop {
	my ($self, $timeout) = @_;
	return (1) if $self->{owner} != $$;
	my $pid = $self->{pid};
	return ($self->{clean_stop} // 1) if !$LIVE{$pid};
	kill('TERM', $pid);
	my $deadline = time() + ($timeout // 20);
	my $clean = 0;
	while (time() < $deadline) {
		$self->running;
		if (defined $self->{exit} && !_group_alive($pid)) {
			$clean = 1;
			last;
		}
		sleep(0.05);
	}
	if (!$clean) {
		kill('KILL', -$pid) if _group_alive($pid);
		waitpid($pid, 0) unless defined $self->{exit};
	}
	delete($LIVE{$pid});
	$self->{clean_stop} = $clean;
	$self->_archive_log;
	return ($clean);
}

sub DESTROY {
	my ($self) = @_;
	$self->stop if $self->{pid} && $LIVE{ $self->{pid} } &&
	    $self->{owner} == $$;
}

# ---------------------------------------------------------------- requests

# request(METHOD, path, {headers}, body) -> {status, headers, content,
# json, reason}.  A reference body is sent as JSON with Content-Type
# application/json (unless the caller set one); a plain string is sent as
# it is (HTTP::Tiny then adds Content-Type application/octet-stream unless
# one is given).  A POST, PUT or PATCH without a body carries Content-Length: 0,
# as browsers send it.  Header names in the answer are lower case.
sub request {
	my ($self, $method, $path, $headers, $body) = @_;
	my %h = %{ $headers // {} };
	my %lc = map { lc($_) => 1 } keys(%h);
	my %opt;
	if (ref($body)) {
		$opt{content} = $JSON->encode($body);
		$h{'Content-Type'} = 'application/json'
		    unless $lc{'content-type'};
	} elsif (defined $body) {
		$opt{content} = $body;
	} elsif ($method =~ /\A(POST|PUT|PATCH)\z/ &&
	    !$lc{'content-length'}) {
		$h{'Content-Length'} = 0;
	}
	delete($h{$_}) for grep { !defined $h{$_} } keys(%h);
	$opt{headers} = \%h;
	my $r = $self->{http}->request($method, $self->{base} . $path, \%opt);
	return (_answer($r));
}

sub _answer {
	my ($r) = @_;
	my $res = {
		status => $r->{status},
		reason => $r->{reason},
		headers => $r->{headers} // {},
		content => $r->{content} // '',
	};
	if (length($res->{content})) {
		$res->{json} = eval { $JSON->decode($res->{content}) };
	}
	return ($res);
}

# request with "Authorization: Bearer <token>".
sub api {
	my ($self, $token, $method, $path, $body, $headers) = @_;
	return ($self->request($method, $path,
	    { %{ $headers // {} }, Authorization => "Bearer $token" }, $body));
}

# A request written byte by byte on a fresh connection, for what HTTP::Tiny
# will not send (no Content-Length, oversized bodies that the server may
# refuse before reading).  Returns the same shape as request().
sub raw_request {
	my ($self, $bytes) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
	    PeerPort => $self->{port}, Proto => 'tcp', Timeout => 10)
	    or die "connect: $!";
	binmode($s);
	my $off = 0;
	while ($off < length($bytes)) {
		my $n = syswrite($s, $bytes, 65536, $off);
		last unless defined $n && $n > 0;	# refused early: read
		$off += $n;
	}
	my $buf = '';
	my $deadline = time() + 15;
	my $need;
	while (time() < $deadline) {
		my $rin = '';
		vec($rin, fileno($s), 1) = 1;
		last unless select(my $rout = $rin, undef, undef, 1) >= 0;
		next unless vec($rout, fileno($s), 1);
		my $n = sysread($s, $buf, 65536, length($buf));
		last unless $n;
		if (!defined $need && $buf =~ /\r\n\r\n/) {
			my ($head) = split(/\r\n\r\n/, $buf, 2);
			my ($cl) = $head =~ /^content-length:\s*(\d+)/mi;
			$need = defined $cl ? length($head) + 4 + $cl : -1;
		}
		last if defined $need && $need >= 0 && length($buf) >= $need;
	}
	close($s);
	my ($head, $content) = split(/\r\n\r\n/, $buf, 2);
	my @lines = split(/\r\n/, $head // '');
	my $statusline = shift(@lines) // '';
	my ($status) = $statusline =~ m{\AHTTP/1\.[01] (\d{3})};
	my %headers;
	for (@lines) {
		my ($k, $v) = /\A([^:]+):\s*(.*)\z/ or next;
		$headers{ lc($k) } = $v;
	}
	return (_answer({ status => $status // 599, headers => \%headers,
	    content => $content // '' }));
}

# ---------------------------------------------------------------- accounts

sub signup {
	my ($self, %o) = @_;
	my %body = (email => $o{email} // unique_email(),
	    password => $o{password} // 'correct horse battery');
	$body{name} = $o{name} if exists $o{name};
	return ($self->request('POST', '/api/auth/signup', {}, \%body));
}

sub login {
	my ($self, $email, $password) = @_;
	return ($self->request('POST', '/api/auth/login', {},
	    { email => $email, password => $password }));
}

# A signed-up user: {token, user, id, email, password, claims}; dies when
# signup does not answer 201 with a token.
sub new_user {
	my ($self, %o) = @_;
	my $email = $o{email} // unique_email();
	my $password = $o{password} // 'pw-' . random_hex(8);
	my $r = $self->signup(%o, email => $email, password => $password);
	die "signup of a new user answered $r->{status}: $r->{content}\n"
	    unless $r->{status} == 201 && ref($r->{json}) eq 'HASH' &&
	    $r->{json}{token};
	my (undef, $claims) = jwt_decode($r->{json}{token});
	_archive_secret($password, $r->{json}{token});
	return ({ token => $r->{json}{token}, user => $r->{json}{user},
	    id => $r->{json}{user}{id}, email => $email,
	    password => $password, claims => $claims // {} });
}

# A task of $user, created through the API; dies unless 201.
sub new_task {
	my ($self, $user, %fields) = @_;
	$fields{title} //= 'task ' . random_hex(4);
	my $r = $self->api($user->{token}, POST => '/api/tasks', \%fields);
	die "creating a task answered $r->{status}: $r->{content}\n"
	    unless $r->{status} == 201 && ref($r->{json}) eq 'HASH';
	return ($r->{json});
}

# ---------------------------------------------------------------- a held read

# $gw->hold_read($token): GET /api/tasks in a child process while another
# session (of the PG* superuser, straight to the cluster) holds aido.tasks
# locked, so that the gateway's connection waits, busy, inside the
# database for as long as the test looks at it.  An idle connection may be
# gone before a psql can see it: DB_POOL_RECYCLE closes idle ones, and a
# loaded machine is slow to start psql.  Returns {pid, start} of the
# backend that waits for the lock (undef when none did within 30 s; its
# role is the gateway's, also behind a pooler) and what release_read
# needs.
sub hold_read {
	my ($self, $token) = @_;
	my ($db, $role) = ($self->{db}{name}, $self->{db}{role});
	my %h = (locker_name => unique_name('aido_locker'));
	$h{locker} = fork();
	die "fork: $!" unless defined $h{locker};
	if ($h{locker} == 0) {
		$ENV{PGAPPNAME} = $h{locker_name};
		eval { psql($db, 'BEGIN; LOCK TABLE aido.tasks IN ACCESS ' .
		    'EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT') };
		POSIX::_exit(0);
	}
	$h{db} = $db;
	my $deadline = time() + 30;
	until (psql($db, 'SELECT count(*) FROM pg_locks l JOIN ' .
	    "pg_stat_activity a USING (pid) WHERE l.relation = " .
	    "'aido.tasks'::regclass AND l.granted AND a.application_name = " .
	    "'$h{locker_name}'") > 0 || time() > $deadline) {
		sleep(0.05);
	}
	pipe(my $rd, my $wr) or die "pipe: $!";
	$h{client} = fork();
	die "fork: $!" unless defined $h{client};
	if ($h{client} == 0) {
		close($rd);
		my $r = HTTP::Tiny->new(timeout => 90)->get(
		    "$self->{base}/api/tasks", { headers =>
		    { Authorization => "Bearer $token" } });
		print $wr "$r->{status}\n";
		close($wr);
		POSIX::_exit(0);
	}
	close($wr);
	$h{answer} = $rd;
	$deadline = time() + 30;
	while (time() < $deadline) {
		my $row = psql($db, "SELECT a.pid || ' ' || extract(epoch " .
		    'FROM a.backend_start) FROM pg_stat_activity a JOIN ' .
		    "pg_locks l USING (pid) WHERE a.usename = '$role' AND " .
		    "l.relation = 'aido.tasks'::regclass AND NOT l.granted");
		if ($row =~ /\A(\d+) (\S+)\z/) {
			@h{qw(pid start)} = ($1, $2);
			last;
		}
		sleep(0.05);
	}
	return (\%h);
}

# $gw->release_read($held): ends the lock, lets the held read finish, and
# returns its HTTP status ('none' when it got no answer).
sub release_read {
	my ($self, $h) = @_;
	psql($h->{db}, 'SELECT pg_cancel_backend(pid) FROM pg_stat_activity ' .
	    "WHERE application_name = '$h->{locker_name}'");
	waitpid($h->{locker}, 0);
	my $fh = $h->{answer};
	my $status = <$fh> // 'none';
	chomp($status);
	close($fh);
	waitpid($h->{client}, 0);
	return ($status);
}

# ---------------------------------------------------------------- a proxy
#
# A TCP relay from 127.0.0.1:$listen to the database, so that a test can
# make the database unreachable (stop_proxy) and reachable again without
# touching the cluster.  Returns the relay's pid.


sub tcp_proxy {
	my (%o) = @_;
	my $listen = $o{listen} // die 'tcp_proxy: listen';
	my $host = $o{host} // $ENV{PGHOSTADDR} // $ENV{PGHOST} //
	    'localhost';
	$host = '127.0.0.1' if $host eq 'localhost' || $host =~ m{\A/};
	my $port = $o{port} // $ENV{PGPORT} // 5432;
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	if ($pid == 0) {
		setpgrp(0, 0);
		$SIG{CHLD} = 'IGNORE';
		$SIG{INT} = $SIG{TERM} = 'DEFAULT';
		my $l = IO::Socket::INET->new(Listen => 64,
		    LocalAddr => '127.0.0.1', LocalPort => $listen,
		    ReuseAddr => 1, Proto => 'tcp') or POSIX::_exit(1);
		while (1) {
			my $c = $l->accept or next;
			my $k = fork();
			if (defined $k && $k == 0) {
				close($l);
				my $u = IO::Socket::INET->new(PeerAddr => $host,
				    PeerPort => $port, Proto => 'tcp')
				    or POSIX::_exit(0);
				_relay($c, $u);
				POSIX::_exit(0);
			}
			close($c);
		}
	}
	$PROXIES{$pid} = 1;
	my $deadline = time() + 10;
	sleep(0.05) until port_open($listen) || time() > $deadline;
	return ($pid);
}

sub _relay {
	my ($a, $b) = @_;
	my %peer = (fileno($a) => $b, fileno($b) => $a);
	my $rin = '';
	vec($rin, fileno($_), 1) = 1 for ($a, $b);
	while (1) {
		select(my $rout = $rin, undef, undef, undef) > 0 or next;
		for my $s ($a, $b) {
			next unless vec($rout, fileno($s), 1);
			my $n = sysread($s, my $buf, 65536);
			return unless $n;
			my $off = 0;
			while ($off < $n) {
				my $w = syswrite($peer{ fileno($s) }, $buf,
				    $n - $off, $off);
				return unless $w;
				$off += $w;
			}
		}
	}
}

# A tiny HTTP server on 127.0.0.1 answering every GET with the current
# content of $o{file} as application/json (a JWKS, say), and appending the
# request line to $o{file}.log.  Returns (pid, port); stop it with
# stop_proxy(pid).
sub json_file_server {
	my (%o) = @_;
	my $file = $o{file} // die 'json_file_server: file';
	my $port = free_port();
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	if ($pid == 0) {
		setpgrp(0, 0);
		$SIG{INT} = $SIG{TERM} = 'DEFAULT';
		my $l = IO::Socket::INET->new(Listen => 64,
		    LocalAddr => '127.0.0.1', LocalPort => $port,
		    ReuseAddr => 1, Proto => 'tcp') or POSIX::_exit(1);
		while (1) {
			my $c = $l->accept or next;
			my $line = <$c> // '';
			while (my $h = <$c>) {
				last if $h =~ /\A\r?\n\z/;
			}
			my $body = _slurp($file);
			if (open(my $log, '>>', "$file.log")) {
				print $log $line;
				close($log);
			}
			print $c "HTTP/1.1 200 OK\r\n" .
			    "Content-Type: application/json\r\n" .
			    'Content-Length: ' . length($body) . "\r\n" .
			    "Connection: close\r\n\r\n$body";
			close($c);
		}
	}
	$PROXIES{$pid} = 1;
	my $deadline = time() + 10;
	sleep(0.05) until port_open($port) || time() > $deadline;
	return ($pid, $port);
}

# Stops the relay and every connection through it.
sub stop_proxy {
	my ($pid) = @_;
	return unless delete($PROXIES{$pid});
	kill('KILL', -$pid);
	waitpid($pid, 0);
}

# ---------------------------------------------------------------- assertions
#
# Each helper is one test, with a diagnostic that shows what the gateway
# answered (tokens masked) when it fails.

use Test::Builder;
my $TB = Test::Builder->new;

# A response header (name case-insensitive); repeated ones joined by ", ".
sub header {
	my ($r, $name) = @_;
	my $v = $r->{headers}{ lc($name) };
	return (ref($v) eq 'ARRAY' ? join(', ', @$v) : $v);
}

sub _shown {
	my ($r) = @_;
	my $c = $r->{content} // '';
	$c =~ s/[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/<token>/g;
	$c = substr($c, 0, 600) . '...' if length($c) > 600;
	return ("answered $r->{status}: $c");
}

sub _report {
	my ($why, $r, $name) = @_;
	local $Test::Builder::Level = $Test::Builder::Level + 2;
	my $ok = $TB->ok(!@$why, $name);
	$TB->diag(join("\n", @$why, _shown($r))) unless $ok;
	return ($ok);
}

# The answer has this status.
sub status_ok {
	my ($r, $status, $name) = @_;
	my @why = $r->{status} == $status ? () : ("expected $status");
	return (_report(\@why, $r, $name));
}

# The answer has this status and a JSON body that is an object (or an
# array, when $kind is 'ARRAY').
sub json_ok {
	my ($r, $status, $name, $kind) = @_;
	$kind //= 'HASH';
	my @why;
	push(@why, "expected $status") if $r->{status} != $status;
	push(@why, "body is not a JSON " . lc($kind))
	    if ref($r->{json}) ne $kind;
	my $ct = header($r, 'content-type') // '';
	push(@why, "content-type is '$ct', not application/json")
	    unless $ct =~ m{\Aapplication/json\b}i;
	return (_report(\@why, $r, $name));
}

# An error answer: status $status, Content-Type application/json, body
# {code, detail} (code $code when given), "errors" present on 422 only.
sub error_ok {
	my ($r, $status, $code, $name) = @_;
	my @why;
	push(@why, "expected $status") if $r->{status} != $status;
	my $j = $r->{json};
	if (ref($j) ne 'HASH') {
		push(@why, 'body is not a JSON object');
	} else {
		if (!defined $j->{code} || ref($j->{code}) ||
		    !length($j->{code})) {
			push(@why, 'no "code" string');
		} elsif (defined $code && $j->{code} ne $code) {
			push(@why, "code is '$j->{code}', expected '$code'");
		}
		push(@why, 'no "detail" string')
		    if !defined $j->{detail} || ref($j->{detail}) ||
		    !length($j->{detail});
		if ($status == 422) {
			push(@why, 'no "errors" array')
			    unless ref($j->{errors}) eq 'ARRAY' &&
			    @{ $j->{errors} };
		} elsif (exists $j->{errors}) {
			push(@why, '"errors" outside a 422');
		}
	}
	my $ct = header($r, 'content-type') // '';
	push(@why, "content-type is '$ct', not application/json")
	    unless $ct =~ m{\Aapplication/json\b}i;
	return (_report(\@why, $r, $name));
}

# A 422 validation_failed whose errors hold {field, code} ($field may be a
# regex, $code undef for any code), each error being exactly {field, code,
# message}.
sub validation_ok {
	my ($r, $field, $code, $name) = @_;
	my @why;
	push(@why, "expected 422") if $r->{status} != 422;
	my $j = $r->{json};
	my $errs = ref($j) eq 'HASH' ? $j->{errors} : undef;
	if (ref($j) ne 'HASH' || ($j->{code} // '') ne 'validation_failed') {
		push(@why, 'body is not {"code": "validation_failed", ...}');
	} elsif (!defined $j->{detail} || !length($j->{detail})) {
		push(@why, 'no "detail"');
	} elsif (ref($errs) ne 'ARRAY') {
		push(@why, 'no "errors" array');
	} else {
		for my $e (@$errs) {
			my $keys = ref($e) eq 'HASH' ?
			    join(',', sort(keys(%$e))) : '';
			push(@why, "an error is not {field, code, message}")
			    if $keys ne 'code,field,message';
			push(@why, "an error has an empty message")
			    if ref($e) eq 'HASH' &&
			    !length($e->{message} // '');
		}
		my $match = grep {
			ref($_) eq 'HASH' && defined $_->{field} &&
			(ref($field) ? $_->{field} =~ $field :
			    $_->{field} eq $field) &&
			(!defined $code || ($_->{code} // '') eq $code)
		} @$errs;
		push(@why, "no error {field: $field, code: " .
		    ($code // 'any') . '}')
		    unless $match;
	}
	return (_report(\@why, $r, $name));
}

1;
