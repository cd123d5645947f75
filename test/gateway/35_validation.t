#!/usr/bin/env perl
# API.md §1 "Task rules" and §3: every validation code, as a 422
# {code: "validation_failed", detail, errors: [{field, code, message}]}, on
# POST, PATCH and PUT; a refused write changes nothing.

use strict;
use warnings;
use utf8;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AidoGW;

my $gw = AidoGW->new;
my $u = $gw->new_user;
my $T = $u->{token};
my $true = JSON::PP::true;
my $false = JSON::PP::false;

# [body, field (string or regex), code, what]; each body is a valid task
# but for the one thing named.
my @bad = (
    [ {}, 'title', 'required', 'a task without a title' ],
    [ { title => undef }, 'title', undef, 'a null title' ],
    [ { title => '' }, 'title', 'blank', 'an empty title' ],
    [ { title => "  \t " }, 'title', 'blank', 'a title of spaces' ],
    [ { title => 'x' x 201 }, 'title', 'too_long', 'a 201-character title' ],
    [ { title => 'é' x 201 }, 'title', 'too_long',
      'a title of 201 two-byte characters' ],
    [ { title => 5 }, 'title', 'wrong_type', 'a numeric title' ],
    [ { title => ['a'] }, 'title', 'wrong_type', 'an array title' ],
    [ { title => 't', description => 'd' x 1001 }, 'description',
      'too_long', 'a 1001-character description' ],
    [ { title => 't', description => 5 }, 'description', 'wrong_type',
      'a numeric description' ],
    [ { title => 't', priority => 'urgent' }, 'priority', 'invalid_choice',
      'an unknown priority' ],
    [ { title => 't', priority => 'HIGH' }, 'priority', 'invalid_choice',
      'a priority in capitals' ],
    [ { title => 't', priority => undef }, 'priority', undef,
      'a null priority' ],
    [ { title => 't', priority => 2 }, 'priority', 'wrong_type',
      'a numeric priority' ],
    [ { title => 't', tags => [ map { "t$_" } 1 .. 21 ] }, 'tags',
      'too_many', '21 tags' ],
    [ { title => 't', tags => [ 'x' x 51 ] }, qr/\Atags/, 'too_long',
      'a 51-character tag' ],
    [ { title => 't', tags => ['  '] }, qr/\Atags/, 'blank', 'a blank tag' ],
    [ { title => 't', tags => 'home' }, 'tags', 'wrong_type',
      'tags given as a string' ],
    [ { title => 't', tags => [1] }, qr/\Atags/, 'wrong_type',
      'a numeric tag' ],
    [ { title => 't', due_date => '2030-01-01' }, 'due_date',
      'invalid_datetime', 'a due_date without a time' ],
    [ { title => 't', due_date => '2030-01-01T10:00:00' }, 'due_date',
      'invalid_datetime', 'a due_date without an offset' ],
    [ { title => 't', due_date => '2030-02-30T10:00:00Z' }, 'due_date',
      'invalid_datetime', 'a due_date on February 30th' ],
    [ { title => 't', due_date => 'tomorrow' }, 'due_date',
      'invalid_datetime', 'a due_date of "tomorrow"' ],
    [ { title => 't', due_date => 1893456000 }, 'due_date', 'wrong_type',
      'a numeric due_date' ],
    # what the validator once let through to the database (issue 13):
    # 22008 and a 500, or a row it could not read back
    [ { title => 't', due_date => '2026-12-31T23:59:60.5Z' }, 'due_date',
      'invalid_datetime', 'a due_date in a leap second with a fraction' ],
    [ { title => 't', due_date => '0001-01-01T00:00:00+14:00' }, 'due_date',
      'invalid_datetime', 'a due_date in 1 BC once in UTC' ],
    [ { title => 't', due_date => '9999-12-31T23:59:59-15:59' }, 'due_date',
      'invalid_datetime', 'a due_date in 10000 once in UTC' ],
    [ { title => 't', recurring => $true }, qr/\Arecurring(_pattern)?\z/,
      'inconsistent', 'recurring without a pattern' ],
    [ { title => 't', recurring => $false, recurring_pattern => 'daily' },
      qr/\Arecurring(_pattern)?\z/, 'inconsistent',
      'a pattern on a task that does not recur' ],
    [ { title => 't', recurring_pattern => 'daily' },
      qr/\Arecurring(_pattern)?\z/, 'inconsistent',
      'a pattern without recurring' ],
    [ { title => 't', recurring => $true, recurring_pattern => 'yearly' },
      'recurring_pattern', 'invalid_choice', 'an unknown pattern' ],
    [ { title => 't', recurring => 'yes' }, 'recurring', 'wrong_type',
      'recurring as a string' ],
    [ { title => 't', completed => 'true' }, 'completed', 'wrong_type',
      'completed as a string' ],
    [ { title => 't', completed => 1 }, 'completed', 'wrong_type',
      'completed as a number' ],
    [ { title => 't', colour => 'red' }, 'colour', 'unknown_field',
      'an unknown field' ],
    [ { title => 't', Title => 'x' }, 'Title', 'unknown_field',
      'a field name in the wrong case' ],
);
for my $ro (qw(id user_id created_at updated_at completed_at
    next_occurrence_id)) {
	my $v = $ro =~ /_at\z/ ? '2030-01-01T00:00:00Z' :
	    '00000000-0000-4000-8000-000000000000';
	push(@bad, [ { title => 't', $ro => $v }, $ro, 'read_only',
	    "a task that sets $ro" ]);
}

