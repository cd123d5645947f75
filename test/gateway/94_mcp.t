#!/usr/bin/env perl
# API.md §3.3: POST /mcp on the wire.  The transport (methods, Origin and
# Host, content type, JSON-RPC shape), both protocol eras (the initialize
# handshake of 2025-03-26 .. 2025-11-25; 2026-07-28 with _meta, Mcp-Method
# and Mcp-Name, server/discover), the 401 challenge and the RFC 9728
# metadata, and the tools' answers: results, tool errors, identity from
# the token (aido's and an external provider's), never from user_id.
# The official SDK client and conformance suite: 96_mcp_sdk.t,
# 97_mcp_conformance.t.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use MIME::Base64 qw(encode_base64);
use Test::More;
use AidoGW;

my $MODERN = '2026-07-28';
my $front = $AidoGW::ORIGIN;
my $hs_secret = AidoGW::random_hex(24);
my $gw = AidoGW->new(env => { AUTH_HS256_SECRET => $hs_secret,
    AUTH_ISSUER => $front });
my $u = $gw->new_user;
my $v = $gw->new_user;
my $ACCEPT = 'application/json, text/event-stream';
my $SEQ = 0;

# POST /mcp: (message, headers) -> answer.  A hash is a JSON-RPC message
# (given an id unless it has one, or notify => 1); a string is sent as is.
sub mcp {
	my ($msg, %h) = @_;
	my $body = $msg;
	if (ref($msg)) {
		my %m = (jsonrpc => '2.0', %$msg);
		$m{id} //= ++$SEQ unless delete($m{notify});
		$body = $AidoGW::JSON->encode(\%m);
	}
	my %hdr = ('Content-Type' => 'application/json', Accept => $ACCEPT,
	    %h);
	delete($hdr{$_}) for grep { !defined $hdr{$_} } keys(%hdr);
	return ($gw->request(POST => '/mcp', \%hdr, $body));
}

# A modern (2026-07-28) request: _meta and the headers that mirror it.
sub modern {
	my ($method, $params, %h) = @_;
	my %p = (%{ $params // {} }, _meta => {
	    'io.modelcontextprotocol/protocolVersion' => $MODERN,
	    'io.modelcontextprotocol/clientInfo' => { name => 't',
	    version => '1' },
	    'io.modelcontextprotocol/clientCapabilities' => {} });
	my %hdr = ('MCP-Protocol-Version' => $MODERN, 'Mcp-Method' => $method);
	$hdr{'Mcp-Name'} = $p{name} if $method eq 'tools/call';
	return (mcp({ method => $method, params => \%p }, %hdr, %h));
}

# tools/call of the legacy era for a token.
sub call {
	my ($token, $name, $args, %h) = @_;
	return (mcp({ method => 'tools/call', params => { name => $name,
	    arguments => $args } }, 'MCP-Protocol-Version' => '2025-11-25',
	    defined $token ? (Authorization => "Bearer $token") : (), %h));
}

