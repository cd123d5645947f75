package Faults;

# Helpers of the fault suites (test/faults/*.t, make test-faults), beside
# AidoGW.pm: the throwaway cluster itself (restart, stop, start), a second
# cluster with TLS, the gateway's worker processes, raw sockets, and the
# archive of secrets and logs that 99_secrets.t greps at the end.
#
# test/run-faults runs every file inside test/with-cluster, which exports
# AIDO_PGDATA and AIDO_PGLOG, and sets AIDO_FAULTS_DIR (a private
# directory, removed afterwards).

use strict;
use warnings;

use File::Basename qw(dirname);
use File::Path qw(make_path);
use File::Temp ();
use FindBin;
use Test::More ();
use IO::Socket::INET;
use POSIX qw(:sys_wait_h);
use Time::HiRes qw(sleep time);

use AidoGW;

my $PGBIN;

sub pgbin {
	return ($PGBIN) if defined $PGBIN;
	my $b = `pg_config --bindir 2>/dev/null` // '';
	chomp($b);
	$b = '/usr/lib/postgresql/15/bin' unless -x "$b/pg_ctl";
	return ($PGBIN = $b);
}

# The command prefix that runs a program as the owner of the cluster:
# PostgreSQL refuses root, so test/with-cluster made "postgres" own it.
sub as_owner {
	return ($> == 0 ? ('runuser', '-u', 'postgres', '--') : ());
}

# pg_ctl on the throwaway cluster of test/with-cluster; returns its exit
# status.  The log stays AIDO_PGLOG (pg_ctl restart would otherwise send
# the server's output to ours).
sub pg_ctl {
	my ($action, @extra) = @_;
	my $data = $ENV{AIDO_PGDATA} // die "AIDO_PGDATA is not set: " .
	    "run under test/with-cluster (make test-faults)\n";
	my @cmd = (as_owner(), pgbin() . '/pg_ctl', '-D', $data, '-w',
	    '-t', '60', @extra, $action);
	splice(@cmd, -1, 0, '-l', $ENV{AIDO_PGLOG}) if $action ne 'stop' &&
	    $ENV{AIDO_PGLOG};
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	if ($pid == 0) {
		open(STDOUT, '>', '/dev/null');
		open(STDERR, '>', '/dev/null');
		exec(@cmd) or POSIX::_exit(127);
	}
	waitpid($pid, 0);
	return ($? >> 8);
}

# True when the cluster of test/with-cluster accepts connections.
sub cluster_up {
	my $r = eval { AidoGW::psql('postgres', 'SELECT 1') };
	return (defined $r && $r eq '1');
}

# The pids of a gateway's Kore workers (children of the launcher's pid,
# which exec'd kore).
sub worker_pids {
	my ($gw) = @_;
	my @kids;
	opendir(my $d, '/proc') or return ();
	for my $p (grep { /\A\d+\z/ } readdir($d)) {
		open(my $fh, '<', "/proc/$p/stat") or next;
		my $stat = <$fh> // '';
		close($fh);
		my ($ppid) = $stat =~ /\)\s+\S+\s+(\d+)/ or next;
		push(@kids, $p) if $ppid == $gw->pid;
	}
	closedir($d);
	return (sort { $a <=> $b } @kids);
}

# Lines of a gateway's output that tell of a crash: a worker that exited
# with a non-zero status or a signal ("gone", then Kore restarts it), a
# sandbox violation, a sanitizer report.
sub crash_lines {
	my ($gw) = @_;
	return (grep { /\(hdlr: [^)]*\) gone|sandbox violation|restarting worker|
	    AddressSanitizer|UndefinedBehaviorSanitizer|runtime\ error:/x }
	    split(/\n/, $gw->output));
}

# A plain TCP connection to the gateway.
sub connect_to {
	my ($gw, $timeout) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
	    PeerPort => $gw->port, Proto => 'tcp', Timeout => $timeout // 5)
	    or die "connect: $!";
	binmode($s);
	return ($s);
}

