#!/usr/bin/env perl
# API.md §3: conversations and their messages, scoped to their user.

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
my $O = $other->{token};

my @CONV = sort(qw(id user_id title created_at updated_at));
my @MSG = sort(qw(id conversation_id user_id role content created_at
    updated_at));

# Conversations.
my $r = $gw->api($T, POST => '/api/conversations', { title => 'Trip plan' });
AidoGW::json_ok($r, 201, 'creating a conversation answers 201');
my $c = $r->{json} // {};
is_deeply([ sort(keys(%$c)) ], \@CONV,
    'a conversation is {id, user_id, title, created_at, updated_at}');
ok(AidoGW::is_uuid($c->{id}), 'its id is a UUID');
is($c->{user_id}, $u->{id}, 'it belongs to the user of the token');
is($c->{title}, 'Trip plan', 'its title is stored');
ok(AidoGW::is_rfc3339($c->{created_at}), 'created_at is RFC 3339');

$r = $gw->api($T, POST => '/api/conversations', {});
is($r->{status}, 201, 'a conversation needs no title');
my $c2 = $r->{json} // {};
is($c2->{title}, undef, '... and then its title is null');
AidoGW::error_ok($gw->request(POST => '/api/conversations', {}, {}), 401,
    undef, 'creating a conversation without a token is 401');
$r = $gw->api($T, POST => '/api/conversations', { topic => 'x' });
AidoGW::validation_ok($r, 'topic', 'unknown_field',
    'an unknown field in a conversation is 422 unknown_field');

