#!/usr/bin/env perl
# API.md §1 and §3: creating, reading, patching, replacing and deleting
# tasks; defaults; every field; ownership.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AidoGW;

my $gw = AidoGW->new;
my $u = $gw->new_user;
my $other = $gw->new_user;
my $T = $u->{token};

my @FIELDS = sort(qw(id user_id title description completed completed_at
    priority tags due_date remind_at reminded_at recurring recurring_pattern
    next_occurrence_id
    created_at updated_at));
my $JSON_TRUE = JSON::PP::true;

sub same_instant {
	my ($got, $want) = @_;
	my ($g, $w) = (AidoGW::epoch($got), AidoGW::epoch($want));
	return (defined $g && defined $w && abs($g - $w) < 0.001);
}

# Create with only a title: the defaults.
my $r = $gw->api($T, POST => '/api/tasks', { title => 'Buy milk' });
AidoGW::json_ok($r, 201, 'creating a task answers 201 with a JSON object');
my $t = $r->{json} // {};
is_deeply([ sort(keys(%$t)) ], \@FIELDS,
    'a task has exactly the fields of API.md');
ok(AidoGW::is_uuid($t->{id}), 'the task id is a UUID');
is(AidoGW::header($r, 'location'), "/api/tasks/$t->{id}",
    'the 201 carries Location: /api/tasks/{id}');
is($t->{user_id}, $u->{id}, 'the task belongs to the user of the token');
is($t->{title}, 'Buy milk', 'the title is stored');
is($t->{description}, undef, 'description defaults to null');
ok(JSON::PP::is_bool($t->{completed}) && !$t->{completed},
    'completed defaults to false (a JSON boolean)');
is($t->{completed_at}, undef, 'completed_at is null');
is($t->{priority}, 'medium', 'priority defaults to medium');
is_deeply($t->{tags}, [], 'tags default to an empty array');
is($t->{due_date}, undef, 'due_date defaults to null');
ok(JSON::PP::is_bool($t->{recurring}) && !$t->{recurring},
    'recurring defaults to false');
is($t->{recurring_pattern}, undef, 'recurring_pattern is null');
is($t->{next_occurrence_id}, undef, 'next_occurrence_id is null');
ok(AidoGW::is_rfc3339($t->{created_at}) && AidoGW::is_rfc3339($t->{updated_at}),
    'created_at and updated_at are RFC 3339 with an offset');

# Create with every field.
my $full = {
	title => '  Call mom  ',
	description => 'about Sunday',
	priority => 'high',
	tags => [ ' Family ', 'family', 'PHONE', 'x' ],
	due_date => '2031-03-04T05:06:07+02:00',
	recurring => JSON::PP::true,
	recurring_pattern => 'weekly',
	completed => JSON::PP::false,
};
$r = $gw->api($T, POST => '/api/tasks', $full);
AidoGW::json_ok($r, 201, 'a task with every editable field is created');
my $f = $r->{json} // {};
is($f->{title}, 'Call mom', 'the title is stored trimmed');
is($f->{description}, 'about Sunday', 'the description is stored');
is($f->{priority}, 'high', 'the priority is stored');
is_deeply($f->{tags}, [qw(family phone x)], 'tags are trimmed, ' .
    'lower-cased and deduplicated, first-seen order kept');
ok(same_instant($f->{due_date}, '2031-03-04T03:06:07Z') &&
    AidoGW::is_rfc3339($f->{due_date}),
    'due_date is the same instant, as RFC 3339 with an offset');
ok($f->{recurring} && $f->{recurring_pattern} eq 'weekly',
    'recurring and its pattern are stored');

{
	my $c = $gw->api($T, POST => '/api/tasks',
	    { title => 'done already', completed => JSON::PP::true })->{json};
	ok($c->{completed} && AidoGW::is_rfc3339($c->{completed_at}),
	    'a task created completed has completed_at set');
	my $unicode = "\x{1F600} caf\x{e9} \x{65e5}\x{672c}";
	$c = $gw->api($T, POST => '/api/tasks', { title => $unicode })->{json};
	is($c->{title}, $unicode, 'titles keep their Unicode characters');
}

