#!/usr/bin/env perl
# bench/httprate, the load generator of bench/latency.sh, against a small
# keep-alive HTTP/1.1 server started here (one process per connection):
# it offers about rate x duration requests and writes a CSV line for each,
# whatever the answer; a 404 is a non-2xx, a dropped, closed or unanswered
# request a status 0; it survives a server that closes connections;
# chunked answers are read; the same seed gives the same schedule; an
# arrival that finds no idle connection waits, as lag; bad arguments
# exit 2, an unreachable server 1.  About 9 s.

use strict;
use warnings;
use File::Temp qw(tempdir);
use FindBin;
use IO::Socket::INET;
use POSIX qw(_exit);
use Test::More;

chdir("$FindBin::Bin/../..") or die "chdir: $!";
system('make', '-s', '-C', 'bench/httprate') == 0
    or BAIL_OUT('make -C bench/httprate failed');
my $tool = 'bench/httprate/httprate';
my $tmp = tempdir('aido-httprate.XXXXXX', TMPDIR => 1, CLEANUP => 1);

# The server.  Per connection, the n-th request (from 1) of a path:
#   /ok        200, Content-Length
#   /missing   404
#   /chunked   200, a chunked body in two chunks and a trailer
#   /echo      200 when the request is POST with X-Test: yes and the body
#              {"a":1} as application/json, else 400
#   /drop      n % 3 == 0: the connection closes without an answer
#   /close     n % 2 == 0: 200, then the connection closes (no
#              Connection: close)
#   /hang      n % 4 == 0: no answer until the client gives up
#   /slow      200 after 50 ms
my $listen = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
    Listen => 64, ReuseAddr => 1) or die "listen: $!";
my $port = $listen->sockport;
my $server = fork() // die "fork: $!";
if ($server == 0) {
	$SIG{CHLD} = 'IGNORE';
	while (my $s = $listen->accept) {
		my $pid = fork() // next;
		if ($pid == 0) {
			close($listen);
			serve($s);
			_exit(0);
		}
		close($s);
	}
	_exit(0);
}
close($listen);

sub answer {
	my ($s, $status, $body, %h) = @_;
	my $head = "HTTP/1.1 $status X\r\nContent-Length: " . length($body) .
	    "\r\n" . join('', map { "$_: $h{$_}\r\n" } sort keys %h) . "\r\n";
	syswrite($s, $head . $body);
}

sub serve {
	my ($s) = @_;
	my ($buf, $n) = ('', 0);
	for (;;) {
		while ($buf !~ /\r\n\r\n/) {
			sysread($s, $buf, 65536, length($buf)) or return;
		}
		my ($head, $rest) = split(/\r\n\r\n/, $buf, 2);
		my $len = $head =~ /^content-length:\s*(\d+)/mi ? $1 : 0;
		while (length($rest) < $len) {
			sysread($s, $rest, 65536, length($rest)) or return;
		}
		my $body = substr($rest, 0, $len);
		$buf = substr($rest, $len);
		my ($method, $path) = $head =~ /\A(\S+) (\S+) HTTP\/1\.1\r\n/
		    or return;
		$n++;
		if ($path eq '/ok') {
			answer($s, 200, 'ok');
		} elsif ($path eq '/missing') {
			answer($s, 404, '{"error":"not found"}');
		} elsif ($path eq '/chunked') {
			syswrite($s, "HTTP/1.1 200 OK\r\nTransfer-Encoding: " .
			    "chunked\r\n\r\n5;x=y\r\nhello\r\n1\r\n!\r\n0\r\n" .
			    "X-Trailer: 1\r\n\r\n");
		} elsif ($path eq '/echo') {
			my $ok = $method eq 'POST' && $body eq '{"a":1}' &&
			    $head =~ /^x-test: yes\r?$/mi &&
			    $head =~ /^content-type: application\/json\r?$/mi &&
			    $head =~ /^host: 127\.0\.0\.1:\d+\r?$/mi;
			answer($s, $ok ? 200 : 400, '');
		} elsif ($path eq '/drop') {
			return if $n % 3 == 0;
			answer($s, 200, 'ok');
		} elsif ($path eq '/close') {
			answer($s, 200, 'ok');
			return if $n % 2 == 0;
		} elsif ($path eq '/slow') {
			select(undef, undef, undef, 0.05);
			answer($s, 200, 'ok');
		} elsif ($path eq '/hang') {
			answer($s, 200, 'ok') if $n % 4 != 0;
		} else {
			answer($s, 500, '');
		}
	}
}

