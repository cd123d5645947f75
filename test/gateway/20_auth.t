#!/usr/bin/env perl
# API.md §3: signup, login, logout, me.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AidoGW;

my $gw = AidoGW->new;

# Signup.
my $email = AidoGW::unique_email();
my $password = 'correct horse battery';
my $signup = $gw->signup(email => '  ' . uc($email) . ' ', name => 'Ada',
    password => $password);
AidoGW::json_ok($signup, 201, 'signup answers 201 with a JSON object');
my $s = $signup->{json} // {};
my $user = $s->{user} // {};
like($s->{token} // '', qr/\A[\w-]+\.[\w-]+\.[\w-]+\z/,
    'signup returns a token that is a JWT');
is($s->{token_type}, 'bearer', 'signup says token_type "bearer"');
ok(AidoGW::is_rfc3339($s->{expires_at}),
    'signup says when the token expires, as RFC 3339');
is_deeply([ sort(keys(%$user)) ], [qw(created_at email id name)],
    'signup returns the user as {id, email, name, created_at}, nothing more');
ok(AidoGW::is_uuid($user->{id}), 'the user id is a UUID');
is($user->{email}, $email, 'the email is stored trimmed and lower-cased');
is($user->{name}, 'Ada', 'the name is returned');
ok(AidoGW::is_rfc3339($user->{created_at}),
    'created_at is RFC 3339 with an offset');
ok(index($signup->{content}, $password) < 0,
    'the signup answer does not echo the password');
ok($signup->{content} !~ /argon2|\$2[aby]\$|password_hash/,
    'the signup answer carries no password hash');

my ($hdr, $claims) = AidoGW::jwt_decode($s->{token});
is($hdr->{alg}, 'HS256', 'the token is signed with HS256');
is($claims->{sub}, $user->{id}, 'the token subject is the user id');
ok(AidoGW::is_uuid($claims->{sid}), 'the token names its session (sid)');
ok(defined $claims->{iat} && defined $claims->{exp} &&
    $claims->{exp} > $claims->{iat}, 'the token has iat and a later exp');
