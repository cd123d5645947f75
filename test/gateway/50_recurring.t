#!/usr/bin/env perl
# API.md §1: completing a recurring task creates its next occurrence, once.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AidoGW;

my $gw = AidoGW->new;
my $u = $gw->new_user;
my $T = $u->{token};
my $true = JSON::PP::true;
my $false = JSON::PP::false;

sub all_tasks {
	return ($gw->api($T, GET => '/api/tasks?limit=100')->{json}{items}
	    // []);
}

sub complete {
	my ($id, $done) = @_;
	return ($gw->api($T, PATCH => "/api/tasks/$id",
	    { completed => $done ? $true : $false }));
}

for my $c (
    [ daily => '2030-03-10T09:30:00Z', '2030-03-11T09:30:00Z' ],
    [ weekly => '2030-03-10T09:30:00+02:00', '2030-03-17T07:30:00Z' ],
    [ monthly => '2030-01-15T09:30:00Z', '2030-02-15T09:30:00Z' ],
) {
	my ($pattern, $due, $next_due) = @$c;
	my $t = $gw->new_task($u, title => "water plants $pattern",
	    description => 'the ferns', priority => 'high',
	    tags => [qw(home garden)], due_date => $due, recurring => $true,
	    recurring_pattern => $pattern);
	my $r = complete($t->{id}, 1);
	is($r->{status}, 200, "completing a $pattern task answers 200");
	my $done = $r->{json} // {};
	ok($done->{completed} && AidoGW::is_uuid($done->{next_occurrence_id}),
	    "the completed $pattern task points to its next occurrence");
	my $n = $gw->api($T, GET => "/api/tasks/" .
	    ($done->{next_occurrence_id} // 'none'))->{json} // {};
	is_deeply([ @$n{qw(title description priority tags recurring
	    recurring_pattern)} ], [ @$t{qw(title description priority tags
	    recurring recurring_pattern)} ], "the next $pattern occurrence " .
	    'has the same title, description, priority, tags and recurrence');
	ok(JSON::PP::is_bool($n->{completed}) && !$n->{completed} &&
	    !defined $n->{completed_at}, '... and is pending');
	is(AidoGW::epoch($n->{due_date}), AidoGW::epoch($next_due),
	    "... and is due one period later ($next_due)");
	is($n->{next_occurrence_id}, undef, '... and has no occurrence itself');
	isnt($n->{id}, $t->{id}, '... and is a new task');

	my $count = grep { $_->{title} eq "water plants $pattern" }
	    @{ all_tasks() };
	is($count, 2, "completing the $pattern task made exactly one new task");

	$r = complete($t->{id}, 0);
	ok($r->{status} == 200 && !$r->{json}{completed},
	    'un-completing it answers 200');
	$r = complete($t->{id}, 1);
	is($r->{json}{next_occurrence_id}, $done->{next_occurrence_id},
	    're-completing it keeps pointing to the same next occurrence');
	$count = grep { $_->{title} eq "water plants $pattern" }
	    @{ all_tasks() };
	is($count, 2, 'un-completing and re-completing does not create a ' .
	    'second occurrence');
	$r = complete($t->{id}, 1);
	$count = grep { $_->{title} eq "water plants $pattern" }
	    @{ all_tasks() };
	is($count, 2, 'completing an already completed task creates nothing');
}

# Without a due date: the next one is due one period after the completion.
{
	my $t = $gw->new_task($u, title => 'stretch', recurring => $true,
	    recurring_pattern => 'daily');
	my $before = time() - 2;
	my $done = complete($t->{id}, 1)->{json} // {};
	my $after = time() + 2;
	my $n = $gw->api($T, GET => '/api/tasks/' .
	    ($done->{next_occurrence_id} // 'none'))->{json} // {};
	my $due = AidoGW::epoch($n->{due_date});
	ok(defined $due && $due >= $before + 86400 && $due <= $after + 86400,
	    'a recurring task without a due date recurs one period after ' .
	    'its completion') or diag('due_date: ' . ($n->{due_date} // 'null'));

	# The occurrence recurs in its turn.
	my $n2 = complete($n->{id} // 'none', 1)->{json} // {};
	ok(AidoGW::is_uuid($n2->{next_occurrence_id}) &&
	    $n2->{next_occurrence_id} ne ($done->{next_occurrence_id} // ''),
	    'completing the next occurrence creates the one after it');
}

# Completion through PUT counts as completion.
{
	my $t = $gw->new_task($u, title => 'pay bill', recurring => $true,
	    recurring_pattern => 'monthly', due_date => '2030-05-01T00:00:00Z');
	my $r = $gw->api($T, PUT => "/api/tasks/$t->{id}", { title => 'pay bill',
	    recurring => $true, recurring_pattern => 'monthly',
	    due_date => '2030-05-01T00:00:00Z', completed => $true });
	ok(AidoGW::is_uuid($r->{json}{next_occurrence_id}),
	    'completing a recurring task by PUT creates its next occurrence');
}

# Non-recurring tasks just complete.
{
	my $t = $gw->new_task($u, title => 'one-off');
	my $done = complete($t->{id}, 1)->{json} // {};
	ok($done->{completed} && !defined $done->{next_occurrence_id},
	    'completing a non-recurring task creates no occurrence');
	is(scalar(grep { $_->{title} eq 'one-off' } @{ all_tasks() }), 1,
	    '... and no new task');
}

# The end of the calendar: a monthly task due 9999-12-20 completes, with no
# next occurrence after 9999-12-31 (issue 13).
{
	my $t = $gw->new_task($u, title => 'last of all', recurring => $true,
	    recurring_pattern => 'monthly', due_date => '9999-12-20T00:00:00Z');
	my $r = complete($t->{id}, 1);
	AidoGW::json_ok($r, 200, 'a monthly task due 9999-12-20 can be completed');
	ok(($r->{json} // {})->{completed} &&
	    !defined(($r->{json} // {})->{next_occurrence_id}),
	    '... and has no next occurrence');
	is(scalar(grep { $_->{title} eq 'last of all' } @{ all_tasks() }), 1,
	    '... and no new task');
}

# A task created already completed and recurring.
{
	my $t = $gw->new_task($u, title => 'created done', recurring => $true,
	    recurring_pattern => 'weekly', completed => $true,
	    due_date => '2030-06-01T00:00:00Z');
	my $n = grep { $_->{title} eq 'created done' } @{ all_tasks() };
	ok(($n == 2 && AidoGW::is_uuid($t->{next_occurrence_id})) ||
	    ($n == 1 && !defined $t->{next_occurrence_id}),
	    'a recurring task created completed either has its occurrence ' .
	    'or none, consistently');
}

done_testing();