sub error_is {
	my ($r, $status, $code, $name) = @_;
	my $e = ref($r->{json}) eq 'HASH' ? $r->{json}{error} : undef;
	ok($r->{status} == $status && ref($e) eq 'HASH' &&
	    ($e->{code} // 0) == $code, $name) or
	    diag("answered $r->{status}: $r->{content}");
}

sub result { return (ref($_[0]{json}) eq 'HASH' ? $_[0]{json}{result} : undef) }

sub tool_error {
	my ($r, $re, $name) = @_;
	my $res = result($r) // {};
	ok($r->{status} == 200 && $res->{isError} && !exists
	    $res->{structuredContent} && ($res->{content}[0]{text} // '') =~ $re,
	    $name) or diag("answered $r->{status}: $r->{content}");
}

# ---------------------------------------------------------------- transport

my $r = $gw->request(GET => '/mcp', { Accept => 'text/event-stream' });
is($r->{status}, 405, 'GET /mcp is 405 (no stream)');
like(AidoGW::header($r, 'allow') // '', qr/\bPOST\b/, '... with Allow: POST');
is($gw->request(DELETE => '/mcp')->{status}, 405,
    'DELETE /mcp is 405 (no session)');

$r = mcp({ method => 'ping' }, Origin => 'http://evil.example.com');
is($r->{status}, 403, 'a foreign Origin is 403');
ok(ref($r->{json}) eq 'HASH' && $r->{json}{error} && !defined
    $r->{json}{id}, '... with a JSON-RPC error without id');
is(mcp({ method => 'ping' }, Origin => $front)->{status}, 200,
    'an Origin of FRONTEND_URL is served');
is(mcp({ method => 'ping' }, Origin => $gw->base_url)->{status}, 200,
    'so is the gateway\'s own origin');

# A browser's MCP client at FRONTEND_URL: its preflight allows the headers
# of Streamable HTTP, and it may read the 401's challenge.
$r = $gw->request(OPTIONS => '/mcp', { Origin => $front,
    'Access-Control-Request-Method' => 'POST',
    'Access-Control-Request-Headers' =>
    'authorization,content-type,mcp-protocol-version,mcp-method,mcp-name' });
my $allowed = lc(AidoGW::header($r, 'access-control-allow-headers') // '');
ok($r->{status} == 204 && (AidoGW::header($r, 'access-control-allow-origin')
    // '') eq $front && !grep({ $allowed !~ /(?:^|[ ,])\Q$_\E(?:$|[ ,])/ }
    qw(authorization content-type mcp-protocol-version mcp-method mcp-name
    mcp-session-id last-event-id)), 'a browser\'s preflight of POST /mcp ' .
    'allows the MCP headers') or diag("$r->{status} '$allowed'");
like(uc(AidoGW::header($r, 'access-control-allow-methods') // ''),
    qr/\bPOST\b/, '... and POST');
$r = call(undef, 'list_tasks', {}, Origin => $front);
is($r->{status}, 401, 'a tool call without a token from the browser is 401');
like(lc(AidoGW::header($r, 'access-control-expose-headers') // ''),
    qr/\bwww-authenticate\b/, '... and the browser may read its ' .
    'WWW-Authenticate (Access-Control-Expose-Headers)');
$r = $gw->raw_request("POST /mcp HTTP/1.1\r\nHost: evil.example.com\r\n" .
    "Content-Type: application/json\r\nContent-Length: 40\r\n" .
    "Connection: close\r\n\r\n" .
    '{"jsonrpc":"2.0","id":1,"method":"ping"}');
is($r->{status}, 403, 'bound to loopback, a foreign Host is 403 ' .
    '(DNS rebinding)');
$r = $gw->raw_request("POST /mcp HTTP/1.1\r\nHost: localhost:1\r\n" .
    "Content-Type: application/json\r\nContent-Length: 40\r\n" .
    "Connection: close\r\n\r\n" .
    '{"jsonrpc":"2.0","id":1,"method":"ping"}');
is($r->{status}, 200, '... and Host: localhost is served');

$r = mcp('{"jsonrpc":"2.0","id":1,"method":"ping"}',
    'Content-Type' => 'text/plain');
error_is($r, 415, -32600, 'a body that is not application/json is 415');
error_is(mcp('{"jsonrpc":'), 400, -32700, 'malformed JSON is 400 -32700');
error_is(mcp('[{"jsonrpc":"2.0","id":1,"method":"ping"}]'), 400, -32600,
    'a batch is 400 -32600');
error_is(mcp('{"jsonrpc":"2.0","id":null,"method":"ping"}'), 400, -32600,
    'a null id is 400 -32600');
error_is(mcp('{"jsonrpc":"2.0","id":1}'), 400, -32600,
    'no method is 400 -32600');
error_is(mcp('{"jsonrpc":"1.0","id":1,"method":"ping"}'), 400, -32600,
    'jsonrpc other than 2.0 is 400 -32600');
error_is(mcp('{"jsonrpc":"2.0","id":1,"method":"ping","params":[]}'), 400,
    -32600, 'params that are not an object are 400 -32600');
for my $bad (['\u0000 in a string', '"a\u0000b"'],
    ['a lone surrogate', '"a\ud800b"'], ['an invalid byte', "\"a\xff\xfeb\""],
    ['JSON nested 20000 deep', '[' x 20000 . ']' x 20000]) {
	my ($what, $title) = @$bad;
	error_is(mcp('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":' .
	    '{"name":"add_task","arguments":{"title":' . $title . '}}}',
	    Authorization => "Bearer $u->{token}"), 400, -32700,
	    "$what is 400 -32700, before the database");
}
error_is(mcp('{"jsonrpc":"2.0","id":1,"method":"tools/call","params":' .
    '{"name":"add_task","arguments":{"title":"' . ('x' x 70000) . '"}}}',
    Authorization => "Bearer $u->{token}"), 413, -32600,
    'a body over 64 KiB is 413');

# ---------------------------------------------------------------- legacy era

for my $case (['2025-03-26', '2025-03-26'], ['2025-06-18', '2025-06-18'],
    ['2025-11-25', '2025-11-25'], ['2024-11-05', '2025-11-25'],
    [$MODERN, '2025-11-25']) {
	my ($asked, $got) = @$case;
	$r = mcp({ method => 'initialize', params => { protocolVersion =>
	    $asked, capabilities => {}, clientInfo => { name => 't',
	    version => '1' } } });
	is(result($r)->{protocolVersion}, $got,
	    "initialize asking for $asked gets $got");
}
my $init = result($r);
ok($init->{capabilities}{tools} && $init->{serverInfo}{name} eq 'aido' &&
    length($init->{instructions} // ''), '... with the tools capability, ' .
    'serverInfo and instructions');
ok(!defined AidoGW::header($r, 'mcp-session-id'), '... and no session id');

$r = mcp({ method => 'notifications/initialized', notify => 1 });
ok($r->{status} == 202 && $r->{content} eq '',
    'a notification is 202 without a body');
$r = mcp({ method => 'ping', id => 'p-1' },
    'MCP-Protocol-Version' => '2025-06-18', 'Mcp-Session-Id' => 'ignored');
is_deeply($r->{json}, { jsonrpc => '2.0', id => 'p-1', result => {} },
    'ping answers {} with the request\'s string id');
error_is(mcp({ method => 'prompts/list' }), 200, -32601,
    'an unknown method of the legacy era is -32601');

$r = mcp({ method => 'ping' }, 'MCP-Protocol-Version' => '1999-01-01');
error_is($r, 400, -32022, 'an unsupported MCP-Protocol-Version is 400 ' .
    '-32022');
is_deeply($r->{json}{error}{data}, { supported => [ $MODERN, '2025-11-25',
    '2025-06-18', '2025-03-26' ], requested => '1999-01-01' },
    '... naming the versions there are and the one asked for');

$r = mcp({ method => 'tools/list' });
my @tools = map { $_->{name} } @{ result($r)->{tools} // [] };
is_deeply([ sort @tools ], [ qw(add_task complete_task delete_task get_task
    list_tasks update_task) ], 'tools/list without a token: the six tools');
ok(!grep({ !($_->{description} && $_->{inputSchema}{type} eq 'object' &&
    $_->{outputSchema}{type} eq 'object') } @{ result($r)->{tools} }),
    '... each with a description and input and output schemas');
ok(!exists result($r)->{ttlMs} && !exists result($r)->{resultType},
    '... without the fields of 2026-07-28');

# ---------------------------------------------------------------- modern era

$r = modern('server/discover');
my $d = result($r) // {};
ok($r->{status} == 200 && $d->{resultType} eq 'complete' &&
    $d->{supportedVersions}[0] eq $MODERN && $d->{capabilities}{tools} &&
    $d->{_meta}{'io.modelcontextprotocol/serverInfo'}{name} eq 'aido' &&
    $d->{ttlMs} > 0 && $d->{cacheScope} eq 'public',
    'server/discover: versions, capabilities, serverInfo, caching hints') or
    diag($r->{content});
$r = modern('tools/list');
ok(result($r)->{resultType} eq 'complete' && result($r)->{ttlMs} > 0 &&
    result($r)->{cacheScope} eq 'public' && @{ result($r)->{tools} } == 6,
    'tools/list of 2026-07-28: resultType, ttlMs, cacheScope');

error_is(mcp({ method => 'server/discover', params => {} },
    'MCP-Protocol-Version' => $MODERN, 'Mcp-Method' => 'server/discover'),
    400, -32602, 'without _meta: 400 -32602');
$r = mcp({ method => 'server/discover', params => { _meta => {
    'io.modelcontextprotocol/protocolVersion' => '2025-06-18',
    'io.modelcontextprotocol/clientCapabilities' => {} } } },
    'MCP-Protocol-Version' => $MODERN, 'Mcp-Method' => 'server/discover');
error_is($r, 400, -32020, 'a _meta version that is not the header\'s: ' .
    '400 -32020');
error_is(modern('server/discover', {}, 'Mcp-Method' => undef), 400, -32020,
    'no Mcp-Method: 400 -32020');
error_is(modern('tools/list', {}, 'Mcp-Method' => 'tools/call'), 400,
    -32020, 'an Mcp-Method that is not the method: 400 -32020');
error_is(modern('tools/call', { name => 'list_tasks', arguments => {} },
    'Mcp-Name' => 'add_task', Authorization => "Bearer $u->{token}"), 400,
    -32020, 'an Mcp-Name that is not params.name: 400 -32020');
$r = modern('tools/call', { name => 'list_tasks', arguments => {} },
    'Mcp-Name' => '=?base64?' . encode_base64('list_tasks', '') . '?=',
    Authorization => "Bearer $u->{token}");
ok($r->{status} == 200 && result($r) && !result($r)->{isError},
    'an Mcp-Name in the base64 form is decoded') or diag($r->{content});
is(result($r)->{resultType}, 'complete', '... and the result has ' .
    'resultType');
for my $m (qw(initialize ping logging/setLevel nonsense/method)) {
	error_is(modern($m), 404, -32601, "$m in 2026-07-28: 404 -32601");
}
$r = mcp({ method => 'server/discover', params => { _meta => {
    'io.modelcontextprotocol/protocolVersion' => $MODERN,
    'io.modelcontextprotocol/clientCapabilities' => {} } } });
error_is($r, 400, -32020, 'a modern _meta without MCP-Protocol-Version: ' .
    '400 -32020');

# ---------------------------------------------------------------- identity

$r = call(undef, 'list_tasks', {});
is($r->{status}, 401, 'tools/call of a task tool without a token is 401');
my $meta_url = $gw->base_url . '/.well-known/oauth-protected-resource/mcp';
is(AidoGW::header($r, 'www-authenticate'),
    "Bearer resource_metadata=\"$meta_url\"",
    '... and WWW-Authenticate names the resource metadata');
$r = mcp({ method => 'tools/list' }, Authorization => 'Bearer nonsense');
is($r->{status}, 401, 'a token that is sent must be valid, even for ' .
    'tools/list');
error_is(call($u->{token}, 'no_such_tool', {}), 200, -32602,
    'an unknown tool is -32602');
error_is(mcp({ method => 'tools/call', params => { name => 'list_tasks',
    arguments => [] } }, Authorization => "Bearer $u->{token}"), 200, -32602,
    'arguments that are not an object are -32602');

for my $path ('/.well-known/oauth-protected-resource',
    '/.well-known/oauth-protected-resource/mcp') {
	$r = $gw->request(GET => $path);
	is_deeply($r->{json}, { resource => $gw->base_url . '/mcp',
	    authorization_servers => [ $front ],
	    bearer_methods_supported => [ 'header' ],
	    resource_name => 'aido todo list',
	    resource_documentation => $gw->base_url . '/docs' },
	    "GET $path: RFC 9728 metadata naming AUTH_ISSUER");
}

# ---------------------------------------------------------------- the tools

$r = call($u->{token}, 'add_task', { title => 'Buy milk', user_id =>
    uc($u->{id}), due_date => '2026-05-01T17:00:00Z', recurring => JSON::PP::true,
    recurring_pattern => 'weekly' });
my $res = result($r) // {};
my $id = $res->{structuredContent}{task_id} // 'none';
ok(AidoGW::is_uuid($id) && $res->{structuredContent}{status} eq 'created' &&
    !$res->{isError}, 'add_task with the caller\'s user_id (in any case) ' .
    'creates the task') or diag($r->{content});
is_deeply($AidoGW::JSON->decode($res->{content}[0]{text} // '{}'),
    $res->{structuredContent}, '... and the text block is the same JSON');
my $t = $gw->api($u->{token}, GET => "/api/tasks/$id")->{json};
ok($t->{recurring} && $t->{recurring_pattern} eq 'weekly' &&
    $t->{due_date} =~ /\A2026-05-01T17:00:00/, '... with aido\'s fields');

$r = call($u->{token}, 'update_task', { task_id => $id,
    description => "two \"litres\"\n\t\\ \x{fc}n\x{ef} \x{2713} \x{1F95B} </script>" });
$r = call($u->{token}, 'get_task', { task_id => $id });
$res = result($r) // {};
ok(($res->{structuredContent}{description} // '') =~ /\Atwo "litres"\n\t\\ /,
    'get_task gives the whole task') or diag($r->{content});
is_deeply(JSON::PP->new->decode($res->{content}[0]{text} // '{}'),
    $res->{structuredContent}, '... and its text block is the same JSON, ' .
    'quotes, controls and non-ASCII escaped right');
tool_error(call($u->{token}, 'add_task', { title => 'x' x 201,
    priority => 'urgent', colour => 'red' }),
    qr/task is invalid: title must be at most 200 characters; .*priority.*; unknown field "colour"/,
    'invalid arguments: one tool error naming every field');
tool_error(call($u->{token}, 'add_task', { title => 'x', user_id =>
    $v->{id} }), qr/user_id is not the signed-in user/,
    'another user\'s user_id: a tool error');
is(scalar(@{ $gw->api($v->{token}, GET => '/api/tasks')->{json}{items} }),
    0, '... and nothing was created for anyone');
tool_error(call($u->{token}, 'add_task', { title => 'x', user_id => 42 }),
    qr/user_id is not the signed-in user/, 'a user_id that is no string: ' .
    'the same');
tool_error(call($u->{token}, 'complete_task', {}),
    qr/task_id is required/, 'no task_id: a tool error saying so');
tool_error(call($u->{token}, 'complete_task', { task_id => 'nonsense' }),
    qr/task not found: .*call list_tasks/, 'a malformed task_id: not found');
tool_error(call($v->{token}, 'complete_task', { task_id => $id }),
    qr/task not found/, 'another user\'s task: not found');
tool_error(call($u->{token}, 'list_tasks', { status => 'done' }),
    qr/status.*must be one of all, pending, completed/,
    'a bad list filter: a tool error naming it');
tool_error(call($u->{token}, 'list_tasks', { sparkle => 1 }),
    qr/unknown field "sparkle"/, 'an unknown list argument: a tool error');

$r = call($u->{token}, 'complete_task', { task_id => $id });
is(result($r)->{structuredContent}{status}, 'completed',
    'complete_task completes it');
$t = $gw->api($u->{token}, GET => "/api/tasks/$id")->{json};
ok($t->{completed} && AidoGW::is_uuid($t->{next_occurrence_id}),
    '... and, recurring, it has its next occurrence');
$r = call($u->{token}, 'list_tasks', { status => 'pending', limit => 1,
    user_id => undef, search => undef });
my $page = result($r)->{structuredContent} // {};
ok(@{ $page->{items} // [] } == 1 && $page->{items}[0]{id} eq
    $t->{next_occurrence_id} && !defined $page->{next_cursor},
    'list_tasks (null arguments are absent ones) lists the next occurrence') or
    diag($r->{content});
$r = call($u->{token}, 'list_tasks', { limit => 1 });
$page = result($r)->{structuredContent} // {};
ok(defined $page->{next_cursor}, 'a page with more has next_cursor');
$r = call($u->{token}, 'list_tasks', { limit => 1,
    cursor => $page->{next_cursor} });
ok(@{ result($r)->{structuredContent}{items} // [] } == 1 &&
    result($r)->{structuredContent}{items}[0]{id} ne $page->{items}[0]{id},
    '... which gives the next page');

$r = call($u->{token}, 'update_task', { task_id => $id, completed =>
    JSON::PP::false, description => 'two litres' });
ok(result($r)->{structuredContent}{status} eq 'updated' &&
    !$gw->api($u->{token}, GET => "/api/tasks/$id")->{json}{completed},
    'update_task can reopen a task');
$r = call($u->{token}, 'delete_task', { task_id => $id });
is_deeply(result($r)->{structuredContent}, { task_id => $id,
    status => 'deleted', title => 'Buy milk' },
    'delete_task answers the title the task had');
is($gw->api($u->{token}, GET => "/api/tasks/$id")->{status}, 404,
    '... and it is gone');

# A signed-out session: 401, as on REST.
my $w = $gw->new_user;
is($gw->api($w->{token}, POST => '/api/auth/logout')->{status}, 204,
    'a third user signs out');
$r = call($w->{token}, 'list_tasks', {});
is($r->{status}, 401, 'tools/call with the revoked token is 401');
like(AidoGW::header($r, 'www-authenticate') // '', qr/resource_metadata=/,
    '... with the challenge');

# An external provider's token: the user is its sub.
my $now = time();
my $sub = 'ext' . AidoGW::random_hex(8);
my $ext = AidoGW::jwt_encode(secret => $hs_secret, claims => { sub => $sub,
    iss => $front, iat => $now, exp => $now + 600 });
$r = call($ext, 'add_task', { title => 'from the provider', user_id =>
    $sub });
ok(!result($r)->{isError} && result($r)->{structuredContent}{task_id},
    'a provider\'s token with its sub as user_id adds a task') or
    diag($r->{content});
tool_error(call($ext, 'add_task', { title => 'x', user_id => uc($sub) }),
    qr/user_id is not the signed-in user/,
    '... another sub (even differing in case only) is refused');
$r = $gw->api($ext, GET => '/api/tasks');
ok(@{ $r->{json}{items} // [] } == 1 && $r->{json}{items}[0]{user_id} eq
    $sub, '... and REST shows it as the provider\'s user\'s');

ok($gw->running, 'the gateway kept running');

done_testing();
