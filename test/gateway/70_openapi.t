#!/usr/bin/env perl
# API.md §3: GET /openapi.json is the OpenAPI 3.1 document of the routes,
# and every operation it documents is served.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AidoGW;

my $gw = AidoGW->new;
my $u = $gw->new_user;

my $r = $gw->request(GET => '/openapi.json');
AidoGW::json_ok($r, 200, 'GET /openapi.json answers 200 with JSON');
my $doc = ref($r->{json}) eq 'HASH' ? $r->{json} : {};
like($doc->{openapi} // '', qr/\A3\.1\.\d+\z/, 'it is an OpenAPI 3.1 document');
ok(ref($doc->{info}) eq 'HASH' && length($doc->{info}{title} // '') &&
    length($doc->{info}{version} // ''), 'it has info.title and info.version');
ok(ref($doc->{paths}) eq 'HASH' && scalar(keys(%{ $doc->{paths} })),
    'it documents paths');

my %METHODS = map { $_ => 1 } qw(get post put patch delete options head);
my %documented;		# "METHOD /path/{}" => [real path, operation]
for my $path (keys(%{ $doc->{paths} // {} })) {
	my $item = $doc->{paths}{$path};
	next unless ref($item) eq 'HASH';
	(my $norm = $path) =~ s/\{[^}]*\}/{}/g;
	for my $m (grep { $METHODS{$_} } keys(%$item)) {
		$documented{ uc($m) . " $norm" } = [ $path, $item->{$m} ];
	}
}

my @main = ('GET /health', 'POST /api/auth/signup', 'POST /api/auth/login',
    'POST /api/auth/logout', 'GET /api/auth/me', 'GET /api/tasks',
    'POST /api/tasks', 'GET /api/tasks/{}', 'PATCH /api/tasks/{}',
    'PUT /api/tasks/{}', 'DELETE /api/tasks/{}', 'GET /api/conversations',
    'POST /api/conversations', 'GET /api/conversations/{}',
    'DELETE /api/conversations/{}', 'GET /api/conversations/{}/messages',
    'POST /api/conversations/{}/messages', 'GET /api/events',
    'GET /api/events/stream', 'GET /openapi.json',
    'POST /mcp', 'GET /.well-known/oauth-protected-resource',
    'GET /.well-known/oauth-protected-resource/mcp');
my @compat = ('GET /api/{}/tasks', 'POST /api/{}/tasks',
    'GET /api/{}/tasks/{}', 'PUT /api/{}/tasks/{}', 'PATCH /api/{}/tasks/{}',
    'DELETE /api/{}/tasks/{}', 'PATCH /api/{}/tasks/{}/complete',
    'GET /api/{}/events', 'GET /api/{}/events/stream');
my @missing = grep { !$documented{$_} } @main;
ok(!@missing, 'every route of the API.md §3 table is documented')
    or diag('missing: ' . join(', ', @missing));
@missing = grep { !$documented{$_} } @compat;
ok(!@missing, 'every compatibility route of API.md §3.1 is documented')
    or diag('missing: ' . join(', ', @missing));

my @noresp = grep { ref($documented{$_}[1]) ne 'HASH' ||
    ref($documented{$_}[1]{responses}) ne 'HASH' ||
    !scalar(keys(%{ $documented{$_}[1]{responses} })) }
    sort(keys(%documented));
ok(!@noresp, 'every documented operation lists its responses')
    or diag('without responses: ' . join(', ', @noresp));

# Every documented operation answers a well-formed request with something
# other than 404 or 405 (and no server error).  Each gets fresh objects and
# a fresh session, so that DELETE or logout cannot spoil another.
for my $key (sort(keys(%documented))) {
	my ($path, $op) = @{ $documented{$key} };
	my ($method) = split(/ /, $key);
	next if $method eq 'OPTIONS' || $method eq 'HEAD';
	my $token = $gw->login($u->{email}, $u->{password})->{json}{token};
	my $task = $gw->new_task($u, title => 'openapi');
	my $conv = $gw->api($token, POST => '/api/conversations',
	    { title => 'openapi' })->{json} // {};
	my $real = $path;
	$real =~ s#/api/\{[^\}]*\}/#/api/$u->{id}/#g;
	$real =~ s#/conversations/\{[^\}]*\}#/conversations/$conv->{id}#g;
	$real =~ s#/tasks/\{[^\}]*\}#/tasks/$task->{id}#g;
	$real =~ s#\{[^\}]*\}#$u->{id}#g;

	my $body;
	if ($method =~ /\A(POST|PUT|PATCH)\z/) {
		if ($real =~ m{/auth/signup\z}) {
			$body = { email => AidoGW::unique_email(),
			    password => 'long enough' };
		} elsif ($real =~ m{/auth/login\z}) {
			$body = { email => $u->{email},
			    password => $u->{password} };
		} elsif ($real =~ m{/messages\z}) {
			$body = { role => 'user', content => 'hello' };
		} elsif ($real =~ m{/conversations\z}) {
			$body = { title => 'new' };
		} elsif ($real =~ m{/tasks(/[^/]+)?\z}) {
			$body = { title => 'from openapi' };
		}
	}
	# A stream never ends: a malformed Last-Event-ID shows that it is
	# served (400) without opening one.
	my $hdr = $real =~ m{/stream\z} ? { 'Last-Event-ID' => 'x' } : undef;
	my $res = $gw->api($token, $method, $real, $body, $hdr);
	ok($res->{status} != 404 && $res->{status} != 405 &&
	    $res->{status} < 500, "the documented $key is served " .
	    "($res->{status})") or diag("$method $real answered " .
	    "$res->{status}: $res->{content}");
}

done_testing();
