#!/usr/bin/env perl
# Login hardening over HTTP (the throttle itself is the database's:
# aido_login, PT429, test/sql/065_login.t).  After N failed logins of an
# account, or from one address, logins are 429 with Retry-After, the right
# password included; an unknown email and a wrong password get the same
# status and the same body, in about the same time (medians within 3x: a
# test never asserts an absolute time); and neither the gateway's log nor
# PostgreSQL's holds a password, a token, JWT_SECRET or the database
# password.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../gateway/lib";
use Test::More;
use AidoGW;
use Faults;
use Time::HiRes qw(time);
use HTTP::Tiny;

plan(skip_all => 'needs AIDO_PGDATA (make test-faults)')
    unless $ENV{AIDO_PGDATA};

sub gateway_with {
	my (%guc) = @_;
	my $db = AidoGW::create_db();
	for my $k (sort keys %guc) {
		AidoGW::psql($db->{name},
		    qq{ALTER DATABASE "$db->{name}" SET $k = '$guc{$k}'});
	}
	return (Faults::watch(AidoGW->new(db => $db)));
}

# 429 with Retry-After within the window ($minutes, default the login
# window's 15).
sub throttled_ok {
	my ($r, $what, $minutes) = @_;
	$minutes //= 15;
	AidoGW::error_ok($r, 429, 'too_many_requests', $what);
	my $ra = AidoGW::header($r, 'retry-after') // '';
	ok($ra =~ /\A\d+\z/ && $ra > 0 && $ra <= $minutes * 60,
	    "... with Retry-After in seconds, within the $minutes-minute " .
	    'window') or diag("Retry-After: $ra");
}

# Per account: aido.login_max_failures = 3.
my $gw = gateway_with('aido.login_max_failures' => 3);
{
	my $u = Faults::record_user($gw->new_user);
	my $v = Faults::record_user($gw->new_user);
	my @st = map { $gw->login($u->{email}, "wrong password $_")->{status} }
	    1 .. 3;
	is_deeply(\@st, [ 401, 401, 401 ], 'three failed logins are 401 each');
	throttled_ok($gw->login($u->{email}, 'wrong password 4'),
	    'the fourth is 429 too_many_requests');
	throttled_ok($gw->login($u->{email}, $u->{password}),
	    'then even the right password is 429');
	throttled_ok($gw->login(uc($u->{email}), $u->{password}),
	    '... also with the email in another case');
	my $r = $gw->login($v->{email}, $v->{password});
	is($r->{status}, 200, 'another account of the same address still ' .
	    'logs in');
	Faults::record_secret($r->{json}{token});
	$r = $gw->api($u->{token}, GET => '/api/auth/me');
	is($r->{status}, 200, 'the throttled account\'s existing session ' .
	    'still works (the throttle guards logins only)');

	my $ghost = AidoGW::unique_email();
	@st = map { $gw->login($ghost, "guess $_")->{status} } 1 .. 3;
	is_deeply(\@st, [ 401, 401, 401 ], 'an unknown email: three 401s');
	throttled_ok($gw->login($ghost, 'guess 4'), 'then 429 as for a real ' .
	    'account (the throttle tells nothing)');
}

# Per address: aido.login_max_failures_per_address = 5, spread over
# accounts that each stay under their own limit.
{
	my $gw2 = gateway_with('aido.login_max_failures_per_address' => 5);
	my $w = Faults::record_user($gw2->new_user);
	my @st = map { $gw2->login(AidoGW::unique_email(), 'x' x 9)->{status} }
	    1 .. 5;
	is_deeply(\@st, [ (401) x 5 ], 'five failures over five emails from ' .
	    'one address are 401 each');
	throttled_ok($gw2->login($w->{email}, $w->{password}),
	    'then any login from that address is 429, the right one too');
	$gw2->stop;
}

