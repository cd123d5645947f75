#!/usr/bin/env perl
# Hostile clients: slow ones (slowloris headers, a trickled body),
# oversized headers and bodies, JSON nested 10000 deep, invalid UTF-8, NUL
# bytes, and SQL-injection strings in every field.  Each is bounded in
# time and answered with the right status; strings are stored and returned
# verbatim; the gateway stays up, its workers never crash, and other
# clients are served meanwhile.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../gateway/lib";
use Test::More;
use AidoGW;
use Faults;
use HTTP::Tiny;
use IO::Socket::INET;
use POSIX ();
use Time::HiRes qw(sleep time);

plan(skip_all => 'needs AIDO_PGDATA (make test-faults)')
    unless $ENV{AIDO_PGDATA};

my $gw = Faults::watch(AidoGW->new);
my @workers = Faults::worker_pids($gw);
my $u = Faults::record_user($gw->new_user);
my $auth = { Authorization => "Bearer $u->{token}" };

sub post_raw {
	my ($path, $body, %h) = @_;
	return ($gw->request('POST', $path, { %$auth,
	    'Content-Type' => 'application/json', %h }, $body));
}

# ---------------------------------------------------------------- slow clients

# 30 connections send their headers one byte a second; one sends a body
# far shorter than its Content-Length.  Meanwhile a normal client is served.
{
	my $SLOW = 30;
	my @conns;
	for (1 .. $SLOW) {
		my $s = Faults::connect_to($gw);
		syswrite($s, "GET /health HTTP/1.1\r\nHost: x\r\n");
		push(@conns, { s => $s, t0 => time() });
	}
	my $body = Faults::connect_to($gw);
	syswrite($body, "POST /api/tasks HTTP/1.1\r\nHost: x\r\n" .
	    "Authorization: Bearer $u->{token}\r\n" .
	    "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n" .
	    '{"title":');
	my $body_t0 = time();

	my (@normal, $worst, $got_body, $body_took);
	my $end = time() + 18;
	my $h = HTTP::Tiny->new(timeout => 10);
	while (time() < $end) {
		for my $c (grep { !$_->{done} } @conns) {
			my $w = syswrite($c->{s}, 'X');
			my ($buf, $closed) = Faults::read_all($c->{s}, 0.01);
			$c->{got} .= $buf;
			if ($closed || !defined $w) {
				$c->{done} = time() - $c->{t0};
			}
		}
		if (!defined $body_took) {
			my ($buf, $closed) = Faults::read_all($body, 0.01);
			$got_body .= $buf;
			$body_took = time() - $body_t0 if $closed;
		}
		my $t = time();
		my $r = $h->get($gw->base_url . '/api/auth/me',
		    { headers => $auth });
		my $d = time() - $t;
		push(@normal, $r->{status});
		$worst = $d if !defined $worst || $d > $worst;
		sleep(0.5);
	}

	my @cut = grep { $_->{done} } @conns;
	my @timeouts = grep { ($_->{got} // '') =~ m{\AHTTP/1\.1 408} } @cut;
	my ($longest) = sort { $b <=> $a } map { $_->{done} } @cut;
	diag(sprintf('slowloris: %d of %d slow connections cut, %d with 408, ' .
	    'the longest after %.1f s; a normal client meanwhile: %d requests, ' .
	    'slowest %.2f s; a trickled body cut after %.1f s', scalar(@cut),
	    $SLOW, scalar(@timeouts), $longest // -1, scalar(@normal),
	    $worst // -1, $body_took // -1));
	is(scalar(@cut), $SLOW, 'every connection sending its headers a ' .
	    'byte a second is cut off');
	is(scalar(@timeouts), $SLOW, '... with 408 Request Timeout');
	cmp_ok($longest // 99, '<=', 12, '... after at most the 10 s header ' .
	    'timeout (+2 s)');
	is_deeply([ grep { $_ != 200 } @normal ], [], 'meanwhile another ' .
	    'client is served, every time');
	cmp_ok($worst // 99, '<', 3, '... promptly');
	like($got_body // '', qr{\AHTTP/1\.1 408}, 'a body trickled short ' .
	    'of its Content-Length is answered 408');
	ok(defined $body_took, '... and the connection closed');
	cmp_ok($body_took // 99, '<=', 17, '... within the 15 s body ' .
	    'timeout (+2 s)');
	close($_->{s}) for @conns;
}

# ---------------------------------------------------------------- sizes

{
	my $t = time();
	my $r = $gw->raw_request("GET /health HTTP/1.1\r\nHost: x\r\n" .
	    'X-Big: ' . ('a' x 5000) . "\r\n\r\n");
	my $took = time() - $t;
	AidoGW::error_ok($r, 431, 'header_too_large', 'headers over 4 KiB ' .
	    'are answered 431 with a JSON error');
	cmp_ok($took, '<', 3, '... at once');
	$r = $gw->raw_request("GET /health HTTP/1.1\r\nHost: x\r\n" .
	    join('', map { "X-H$_: " . ('b' x 30) . "\r\n" } 1 .. 400) .
	    "\r\n");
	AidoGW::error_ok($r, 431, 'header_too_large', 'so are 400 headers');
	$r = $gw->raw_request("GET /health HTTP/1.1\r\nHost: x\r\n" .
	    join('', map { "X-H$_: 1\r\n" } 1 .. 100) . "\r\n");
	is($r->{status}, 200, '100 small headers within the limit are fine');
	$r = $gw->raw_request("GET /api/tasks HTTP/1.1\r\nHost: x\r\n" .
	    'Authorization: Bearer ' . ('a' x 3900) . "\r\n\r\n");
	AidoGW::error_ok($r, 401, 'unauthorized', 'a 3900-byte token is 401');
	$r = $gw->raw_request('GET /' . ('a' x 3000) . " HTTP/1.1\r\n" .
	    "Host: x\r\n\r\n");
	cmp_ok($r->{status}, '>=', 400, 'a 3000-byte path is refused') or
	    diag($r->{status});

	$r = post_raw('/api/tasks', '{"title":"' . ('a' x 70000) . '"}');
	AidoGW::error_ok($r, 413, 'payload_too_large',
	    'a 70 KB body is 413 with a JSON error');
	$r = post_raw('/api/tasks', '{"title":"' . ('a' x 300000) . '"}');
	is($r->{status}, 413, 'a 300 KB body is 413 (refused by Kore ' .
	    'before it is read)');
	$r = post_raw('/api/tasks', '{"title":"x","description":"' .
	    ('d' x 60000) . '"}');
	AidoGW::validation_ok($r, 'description', 'too_long', 'a 60 KB ' .
	    'description within the body limit is 422 too_long');
	$r = $gw->raw_request("POST /api/tasks HTTP/1.1\r\nHost: x\r\n" .
	    "Authorization: Bearer $u->{token}\r\n" .
	    "Content-Type: application/json\r\n" .
	    "Content-Length: 99999999999999999999\r\n\r\n{}");
	cmp_ok($r->{status}, '>=', 400, 'an absurd Content-Length is refused');
	cmp_ok($r->{status}, '<', 500, '... as a client error');
	$r = $gw->raw_request("POST /api/tasks HTTP/1.1\r\nHost: x\r\n" .
	    "Authorization: Bearer $u->{token}\r\n" .
	    "Content-Type: application/json\r\nContent-Length: -1\r\n\r\n{}");
	cmp_ok($r->{status}, '>=', 400, 'a negative Content-Length is refused');
	cmp_ok($r->{status}, '<', 500, '... as a client error');
}

# ---------------------------------------------------------------- nesting

for my $depth (10000, 2000) {
	my $arr = ('[' x $depth) . (']' x $depth);
	my $obj = ('{"a":' x $depth) . '1' . ('}' x $depth);
	my $t = time();
	my @r = (post_raw('/api/tasks', "{\"title\":$arr}"),
	    post_raw('/api/tasks', $obj),
	    post_raw('/api/tasks', "{\"title\":\"x\",\"tags\":$arr}"),
	    post_raw('/api/conversations', "{\"title\":$arr}"),
	    $gw->request('POST', '/api/auth/login',
	    { 'Content-Type' => 'application/json' },
	    "{\"email\":$arr,\"password\":\"x\"}"));
	my $took = time() - $t;
	if ($depth > 2048) {
		is(scalar(grep { $_->{status} == 400 &&
		    ($_->{json}{code} // '') eq 'bad_request' } @r), 5,
		    "JSON nested $depth deep is 400 bad_request, before any " .
		    'database call') or diag(join(' ', map { $_->{status} } @r));
	} else {
		# Deep but within the parser's limit: the database judges it.
		is(scalar(grep { $_->{status} == 422 || $_->{status} == 400 ||
		    $_->{status} == 401 } @r), 5, "JSON nested $depth deep " .
		    'reaches the database and is refused as a client error')
		    or diag(join(' ', map { "$_->{status} $_->{content}" } @r));
	}
	cmp_ok($took, '<', 10, "... in bounded time ($depth deep)");
}

# ---------------------------------------------------------------- bytes

{
	my %bad = (
		'an invalid byte' => "a\xff\xfeb",
		'an overlong encoding' => "a\xc0\xafb",
		'a UTF-8 surrogate' => "a\xed\xa0\x80b",
		'a truncated sequence' => "a\xe2\x82",
		'a raw NUL' => "a\x00b",
		'a raw control character' => "a\x01b",
	);
	for my $what (sort keys %bad) {
		my $r = post_raw('/api/tasks', "{\"title\":\"$bad{$what}\"}");
		AidoGW::error_ok($r, 400, 'bad_request',
		    "a body with $what in a string is 400");
	}
	for my $esc ('\u0000', '\ud800', '\udc00x') {
		my $r = post_raw('/api/tasks', "{\"title\":\"a${esc}b\"}");
		AidoGW::error_ok($r, 400, 'bad_request',
		    "a body with the escape $esc is 400, not a database error");
	}
	my $r = post_raw('/api/tasks', "\xef\xbb\xbf{\"title\":\"bom\"}");
	cmp_ok($r->{status}, '<', 500, 'a body with a byte-order mark is ' .
	    'answered as a client error or accepted') or diag($r->{status});
	for my $q ('q=a%00b', 'q=%ff', 'q=%C0%AF', 'q=%ED%A0%80', 'tag=%',
	    'q=%zz') {
		$r = $gw->api($u->{token}, GET => "/api/tasks?$q");
		AidoGW::error_ok($r, 400, undef, "the query $q is 400");
	}
	$r = $gw->raw_request("GET /api/tasks/a\x00b HTTP/1.1\r\nHost: x\r\n" .
	    "Authorization: Bearer $u->{token}\r\n\r\n");
	cmp_ok($r->{status}, '>=', 400, 'a NUL in the path is refused');
	cmp_ok($r->{status}, '<', 500, '... as a client error');
	$r = $gw->raw_request("GET /api/tasks/\xff\xfe HTTP/1.1\r\nHost: x\r\n" .
	    "Authorization: Bearer $u->{token}\r\n\r\n");
	AidoGW::error_ok($r, 404, 'not_found', 'invalid UTF-8 as a task id ' .
	    'is 404');
	$r = $gw->raw_request("POST /api/auth/login HTTP/1.1\r\nHost: x\r\n" .
	    "User-Agent: \xff\xfe agent\r\nContent-Type: application/json\r\n" .
	    "Content-Length: 42\r\n\r\n" .
	    '{"email":"no@example.com","password":"xx"}');
	cmp_ok($r->{status}, '<', 500, 'invalid UTF-8 in User-Agent is a ' .
	    'client error or ignored, never a database error')
	    or diag($r->{status});
	$r = $gw->raw_request("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" .
	    "\r\n\r\n");
	cmp_ok($r->{status}, '>=', 400, 'a TLS handshake on the plain port ' .
	    'is refused');
	$r = $gw->raw_request("GET / HTTP/9.9\r\nHost: x\r\n\r\n");
	is($r->{status}, 505, 'an unknown HTTP version is 505');
}

# ---------------------------------------------------------------- injection

my @inject = (
	q{'; DROP TABLE aido.tasks; --},
	q{" OR "1"="1},
	q{' OR '1'='1' --},
	q{1'; SELECT pg_sleep(10); --},
	q{$$; SELECT pg_sleep(10); $$},
	q{$1 $2 $3},
	q{'), ('x'); DELETE FROM aido.users; --},
	q{%' OR '%'='},
	q{\'; \\\\ \x00 E'\\x41'},
	q{; COPY (SELECT 1) TO PROGRAM 'touch /tmp/aido-pwned'; --},
	q{<script>alert(1)</script>},
	qq{tab\there, newline\nthere, "quotes", \\backslash},
	"\x{1F600} \x{202E}rtl \x{0301}combining \x{FEFF}bom",
	q{{"title":"nested json in a string"}},
	q{1 UNION SELECT password_hash FROM aido.users},
);
{
	my $before = AidoGW::psql($gw->db->{name}, 'SELECT count(*) FROM ' .
	    'aido.users');
	my ($fails, $slow) = (0, 0);
	for my $s (@inject) {
		my $t = time();
		my $tag = lc(substr($s =~ s/^\s+|\s+$//gr, 0, 50));
		$tag =~ s/^\s+|\s+$//g;
		my $r = $gw->api($u->{token}, POST => '/api/tasks',
		    { title => $s, description => $s, tags => [ $tag ] });
		my $ok = $r->{status} == 201 && $r->{json}{title} eq
		    ($s =~ s/^\s+|\s+$//gr) && $r->{json}{description} eq $s &&
		    ($r->{json}{tags}[0] // '') eq $tag;
		if ($ok) {
			my $g = $gw->api($u->{token}, GET =>
			    "/api/tasks/$r->{json}{id}");
			$ok = $g->{status} == 200 &&
			    $g->{json}{description} eq $s;
			my $l = $gw->api($u->{token}, GET => '/api/tasks?' .
			    AidoGW::qs(q => $s));
			$ok &&= $l->{status} == 200 && grep {
			    $_->{id} eq $r->{json}{id} } @{ $l->{json}{items} };
			$l = $gw->api($u->{token}, GET => '/api/tasks?' .
			    AidoGW::qs(tag => $tag));
			$ok &&= $l->{status} == 200 && grep {
			    $_->{id} eq $r->{json}{id} } @{ $l->{json}{items} };
		}
		my $c = $gw->api($u->{token}, POST => '/api/conversations',
		    { title => substr($s, 0, 200) });
		if ($c->{status} == 201) {
			my $m = $gw->api($u->{token}, POST =>
			    "/api/conversations/$c->{json}{id}/messages",
			    { role => 'user', content => $s });
			$ok &&= $m->{status} == 201 && $m->{json}{content} eq $s;
		} else {
			$ok = 0;
		}
		my $who = $gw->signup(email => 'x' . AidoGW::random_hex(4) .
		    '@example.com', password => "pw $s", name =>
		    substr($s, 0, 100));
		$ok &&= $who->{status} == 201 &&
		    $who->{json}{user}{name} eq substr($s, 0, 100) =~
		    s/^\s+|\s+$//gr || $who->{json}{user}{name} eq
		    substr($s, 0, 100);
		if ($who->{status} == 201) {
			my $in = $gw->login($who->{json}{user}{email}, "pw $s");
			$ok &&= $in->{status} == 200;
		}
		$slow++ if time() - $t > 8;
		if (!$ok) {
			$fails++;
			diag('not verbatim: ' . $AidoGW::JSON->encode([$s]));
		}
		# Path and parameters that must not be taken as anything else.
		for my $p ("/api/tasks/" . AidoGW::qs(x => $s) =~ s/^x=//r,
		    '/api/tasks?' . AidoGW::qs(sort => $s),
		    '/api/tasks?' . AidoGW::qs(cursor => $s),
		    '/api/tasks?' . AidoGW::qs(limit => $s),
		    '/api/tasks?' . AidoGW::qs(due_before => $s)) {
			my $x = $gw->api($u->{token}, GET => $p);
			if ($x->{status} != 400 && $x->{status} != 404) {
				$fails++;
				diag("GET $p answered $x->{status}");
			}
		}
	}
	is($fails, 0, 'SQL-injection and odd strings in every field (task ' .
	    'title, description, tags, q, tag, conversation title, message, ' .
	    'user name, password) are stored and returned verbatim, and as ' .
	    'an id, sort, cursor, limit or date they are 400/404');
	is($slow, 0, 'no pg_sleep ran: every round was quick');
	my $after = AidoGW::psql($gw->db->{name}, 'SELECT count(*) FROM ' .
	    'aido.users');
	is($after, $before + @inject, 'the users table holds exactly the ' .
	    'accounts made (nothing dropped or deleted)');
	ok(!-e '/tmp/aido-pwned', 'no program was run');
}

ok($gw->running, 'the gateway is alive after all of it');
is_deeply([ Faults::worker_pids($gw) ], \@workers,
    'its workers are the same processes: none crashed');
is_deeply([ Faults::crash_lines($gw) ], [], 'its log tells of no crash');
my $r = $gw->api($u->{token}, GET => '/api/auth/me');
is($r->{status}, 200, 'and it still serves');

done_testing();