ok(abs((AidoGW::epoch($s->{expires_at}) // 0) - ($claims->{exp} // -1)) < 1,
    'expires_at is the exp of the token');
cmp_ok($claims->{exp} - $claims->{iat}, '==', 86400,
    'by default a token lives 86400 seconds (JWT_TTL)');

{
	my $r = $gw->signup(email => AidoGW::unique_email());
	is($r->{status}, 201, 'signup without a name succeeds');
	is(ref($r->{json}) eq 'HASH' && ref($r->{json}{user}) eq 'HASH' &&
	    exists $r->{json}{user}{name} ? $r->{json}{user}{name} : 'absent',
	    undef, 'and the user name is null');
}

# Duplicates, case-insensitively.
for my $variant ($email, uc($email), " $email ") {
	my $r = $gw->signup(email => $variant, password => 'another password');
	AidoGW::error_ok($r, 409, 'conflict',
	    "signup with an email already registered ('$variant') is 409");
}

# Validation of signup.
{
	my $r = $gw->signup(password => '1234567');
	AidoGW::error_ok($r, 422, 'validation_failed',
	    'signup rejects a 7-character password with 422');
	ok((grep { ($_->{field} // '') eq 'password' }
	    @{ $r->{json}{errors} // [] }),
	    '... naming the field password');
	$r = $gw->signup(password => "\x{e9}" x 7);
	is($r->{status}, 422, 'signup rejects 7 two-byte characters ' .
	    '(lengths count characters, not bytes)');
	$r = $gw->signup(password => 'x' x 129);
	AidoGW::error_ok($r, 422, 'validation_failed',
	    'signup rejects a 129-character password with 422');
	ok((grep { ($_->{field} // '') eq 'password' &&
	    ($_->{code} // '') eq 'too_long' } @{ $r->{json}{errors} // [] }),
	    '... with code too_long on password');
	is($gw->signup(password => '12345678')->{status}, 201,
	    'signup accepts an 8-character password');
	is($gw->signup(password => 'x' x 128)->{status}, 201,
	    'signup accepts a 128-character password');
	is($gw->signup(password => "\x{e9}" x 128)->{status}, 201,
	    'signup accepts 128 two-byte characters');

	$r = $gw->request(POST => '/api/auth/signup', {},
	    { password => 'long enough password' });
	AidoGW::validation_ok($r, 'email', 'required',
	    'signup without an email is 422 required on email');
	$r = $gw->request(POST => '/api/auth/signup', {},
	    { email => AidoGW::unique_email() });
	AidoGW::validation_ok($r, 'password', 'required',
	    'signup without a password is 422 required on password');
	$r = $gw->signup(email => 'not-an-email');
	AidoGW::error_ok($r, 422, 'validation_failed',
	    'signup with an email that is not local@domain is 422');
	ok((grep { ($_->{field} // '') eq 'email' }
	    @{ $r->{json}{errors} // [] }), '... naming the field email');
	$r = $gw->signup(email => ('a' x 244) . '@example.com');
	AidoGW::validation_ok($r, 'email', 'too_long',
	    'signup with a 256-character email is 422 too_long');
	$r = $gw->signup(name => 'n' x 101);
	AidoGW::validation_ok($r, 'name', 'too_long',
	    'signup with a 101-character name is 422 too_long');
	$r = $gw->request(POST => '/api/auth/signup', {},
	    { email => AidoGW::unique_email(), password => 12345678 });
	AidoGW::validation_ok($r, 'password', 'wrong_type',
	    'signup with a numeric password is 422 wrong_type');
}

# Login.
my $login = $gw->login($email, $password);
AidoGW::json_ok($login, 200, 'login answers 200 with a JSON object');
{
	my $l = $login->{json} // {};
	ok(length($l->{token} // '') && $l->{token} ne $s->{token},
	    'login returns a new token');
	is($l->{token_type}, 'bearer', 'login says token_type "bearer"');
	ok(AidoGW::is_rfc3339($l->{expires_at}), 'login says when it expires');
	is_deeply($l->{user}, $user, 'login returns the same user as signup');
	my (undef, $c) = AidoGW::jwt_decode($l->{token});
	isnt($c->{sid}, $claims->{sid}, 'each login opens its own session');
	is($gw->login(uc($email), $password)->{status}, 200,
	    'login matches the email case-insensitively');
	is($gw->login(" $email ", $password)->{status}, 200,
	    'login trims the email');
}
{
	my $wrong = $gw->login($email, 'not the password');
	my $unknown = $gw->login(AidoGW::unique_email(), 'not the password');
	AidoGW::error_ok($wrong, 401, 'invalid_credentials',
	    'login with a wrong password is 401 invalid_credentials');
	AidoGW::error_ok($unknown, 401, 'invalid_credentials',
	    'login with an unknown email is 401 invalid_credentials');
	is($unknown->{content}, $wrong->{content},
	    'unknown email and wrong password get the identical body');
	is($gw->login($email, uc($password))->{status}, 401,
	    'passwords are case-sensitive');
	my $r = $gw->request(POST => '/api/auth/login', {},
	    { email => $email });
	ok($r->{status} == 422 || $r->{status} == 401,
	    'login without a password is refused (422 or 401)')
	    or diag("answered $r->{status}");
}

# Me.
{
	my $r = $gw->api($s->{token}, GET => '/api/auth/me');
	AidoGW::json_ok($r, 200, 'GET /api/auth/me answers 200');
	is_deeply($r->{json}, $user,
	    'me returns the user {id, email, name, created_at}');
	AidoGW::error_ok($gw->request(GET => '/api/auth/me'), 401, undef,
	    'me without a token is 401');
	AidoGW::error_ok($gw->api('garbage', GET => '/api/auth/me'), 401,
	    undef, 'me with a token that is not a JWT is 401');
	AidoGW::error_ok($gw->request(GET => '/api/auth/me',
	    { Authorization => "Basic " . MIME::Base64::encode_base64(
	    "$email:$password", '') }), 401, undef,
	    'me with Basic credentials is 401');
	AidoGW::error_ok($gw->request(GET => '/api/auth/me',
	    { Authorization => $s->{token} }), 401, undef,
	    'me with a token but no Bearer scheme is 401');
}

# Logout.
{
	my $l2 = $gw->login($email, $password)->{json}{token};
	my $r = $gw->api($s->{token}, POST => '/api/auth/logout');
	is($r->{status}, 204, 'logout answers 204');
	is($r->{content}, '', 'with an empty body');
	AidoGW::error_ok($gw->api($s->{token}, GET => '/api/auth/me'), 401,
	    undef, 'the logged-out token is refused with 401');
	AidoGW::error_ok($gw->api($s->{token}, GET => '/api/tasks'), 401,
	    undef, 'on every route');
	AidoGW::error_ok($gw->api($s->{token}, POST => '/api/auth/logout'),
	    401, undef, 'logging out twice is 401');
	is($gw->api($l2, GET => '/api/auth/me')->{status}, 200,
	    'other sessions of the same user stay valid');
	AidoGW::error_ok($gw->request(POST => '/api/auth/logout'), 401,
	    undef, 'logout without a token is 401');

	# As curl -X POST sends it: no body and no Content-Length.
	$r = $gw->raw_request("POST /api/auth/logout HTTP/1.1\r\n" .
	    "Host: 127.0.0.1\r\nAuthorization: Bearer $l2\r\n" .
	    "Connection: close\r\n\r\n");
	is($r->{status}, 204,
	    'logout without a body or Content-Length (curl -X POST) is 204');
}

# Too many failed logins: 429 with Retry-After.  Last, since it may block
# this client for a while.
{
	my $victim = $gw->new_user;
	my $r;
	for (1 .. 60) {
		$r = $gw->login($victim->{email}, "guess $_");
		last if $r->{status} != 401;
	}
	AidoGW::error_ok($r, 429, undef, 'repeated failed logins for one ' .
	    'account are eventually refused with 429');
	like(AidoGW::header($r, 'retry-after') // '', qr/\A\d+\z/,
	    '... with a Retry-After in seconds');
}

done_testing();