# Reads from $s until the peer closes or $timeout s pass; returns
# (bytes, closed).
sub read_all {
	my ($s, $timeout) = @_;
	my $buf = '';
	my $deadline = time() + $timeout;
	while (time() < $deadline) {
		my $rin = '';
		vec($rin, fileno($s), 1) = 1;
		my $n = select(my $rout = $rin, undef, undef, 0.2);
		next unless $n > 0;
		my $got = sysread($s, $buf, 65536, length($buf));
		return ($buf, 1) if !$got;
	}
	return ($buf, 0);
}

# ---------------------------------------------------------------- secrets
#
# Each file records the secrets it used and, at its end, the output of
# its gateways; 99_secrets.t greps every archived log and PostgreSQL's
# log for every recorded secret.  The directory is private to the run.

sub _dir {
	my $d = $ENV{AIDO_FAULTS_DIR} or return (undef);
	make_path("$d/logs", { mode => 0700 }) unless -d "$d/logs";
	return ($d);
}

my (@SECRETS, @ARCHIVE);

sub record_secret {
	my (@s) = grep { defined $_ && length($_) >= 6 } @_;
	push(@SECRETS, @s);
	my $d = _dir() or return;
	open(my $fh, '>>', "$d/secrets") or die "$d/secrets: $!";
	print $fh "$_\n" for @s;
	close($fh);
}

# The secrets this process recorded, and the gateways it watches.
sub secrets { return (@SECRETS) }
sub watched { return (@ARCHIVE) }

# Records a gateway's secrets (database password, JWT_SECRET) and, when
# the test ends, its output.
sub watch {
	my ($gw) = @_;
	record_secret($gw->db->{password}, $gw->secret);
	push(@ARCHIVE, $gw);
	return ($gw);
}

sub record_user {
	my ($u) = @_;
	record_secret($u->{password}, $u->{token});
	return ($u);
}

sub archive_logs {
	my $d = _dir() or return;
	for my $gw (@ARCHIVE) {
		my $out = $gw->output;
		my $name = "$d/logs/" . ($0 =~ s{.*/}{}r) . '.' . $gw->pid;
		open(my $fh, '>', $name) or next;
		print $fh $out;
		close($fh);
	}
	@ARCHIVE = ();
}

my $OWNER = $$;
END {
	local $?;
	archive_logs() if $$ == $OWNER;
}

# ---------------------------------------------------------------- suites in suites

