#!/usr/bin/env perl
# API.md §3.4: the change feed over HTTP (GET /api/events long poll, GET
# /api/events/stream Server-Sent Events, resumable with Last-Event-ID, and
# the same on the compatibility routes), remind_at through the task routes,
# and reminders fired by the gateway's timer.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use IO::Socket::INET;
use AidoGW;

my $gw = AidoGW->new;
my $u = $gw->new_user;
my $T = $u->{token};
my $other = $gw->new_user;

# A request sent on a socket of its own, answered later (a long poll, a
# stream).
sub open_get {
	my ($path, %h) = @_;
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
	    PeerPort => $gw->port, Proto => 'tcp', Timeout => 10)
	    or die "connect: $!";
	binmode($s);
	my $head = "GET $path HTTP/1.1\r\nHost: 127.0.0.1\r\n" .
	    join('', map { "$_: $h{$_}\r\n" } sort keys %h) . "\r\n";
	syswrite($s, $head);
	return ({ sock => $s, buf => '' });
}

# Reads until $done->(buffer) is true or $secs pass; returns the buffer.
sub read_until {
	my ($c, $secs, $done) = @_;
	my $deadline = time() + $secs;
	while (!$done->($c->{buf}) && time() < $deadline) {
		my $rin = '';
		vec($rin, fileno($c->{sock}), 1) = 1;
		next unless select(my $rout = $rin, undef, undef, 0.2) > 0;
		my $n = sysread($c->{sock}, $c->{buf}, 65536, length($c->{buf}));
		last unless $n;
	}
	return ($c->{buf});
}