# Read.
$r = $gw->api($T, GET => "/api/tasks/$f->{id}");
AidoGW::json_ok($r, 200, 'GET /api/tasks/{id} answers 200');
is_deeply($r->{json}, $f, 'and returns the task as created');
AidoGW::error_ok($gw->request(GET => "/api/tasks/$f->{id}"), 401, undef,
    'reading a task without a token is 401');

# Patch: only what is sent changes.
$r = $gw->api($T, PATCH => "/api/tasks/$f->{id}", { priority => 'low' });
AidoGW::json_ok($r, 200, 'PATCH answers 200 with the task');
{
	my $p = $r->{json} // {};
	is($p->{priority}, 'low', 'PATCH changes the field sent');
	my %before = %$f;
	my %after = %$p;
	delete(@before{qw(priority updated_at)});
	delete(@after{qw(priority updated_at)});
	is_deeply(\%after, \%before, 'PATCH leaves every other field as it was');
	ok(AidoGW::epoch($p->{updated_at}) >= AidoGW::epoch($f->{updated_at}),
	    'PATCH moves updated_at forward');
	is($p->{created_at}, $f->{created_at}, 'PATCH keeps created_at');
}
$r = $gw->api($T, PATCH => "/api/tasks/$f->{id}",
    { description => undef, due_date => undef });
is($r->{json}{description}, undef, 'PATCH with description null clears it');
is($r->{json}{due_date}, undef, 'PATCH with due_date null clears it');
$r = $gw->api($T, PATCH => "/api/tasks/$t->{id}",
    { tags => [ 'A', 'b' ], title => 'Buy oat milk' });
is_deeply($r->{json}{tags}, [qw(a b)], 'PATCH replaces tags, normalized');
is($r->{json}{title}, 'Buy oat milk', 'PATCH of several fields at once');
$r = $gw->api($T, PATCH => "/api/tasks/$t->{id}",
    { completed => JSON::PP::true });
ok($r->{json}{completed} && AidoGW::is_rfc3339($r->{json}{completed_at}),
    'completing a task sets completed_at');
$r = $gw->api($T, PATCH => "/api/tasks/$t->{id}",
    { completed => JSON::PP::false });
ok(!$r->{json}{completed} && !defined $r->{json}{completed_at},
    'un-completing a task clears completed_at');
$r = $gw->api($T, PATCH => "/api/tasks/$t->{id}",
    { recurring => JSON::PP::true, recurring_pattern => 'daily' });