# Runs the gateway's black-box suite (test/gateway/*.t but the browser
# tests, or @{$o{files}}, or the names in AIDO_SUITE_FILES) with %{$o{env}} added to the environment, $o{jobs}
# files at a time (default 2).  Returns one {file, ok, tests, failed,
# output, seconds} per file, in file order.
sub run_suite {
	my (%o) = @_;
	my $root = "$FindBin::Bin/../..";
	my @files = @{ $o{files} // [ grep { !/browser/ }
	    glob("$root/test/gateway/*.t") ] };
	# AIDO_SUITE_FILES="15_database.t 20_auth.t": only those (to debug).
	if (my $only = $ENV{AIDO_SUITE_FILES}) {
		my %want = map { $_ => 1 } split(' ', $only);
		@files = grep { $want{ s{.*/}{}r } } @files;
	}
	my $jobs = $o{jobs} // 2;
	my (%running, %res);
	my @queue = @files;
	while (@queue || %running) {
		while (@queue && keys(%running) < $jobs) {
			my $f = shift(@queue);
			my $out = File::Temp->new(TEMPLATE => 'aido-suite-XXXXXX',
			    TMPDIR => 1);
			my $pid = fork();
			die "fork: $!" unless defined $pid;
			if ($pid == 0) {
				open(STDOUT, '>', $out->filename);
				open(STDERR, '>&', \*STDOUT);
				$ENV{$_} = $o{env}{$_} for keys(%{ $o{env} // {} });
				exec($^X, $f) or POSIX::_exit(127);
			}
			$running{$pid} = { file => $f, out => $out,
			    t0 => time() };
		}
		my $pid = waitpid(-1, 0);
		my $r = delete($running{$pid}) or next;
		my $rc = $?;
		my $text = AidoGW::_slurp($r->{out}->filename);
		my ($planned) = $text =~ /^1\.\.(\d+)/m;
		my @not = $text =~ /^(not ok \d+.*)$/mg;
		my $oks = () = $text =~ /^ok \d+/mg;
		$res{ $r->{file} } = { file => $r->{file} =~ s{.*/}{}r,
		    tests => $oks + @not, failed => \@not, output => $text,
		    status => $rc,
		    seconds => time() - $r->{t0},
		    ok => $rc == 0 && !@not && defined $planned &&
		    $planned == $oks + @not };
	}
	return (map { $res{$_} } @files);
}

# Reports run_suite's results as one test per file.
sub suite_ok {
	my ($what, @res) = @_;
	my $tb = Test::More->builder;
	for my $r (@res) {
		my $ok = $tb->ok($r->{ok}, "$r->{file} passes $what " .
		    "($r->{tests} tests)");
		next if $ok;
		my @lines = grep { !/^ok / } split(/\n/, $r->{output});
		splice(@lines, 40) if @lines > 40;
		$tb->diag(join("\n", "wait status $r->{status}", @lines));
	}
	my $n = 0;
	$n += $_->{tests} for @res;
	return ($n);
}

# ---------------------------------------------------------------- a second cluster

# A second throwaway cluster (for TLS), with the same superuser and
# password as the first, under $dir; %o: conf => [lines], port, listen
# (addresses, default 127.0.0.1).  Returns
# {dir, data, port, log}.  stop_cluster() removes it.
sub new_cluster {
	my (%o) = @_;
	my $dir = $o{dir} // die 'new_cluster: dir';
	my @own = as_owner();
	chmod(0755, $dir);
	system('chown', 'postgres:', $dir) if @own;
	my $pw = "$dir/pwfile";
	open(my $fh, '>', $pw) or die "$pw: $!";
	print $fh ($ENV{PGPASSWORD} // 'postgres'), "\n";
	close($fh);
	system('chown', 'postgres:', $pw) if @own;
	my $c = { dir => $dir, data => "$dir/data", log => "$dir/pg.log",
	    port => $o{port} // AidoGW::free_port() };
	my $rc = system(join(' ', map { "'$_'" } @own, pgbin() . '/initdb',
	    '-D', $c->{data}, '-U', $ENV{PGUSER} // 'postgres',
	    "--pwfile=$pw", '-A', 'scram-sha-256', '-E', 'UTF8',
	    '--locale=C.UTF-8', '-N') . ' >/dev/null 2>&1');
	die "initdb failed\n" if $rc;
	open($fh, '>>', "$c->{data}/postgresql.conf") or die "conf: $!";
	print $fh "$_\n" for (@{ $o{conf} // [] });
	close($fh);
	$rc = system(join(' ', map { "'$_'" } @own, pgbin() . '/pg_ctl', '-D',
	    $c->{data}, '-l', $c->{log}, '-w', '-t', '60', '-o',
	    "-c listen_addresses=" . ($o{listen} // '127.0.0.1') .
	    " -p $c->{port} -k $dir -c fsync=off",
	    'start') . ' >/dev/null 2>&1');
	die "the second cluster did not start: " . AidoGW::_slurp($c->{log})
	    if $rc;
	return ($c);
}

sub stop_cluster {
	my ($c) = @_;
	system(join(' ', map { "'$_'" } as_owner(), pgbin() . '/pg_ctl',
	    '-D', $c->{data}, '-m', 'immediate', 'stop') . ' >/dev/null 2>&1');
}

1;
