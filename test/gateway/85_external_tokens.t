#!/usr/bin/env perl
# API.md §3.2: tokens of an external identity provider (Better Auth):
# EdDSA (and ES256, RS256) keys from AUTH_JWKS_URL, HS256 with
# AUTH_HS256_SECRET, iss/aud checks, users created on first sight by
# external id and never matched by email, key rotation by kid.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Temp qw(tempdir);
use Time::HiRes qw(sleep time);
use HTTP::Tiny;
use IO::Socket::INET;
use POSIX ();
use AidoGW;
use AidoKeys;

my $dir = tempdir('aidojwks-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $jwks = "$dir/jwks.json";
my %key = map { $_ => AidoKeys->new($_, lc($_) . '-1') } qw(EdDSA ES256
    RS256);
my $rotated = AidoKeys->new('EdDSA', 'eddsa-2');

sub publish {
	my (@keys) = @_;
	open(my $fh, '>', "$jwks.tmp") or die "$jwks: $!";
	print $fh $AidoGW::JSON->encode({ keys => [ map { $_->jwk } @keys ] });
	close($fh);
	rename("$jwks.tmp", $jwks) or die "rename: $!";
}

sub fetches {
	open(my $fh, '<', "$jwks.log") or return (0);
	my @l = <$fh>;
	return (scalar(@l));
}

publish(values(%key));
my ($server, $port) = AidoGW::json_file_server(file => $jwks);
my $front = $AidoGW::ORIGIN;
my $hs_secret = AidoGW::random_hex(24);
my $gw = AidoGW->new(env => {
    AUTH_JWKS_URL => "http://127.0.0.1:$port/api/auth/jwks",
    AUTH_HS256_SECRET => $hs_secret,
    AUTH_ISSUER => $front,
    AUTH_AUDIENCE => $front,
});
cmp_ok(fetches(), '>=', 1, 'the gateway fetched the JWKS at start');

# A Better Auth user id: 32 characters.
sub ext_id {
	my @c = ('a' .. 'z', 'A' .. 'Z', 0 .. 9);
	return (join('', map { $c[ rand(@c) ] } 1 .. 32));
}

sub claims {
	my (%o) = @_;
	my $now = time();
	my %c = (sub => $o{sub} // ext_id(), email => $o{email} //
	    AidoGW::unique_email(), name => 'Ext User', iat => int($now),
	    exp => int($now) + 900, iss => $front, aud => $front, %o);
	delete($c{$_}) for grep { !defined $c{$_} } keys(%c);
	return (\%c);
}

# EdDSA, the Better Auth default.
my $sub = ext_id();
my $tok = $key{EdDSA}->sign(claims(sub => $sub));
my $r = $gw->api($tok, POST => '/api/tasks', { title => 'from better auth' });
AidoGW::json_ok($r, 201, 'an EdDSA token of the provider may create a task');
is($r->{json}{user_id}, $sub,
    "the task's user_id is the provider's user id (sub)");
my $task = $r->{json} // {};

$r = $gw->api($key{EdDSA}->sign(claims(sub => $sub)),
    GET => "/api/$sub/tasks");
AidoGW::json_ok($r, 200, 'the compatibility list takes the external id ' .
    'as {user_id}', 'ARRAY');
is_deeply([ map { $_->{id} } @{ ref($r->{json}) eq 'ARRAY' ? $r->{json} :
    [] } ], [ $task->{id} ], 'a later token of the same sub is the same ' .
    'user, who sees the task');
is($gw->api($tok, GET => "/api/$sub/tasks/" . ($task->{id} // 'x'))
    ->{json}{user_id}, $sub, 'user_id is the external id in every answer');
AidoGW::error_ok($gw->api($tok, GET => '/api/' . ext_id() . '/tasks'), 403,
    'forbidden', 'another external id in the path is 403');
$r = $gw->api($tok, GET => '/api/auth/me');
is($r->{status}, 200, 'me answers 200 for an external user');
is($r->{json}{id}, $sub, '... with the external id as the user\'s id');

# Every route takes the external user: conversations and messages too.
{
	my $c = $gw->api($tok, POST => '/api/conversations', { title => 'ext' });
	is($c->{status}, 201, 'an external user may start a conversation');
	is($c->{json}{user_id}, $sub, '... which is theirs');
	my $m = $gw->api($tok, POST => "/api/conversations/" .
	    ($c->{json}{id} // 'x') . '/messages', { role => 'user',
	    content => 'hello' });
	is($m->{status}, 201, '... and add a message to it');
	is_deeply([ map { $_->{content} } @{ $gw->api($tok, GET =>
	    '/api/conversations/' . ($c->{json}{id} // 'x') . '/messages')
	    ->{json}{items} // [] } ], [ 'hello' ], '... and read it back');
}

# The change feed: a device whose first request of all is the feed (the
# user not made yet) waits for news like any other, and gets the user's
# writes from its other devices.
{
	my $new = ext_id();
	my $t = $key{EdDSA}->sign(claims(sub => $new));
	my $r = $gw->api($t, GET => '/api/events?after=0');
	is($r->{status}, 200, 'a new external user\'s first request, the ' .
	    'feed, is 200') or diag($r->{content});
	is_deeply($r->{json}{items}, [], '... with no events');
	$r = $gw->api($t, GET => '/api/events?after=0&wait=1');
	is($r->{status}, 200, '... and so is a long poll of it');
	$r = $gw->api($t, POST => '/api/tasks', { title => 'from the phone' });
	is($r->{status}, 201, 'the user writes a task from another device');
	$r = $gw->api($t, GET => '/api/events?after=0');
	is_deeply([ map { $_->{event_type} } @{ $r->{json}{items} // [] } ],
	    [ 'created' ], '... and the feed has its event') or
	    diag($r->{content});
	is($r->{json}{items}[0]{user_id}, $new, '... named by the external id');
}

# An external id with characters that a path escapes (Auth0: "auth0|...").
{
	my $s = 'auth0|' . ext_id();
	my $t = $key{EdDSA}->sign(claims(sub => $s));
	(my $esc = $s) =~ s/\|/%7C/;
	$r = $gw->api($t, POST => "/api/$esc/tasks", { title => 'escaped' });
	is($r->{status}, 201, 'a percent-encoded external id in the path is ' .
	    'the token\'s user');
	is($r->{json}{user_id}, $s, '... and the task is theirs');
	AidoGW::error_ok($gw->api($t, GET => '/api/auth0%7/tasks'), 403,
	    'forbidden', 'a malformed percent-escape in the user id is 403');
}

# 20 concurrent first requests of a new sub create one user.
{
	my $s = ext_id();
	my $t = $key{EdDSA}->sign(claims(sub => $s));
	pipe(my $go_r, my $go_w) or die "pipe: $!";
	pipe(my $out_r, my $out_w) or die "pipe: $!";
	my @pids;
	for (1 .. 20) {
		my $pid = fork();
		die "fork: $!" unless defined $pid;
		if ($pid == 0) {
			close($go_w);
			close($out_r);
			my $h = HTTP::Tiny->new(timeout => 30);
			sysread($go_r, my $buf, 1);	# EOF: everyone goes
			my $res = $h->request('POST', $gw->base_url .
			    '/api/tasks', { headers => {
			    Authorization => "Bearer $t",
			    'Content-Type' => 'application/json' },
			    content => '{"title":"race"}' });
			syswrite($out_w, "$res->{status}\n");
			POSIX::_exit(0);
		}
		push(@pids, $pid);
	}
	close($go_r);
	close($out_w);
	close($go_w);
	my @st = <$out_r>;
	waitpid($_, 0) for @pids;
	chomp(@st);
	is(scalar(grep { $_ eq '201' } @st), 20, '20 concurrent first ' .
	    'requests of a new sub all succeed') or diag("answers: @st");
	is(AidoGW::psql($gw->db->{name}, 'SELECT count(*) FROM aido.users ' .
	    "WHERE external_id = '$s'"), 1, '... and create exactly one user');
	$r = $gw->api($t, GET => "/api/$s/tasks");
	is(scalar(@{ ref($r->{json}) eq 'ARRAY' ? $r->{json} : [] }), 20,
	    '... who owns the 20 tasks');
}

{
	my $t2 = $key{EdDSA}->sign(claims());
	is_deeply($gw->api($t2, GET => '/api/tasks')->{json}{items}, [],
	    'another sub is another user, created on first sight');
}

# Never matched by email.
{
	my $native = $gw->new_user;
	$gw->new_task($native, title => 'native secret');
	my $t = $key{EdDSA}->sign(claims(email => $native->{email}));
	$r = $gw->api($t, GET => '/api/tasks');
	is($r->{status}, 200, 'an external token carrying the email of an ' .
	    'existing account is accepted');
	is_deeply($r->{json}{items}, [], 'but it is not that account: none ' .
	    'of its tasks are visible');
	is(scalar(@{ $gw->api($native->{token}, GET => '/api/tasks')
	    ->{json}{items} // [] }), 1, 'and the account is untouched');
}

# The other algorithms of the JWKS, and HS256 with AUTH_HS256_SECRET.
for my $alg (qw(ES256 RS256)) {
	my $t = $key{$alg}->sign(claims());
	is($gw->api($t, GET => '/api/tasks')->{status}, 200,
	    "an $alg token verified by the JWKS is accepted");
}
{
	my $c = claims();
	my $t = AidoGW::jwt_encode(claims => $c, secret => $hs_secret);
	$r = $gw->api($t, POST => '/api/tasks', { title => 'hs256' });
	is($r->{status}, 201, 'an HS256 token signed with AUTH_HS256_SECRET ' .
	    'is accepted');
	is($r->{json}{user_id}, $c->{sub}, '... as the user of its sub');
	$t = AidoGW::jwt_encode(claims => claims(), secret => $gw->secret);
	AidoGW::error_ok($gw->api($t, GET => '/api/tasks'), 401, undef,
	    'an HS256 token without sid signed with JWT_SECRET is 401');
}

# Refused external tokens.
{
	my $now = int(time());
	my ($h, $p, $s) = split(/\./, $key{EdDSA}->sign(claims()));
	my $forged = AidoGW::b64url($AidoGW::JSON->encode(claims(sub => $sub)));
	for my $c (
	    [ $key{EdDSA}->sign(claims(exp => $now - 60)), 'an expired token' ],
	    [ $key{EdDSA}->sign(claims(exp => undef)), 'a token without exp' ],
	    # Times that would overflow a 64-bit integer with the clock
	    # allowance (the ASan + UBSan build would abort).
	    [ $key{EdDSA}->sign(claims(exp => 9223372036854775807)),
	      'a token whose exp is the largest 64-bit integer' ],
	    [ $key{EdDSA}->sign(claims(nbf => -9223372036854775807 - 1)),
	      'a token whose nbf is the smallest 64-bit integer' ],
	    [ AidoGW::jwt_encode(claims => claims(iat => 1e300),
	      secret => $hs_secret), 'an HS256 token whose iat is 1e300' ],
	    [ $key{EdDSA}->sign(claims(sub => undef)), 'a token without sub' ],
	    [ $key{EdDSA}->sign(claims(iss => 'http://evil.test')),
	      'a token of another issuer (AUTH_ISSUER)' ],
	    [ $key{EdDSA}->sign(claims(iss => undef)),
	      'a token without iss when AUTH_ISSUER is set' ],
	    [ $key{EdDSA}->sign(claims(aud => 'http://evil.test')),
	      'a token for another audience (AUTH_AUDIENCE)' ],
	    [ $key{EdDSA}->sign(claims(aud => undef)),
	      'a token without aud when AUTH_AUDIENCE is set' ],
	    [ "$h.$forged.$s", 'a token whose payload was altered' ],
	    [ $key{EdDSA}->sign(claims(), { alg => 'EdDSA', kid => 'nope' }),
	      'a token whose kid is in no JWKS' ],
	    [ $key{EdDSA}->sign(claims(), { alg => 'ES256',
	      kid => $key{EdDSA}->kid }), 'a token whose alg is not its key\'s' ],
	    [ $key{ES256}->sign(claims(), { alg => 'ES256',
	      kid => $key{EdDSA}->kid }), 'a token signed by another key ' .
	      'than its kid names' ],
	    [ AidoGW::jwt_encode(header => { alg => 'HS256', typ => 'JWT',
	      kid => $key{RS256}->kid }, claims => claims(),
	      secret => $key{RS256}->public_pem), 'an HS256 token signed ' .
	      'with the RSA public key as secret (alg confusion)' ],
	    [ AidoGW::jwt_encode(header => { alg => 'HS256', typ => 'JWT',
	      kid => $key{EdDSA}->kid }, claims => claims(),
	      secret => $AidoGW::JSON->encode($key{EdDSA}->jwk)),
	      'an HS256 token signed with the JWK as secret' ],
	    [ AidoGW::jwt_encode(alg => 'none', claims => claims()),
	      'an unsigned token (alg none)' ],
	    [ AidoGW::jwt_encode(claims => claims(), secret => 'x' x 40),
	      'an HS256 token signed with an unknown secret' ],
	) {
		my ($t, $what) = @$c;
		AidoGW::error_ok($gw->api($t, GET => '/api/tasks'), 401, undef,
		    "$what is 401");
	}
	my $t = $key{EdDSA}->sign(claims(aud => [ 'http://other.test', $front ]));
	is($gw->api($t, GET => '/api/tasks')->{status}, 200,
	    'an aud array that contains AUTH_AUDIENCE is accepted');
}

# External tokens are stateless: logout does not revoke them.
{
	my $t = $key{EdDSA}->sign(claims(sub => $sub));
	my $lo = $gw->api($t, POST => '/api/auth/logout');
	ok($lo->{status} < 500, 'logout with an external token is no server ' .
	    'error') or diag("answered $lo->{status}");
	is($lo->{status}, 204, '... but 204, as documented (nothing to ' .
	    'revoke)');
	is($gw->api($t, GET => '/api/tasks')->{status}, 200,
	    'an external token still works until its exp');
}

# Rotation: a new kid is fetched; unknown kids do not hammer the provider.
{
	my $before = fetches();
	for (1 .. 15) {
		$gw->api($key{EdDSA}->sign(claims(), { alg => 'EdDSA',
		    kid => "unknown-$_" }), GET => '/api/tasks');
	}
	my $storm = fetches() - $before;
	cmp_ok($storm, '<=', 2, 'a burst of unknown kids causes at most one ' .
	    'JWKS refetch (per 30 s)');

	publish(values(%key), $rotated);
	my $t = $rotated->sign(claims(sub => $sub));
	my $deadline = time() + 45;
	my $st = 0;
	while (time() < $deadline) {
		$st = $gw->api($t, GET => '/api/tasks')->{status};
		last if $st == 200;
		sleep(1);
	}
	is($st, 200, 'a token of a newly published key (new kid) is accepted ' .
	    'once the JWKS is refetched');
	is($gw->api($key{EdDSA}->sign(claims(sub => $sub)), GET => '/api/tasks')
	    ->{status}, 200, 'the older key still works');
}

AidoGW::stop_proxy($server);

# A provider that accepts connections and never answers: the refetch times
# out in its task thread while the worker (one, here) goes on serving.
{
	my $port = AidoGW::free_port();
	my $hang = fork();
	die "fork: $!" unless defined $hang;
	if ($hang == 0) {
		my $l = IO::Socket::INET->new(Listen => 16, ReuseAddr => 1,
		    LocalAddr => '127.0.0.1', LocalPort => $port, Proto => 'tcp')
		    or POSIX::_exit(1);
		my @held;
		while (my $c = $l->accept) {
			push(@held, $c);
		}
		POSIX::_exit(0);
	}
	my $t0 = time();
	my $slow = AidoGW->new(env => { DB_POOL_SIZE => 1,
	    AUTH_JWKS_URL => "http://127.0.0.1:$port/api/auth/jwks" });
	cmp_ok(time() - $t0, '<', 30, 'a provider that does not answer ' .
	    'delays the start by its timeout only');
	my $tok = $key{EdDSA}->sign(claims());
	my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
	    PeerPort => $slow->port, Proto => 'tcp') or die "connect: $!";
	$t0 = time();
	print $s "GET /api/tasks HTTP/1.1\r\nHost: 127.0.0.1\r\n" .
	    "Authorization: Bearer $tok\r\nConnection: close\r\n\r\n";
	sleep(0.5);
	my $t1 = time();
	my $h = $slow->request(GET => '/health');
	my $took = time() - $t1;
	ok($h->{status} == 200 && $took < 2, 'while a token waits for the ' .
	    'keys, the worker answers other requests at once') or
	    diag("health answered $h->{status} in ${took}s");
	local $/;
	my $ans = <$s> // '';
	my ($st) = $ans =~ m{\AHTTP/1\.[01] (\d{3})};
	is($st, 401, 'the waiting token is refused when the fetch times out');
	cmp_ok(time() - $t0, '>', 3, '... after waiting for it');
	close($s);
	$slow->stop;
	kill('KILL', $hang);
	waitpid($hang, 0);
}

# A JWKS URL may carry credentials (a provider behind basic auth): they
# never reach the gateway's log, whether the fetch works or fails.
{
	my $closed = IO::Socket::INET->new(LocalAddr => '127.0.0.1',
	    LocalPort => 0, Proto => 'tcp', Listen => 1) or die "listen: $!";
	my $port = $closed->sockport;
	close($closed);
	my $gw = AidoGW->new(env => { DB_POOL_SIZE => 1, AUTH_JWKS_URL =>
	    "http://jwks-user:jwks-pass-4f9c\@127.0.0.1:$port/api/auth/jwks" });
	my $out = $gw->output;
	like($out, qr{jwks: cannot read http://jwks-user:\*\*\*\@127\.0\.0\.1},
	    'a JWKS URL is logged with its password masked');
	unlike($out, qr/jwks-pass-4f9c/, '... and the password is nowhere ' .
	    'in the log');
	$gw->stop;
}

done_testing();
