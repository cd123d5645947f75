#!/usr/bin/env perl
# API.md §3: keyset pagination of GET /api/tasks.  Walking the pages with
# next_cursor lists every task exactly once, in the order of one big page,
# for every sort, also while tasks are created and deleted between pages.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AidoGW;

my $gw = AidoGW->new;
my $u = $gw->new_user;
my $T = $u->{token};

sub list {
	my (@params) = @_;
	return ($gw->api($T, GET => '/api/tasks?' . AidoGW::qs(@params)));
}

sub ids { return ([ map { $_->{id} } @{ $_[0]{json}{items} // [] } ]) }

# Follows next_cursor from the first page; returns (ids, pages, problems).
sub walk {
	my ($params, $limit, $between) = @_;
	my (@all, @problems);
	my $cursor;
	my $pages = 0;
	while (1) {
		my $r = list(@$params, limit => $limit,
		    defined $cursor ? (cursor => $cursor) : ());
		if ($r->{status} != 200) {
			push(@problems, "page " . ($pages + 1) .
			    " answered $r->{status}: $r->{content}");
			last;
		}
		$pages++;
		my $ids = ids($r);
		push(@problems, "page $pages has " . scalar(@$ids) . " items")
		    if @$ids > $limit;
		push(@all, @$ids);
		$cursor = $r->{json}{next_cursor};
		last unless defined $cursor;
		push(@problems, "page $pages is short but has a next_cursor")
		    if @$ids < $limit;
		$between->($pages, $ids) if $between;
		if ($pages > 100) {
			push(@problems, 'more than 100 pages');
			last;
		}
	}
	return (\@all, $pages, \@problems);
}

sub dups {
	my %n;
	$n{$_}++ for @{ $_[0] };
	return (grep { $n{$_} > 1 } keys(%n));
}

# 55 tasks with many ties: 5 titles, 3 priorities, 4 due dates and none.
my @prio = qw(low medium high);
for my $i (0 .. 54) {
	my %f = (title => 'task ' . chr(ord('a') + $i % 5),
	    priority => $prio[$i % 3]);
	$f{due_date} = '2031-01-0' . ($i % 4 + 1) . 'T08:00:00Z' if $i % 5;
	$f{completed} = JSON::PP::true if $i % 7 == 0;
	$gw->new_task($u, %f);
}

{
	my $r = list();
	is(scalar(@{ ids($r) }), 50, 'the default limit is 50');
	ok(defined $r->{json}{next_cursor}, '... with a next_cursor after it');
	$r = list(limit => 100);
	is(scalar(@{ ids($r) }), 55, 'limit=100 returns all 55 tasks');
	ok(!defined $r->{json}{next_cursor}, '... and next_cursor null');
}

for my $sort (qw(-created_at created_at title -title priority -priority
    due_date -due_date)) {
	my $whole = ids(list(sort => $sort, limit => 100));
	my ($walked, $pages, $problems) = walk([ sort => $sort ], 7);
	ok(!@$problems, "sort=$sort: pages of 7 are well formed")
	    or diag(join("\n", @$problems));
	is($pages, 8, "sort=$sort: 55 tasks make 8 pages of 7");
	is_deeply($walked, $whole, "sort=$sort: the pages, one after the " .
	    'other, are the tasks in the order of one big page');
}

{
	my $whole = ids(list(status => 'pending', sort => 'title',
	    limit => 100));
	my ($walked, undef, $problems) = walk([ status => 'pending',
	    sort => 'title' ], 4);
	ok(!@$problems && @$whole == 47,
	    'a filtered list pages as well (47 pending tasks)')
	    or diag(join("\n", @$problems, scalar(@$whole) . ' pending'));
	is_deeply($walked, $whole,
	    'the pages of a filtered list are its tasks in order');
}

# Writes between pages: newest-first pages neither repeat nor skip the
# tasks that existed, and tasks created meanwhile (newer than the first
# page) do not appear.
{
	my $before = ids(list(limit => 100));
	my @new;
	my ($walked, undef, $problems) = walk([], 10, sub {
		my ($page) = @_;
		push(@new, $gw->new_task($u, title => "new $page")->{id})
		    if $page <= 3;
	});
	ok(!@$problems, 'pages stay well formed while tasks are created')
	    or diag(join("\n", @$problems));
	is_deeply($walked, $before, 'newest first, tasks created between ' .
	    'pages are neither repeated nor skipped over: each older task ' .
	    'exactly once, in order');
	my %new = map { $_ => 1 } @new;
	ok(!grep({ $new{$_} } @$walked),
	    'tasks created after the first page do not appear in later pages');
}

{
	my $before = ids(list(sort => 'created_at', limit => 100));
	my @new;
	my ($walked, undef, $problems) = walk([ sort => 'created_at' ], 10,
	    sub {
		my ($page) = @_;
		push(@new, $gw->new_task($u, title => "later $page")->{id})
		    if $page <= 2;
	});
	ok(!@$problems, 'oldest first, pages stay well formed while tasks ' .
	    'are created') or diag(join("\n", @$problems));
	is_deeply($walked, [ @$before, @new ], 'oldest first, every task ' .
	    'appears exactly once and those created meanwhile come at the end');
}

{
	my $before = ids(list(sort => 'title', limit => 100));
	my %gone;
	my ($walked, undef, $problems) = walk([ sort => 'title' ], 9, sub {
		my ($page, $ids) = @_;
		# Delete the very task the cursor names, and one further on.
		for my $id ($ids->[-1], $before->[ $page * 9 + 4 ]) {
			next unless defined $id;
			$gw->api($T, DELETE => "/api/tasks/$id");
			$gone{$id} = 1;
		}
	});
	ok(!@$problems, 'pages stay well formed while tasks are deleted, ' .
	    'even the task the cursor names') or diag(join("\n", @$problems));
	my %seen = map { $_ => 1 } @$walked;
	my @skipped = grep { !$seen{$_} && !$gone{$_} } @$before;
	ok(!@skipped, 'no remaining task is skipped')
	    or diag(scalar(@skipped) . ' skipped');
	ok(!dups($walked), 'no task is listed twice');
}

# Cursors belong to the list they came from.
{
	my $r = list(limit => 5);
	my $cursor = $r->{json}{next_cursor} // 'none';
	my $again = list(limit => 5, cursor => $cursor);
	my $once = list(limit => 5, cursor => $cursor);
	is_deeply(ids($once), ids($again), 'a cursor can be used again, ' .
	    'with the same result');
	my $page2 = ids($again);
	ok(@$page2 == 5 && !grep({ my $x = $_; grep { $_ eq $x } @$page2 }
	    @{ ids($r) }), 'the page after a cursor shares no task with the ' .
	    'page before it');
	my $o = $gw->new_user;
	my $theirs = $gw->api($o->{token}, GET => '/api/tasks?' .
	    AidoGW::qs(limit => 5, cursor => $cursor));
	ok($theirs->{status} == 400 ||
	    ($theirs->{status} == 200 && !@{ ids($theirs) }),
	    "another user's cursor shows none of its owner's tasks")
	    or diag("answered $theirs->{status}");
}

done_testing();