# run(ARGS...) -> { rc, err, rows => [[offset, lag, latency, status]...] }
my $runs = 0;
sub run {
	my @args = @_;
	my $csv = "$tmp/out" . ++$runs . '.csv';
	my $pid = fork() // die "fork: $!";
	if ($pid == 0) {
		open(STDERR, '>', "$csv.err") or _exit(127);
		exec($tool, '-o', $csv, @args) or _exit(127);
	}
	waitpid($pid, 0);
	my %r = (rc => $? >> 8, rows => []);
	$r{err} = do { local (@ARGV, $/) = ("$csv.err"); <> } // '';
	if (open(my $fh, '<', $csv)) {
		$r{header} = <$fh>;
		push @{$r{rows}}, [split(/,/)] for map { chomp; $_ } <$fh>;
	}
	return \%r;
}

sub statuses {
	my ($r) = @_;
	my %n;
	$n{$_->[3]}++ for @{$r->{rows}};
	return \%n;
}

sub near {
	my ($n, $want, $what) = @_;
	# Poisson at these rates: a standard deviation of sqrt(want); the
	# band is wide because a loaded machine may leave arrivals unsent.
	ok($n >= 0.6 * $want && $n <= 1.4 * $want,
	    "$what: $n requests, near the $want offered");
}

my $url = "http://127.0.0.1:$port";

my $ok = run('-c', 4, '-r', 200, '-z', 2, '-s', 7, "$url/ok");
is($ok->{rc}, 0, 'a run against a keep-alive server exits 0');
is($ok->{header}, "offset,lag_us,latency_us,status\n",
    'the CSV starts with its header');
near(scalar @{$ok->{rows}}, 400, '200/s for 2 s');
is_deeply(statuses($ok), { 200 => scalar @{$ok->{rows}} },
    'every answer is recorded with its status 200');
my @bad = grep { @$_ != 4 || $_->[0] !~ /\A\d+\.\d{6}\z/ ||
    $_->[0] >= 2 || $_->[1] !~ /\A\d+\z/ || $_->[2] !~ /\A\d+\z/ }
    @{$ok->{rows}};
is(scalar @bad, 0, 'each line: an offset within the run, lag and latency ' .
    'in whole microseconds');
like($ok->{err},
    qr/\d+ requests in 2\.0 s.*\n.*answers: \d+ 2xx, 0 non-2xx, 0 none/,
    'the summary on stderr counts the requests and answers');
like($ok->{err}, qr/p50 [\d.]+ p99 [\d.]+ p99\.9 [\d.]+/,
    'the summary gives p50, p99 and p99.9');
like($ok->{err}, qr/0 reopened/, 'keep-alive connections are not reopened');

my $ch = run('-c', 4, '-r', 200, '-z', 1, '-s', 7, "$url/chunked");
is($ch->{rc}, 0, 'a run against chunked answers exits 0');
is_deeply(statuses($ch), { 200 => scalar @{$ch->{rows}} },
    'chunked answers are read to their end, each a 200');
my @a = sort { $a <=> $b } grep { $_ < 0.5 } map { $_->[0] } @{$ok->{rows}};
my @b = sort { $a <=> $b } grep { $_ < 0.5 } map { $_->[0] } @{$ch->{rows}};
ok(@a > 20 && "@a" eq "@b",
    'the same seed and rate give the same schedule (' . scalar(@a) .
    ' arrivals in the first 0.5 s)');
my $other = run('-c', 4, '-r', 200, '-z', 0.3, '-s', 8, "$url/ok");
my @c = sort { $a <=> $b } grep { $_ < 0.25 } map { $_->[0] } @{$other->{rows}};
isnt("@c", join(' ', grep { $_ < 0.25 } @a), 'another seed, another schedule');

my $nf = run('-c', 2, '-r', 100, '-z', 1, "$url/missing");
is($nf->{rc}, 0, 'a run of 404s exits 0');
ok(@{$nf->{rows}} > 0 && statuses($nf)->{404} == @{$nf->{rows}},
    'each 404 is recorded with its status');