# Signups per address: aido.signup_max_per_address = 2.  A taken email is
# 409 still (it says the email has an account: SECURITY.md) and is not
# counted; the third new account from the address is 429 (issue 13).
{
	my $gw4 = gateway_with('aido.signup_max_per_address' => 2);
	my @u = map { Faults::record_user($gw4->new_user) } 1 .. 2;
	my $taken = $gw4->signup(email => $u[0]{email},
	    password => 'another password');
	AidoGW::error_ok($taken, 409, undef, 'a taken email is 409');
	my $r = $gw4->signup(password => 'a third password');
	throttled_ok($r, 'the third new account from one address is 429', 60);
	my $other = HTTP::Tiny->new(local_address => '127.0.0.23',
	    timeout => 30)->post($gw4->base_url . '/api/auth/signup',
	    { headers => { 'Content-Type' => 'application/json' },
	    content => '{"email":"' . AidoGW::unique_email() .
	    '","password":"yet another one"}' });
	is($other->{status}, 201, 'another address still signs up');
	Faults::record_secret($other->{content});
	$gw4->stop;
}

# Unknown email and wrong password: same answer, same time.  Throttling
# off, so that only the credentials differ.
{
	my $gw3 = gateway_with('aido.login_max_failures' => 0,
	    'aido.login_max_failures_per_address' => 0,
	    'aido.login_max_failures_per_account' => 0);
	my $u = Faults::record_user($gw3->new_user);
	my $wrong = $gw3->login($u->{email}, 'not the password');
	my $ghost = $gw3->login(AidoGW::unique_email(), 'not the password');
	is($wrong->{status}, 401, 'a wrong password is 401');
	is($ghost->{status}, $wrong->{status}, 'an unknown email has the ' .
	    'same status');
	is($ghost->{content}, $wrong->{content}, '... and the same body, ' .
	    'byte for byte');
	my @hk = sort grep { $_ ne 'date' } keys(%{ $wrong->{headers} });
	is_deeply([ sort grep { $_ ne 'date' } keys(%{ $ghost->{headers} }) ],
	    \@hk, '... and the same headers');
	is_deeply([ map { AidoGW::header($ghost, $_) } @hk ],
	    [ map { AidoGW::header($wrong, $_) } @hk ],
	    '... with the same values');

	# Interleaved, so that a slow moment of a busy machine hits both.
	my (@tw, @tg, @tok);
	for my $i (1 .. 15) {
		my $t = time();
		$gw3->login($u->{email}, "wrong $i");
		push(@tw, time() - $t);
		$t = time();
		$gw3->login(AidoGW::unique_email(), "wrong $i");
		push(@tg, time() - $t);
		$t = time();
		my $r = $gw3->login($u->{email}, $u->{password});
		push(@tok, time() - $t);
		Faults::record_secret($r->{json}{token});
	}
	my $median = sub {
		my @s = sort { $a <=> $b } @_;
		return ($s[$#s / 2]);
	};
	my ($mw, $mg, $mo) = map { $median->(@$_) } (\@tw, \@tg, \@tok);
	my $ratio = $mw > $mg ? $mw / $mg : $mg / $mw;
	diag(sprintf('login medians over 15 each: wrong password %.1f ms, ' .
	    'unknown email %.1f ms (ratio %.2f), right password %.1f ms',
	    $mw * 1000, $mg * 1000, $ratio, $mo * 1000));
	cmp_ok($ratio, '<=', 3, 'an unknown email and a wrong password take ' .
	    'about the same time (medians within 3x)');
	$gw3->stop;
}

# Nothing secret in the logs of this file's gateways or PostgreSQL's.
{
	$gw->stop;
	my @secrets = Faults::secrets();
	my $pglog = AidoGW::_slurp($ENV{AIDO_PGLOG} // '/nonexistent');
	my @in_gw = grep { my $s = $_; grep { index($_->output, $s) >= 0 }
	    Faults::watched() } @secrets;
	my @in_pg = grep { index($pglog, $_) >= 0 } @secrets;
	cmp_ok(scalar(@secrets), '>=', 20, 'the secrets of this test are ' .
	    'known (passwords, tokens, JWT_SECRETs, database passwords)');
	is(scalar(@in_gw), 0, 'none appears in the gateways\' logs');
	is(scalar(@in_pg), 0, 'none appears in PostgreSQL\'s log');
	ok(length($pglog) > 0, 'PostgreSQL\'s log was read');
}

done_testing();
