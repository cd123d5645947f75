#!/usr/bin/env perl
# API.md §3 "Auth": only HS256 tokens signed with JWT_SECRET, carrying a
# live session of their subject, are accepted.  Tokens are minted here with
# the gateway's own secret, so each refusal below is about the one thing
# the token gets wrong.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AidoGW;

my $gw = AidoGW->new;
my $u = $gw->new_user;
my $other = $gw->new_user;
my $secret = $gw->secret;
my %c = %{ $u->{claims} };
my $now = time();

sub me {
	my ($token) = @_;
	return ($gw->api($token, GET => '/api/auth/me'));
}

sub mint {
	my (%claims) = @_;
	delete($claims{$_}) for grep { !defined $claims{$_} } keys(%claims);
	return (AidoGW::jwt_encode(claims => \%claims, secret => $secret));
}

# The control: a token minted here like the gateway mints its own works, so
# the refusals below are not caused by how the tests sign.
is(me(mint(%c))->{status}, 200,
    'a token signed with JWT_SECRET for a live session is accepted');
is(me(mint(%c, iat => $now, exp => $now + 60))->{status}, 200,
    'with any future exp');

my @refused = (
    [ AidoGW::jwt_encode(alg => 'none', claims => \%c),
      'a token with alg "none" and no signature' ],
    [ AidoGW::jwt_encode(header => { alg => 'none', typ => 'JWT' },
      claims => \%c, alg => 'HS256', secret => $secret),
      'a token whose header says alg "none" (HS256 signature attached)' ],
    [ AidoGW::jwt_encode(alg => 'HS384', claims => \%c, secret => $secret),
      'a token signed HS384 with the right secret' ],
    [ AidoGW::jwt_encode(alg => 'HS512', claims => \%c, secret => $secret),
      'a token signed HS512 with the right secret' ],
    [ AidoGW::jwt_encode(header => { typ => 'JWT' }, alg => 'HS256',
      claims => \%c, secret => $secret),
      'a token without an alg in its header' ],
    [ AidoGW::jwt_encode(claims => \%c, secret => 'w' x 48),
      'a token signed with another secret' ],
    [ mint(%c, exp => $now - 30), 'an expired token' ],
    [ mint(%c, exp => undef), 'a token without exp' ],
    [ mint(%c, exp => "" . ($now + 600)), 'a token whose exp is a string' ],
    # Times that would overflow a 64-bit integer with the clock allowance
    # added (the ASan + UBSan build, test/faults/80_asan.t, would abort).
    [ mint(%c, exp => 9223372036854775807),
      'a token whose exp is the largest 64-bit integer' ],
    [ mint(%c, iat => -9223372036854775807 - 1),
      'a token whose iat is the smallest 64-bit integer' ],
    [ mint(%c, exp => 1e300), 'a token whose exp is 1e300' ],
    [ mint(%c, sid => undef), 'a token without sid' ],
    [ mint(%c, sub => undef), 'a token without sub' ],
    [ mint(%c, sid => $other->{claims}{sid}),
      "a token naming another user's session" ],
    [ mint(%c, sub => $other->{id}),
      "a token for another user with this user's session" ],
    [ mint(%c, sid => '00000000-0000-4000-8000-000000000000'),
      'a token naming a session that does not exist' ],
    [ mint(%c, sid => 'not-a-uuid'), 'a token whose sid is not a UUID' ],
    [ mint(%c, sub => 'not-a-uuid'), 'a token whose sub is not a UUID' ],
    [ 'a.b', 'a token of two parts' ],
    [ 'a.b.c', 'a token of three parts that are not JSON' ],
    [ '', 'an empty token' ],
);

# The signature of a real token kept, its payload altered.
{
	my ($h, $p, $sig) = split(/\./, $u->{token});
	my %alt = (%c, sub => $other->{id});
	push(@refused, [ join('.', $h,
	    AidoGW::b64url($AidoGW::JSON->encode(\%alt)), $sig),
	    'a real token whose payload was altered (sub)' ]);
	%alt = (%c, exp => $c{exp} + 86400);
	push(@refused, [ join('.', $h,
	    AidoGW::b64url($AidoGW::JSON->encode(\%alt)), $sig),
	    'a real token whose payload was altered (exp)' ]);
	my $flipped = $sig;
	substr($flipped, 5, 1) = substr($flipped, 5, 1) eq 'A' ? 'B' : 'A';
	push(@refused, [ "$h.$p.$flipped",
	    'a real token with one character of its signature changed' ]);
	push(@refused, [ "$h.$p.", 'a real token with its signature removed' ]);
}

for my $t (@refused) {
	my ($token, $what) = @$t;
	AidoGW::error_ok(me($token), 401, undef, "$what is refused with 401");
}

# Refused on a write too, and nothing is written.
{
	my $r = $gw->api(mint(%c, exp => $now - 30), POST => '/api/tasks',
	    { title => 'written with an expired token' });
	AidoGW::error_ok($r, 401, undef,
	    'creating a task with an expired token is 401');
	$r = $gw->api($u->{token}, GET => '/api/tasks');
	is(scalar(@{ $r->{json}{items} // [1] }), 0,
	    'and no task was created');
}

# Revocation: after logout the token, and any token naming that session,
# are refused although they have not expired.
{
	is(me($u->{token})->{status}, 200, 'the token works before logout');
	is($gw->api($u->{token}, POST => '/api/auth/logout')->{status}, 204,
	    'logout is 204');
	AidoGW::error_ok(me($u->{token}), 401, 'unauthorized',
	    'the revoked token is 401 unauthorized');
	AidoGW::error_ok(me(mint(%c, exp => $now + 3600)), 401, 'unauthorized',
	    'a freshly signed token naming the revoked session is 401 too');
	is(me($other->{token})->{status}, 200,
	    "another user's session is untouched");
}

done_testing();