like($nf->{err}, qr/answers: 0 2xx, \d+ non-2xx, 0 none/,
    'the summary counts the 404s as non-2xx');

my $echo = run('-c', 2, '-r', 50, '-z', 0.5, '-m', 'POST', '-T',
    'application/json', '-H', 'X-Test: yes', '-d', '{"a":1}', "$url/echo");
ok($echo->{rc} == 0 && @{$echo->{rows}} > 0 &&
    statuses($echo)->{200} == @{$echo->{rows}},
    'the method, the headers and the body reach the server');

my $drop = run('-c', 4, '-r', 200, '-z', 1, "$url/drop");
is($drop->{rc}, 0, 'a server that drops requests is survived');
near(scalar @{$drop->{rows}}, 200, 'dropped requests');
my $s = statuses($drop);
ok(($s->{0} // 0) > 0 && ($s->{200} // 0) > ($s->{0} // 0) &&
    keys(%$s) == 2, "a dropped request is a status 0, the others 200 " .
    '(' . join(', ', map { "$_: $s->{$_}" } sort keys %$s) . ')');
like($drop->{err}, qr/answers: \d+ 2xx, 0 non-2xx, [1-9]\d* none/,
    'the summary counts them as requests without an answer');
like($drop->{err}, qr/[1-9]\d* connections closed or reset/,
    'and the connections closed as errors');

my $close = run('-c', 4, '-r', 200, '-z', 1, "$url/close");
is($close->{rc}, 0, 'a server that closes after answering is survived');
near(scalar @{$close->{rows}}, 200, 'closed connections');
$s = statuses($close);
ok(($s->{200} // 0) > 0.5 * @{$close->{rows}} &&
    !grep({ $_ ne '0' && $_ ne '200' } keys %$s),
    'the requests on reopened connections are answered');
like($close->{err}, qr/[1-9]\d* connections closed or reset/,
    'the connections the server closed are counted');

my $hang = run('-c', 4, '-r', 100, '-z', 1, '-t', 0.2, "$url/hang");
is($hang->{rc}, 0, 'a run with unanswered requests ends');
$s = statuses($hang);
ok(($s->{0} // 0) > 0 && ($s->{200} // 0) > 0,
    'an unanswered request is a status 0 after the timeout');
like($hang->{err}, qr/[1-9]\d* timeouts/, 'the summary counts the timeouts');

# One connection, an answer every 50 ms or more, an arrival every 10 ms
# on average: the arrivals queue for the connection, and the wait is lag,
# not latency.
my $slow = run('-c', 1, '-r', 100, '-z', 1, "$url/slow");
my ($maxlag, $maxlat) = (0, 0);
for (@{$slow->{rows}}) {
	$maxlag = $_->[1] if $_->[1] > $maxlag;
	$maxlat = $_->[2] if $_->[2] > $maxlat;
}
ok($slow->{rc} == 0 && $maxlag > $maxlat,
    'arrivals that find no idle connection wait, and the wait is lag ' .
    "($maxlag us), not latency ($maxlat us at most)");
like($slow->{err}, qr/ [1-9]\d* arrivals not sent/,
    'the arrivals still waiting at the end are counted as not sent');

for my $args ([], ["$url/ok", 'extra'], ['-c', 0, "$url/ok"],
    ['-c', 'x', "$url/ok"], ['-r', 'fast', "$url/ok"], ['-z', -1, "$url/ok"],
    ['-H', 'no colon', "$url/ok"], ['-Q', "$url/ok"],
    ["https://127.0.0.1:$port/ok"], ['http://127.0.0.1:99999/'],
    ['http:///ok']) {
	my $r = run(@$args);
	ok($r->{rc} == 2 && $r->{err} =~ /^usage: httprate/m,
	    "httprate @$args: usage, exit 2");
}

my $free = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
    Listen => 1) or die "listen: $!";
my $fport = $free->sockport;
close($free);
my $down = run('-z', 1, "http://127.0.0.1:$fport/");
ok($down->{rc} == 1 &&
    $down->{err} =~ /cannot connect to 127\.0\.0\.1 port $fport/,
    'a server that is not there: "cannot connect", exit 1');

kill('TERM', $server);
waitpid($server, 0);
done_testing();