# The JSON body of a complete answer on such a socket.
sub answer {
	my ($c, $secs) = @_;
	my $buf = read_until($c, $secs, sub {
		my ($h, $b) = split(/\r\n\r\n/, $_[0], 2);
		return (0) unless defined $b;
		my ($len) = $h =~ /^content-length:\s*(\d+)/mi;
		return (defined $len && length($b) >= $len);
	});
	my ($head, $body) = split(/\r\n\r\n/, $buf, 2);
	my ($status) = ($head // '') =~ m{\AHTTP/1\.1 (\d+)};
	return ({ status => $status // 0,
	    json => eval { JSON::PP->new->decode($body // '') } });
}

# The SSE messages in a buffer: [{id, event, data}].
sub messages {
	my ($buf) = @_;
	my (undef, $body) = split(/\r\n\r\n/, $buf, 2);
	my @m;
	for my $block (split(/\n\n/, $body // '')) {
		my %m;
		for (split(/\n/, $block)) {
			$m{$1} = $2 if /\A(id|event|data): (.*)\z/;
		}
		$m{data} = eval { JSON::PP->new->decode($m{data}) } if $m{data};
		push(@m, \%m) if $m{id};
	}
	return (@m);
}

my $r = $gw->request(GET => '/api/events');
is($r->{status}, 401, 'the feed needs a token');

$r = $gw->api($T, GET => '/api/events?after=0');
is($r->{status}, 200, 'GET /api/events answers 200');
is_deeply($r->{json}{items}, [], 'a new user has no events');
my $head = $r->{json}{next_after};
like($head, qr/\A\d+\z/, 'and is told where to ask from next (next_after)');

for my $bad ('after=-1', 'after=abc', 'wait=31', 'wait=-1', 'limit=0',
    'limit=1001') {
	my ($name) = $bad =~ /\A(\w+)=/;
	$r = $gw->api($T, GET => "/api/events?$bad");
	ok($r->{status} == 400 && ($r->{json}{detail} // '') =~ /"$name"/,
	    "?$bad is 400 naming $name");
}

# remind_at through the routes
$r = $gw->api($T, POST => '/api/tasks', { title => 'x', remind_at => 'soon' });
is($r->{status}, 422, 'a remind_at that is not RFC 3339 is 422 ...');
is($r->{json}{errors}[0]{field}, 'remind_at', '... naming remind_at');
my $task = $gw->new_task($u, title => 'Feed me',
    due_date => '2031-01-02T10:00:00Z', remind_at => '2031-01-02T09:00:00Z');
is($task->{remind_at}, '2031-01-02T09:00:00+00:00', 'POST sets remind_at');
$r = $gw->api($T, PATCH => "/api/tasks/$task->{id}",
    { due_date => '2031-01-03T10:00:00Z' });
is($r->{json}{remind_at}, '2031-01-03T09:00:00+00:00',
    'PATCH moving the due date moves the reminder with it');
$r = $gw->api($T, PUT => "/api/$u->{id}/tasks/$task->{id}",
    { title => 'Feed me', remind_at => '2031-02-01T08:00:00Z' });
is($r->{json}{remind_at}, '2031-02-01T08:00:00+00:00',
    'the compatibility PUT sets remind_at');

# the events of those writes
$r = $gw->api($T, GET => "/api/events?after=$head");
my @types = map { $_->{event_type} } @{ $r->{json}{items} // [] };
is_deeply(\@types, [qw(created updated updated)],
    'each write is an event, oldest first');
my $ev = $r->{json}{items}[0];
is_deeply([ sort keys %$ev ],
    [qw(event_type seq task_data task_id timestamp user_id)],
    'an event has seq, event_type, task_id, task_data, user_id, timestamp');
is($ev->{task_id}, $task->{id}, 'it names the task');
is($ev->{user_id}, $u->{id}, 'and the user');
is($ev->{task_data}{title}, 'Feed me', 'task_data is the task');
my $next = $r->{json}{next_after};
is($next, $r->{json}{items}[-1]{seq}, 'next_after is the last seq');

$r = $gw->api($other->{token}, GET => '/api/events?after=0');
is_deeply($r->{json}{items}, [], 'another user sees none of them');

# long poll: held until a change, answered with it
my $c = open_get("/api/events?after=$next&wait=20",
    Authorization => "Bearer $T");
select(undef, undef, undef, 0.6);
$gw->api($T, PATCH => "/api/tasks/$task->{id}", { priority => 'high' });
my $a = answer($c, 25);
is($a->{status}, 200, 'a long poll is answered when a change comes');
is(($a->{json}{items}[0] // {})->{event_type}, 'updated',
    '... with that change');
is(($a->{json}{items}[0] // {})->{task_data}{priority}, 'high',
    '... as it now is');
$next = $a->{json}{next_after} // $next;

$c = open_get("/api/events?after=$next&wait=1", Authorization => "Bearer $T");
$a = answer($c, 15);
ok($a->{status} == 200 && ref($a->{json}{items}) eq 'ARRAY' &&
    !@{ $a->{json}{items} } && $a->{json}{next_after} == $next,
    'a long poll with nothing new is answered empty when its wait is over');

# compatibility routes
$r = $gw->api($T, GET => "/api/$u->{id}/events?after=0");
is(scalar(@{ $r->{json}{items} // [] }), 4,
    '/api/{user_id}/events answers the same events');
$r = $gw->api($T, GET => "/api/$other->{id}/events?after=0");
is($r->{status}, 403, 'another user id in the path is 403');
$r = $gw->api($T, GET => "/api/$other->{id}/events/stream");
is($r->{status}, 403, 'and so is its stream');

# Server-Sent Events, and resuming with Last-Event-ID
my $s = open_get("/api/$u->{id}/events/stream", Authorization => "Bearer $T",
    'Last-Event-ID' => 0);
my $buf = read_until($s, 15, sub { scalar(() = messages($_[0])) >= 4 });
like($buf, qr{\AHTTP/1\.1 200}, 'the stream answers 200');
like($buf, qr{^content-type: text/event-stream}mi, 'as text/event-stream');
my @m = messages($buf);
is(scalar(@m), 4, 'from Last-Event-ID 0 it sends every event so far');
is($m[0]{event}, 'created', 'each message names its event type');
is($m[0]{id}, $m[0]{data}{seq}, 'and its id is the seq');
$gw->api($T, PATCH => "/api/$u->{id}/tasks/$task->{id}/complete");
$buf = read_until($s, 15, sub { scalar(() = messages($_[0])) >= 5 });
@m = messages($buf);
is(($m[4] // {})->{event}, 'completed', 'a change while connected arrives');
my $resume_at = $m[3]{id};
close($s->{sock});

$s = open_get('/api/events/stream', Authorization => "Bearer $T",
    'Last-Event-ID' => $resume_at);
$buf = read_until($s, 15, sub { scalar(() = messages($_[0])) >= 1 });
@m = messages($buf);
is_deeply([ map { $_->{id} } @m ], [ $resume_at + 1 ],
    'reconnecting with Last-Event-ID resumes after it, nothing twice');
close($s->{sock});

$s = open_get('/api/events/stream', Authorization => "Bearer $T",
    'Last-Event-ID' => 'x');
$buf = read_until($s, 10, sub { $_[0] =~ /\r\n\r\n/ });
like($buf, qr{\AHTTP/1\.1 400}, 'a Last-Event-ID that is not a seq is 400');

# a reminder fired by the gateway's timer reaches the stream
$s = open_get('/api/events/stream', Authorization => "Bearer $T");
select(undef, undef, undef, 0.6);
my @t = gmtime(time() + 2);
my $soon = sprintf('%04d-%02d-%02dT%02d:%02d:%02dZ', $t[5] + 1900, $t[4] + 1,
    @t[3, 2, 1, 0]);
my $rt = $gw->new_task($u, title => 'Ring', remind_at => $soon);
$buf = read_until($s, 20, sub {
	grep { ($_->{event} // '') eq 'reminder' } messages($_[0]) });
my ($rem) = grep { ($_->{event} // '') eq 'reminder' } messages($buf);
ok($rem && $rem->{data}{task_id} eq $rt->{id},
    'when remind_at passes, a reminder event arrives on the stream');
is(scalar(grep { ($_->{event} // '') eq 'reminder' } messages($buf)), 1,
    'once');
close($s->{sock});

# a session signed out: its stream says so and ends, its long poll is
# refused
my $v = $gw->new_user;
$s = open_get('/api/events/stream', Authorization => "Bearer $v->{token}");
read_until($s, 10, sub { $_[0] =~ /retry: / });
$gw->api($v->{token}, POST => '/api/auth/logout');
$buf = read_until($s, 15, sub { $_[0] =~ /event: error\n/ });
like($buf, qr/event: error\ndata: \{"code":"unauthorized"/,
    'a stream whose session is signed out gets an error event and ends');
close($s->{sock});
$r = $gw->api($v->{token}, GET => '/api/events?after=0');
is($r->{status}, 401, 'after logout the token reads no events');

done_testing();
