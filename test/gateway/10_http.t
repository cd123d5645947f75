#!/usr/bin/env perl
# API.md §3: /health, and the answers every route shares: unknown routes,
# wrong methods, content type, body size, malformed JSON, the error shape,
# and CORS for FRONTEND_URL.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use IO::Socket::INET;
use Test::More;
use AidoGW;

my $gw = AidoGW->new;
my $u = $gw->new_user;
my $task = $gw->new_task($u);

# /health
{
	my $r = $gw->request(GET => '/health');
	AidoGW::json_ok($r, 200, 'GET /health answers 200 with a JSON object');
	is($r->{json}{status}, 'healthy', '/health says status "healthy"');
	is($r->{json}{database}, 'connected',
	    '/health says database "connected"');
	$r = $gw->request(GET => '/health', { Authorization => 'Bearer x' });
	is($r->{status}, 200, '/health needs no token, and ignores a bad one');
}

# Unknown routes.
for my $path ('/nope', '/api/nope', '/api/tasks/' . $task->{id} . '/nope',
    '/api/auth') {
	my $r = $gw->api($u->{token}, GET => $path);
	AidoGW::error_ok($r, 404, undef,
	    "GET $path is 404 with a JSON error body");
}

# Wrong methods: 405 with Allow naming the right ones.
for my $c (
    [ DELETE => '/api/tasks', [qw(GET POST)] ],
    [ PUT => '/health', [qw(GET)] ],
    [ GET => '/api/auth/signup', [qw(POST)] ],
    [ GET => '/api/auth/login', [qw(POST)] ],
    [ DELETE => '/api/auth/me', [qw(GET)] ],
    [ POST => "/api/tasks/$task->{id}", [qw(GET PATCH PUT DELETE)] ],
    [ PATCH => '/api/conversations', [qw(GET POST)] ],
) {
	my ($method, $path, $allow) = @$c;
	my $body = $method =~ /\A(POST|PUT|PATCH)\z/ ? { title => 'x' } :
	    undef;
	my $r = $gw->api($u->{token}, $method, $path, $body);
	AidoGW::error_ok($r, 405, undef,
	    "$method $path is 405 with a JSON error body");
	my $got = uc(AidoGW::header($r, 'allow') // '');
	my @missing = grep { $got !~ /\b$_\b/ } @$allow;
	ok(length($got) && !@missing,
	    "the 405 of $method $path names " . join(', ', @$allow) .
	    ' in Allow') or diag("Allow: $got");
}

# Content type.
{
	my $r = $gw->api($u->{token}, POST => '/api/tasks', '{"title":"x"}',
	    { 'Content-Type' => 'text/plain' });
	AidoGW::error_ok($r, 415, undef,
	    'a JSON body sent as text/plain is 415');
	$r = $gw->api($u->{token}, POST => '/api/tasks', '{"title":"x"}');
	AidoGW::error_ok($r, 415, undef,
	    'a body sent as application/octet-stream is 415');
	$r = $gw->raw_request("POST /api/tasks HTTP/1.1\r\n" .
	    "Host: 127.0.0.1\r\nAuthorization: Bearer $u->{token}\r\n" .
	    "Content-Length: 13\r\nConnection: close\r\n\r\n" .
	    '{"title":"x"}');
	AidoGW::error_ok($r, 415, undef,
	    'a body without Content-Type is 415');
	$r = $gw->request(POST => '/api/auth/signup',
	    { 'Content-Type' => 'application/x-www-form-urlencoded' },
	    'email=a%40b.c&password=12345678');
	AidoGW::error_ok($r, 415, undef, 'a form-encoded signup is 415');
	$r = $gw->api($u->{token}, PATCH => "/api/tasks/$task->{id}",
	    '{"title":"y"}', { 'Content-Type' => 'text/json' });
	AidoGW::error_ok($r, 415, undef, 'a PATCH body as text/json is 415');
	$r = $gw->api($u->{token}, POST => '/api/tasks', '{"title":"charset"}',
	    { 'Content-Type' => 'application/json; charset=utf-8' });
	is($r->{status}, 201,
	    'Content-Type application/json; charset=utf-8 is accepted');
	$r = $gw->api($u->{token}, POST => '/api/tasks', '{"title":"case"}',
	    { 'Content-Type' => 'Application/JSON' });
	is($r->{status}, 201,
	    'the media type is matched case-insensitively');
}

# Body size: 64 KiB is the most.
{
	my $head = '{"title":"big","description":"';
	my $tail = '"}';
	my $fill = 65536 - length($head) - length($tail);
	my $exact = $head . ('a' x $fill) . $tail;
	my $r = $gw->api($u->{token}, POST => '/api/tasks', $exact,
	    { 'Content-Type' => 'application/json' });
	isnt($r->{status}, 413, 'a body of exactly 64 KiB is not refused as ' .
	    'too large');
	AidoGW::validation_ok($r, 'description', 'too_long',
	    'and is judged on its content (a 64 KiB description is too long)');

	my $over = $head . ('a' x ($fill + 1)) . $tail;
	$r = $gw->raw_request("POST /api/tasks HTTP/1.1\r\n" .
	    "Host: 127.0.0.1\r\nAuthorization: Bearer $u->{token}\r\n" .
	    "Content-Type: application/json\r\n" .
	    'Content-Length: ' . length($over) . "\r\n" .
	    "Connection: close\r\n\r\n$over");
	AidoGW::error_ok($r, 413, undef,
	    'a body of 64 KiB + 1 byte is 413 with a JSON error body');

	my $signup = '{"email":"big@example.com","password":"' .
	    ('p' x 70000) . '"}';
	$r = $gw->raw_request("POST /api/auth/signup HTTP/1.1\r\n" .
	    "Host: 127.0.0.1\r\nContent-Type: application/json\r\n" .
	    'Content-Length: ' . length($signup) . "\r\n" .
	    "Connection: close\r\n\r\n$signup");
	AidoGW::error_ok($r, 413, undef, 'an oversized signup is 413');
}

# Malformed JSON.
for my $c (
    [ '{"title": ', 'truncated JSON' ],
    [ "{'title': 'x'}", 'JSON with single quotes' ],
    [ '{"title":"x",}', 'JSON with a trailing comma' ],
    [ "{\"title\":\"\xff\xfe\"}", 'JSON that is not UTF-8' ],
    [ '{"title":"x"} {"title":"y"}', 'two JSON documents' ],
) {
	my ($body, $what) = @$c;
	my $r = $gw->api($u->{token}, POST => '/api/tasks', $body,
	    { 'Content-Type' => 'application/json' });
	AidoGW::error_ok($r, 400, undef, "$what is 400 with a JSON error body");
}
{
	my $r = $gw->request(POST => '/api/auth/signup',
	    { 'Content-Type' => 'application/json' }, '{"email":');
	AidoGW::error_ok($r, 400, undef, 'a malformed signup body is 400');
	$r = $gw->api($u->{token}, POST => '/api/tasks', '',
	    { 'Content-Type' => 'application/json' });
	ok($r->{status} == 400 || $r->{status} == 422,
	    'an empty JSON body is refused as malformed or invalid')
	    or diag("answered $r->{status}");
	my $count = $gw->api($u->{token}, GET => '/api/tasks?limit=100');
	my @titles = map { $_->{title} } @{ $count->{json}{items} // [] };
	ok(!grep({ $_ eq 'x' || $_ eq 'y' } @titles),
	    'no task was created by a malformed body');
}

# HTTP framing (RFC 9112 §6.3, §9.3.2), on raw connections.  exchange()
# writes the bytes at once and reads every answer until the gateway closes
# the connection (or 30 s pass): the answers, and whether it closed.
sub exchange {
	my ($bytes) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
	    PeerPort => $gw->{port}, Proto => 'tcp', Timeout => 10)
	    or die "connect: $!";
	binmode($s);
	syswrite($s, $bytes) // die "write: $!";
	my ($buf, $eof) = ('', 0);
	my $deadline = time() + 30;
	while (!$eof && time() < $deadline) {
		my $rin = '';
		vec($rin, fileno($s), 1) = 1;
		next unless select(my $rout = $rin, undef, undef, 1) > 0;
		my $n = sysread($s, $buf, 65536, length($buf));
		$eof = 1 unless $n;
	}
	close($s);
	my @answers;
	while ($buf =~ s/\A(HTTP\/1\.[01] (\d{3})[^\r]*)\r\n(.*?)\r\n\r\n//s) {
		my ($status, %h) = ($2);
		for (split(/\r\n/, $3)) {
			$h{ lc($1) } = $2 if /\A([^:]+):\s*(.*)\z/;
		}
		my $content = substr($buf, 0, $h{'content-length'} // 0, '');
		push(@answers, AidoGW::_answer({ status => $status,
		    headers => \%h, content => $content }));
	}
	return (\@answers, $eof);
}

# One answer, a JSON error with this status (and code), then the end of
# the connection: a request whose framing is ambiguous is never served.
sub refused_ok {
	my ($bytes, $status, $code, $what) = @_;
	my ($answers, $eof) = exchange($bytes);
	my $r = $answers->[0] // { status => 599, content => '' };
	AidoGW::error_ok($r, $status, $code,
	    "$what: $status with a JSON error body");
	ok(@$answers == 1 && lc(AidoGW::header($r, 'connection') // '') eq
	    'close' && $eof, "$what: and the connection is closed") or
	    diag(scalar(@$answers) . " answers, closed: $eof");
}

{
	my $login = '{"email":"nobody@example.com","password":"wrong password"}';
	my $head = "POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n" .
	    "Content-Type: application/json\r\n";
	my $cl = 'Content-Length: ' . length($login) . "\r\n";
	my $chunked = sprintf("%x\r\n%s\r\n0\r\n\r\n", length($login), $login);

	refused_ok("$head${cl}Transfer-Encoding: chunked\r\n\r\n$login",
	    400, 'bad_request', 'Content-Length and Transfer-Encoding');
	refused_ok("${head}Transfer-Encoding: chunked\r\n$cl\r\n$chunked",
	    400, 'bad_request', 'Transfer-Encoding and then Content-Length');
	refused_ok("$head${cl}Content-Length: 5\r\n\r\n$login", 400,
	    'bad_request', 'two different Content-Lengths');
	refused_ok("${head}Content-Length: 5\r\n$cl\r\n$login", 400,
	    'bad_request', 'two different Content-Lengths, the smaller first');
	refused_ok("${head}Content-Length: 5x\r\n\r\n$login", 400,
	    'bad_request', 'a Content-Length that is not a number');

	my ($answers, $eof) = exchange("$head$cl$cl\r\n$login");
	is($answers->[0]{status}, 401, 'the same Content-Length twice is ' .
	    'read as one (the login is answered)');

	# A request after a body, in the same packet: the first is answered,
	# then the connection closes (the client sends the second again).
	($answers, $eof) = exchange("$head$cl\r\n$login" .
	    "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	is($answers->[0]{status}, 401,
	    'a request pipelined after a body: the first is answered');
	is(lc(AidoGW::header($answers->[0], 'connection') // ''), 'close',
	    '... saying the connection closes');
	ok($eof && @$answers == 1, '... and it closes at once, with no 408') or
	    diag(join(' ', map { $_->{status} } @$answers) . ", closed: $eof");
	($answers, $eof) = exchange("GET /health HTTP/1.1\r\nHost: " .
	    "127.0.0.1\r\n\r\nGET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
	ok($answers->[0]{status} == 200 && lc(AidoGW::header($answers->[0],
	    'connection') // '') eq 'close' && $eof,
	    'two pipelined GETs: the first is answered, then the connection ' .
	    'closes') or diag("closed: $eof");

	# The same when the two fill the 4 KiB read buffer to the last byte.
	my $get = "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Pad: ";
	my $next = 'GET /health';
	($answers, $eof) = exchange($get . ('p' x (4096 - length($get) - 4 -
	    length($next))) . "\r\n\r\n$next");
	ok($answers->[0]{status} == 200 && lc(AidoGW::header($answers->[0],
	    'connection') // '') eq 'close' && $eof,
	    '... also when they fill the 4 KiB header buffer') or
	    diag("closed: $eof");

	# Requests one after the other on one connection are all served.
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
	    PeerPort => $gw->{port}, Proto => 'tcp', Timeout => 10)
	    or die "connect: $!";
	my @got;
	for (1 .. 2) {
		syswrite($s, "GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
		my $buf = '';
		while ($buf !~ /\r\n\r\n.*\}/s) {
			sysread($s, $buf, 4096, length($buf)) or last;
		}
		push(@got, $buf =~ m{\AHTTP/1\.1 (\d+)} ? $1 : 'none');
	}
	close($s);
	is("@got", '200 200', 'requests one after another on a kept-alive ' .
	    'connection are all answered');

	# What Kore refuses itself, answered in JSON.
	refused_ok("${head}Transfer-Encoding: chunked\r\n\r\n$chunked", 411,
	    'length_required', 'a chunked body');
	refused_ok("${head}Content-Length: 300000\r\n\r\n", 413,
	    'payload_too_large', 'a Content-Length over 256 KiB');
	refused_ok('GET /' . ('a' x 2000) . " HTTP/1.1\r\nHost: 127.0.0.1" .
	    "\r\n\r\n", 414, 'uri_too_long', 'a path of 2000 characters');
	refused_ok("GET /health HTTP/1.1\r\nAccept: */*\r\n\r\n", 400,
	    'bad_request', 'no Host');
	refused_ok("BREW /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400,
	    'bad_request', 'an unknown method');
	refused_ok("GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon\r\n" .
	    "\r\n", 400, 'bad_request', 'a header line without a colon');
	refused_ok("GET /health\r\nHost: 127.0.0.1\r\n\r\n", 400,
	    'bad_request', 'a request line without a version');
	refused_ok("GET /health HTTP/2.0\r\nHost: 127.0.0.1\r\n\r\n", 505,
	    'http_version_not_supported', 'HTTP/2.0 in a request line');
	unlike($gw->output, qr/died|exited with status/,
	    'no worker died answering any of these');
}

# CORS for FRONTEND_URL (two origins configured).
{
	for my $origin ($AidoGW::ORIGIN, $AidoGW::ORIGIN2) {
		my $r = $gw->request(GET => '/health', { Origin => $origin });
		is(AidoGW::header($r, 'access-control-allow-origin'), $origin,
		    "a response to $origin carries " .
		    'Access-Control-Allow-Origin for it');
	}
	my $r = $gw->api($u->{token}, GET => '/api/tasks',
	    undef, { Origin => $AidoGW::ORIGIN });
	is(AidoGW::header($r, 'access-control-allow-origin'),
	    $AidoGW::ORIGIN, 'an authenticated API answer carries CORS too');
	$r = $gw->request(GET => '/api/auth/me', { Origin => $AidoGW::ORIGIN });
	is($r->{status}, 401, 'a request without a token is 401');
	is(AidoGW::header($r, 'access-control-allow-origin'),
	    $AidoGW::ORIGIN, 'and its error carries CORS, so the frontend ' .
	    'can read it');
	$r = $gw->request(GET => '/health', { Origin => 'http://evil.test' });
	my $acao = AidoGW::header($r, 'access-control-allow-origin') // '';
	ok($acao ne 'http://evil.test' && $acao ne '*',
	    'an origin not in FRONTEND_URL is not allowed');

	for my $c ([ '/api/tasks', 'POST' ],
	    [ "/api/tasks/$task->{id}", 'PATCH' ],
	    [ "/api/tasks/$task->{id}", 'DELETE' ],
	    [ '/api/auth/login', 'POST' ]) {
		my ($path, $method) = @$c;
		$r = $gw->request(OPTIONS => $path, {
		    Origin => $AidoGW::ORIGIN,
		    'Access-Control-Request-Method' => $method,
		    'Access-Control-Request-Headers' =>
		    'authorization, content-type' });
		is($r->{status}, 204,
		    "a preflight OPTIONS $path for $method is 204");
		is(AidoGW::header($r, 'access-control-allow-origin'),
		    $AidoGW::ORIGIN, '... allowing the frontend origin');
		my $m = uc(AidoGW::header($r, 'access-control-allow-methods')
		    // '');
		like($m, qr/\b$method\b/, "... and the method $method");
		my $h = lc(AidoGW::header($r, 'access-control-allow-headers')
		    // '');
		ok($h =~ /\bauthorization\b/ && $h =~ /\bcontent-type\b/,
		    '... and the headers Authorization and Content-Type')
		    or diag("Access-Control-Allow-Headers: $h");
	}
	$r = $gw->request(OPTIONS => '/api/tasks', {
	    Origin => 'http://evil.test',
	    'Access-Control-Request-Method' => 'POST' });
	$acao = AidoGW::header($r, 'access-control-allow-origin') // '';
	ok($acao ne 'http://evil.test' && $acao ne '*',
	    'a preflight from an origin not in FRONTEND_URL is not allowed');
}

done_testing();