ok($r->{json}{recurring} && ($r->{json}{recurring_pattern} // '') eq 'daily',
    'PATCH can make a task recurring');
$r = $gw->api($T, PATCH => "/api/tasks/$t->{id}",
    { recurring => JSON::PP::false, recurring_pattern => undef });
ok(!$r->{json}{recurring} && !defined $r->{json}{recurring_pattern},
    'and stop it recurring');

# Put: every editable field, absent optional ones reset.
{
	my $set = $gw->api($T, PUT => "/api/tasks/$f->{id}", {
	    title => 'all set', description => 'd', priority => 'high',
	    tags => ['t'], due_date => '2032-01-01T00:00:00Z',
	    recurring => JSON::PP::true, recurring_pattern => 'monthly',
	    completed => JSON::PP::false });
	AidoGW::json_ok($set, 200, 'PUT with every field answers 200');
	is($set->{json}{title}, 'all set', 'PUT sets the title');
	is($set->{json}{recurring_pattern}, 'monthly', 'PUT sets the pattern');

	my $done = $gw->new_task($u, title => 'was done', description => 'd',
	    priority => 'low', tags => ['x'],
	    due_date => '2032-01-01T00:00:00Z', completed => JSON::PP::true);
	$r = $gw->api($T, PUT => "/api/tasks/$done->{id}",
	    { title => 'only a title' });
	AidoGW::json_ok($r, 200, 'PUT with only a title answers 200');
	my $p = $r->{json} // {};
	is($p->{title}, 'only a title', 'PUT sets the title');
	is($p->{description}, undef, 'PUT resets an absent description to null');
	is($p->{priority}, 'medium', 'PUT resets an absent priority to medium');
	is_deeply($p->{tags}, [], 'PUT resets absent tags to []');
	is($p->{due_date}, undef, 'PUT resets an absent due_date to null');
	ok(JSON::PP::is_bool($p->{completed}) && !$p->{completed},
	    'PUT resets an absent completed to false');
	is($p->{completed_at}, undef, '... and clears completed_at');
	ok(!$p->{recurring} && !defined $p->{recurring_pattern},
	    'PUT resets absent recurrence to none');
	is($p->{id}, $done->{id}, 'PUT keeps the id');
	is($p->{created_at}, $done->{created_at}, 'PUT keeps created_at');

	$r = $gw->api($T, PUT => "/api/tasks/$set->{json}{id}",
	    { title => 'no recurrence' });
	ok(!$r->{json}{recurring} && !defined $r->{json}{recurring_pattern},
	    'PUT without recurrence on a recurring task stops it recurring');

	$r = $gw->api($T, PUT => "/api/tasks/$done->{id}",
	    { description => 'no title' });
	AidoGW::validation_ok($r, 'title', 'required',
	    'PUT without a title is 422 required');
}

# Delete.
{
	my $d = $gw->new_task($u, title => 'to delete');
	$r = $gw->api($T, DELETE => "/api/tasks/$d->{id}");
	is($r->{status}, 204, 'DELETE answers 204');
	is($r->{content}, '', 'with an empty body');
	AidoGW::error_ok($gw->api($T, GET => "/api/tasks/$d->{id}"), 404,
	    'not_found', 'a deleted task is 404 not_found');
	AidoGW::error_ok($gw->api($T, DELETE => "/api/tasks/$d->{id}"), 404,
	    'not_found', 'deleting it again is 404');
	AidoGW::error_ok($gw->api($T, PATCH => "/api/tasks/$d->{id}",
	    { title => 'x' }), 404, 'not_found', 'patching it is 404');
	AidoGW::error_ok($gw->api($T, PUT => "/api/tasks/$d->{id}",
	    { title => 'x' }), 404, 'not_found', 'replacing it is 404');
	my $ids = join(' ', map { $_->{id} } @{ $gw->api($T,
	    GET => '/api/tasks?limit=100')->{json}{items} // [] });
	unlike($ids, qr/\Q$d->{id}\E/, 'and it is gone from the list');
}

# Someone else's task, and ids that do not exist or are malformed.
{
	my $O = $other->{token};
	my $p = "/api/tasks/$f->{id}";
	AidoGW::error_ok($gw->api($O, GET => $p), 404, 'not_found',
	    "reading another user's task is 404");
	AidoGW::error_ok($gw->api($O, PATCH => $p, { title => 'mine' }), 404,
	    'not_found', "patching another user's task is 404");
	AidoGW::error_ok($gw->api($O, PUT => $p, { title => 'mine' }), 404,
	    'not_found', "replacing another user's task is 404");
	AidoGW::error_ok($gw->api($O, DELETE => $p), 404, 'not_found',
	    "deleting another user's task is 404");
	is($gw->api($T, GET => $p)->{json}{title}, 'no recurrence',
	    "and the owner's task is unchanged");
	is(scalar(@{ $gw->api($O, GET => '/api/tasks')->{json}{items} // [1] }),
	    0, "another user's list does not show it");

	for my $id ('00000000-0000-4000-8000-000000000000', 'abc', '123',
	    "$f->{id}x", substr($f->{id}, 0, 35), 'null') {
		AidoGW::error_ok($gw->api($T, GET => "/api/tasks/$id"), 404,
		    undef, "GET of task id '$id' is 404");
	}
	AidoGW::error_ok($gw->api($T, PATCH => '/api/tasks/abc',
	    { title => 'x' }), 404, undef, 'PATCH of a malformed id is 404');
	AidoGW::error_ok($gw->api($T, DELETE => '/api/tasks/abc'), 404, undef,
	    'DELETE of a malformed id is 404');
	AidoGW::error_ok($gw->api($T, PUT => '/api/tasks/abc',
	    { title => 'x' }), 404, undef, 'PUT of a malformed id is 404');
}

done_testing();