for my $c (@bad) {
	my ($body, $field, $code, $what) = @$c;
	my $r = $gw->api($T, POST => '/api/tasks', $body);
	AidoGW::validation_ok($r, $field, $code, "creating $what is 422" .
	    (defined $code ? " $code" : '') . ' on ' .
	    (ref($field) ? 'that field' : $field));
}

{
	my $r = $gw->api($T, POST => '/api/tasks',
	    { title => '', priority => 'urgent', colour => 'red' });
	my %codes = map { ($_->{field} // '') => ($_->{code} // '') }
	    @{ $r->{json}{errors} // [] };
	is_deeply({ map { $_ => $codes{$_} } qw(title priority colour) },
	    { title => 'blank', priority => 'invalid_choice',
	    colour => 'unknown_field' },
	    'several problems at once are all reported');
	is(scalar(@{ $gw->api($T, GET => '/api/tasks')->{json}{items} // [1] }),
	    0, 'no refused task was created');
}

# Boundaries that are valid.
for my $c (
    [ { title => 'x' x 200 }, 'a 200-character title' ],
    [ { title => 'é' x 200 }, 'a title of 200 two-byte characters' ],
    [ { title => 't', description => 'd' x 1000 },
      'a 1000-character description' ],
    [ { title => 't', description => 'é' x 1000 },
      'a description of 1000 two-byte characters' ],
    [ { title => 't', tags => [ map { "t$_" } 1 .. 20 ] }, '20 tags' ],
    [ { title => 't', tags => [ ('same') x 25 ] },
      '25 copies of one tag (one after deduplication)' ],
    [ { title => 't', tags => [ 'x' x 50 ] }, 'a 50-character tag' ],
    [ { title => 't', due_date => '2030-01-01T10:00:00.123456-05:30' },
      'a due_date with fractions and a negative offset' ],
    [ { title => 't', due_date => '2030-01-01T10:00:00z' },
      'a due_date with a lower-case z' ],
    [ { title => 't', description => undef, tags => [], due_date => undef,
      recurring => $false, recurring_pattern => undef },
      'explicit nulls and defaults' ],
) {
	my ($body, $what) = @$c;
	is($gw->api($T, POST => '/api/tasks', $body)->{status}, 201,
	    "$what is accepted");
}

# PATCH: a partial body is checked field by field.
my $task = $gw->new_task($u, title => 'keep me', priority => 'high');
my $path = "/api/tasks/$task->{id}";
for my $c (
    [ { title => '' }, 'title', 'blank', 'an empty title' ],
    [ { title => undef }, 'title', undef, 'a null title' ],
    [ { title => 'x' x 201 }, 'title', 'too_long', 'a 201-character title' ],
    [ { priority => 'urgent' }, 'priority', 'invalid_choice',
      'an unknown priority' ],
    [ { tags => [ map { "t$_" } 1 .. 21 ] }, 'tags', 'too_many', '21 tags' ],
    [ { due_date => 'next week' }, 'due_date', 'invalid_datetime',
      'a due_date that is not RFC 3339' ],
    [ { recurring => $true }, qr/\Arecurring(_pattern)?\z/, 'inconsistent',
      'recurring without a pattern on a task that has none' ],
    [ { completed => 'yes' }, 'completed', 'wrong_type',
      'completed as a string' ],
    [ { colour => 'red' }, 'colour', 'unknown_field', 'an unknown field' ],
    [ { id => '00000000-0000-4000-8000-000000000000' }, 'id', 'read_only',
      'the id' ],
    [ { user_id => $u->{id} }, 'user_id', 'read_only', 'the user_id' ],
    [ { created_at => '2030-01-01T00:00:00Z' }, 'created_at', 'read_only',
      'created_at' ],
    [ { next_occurrence_id => undef }, 'next_occurrence_id', 'read_only',
      'next_occurrence_id' ],
) {
	my ($body, $field, $code, $what) = @$c;
	my $r = $gw->api($T, PATCH => $path, $body);
	AidoGW::validation_ok($r, $field, $code, "patching $what is 422" .
	    (defined $code ? " $code" : '') . ' on ' .
	    (ref($field) ? 'that field' : $field));
}
{
	my $r = $gw->api($T, GET => $path);
	is_deeply($r->{json}, $task, 'no refused PATCH changed the task');
	$r = $gw->api($T, PATCH => $path, { recurring => $true,
	    recurring_pattern => 'daily' });
	is($r->{status}, 200, 'recurring with its pattern in one PATCH is valid');
	$r = $gw->api($T, PATCH => $path, { recurring_pattern => 'weekly' });
	is($r->{status}, 200,
	    'changing only the pattern of a recurring task is valid');
	$r = $gw->api($T, PATCH => $path, { recurring => $false });
	ok($r->{status} == 200 || $r->{status} == 422,
	    'stopping recurrence without clearing the pattern is either ' .
	    'accepted or refused') or diag("answered $r->{status}");
	if ($r->{status} == 200) {
		is($r->{json}{recurring_pattern}, undef,
		    '... and, when accepted, the pattern is cleared');
	} else {
		AidoGW::validation_ok($r, qr/\Arecurring(_pattern)?\z/,
		    'inconsistent', '... and, when refused, it is inconsistent');
	}
}

# PUT checks the whole task.
for my $c (
    [ {}, 'title', 'required', 'an empty body' ],
    [ { title => 't', priority => 'urgent' }, 'priority', 'invalid_choice',
      'an unknown priority' ],
    [ { title => 't', colour => 'red' }, 'colour', 'unknown_field',
      'an unknown field' ],
    [ { title => 't', id => $task->{id} }, 'id', 'read_only', 'the id' ],
    [ { title => 't', updated_at => '2030-01-01T00:00:00Z' }, 'updated_at',
      'read_only', 'updated_at' ],
) {
	my ($body, $field, $code, $what) = @$c;
	AidoGW::validation_ok($gw->api($T, PUT => $path, $body), $field, $code,
	    "replacing with $what is 422 $code");
}

# A JSON value that is not an object is not a task.
for my $body ('[]', '"title"', '42', 'null') {
	my $r = $gw->api($T, POST => '/api/tasks', $body,
	    { 'Content-Type' => 'application/json' });
	ok($r->{status} == 400 || $r->{status} == 422,
	    "a body of $body is refused with 400 or 422")
	    or diag("answered $r->{status}");
	AidoGW::error_ok($r, $r->{status}, undef, '... with an error body')
	    if $r->{status} == 400 || $r->{status} == 422;
}

done_testing();