$r = $gw->api($T, GET => '/api/conversations');
AidoGW::json_ok($r, 200, 'listing conversations answers 200');
is_deeply([ map { $_->{id} } @{ $r->{json}{items} // [] } ],
    [ $c2->{id}, $c->{id} ], 'conversations are listed newest first');
ok(exists $r->{json}{next_cursor} && !defined $r->{json}{next_cursor},
    '... with next_cursor null at the end');
is_deeply($gw->api($O, GET => '/api/conversations')->{json}{items}, [],
    "another user's conversation list is empty");

$r = $gw->api($T, GET => "/api/conversations/$c->{id}");
AidoGW::json_ok($r, 200, 'reading a conversation answers 200');
is_deeply($r->{json}, $c, '... with the conversation');

# Messages.
my @sent;
for my $m ([ user => 'Where should we go?' ], [ assistant => 'Lisbon.' ],
    [ system => 'Be brief.' ], [ tool => '{"weather":"sunny"}' ]) {
	$r = $gw->api($T, POST => "/api/conversations/$c->{id}/messages",
	    { role => $m->[0], content => $m->[1] });
	AidoGW::json_ok($r, 201, "a message with role $m->[0] is created (201)");
	push(@sent, $r->{json} // {});
}
is_deeply([ sort(keys(%{ $sent[0] })) ], \@MSG, 'a message is {id, ' .
    'conversation_id, user_id, role, content, created_at, updated_at}');
is($sent[0]{conversation_id}, $c->{id}, 'it belongs to its conversation');
is($sent[0]{user_id}, $u->{id}, '... and to the user');
is($sent[1]{content}, 'Lisbon.', 'its content is stored as sent');

$r = $gw->api($T, GET => "/api/conversations/$c->{id}/messages");
AidoGW::json_ok($r, 200, 'listing messages answers 200');
is_deeply([ sort(keys(%{ $r->{json} // {} })) ], [qw(items next_cursor)],
    'the message list is {items, next_cursor}');
is_deeply([ map { $_->{id} } @{ $r->{json}{items} // [] } ],
    [ map { $_->{id} } @sent ], 'messages are listed oldest first');
is_deeply([ map { $_->{role} } @{ $r->{json}{items} // [] } ],
    [qw(user assistant system tool)], '... with their roles');

# Content bounds, in characters.
{
	my $p = "/api/conversations/$c->{id}/messages";
	$r = $gw->api($T, POST => $p, { role => 'user', content => 'x' });
	is($r->{status}, 201, 'a 1-character message is accepted');
	$r = $gw->api($T, POST => $p, { role => 'user', content => 'x' x 32000 });
	is($r->{status}, 201, 'a 32000-character message is accepted');
	$r = $gw->api($T, POST => $p,
	    { role => 'user', content => "\x{e9}" x 32000 });
	is($r->{status}, 201,
	    'a message of 32000 two-byte characters is accepted');
	is(length($r->{json}{content} // ''), 32000,
	    '... and returned whole');
	AidoGW::validation_ok($gw->api($T, POST => $p,
	    { role => 'user', content => 'x' x 32001 }), 'content', 'too_long',
	    'a 32001-character message is 422 too_long');
	AidoGW::validation_ok($gw->api($T, POST => $p,
	    { role => 'user', content => '' }), 'content', undef,
	    'an empty message is 422');
	AidoGW::validation_ok($gw->api($T, POST => $p, { role => 'user' }),
	    'content', 'required', 'a message without content is 422 required');
	AidoGW::validation_ok($gw->api($T, POST => $p, { content => 'hi' }),
	    'role', 'required', 'a message without a role is 422 required');
	AidoGW::validation_ok($gw->api($T, POST => $p,
	    { role => 'bot', content => 'hi' }), 'role', 'invalid_choice',
	    'a message with role "bot" is 422 invalid_choice');
	AidoGW::validation_ok($gw->api($T, POST => $p,
	    { role => 'user', content => 42 }), 'content', 'wrong_type',
	    'a numeric content is 422 wrong_type');
	AidoGW::validation_ok($gw->api($T, POST => $p,
	    { role => 'user', content => 'hi', mood => 'happy' }), 'mood',
	    'unknown_field', 'an unknown field in a message is 422');
	AidoGW::error_ok($gw->api($T, POST => $p, '{"role":',
	    { 'Content-Type' => 'application/json' }), 400, undef,
	    'a malformed message body is 400');
	AidoGW::error_ok($gw->api($T, POST => $p, '{"role":"user"}',
	    { 'Content-Type' => 'text/plain' }), 415, undef,
	    'a message body that is not JSON is 415');
}

# Paging through messages.
{
	my $conv = $gw->api($T, POST => '/api/conversations',
	    { title => 'long' })->{json};
	my $p = "/api/conversations/$conv->{id}/messages";
	my @ids = map {
		$gw->api($T, POST => $p,
		    { role => $_ % 2 ? 'assistant' : 'user', content => "m$_" })
		    ->{json}{id}
	} 1 .. 12;
	my (@walked, $cursor);
	my $pages = 0;
	do {
		my $q = AidoGW::qs(limit => 5,
		    defined $cursor ? (cursor => $cursor) : ());
		$r = $gw->api($T, GET => "$p?$q");
		push(@walked, map { $_->{id} } @{ $r->{json}{items} // [] });
		$cursor = $r->{json}{next_cursor};
		$pages++;
	} while (defined $cursor && $pages < 10);
	is($pages, 3, '12 messages make 3 pages of 5');
	is_deeply(\@walked, \@ids,
	    'walking the pages gives every message once, oldest first');
	AidoGW::error_ok($gw->api($T, GET => "$p?limit=0"), 400,
	    'invalid_parameter', 'limit=0 on messages is 400');
	AidoGW::error_ok($gw->api($T, GET => "$p?cursor=garbage"), 400,
	    'invalid_parameter', 'a garbage cursor on messages is 400');

	my @convs = map {
		$gw->api($T, POST => '/api/conversations', { title => "c$_" })
		    ->{json}{id}
	} 1 .. 4;
	$r = $gw->api($T, GET => '/api/conversations?limit=2');
	is(scalar(@{ $r->{json}{items} // [] }), 2,
	    'conversations page with limit');
	my $next = $r->{json}{next_cursor};
	my $r2 = $gw->api($T, GET => '/api/conversations?' .
	    AidoGW::qs(limit => 2, cursor => $next // 'none'));
	is_deeply([ map { $_->{id} } @{ $r->{json}{items} // [] },
	    @{ $r2->{json}{items} // [] } ], [ reverse(@convs) ],
	    'and the next page continues newest first');
	AidoGW::error_ok($gw->api($T, GET => '/api/conversations?limit=101'),
	    400, 'invalid_parameter', 'limit=101 on conversations is 400');
}

# Someone else's conversation, and ids that are not.
{
	my $p = "/api/conversations/$c->{id}";
	AidoGW::error_ok($gw->api($O, GET => $p), 404, 'not_found',
	    "reading another user's conversation is 404");
	AidoGW::error_ok($gw->api($O, GET => "$p/messages"), 404, 'not_found',
	    "listing the messages of another user's conversation is 404");
	AidoGW::error_ok($gw->api($O, POST => "$p/messages",
	    { role => 'user', content => 'intrusion' }), 404, 'not_found',
	    "posting into another user's conversation is 404");
	AidoGW::error_ok($gw->api($O, DELETE => $p), 404, 'not_found',
	    "deleting another user's conversation is 404");
	my $n = scalar(@{ $gw->api($T, GET => "$p/messages?limit=100")
	    ->{json}{items} // [] });
	is($n, 7, "the owner's conversation is untouched");
	for my $id ('00000000-0000-4000-8000-000000000000', 'abc', '12') {
		AidoGW::error_ok($gw->api($T, GET => "/api/conversations/$id"),
		    404, undef, "GET of conversation id '$id' is 404");
		AidoGW::error_ok($gw->api($T,
		    GET => "/api/conversations/$id/messages"), 404, undef,
		    "listing messages of conversation id '$id' is 404");
	}
}

# Delete.
{
	$r = $gw->api($T, DELETE => "/api/conversations/$c->{id}");
	is($r->{status}, 204, 'deleting a conversation answers 204');
	is($r->{content}, '', '... with an empty body');
	AidoGW::error_ok($gw->api($T, GET => "/api/conversations/$c->{id}"),
	    404, 'not_found', 'the deleted conversation is 404');
	AidoGW::error_ok($gw->api($T,
	    GET => "/api/conversations/$c->{id}/messages"), 404, 'not_found',
	    'its messages are gone with it');
	AidoGW::error_ok($gw->api($T, DELETE => "/api/conversations/$c->{id}"),
	    404, 'not_found', 'deleting it again is 404');
}

done_testing();
