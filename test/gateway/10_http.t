#!/usr/bin/env perl
# API.md §3: /health, and the answers every route shares: unknown routes,
# wrong methods, content type, body size, malformed JSON, the error shape,
# and CORS for FRONTEND_URL.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
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
