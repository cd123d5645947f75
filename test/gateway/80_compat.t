#!/usr/bin/env perl
# API.md §3.1: the "Evolution of Todo" routes with the user id in the path.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AidoGW;
use JSON::PP;

my $gw = AidoGW->new;
my $u = $gw->new_user;
my $other = $gw->new_user;
my $T = $u->{token};
my $base = "/api/$u->{id}/tasks";

# The items of a compatibility list answer: a bare array.
sub items { return (ref($_[0]{json}) eq 'ARRAY' ? $_[0]{json} : []) }

my $r = $gw->api($T, POST => $base, { title => 'compat task',
    priority => 'high' });
AidoGW::json_ok($r, 201, "POST /api/{user_id}/tasks answers 201");
my $t = $r->{json} // {};
my $tid = $t->{id} // 'missing';
is($t->{title}, 'compat task', '... with the task');
is($t->{user_id}, $u->{id}, '... belonging to the user');
is(AidoGW::header($r, 'location'), "$base/" . ($t->{id} // ''),
    '... and Location names it under the same user');
is_deeply($gw->api($T, GET => "/api/tasks/$tid")->{json}, $t,
    'it is the same task as on /api/tasks/{id}');

$r = $gw->api($T, GET => $base);
AidoGW::json_ok($r, 200, 'GET /api/{user_id}/tasks answers 200 with a ' .
    'bare JSON array', 'ARRAY');
is_deeply([ map { $_->{id} } @{ items($r) } ], [ $tid ],
    '... holding the tasks');
ok(!defined AidoGW::header($r, 'x-next-cursor'),
    'no X-Next-Cursor when nothing follows');

$r = $gw->api($T, GET => "$base/$tid");
AidoGW::json_ok($r, 200, 'GET /api/{user_id}/tasks/{id} answers 200');
is_deeply($r->{json}, $t, '... with the task');
$r = $gw->api($T, PATCH => "$base/$tid", { priority => 'low' });
is($r->{status}, 200, 'PATCH /api/{user_id}/tasks/{id} answers 200');
is($r->{json}{priority}, 'low', '... and changes the field');
is($r->{json}{title}, 'compat task', '... and only that one');
$r = $gw->api($T, PUT => "$base/$tid", { title => 'replaced' });
is($r->{status}, 200, 'PUT /api/{user_id}/tasks/{id} answers 200');
is($r->{json}{title}, 'replaced', '... and changes the field sent');
is($r->{json}{priority}, 'low', '... and keeps those it was not sent');

# How the real frontend edits a task: PUT {title, description} on a
# completed one; the task stays completed, due date and tags kept (issue
# 13).  The native PUT /api/tasks/{id} stays a full replace (30_tasks.t).
{
	my $done = $gw->new_task($u, title => 'done', priority => 'high',
	    tags => ['t'], due_date => '2032-01-01T00:00:00Z',
	    completed => JSON::PP::true);
	my $e = $gw->api($T, PUT => "$base/$done->{id}",
	    { title => 'edited', description => 'new words' });
	AidoGW::json_ok($e, 200, 'PUT {title, description} on a completed ' .
	    'task answers 200');
	my $j = $e->{json} // {};
	is_deeply([ @$j{qw(title description)} ], [ 'edited', 'new words' ],
	    '... with the fields sent');
	ok($j->{completed} && $j->{completed_at} eq $done->{completed_at},
	    '... and the task still completed, since the same moment');
	is_deeply([ @$j{qw(priority tags due_date)} ],
	    [ 'high', ['t'], $done->{due_date} ],
	    '... priority, tags and due date kept');
	my $bad = $gw->api($T, PUT => "$base/$done->{id}", { title => '' });
	is($bad->{status}, 422, 'a field sent is still validated (422)');
	$gw->api($T, DELETE => "/api/tasks/$done->{id}");
}

$r = $gw->api($T, PATCH => "$base/$tid/complete");
AidoGW::json_ok($r, 200,
    'PATCH /api/{user_id}/tasks/{id}/complete without a body answers 200');
ok($r->{json}{completed} && AidoGW::is_rfc3339($r->{json}{completed_at}),
    '... and completes the task');
$r = $gw->api($T, PATCH => "$base/$tid/complete");
ok($r->{status} == 200 && !$r->{json}{completed},
    'toggling again makes it pending');
$r = $gw->raw_request("PATCH $base/$tid/complete HTTP/1.1\r\n" .
    "Host: 127.0.0.1\r\nAuthorization: Bearer $T\r\n" .
    "Connection: close\r\n\r\n");
is($r->{status}, 200,
    'toggling works without a Content-Length header too');
{
	my $rt = $gw->api($T, POST => $base, { title => 'weekly', recurring =>
	    JSON::PP::true, recurring_pattern => 'weekly' })->{json} // {};
	$rt->{id} //= 'missing';
	$r = $gw->api($T, PATCH => "$base/$rt->{id}/complete");
	ok(AidoGW::is_uuid($r->{json}{next_occurrence_id}),
	    'completing a recurring task by toggle creates its next ' .
	    'occurrence');
	$gw->api($T, PATCH => "$base/$rt->{id}/complete");
	$r = $gw->api($T, PATCH => "$base/$rt->{id}/complete");
	my $n = grep { $_->{title} eq 'weekly' }
	    @{ items($gw->api($T, GET => $base)) };
	is($n, 2, 'toggling it off and on again creates no second occurrence');
}

AidoGW::validation_ok($gw->api($T, POST => $base, { title => '' }),
    'title', 'blank', 'a blank title on the compatibility route is 422');
AidoGW::error_ok($gw->api($T, GET => "$base/abc"), 404, undef,
    'a malformed task id is 404');

# Another user's id in the path: 403, whatever follows.
for my $c ([ GET => "/api/$other->{id}/tasks" ],
    [ POST => "/api/$other->{id}/tasks", { title => 'x' } ],
    [ GET => "/api/$other->{id}/tasks/$tid" ],
    [ PATCH => "/api/$other->{id}/tasks/$tid", { title => 'x' } ],
    [ PUT => "/api/$other->{id}/tasks/$tid", { title => 'x' } ],
    [ DELETE => "/api/$other->{id}/tasks/$tid" ],
    [ PATCH => "/api/$other->{id}/tasks/$tid/complete" ],
    [ GET => '/api/not-a-uuid/tasks' ],
    [ GET => '/api/00000000-0000-4000-8000-000000000000/tasks' ]) {
	my ($m, $p, $body) = @$c;
	(my $shown = $p) =~ s/[0-9a-f]{8}-[0-9a-f-]{27}/{id}/g;
	AidoGW::error_ok($gw->api($T, $m, $p, $body), 403, 'forbidden',
	    "$m $shown with a user id that is not the token's is 403 " .
	    'forbidden');
}
AidoGW::error_ok($gw->request(GET => $base), 401, undef,
    'the compatibility list without a token is 401');
is($gw->api($other->{token}, GET => "/api/$other->{id}/tasks/$tid")
    ->{status}, 404, "another user's task under their own id is 404");

# The list: same parameters, limit 100 by default, next cursor in a header.
{
	$gw->api($T, POST => $base, { title => "bulk $_",
	    priority => $_ % 2 ? 'low' : 'high' }) for 1 .. 102;
	$r = $gw->api($T, GET => $base);
	is(scalar(@{ items($r) }), 100,
	    'the compatibility list returns 100 tasks by default');
	my $cursor = AidoGW::header($r, 'x-next-cursor');
	ok(defined $cursor && length($cursor),
	    '... and the next cursor in X-Next-Cursor');
	my $r2 = $gw->api($T, GET => "$base?" .
	    AidoGW::qs(cursor => $cursor // 'none'));
	my %seen;
	$seen{ $_->{id} }++ for @{ items($r) }, @{ items($r2) };
	is(scalar(keys(%seen)), 105, 'the next page holds the rest, ' .
	    'without repeats');
	$r = $gw->api($T, GET => "$base?" . AidoGW::qs(priority => 'low',
	    status => 'pending', sort => 'title', limit => 10));
	my @items = @{ items($r) };
	ok(@items == 10 && !grep({ $_->{priority} ne 'low' } @items),
	    'the query parameters of /api/tasks work on the compatibility list');
	AidoGW::error_ok($gw->api($T, GET => "$base?limit=0"), 400,
	    'invalid_parameter', 'an invalid limit is 400 there too');
	$r = $gw->api($T, GET => $base, undef,
	    { Origin => $AidoGW::ORIGIN });
	like(lc(AidoGW::header($r, 'access-control-expose-headers') // ''),
	    qr/\bx-next-cursor\b/, 'a browser frontend may read X-Next-Cursor ' .
	    '(Access-Control-Expose-Headers)');
	is(AidoGW::header($r, 'access-control-allow-credentials'), 'true',
	    '... also when it fetches with credentials: "include"');
}

# A browser frontend's preflights (FRONTEND_URL).
for my $c ([ "$base/$tid/complete", 'PATCH' ], [ "$base/$tid", 'PUT' ],
    [ "$base/$tid", 'DELETE' ], [ $base, 'POST' ]) {
	my ($path, $method) = @$c;
	(my $shown = $path) =~ s/[0-9a-f]{8}-[0-9a-f-]{27}/{id}/g;
	$r = $gw->request(OPTIONS => $path, { Origin => $AidoGW::ORIGIN2,
	    'Access-Control-Request-Method' => $method,
	    'Access-Control-Request-Headers' => 'authorization,content-type' });
	my $m = uc(AidoGW::header($r, 'access-control-allow-methods') // '');
	my $h = lc(AidoGW::header($r, 'access-control-allow-headers') // '');
	ok($r->{status} == 204 && $m =~ /\b$method\b/ &&
	    $h =~ /\bauthorization\b/ && $h =~ /\bcontent-type\b/ &&
	    (AidoGW::header($r, 'access-control-allow-origin') // '') eq
	    $AidoGW::ORIGIN2, "a preflight of $method $shown is allowed") or
	    diag("$r->{status} methods '$m' headers '$h'");
	cmp_ok(AidoGW::header($r, 'access-control-max-age') // 0, '>=', 600,
	    '... and cached by the browser');
}

$r = $gw->api($T, DELETE => "$base/$tid");
is($r->{status}, 204, 'DELETE /api/{user_id}/tasks/{id} answers 204');
is($gw->api($T, GET => "$base/$tid")->{status}, 404,
    '... and the task is gone');

done_testing();
