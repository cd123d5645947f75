#!/usr/bin/env perl
# API.md §3 GET /api/tasks: filters (status, priority, tag, q, due_before,
# due_after), every sort, and 400 naming the parameter for every invalid
# value.

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

sub list {
	my ($token, @params) = @_;
	my $q = @params ? '?' . AidoGW::qs(@params) : '';
	return ($gw->api($token, GET => "/api/tasks$q"));
}

# The titles of a list answer, in order.
sub titles {
	my ($r) = @_;
	return ([ map { $_->{title} } @{ $r->{json}{items} // [] } ]);
}

sub sorted { return ([ sort(@{ $_[0] }) ]) }

# Filters.
my %D = (j10 => '2030-01-10T00:00:00Z', j20 => '2030-01-20T00:00:00Z',
    j30 => '2030-01-30T00:00:00Z');
my @tasks = (
    { title => 'Pay rent', priority => 'high', tags => [qw(home money)],
      due_date => $D{j10}, description => 'monthly transfer' },
    { title => 'Buy 100% juice', priority => 'low', tags => ['shopping'],
      due_date => $D{j20}, completed => $true },
    { title => 'Buy 1000 apples', priority => 'medium',
      tags => [qw(shopping home)] },
    { title => 'fix a_b test', priority => 'medium', tags => ['work'],
      due_date => $D{j30}, description => 'see ticket' },
    { title => 'fix axb test', priority => 'low', completed => $true,
      description => 'Rent is due' },
    { title => 'Weekly review', priority => 'high', tags => ['work'],
      due_date => '2030-01-20T01:00:00+01:00' },
);
$gw->new_task($u, %$_) for @tasks;

{
	my $r = list($T);
	AidoGW::json_ok($r, 200, 'GET /api/tasks answers 200');
	is_deeply([ sort(keys(%{ $r->{json} // {} })) ],
	    [qw(items next_cursor)], 'the page is {items, next_cursor}');
	is_deeply(titles($r), [ reverse(map { $_->{title} } @tasks) ],
	    'by default all tasks are listed, newest first');
	ok(exists $r->{json}{next_cursor} && !defined $r->{json}{next_cursor},
	    'next_cursor is null when nothing follows');
	AidoGW::error_ok($gw->request(GET => '/api/tasks'), 401, undef,
	    'listing without a token is 401');
	my $other = $gw->new_user;
	is_deeply(titles(list($other->{token})), [],
	    "another user's list is empty");
}

for my $c (
    [ [ status => 'all' ], [ map { $_->{title} } @tasks ], 'status=all' ],
    [ [ status => 'pending' ],
      [ 'Pay rent', 'Buy 1000 apples', 'fix a_b test', 'Weekly review' ],
      'status=pending' ],
    [ [ status => 'completed' ], [ 'Buy 100% juice', 'fix axb test' ],
      'status=completed' ],
    [ [ priority => 'high' ], [ 'Pay rent', 'Weekly review' ],
      'priority=high' ],
    [ [ priority => 'low' ], [ 'Buy 100% juice', 'fix axb test' ],
      'priority=low' ],
    [ [ priority => 'medium' ], [ 'Buy 1000 apples', 'fix a_b test' ],
      'priority=medium' ],
    [ [ tag => 'shopping' ], [ 'Buy 100% juice', 'Buy 1000 apples' ],
      'tag=shopping' ],
    [ [ tag => 'home' ], [ 'Pay rent', 'Buy 1000 apples' ], 'tag=home' ],
    [ [ tag => 'none-such' ], [], 'tag of no task' ],
    [ [ q => 'rent' ], [ 'Pay rent', 'fix axb test' ],
      'q=rent (in a title or a description)' ],
    [ [ q => 'RENT' ], [ 'Pay rent', 'fix axb test' ],
      'q=RENT (case-insensitive)' ],
    [ [ q => 'buy' ], [ 'Buy 100% juice', 'Buy 1000 apples' ], 'q=buy' ],
    [ [ q => '100%' ], ['Buy 100% juice'], 'q=100% (% is literal)' ],
    [ [ q => '%' ], ['Buy 100% juice'], 'q=% (matches only a real %)' ],
    [ [ q => 'a_b' ], ['fix a_b test'], 'q=a_b (_ is literal)' ],
    [ [ q => '_' ], ['fix a_b test'], 'q=_ (matches only a real _)' ],
    [ [ q => 'ticket' ], ['fix a_b test'], 'q matching a description' ],
    [ [ due_before => $D{j20} ], ['Pay rent'],
      'due_before is exclusive and skips tasks without a due date' ],
    [ [ due_after => $D{j20} ], ['fix a_b test'],
      'due_after is exclusive and skips tasks without a due date' ],
    [ [ due_after => $D{j10}, due_before => $D{j30} ],
      [ 'Buy 100% juice', 'Weekly review' ],
      'due_after and due_before together' ],
    [ [ due_before => '2030-01-20T01:00:00+01:00' ], ['Pay rent'],
      'due_before compares instants, whatever the offset' ],
    [ [ due_before => '2100-01-01T00:00:00Z' ],
      [ 'Pay rent', 'Buy 100% juice', 'fix a_b test', 'Weekly review' ],
      'a far due_before never matches tasks without a due date' ],
    [ [ due_after => '1970-01-01T00:00:00Z' ],
      [ 'Pay rent', 'Buy 100% juice', 'fix a_b test', 'Weekly review' ],
      'an early due_after never matches tasks without a due date' ],
    [ [ status => 'pending', priority => 'high', tag => 'work' ],
      ['Weekly review'], 'filters combine' ],
    [ [ q => 'buy', status => 'completed' ], ['Buy 100% juice'],
      'q combines with status' ],
    [ [ _ => '1700000000' ], [ map { $_->{title} } @tasks ],
      'an unknown parameter (a cache-buster) is ignored' ],
) {
	my ($params, $want, $what) = @$c;
	my $r = list($T, @$params);
	is($r->{status}, 200, "$what answers 200");
	is_deeply(sorted(titles($r)), sorted($want), "$what lists " .
	    (@$want ? join(', ', @$want) : 'nothing'));
}

# Invalid parameters: 400 invalid_parameter naming the parameter.
for my $c (
    [ status => 'done' ], [ status => '' ], [ status => 'PENDING' ],
    [ priority => 'urgent' ], [ priority => '' ],
    [ sort => 'foo' ], [ sort => '' ], [ sort => 'due' ],
    [ sort => '--title' ],
    [ limit => '0' ], [ limit => '101' ], [ limit => 'abc' ],
    [ limit => '' ], [ limit => '-1' ], [ limit => '1.5' ],
    [ limit => '10abc' ],
    [ due_before => 'tomorrow' ], [ due_before => '2030-01-01' ],
    [ due_before => '' ], [ due_before => '2030-01-01T00:00:00' ],
    [ due_after => 'yesterday' ], [ due_after => '2030-13-01T00:00:00Z' ],
    [ due_after => '' ],
    [ cursor => 'garbage' ], [ cursor => '' ], [ cursor => '!!!' ],
    [ cursor => AidoGW::b64url('{"x":1}') ],
    [ cursor => AidoGW::b64url('["-created_at",null,"2030-01-01",1]') ],
    [ tag => '' ], [ q => '' ],
) {
	my ($p, $v) = @$c;
	my $r = list($T, $p, $v);
	AidoGW::error_ok($r, 400, 'invalid_parameter',
	    "$p='$v' is 400 invalid_parameter");
	like($r->{json}{detail} // '', qr/\b\Q$p\E\b/,
	    "... and the error names $p");
}

# Limits that are valid.
{
	my $r = list($T, limit => 1);
	is(scalar(@{ $r->{json}{items} // [] }), 1, 'limit=1 gives one task');
	ok(defined $r->{json}{next_cursor} && !ref($r->{json}{next_cursor}) &&
	    length($r->{json}{next_cursor}),
	    '... and a next_cursor string since more follow');
	$r = list($T, limit => 100);
	is(scalar(@{ $r->{json}{items} // [] }), 6, 'limit=100 is allowed');
	$r = list($T, limit => 6);
	ok(exists $r->{json}{next_cursor} && !defined $r->{json}{next_cursor},
	    'a page that ends exactly at the last task has next_cursor null')
	    or diag('next_cursor: ' . ($r->{json}{next_cursor} // 'null'));
}

# Sorts.  Ties must be broken by created_at then id, in one direction per
# sort; tasks without a due date together at one end.
my $s = $gw->new_user;
my @st = (
    { title => 'delta', priority => 'medium', due => 2 },
    { title => 'alpha', priority => 'high', due => undef },
    { title => 'charlie', priority => 'low', due => 1 },
    { title => 'bravo', priority => 'medium', due => 2 },
    { title => 'alpha', priority => 'low', due => 3 },
    { title => 'echo', priority => 'high', due => undef },
    { title => 'bravo', priority => 'medium', due => undef },
    { title => 'alpha', priority => 'medium', due => 1 },
);
my @ids;
for my $t (@st) {
	my %f = (title => $t->{title}, priority => $t->{priority});
	$f{due_date} = "2031-0$t->{due}-01T12:00:00Z" if defined $t->{due};
	push(@ids, $gw->new_task($s, %f)->{id});
}
my %rank = (low => 1, medium => 2, high => 3);

# The acceptable orders of @st under a key: ties by creation order (asc or
# desc), undefined keys first or last.
sub orders {
	my ($key, $desc) = @_;
	my @out;
	for my $tie (1, -1) {
		for my $nulls (1, -1) {
			my @o = sort {
				my ($ka, $kb) = ($key->($st[$a]), $key->($st[$b]));
				my $c;
				if (!defined $ka || !defined $kb) {
					$c = defined $ka ? -$nulls :
					    defined $kb ? $nulls : 0;
				} else {
					$c = ($ka =~ /\A\d+\z/ ?
					    $ka <=> $kb : $ka cmp $kb);
					$c = -$c if $desc;
				}
				$c || $tie * ($a <=> $b);
			} 0 .. $#st;
			push(@out, join(' ', @ids[@o]));
		}
	}
	return (\@out);
}

for my $c (
    [ 'created_at', sub { $_[0]{idx} }, 0 ],
    [ '-created_at', sub { $_[0]{idx} }, 1 ],
    [ 'title', sub { $_[0]{title} }, 0 ],
    [ '-title', sub { $_[0]{title} }, 1 ],
    [ 'priority', sub { $rank{ $_[0]{priority} } }, 0 ],
    [ '-priority', sub { $rank{ $_[0]{priority} } }, 1 ],
    [ 'due_date', sub { $_[0]{due} }, 0 ],
    [ '-due_date', sub { $_[0]{due} }, 1 ],
) {
	my ($sort, $key, $desc) = @$c;
	$st[$_]{idx} = $_ for 0 .. $#st;
	my $r = list($s->{token}, sort => $sort);
	is($r->{status}, 200, "sort=$sort answers 200");
	my $got = join(' ', map { $_->{id} } @{ $r->{json}{items} // [] });
	my $ok = grep { $_ eq $got } @{ orders($key, $desc) };
	ok($ok, "sort=$sort orders the tasks" .
	    ($sort =~ /priority/ ? ' (low < medium < high)' : '') .
	    ($sort =~ /due/ ? ', tasks without a due date together at one end' :
	    '') . ', ties by creation') or diag('got: ' . join(', ',
	    map { "$_->{title}/$_->{priority}/" . ($_->{due_date} // '-') }
	    @{ $r->{json}{items} // [] }));
	my $again = join(' ', map { $_->{id} }
	    @{ list($s->{token}, sort => $sort)->{json}{items} // [] });
	is($again, $got, "sort=$sort gives the same order every time");
}
{
	my $r = list($s->{token});
	my $d = join(' ', map { $_->{id} } @{ $r->{json}{items} // [] });
	is($d, join(' ', reverse(@ids)), 'the default sort is -created_at');
}

done_testing();
