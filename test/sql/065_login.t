#!/usr/bin/perl
# Failed logins and throttling (SECURITY.md, "Login throttling").  A login
# commits its count before its password is checked, so these run outside a
# transaction, as the gateway calls.
use strict;
use warnings;
use Test::More tests => 32;
use File::Temp qw(tempfile);

my $db = "aido_login_$$";
my $base = '-c aido.password_memory_kib=1024 -c aido.password_iterations=1 -c client_min_messages=warning';

# The C flavor takes the limits as GUCs (-c aido.X=V); the SQL-only flavor
# from its owner-only table aido_config.settings, set here before each run,
# to the value given or the default.
my $sqlonly = ($ENV{AIDO_FLAVOR} // 'c') eq 'sqlonly';
my %defaults = (login_max_failures => 10, login_max_failures_per_address => 100,
	login_max_failures_per_account => 12, signup_max_per_address => 20);
sub settings_sql {
	my ($opts) = @_;
	my %set = (%defaults, ($opts // '') =~ /aido\.((?:login|signup)_\w+)=(\d+)/g);
	return join('', map { "UPDATE aido_config.settings SET value = '$set{$_}' WHERE name = '$_';\n" } sort keys %set);
}

# Runs SQL with the given settings; returns (sqlstate or '', output).
sub run {
	my ($sql, $opts) = @_;
	if ($sqlonly && ($opts // '') !~ /role=/) {
		system('psql', '-X', '-q', '-d', $db, '-c', settings_sql($opts)) == 0 or die 'settings';
	}
	local $ENV{PGOPTIONS} = join(' ', $base, $opts // '');
	my ($fh, $file) = tempfile(UNLINK => 1);
	print $fh "\\set VERBOSITY verbose\n$sql;\n";
	close($fh);
	my $out = `psql -X -q -At -d $db -f $file 2>&1`;
	$out =~ s/\s+\z//;
	my ($state) = $out =~ /ERROR:\s+([0-9A-Z]{5}):/;
	return ($state // '', $out);
}
sub login {
	my ($email, $pw, $addr, $opts) = @_;
	$addr = defined $addr ? "'$addr'" : 'NULL';
	return run(qq{CALL aido_login('{"email":"$email","password":"$pw"}', 86400, NULL, $addr)}, $opts);
}

system('createdb', $db) == 0 or BAIL_OUT('createdb failed');
system('test/aido-install', $db) == 0 or BAIL_OUT('test/aido-install failed');
run(q{SELECT aido_signup('{"email":"lin@example.com","password":"password123"}')});

my ($state, $out) = login('lin@example.com', 'password123', '10.0.0.1');
is($state, '', 'the right password signs in');
like($out, qr/"session_id"/, 'and CALL aido_login returns the session');

my ($s1, $o1) = login('lin@example.com', 'wrong-password', '10.0.0.1');
my ($s2, $o2) = login('nobody@example.com', 'password123', '10.0.0.1');
is($s1, '28P01', 'a wrong password is 28P01');
is($s2, '28P01', 'an unknown email is 28P01 too');
my ($m1) = $o1 =~ /(ERROR:.*)/;
my ($m2) = $o2 =~ /(ERROR:.*)/;
is($m1, $m2, 'with the same message, so the two cannot be told apart');

my (undef, $count) = run(q{SELECT failures FROM aido.login_failures WHERE key = 'email:' || encode(sha256('lin@example.com'), 'hex')});
is($count, '1', 'a failed login is counted even though the call failed');
my (undef, $plain) = run(q{SELECT count(*) FROM aido.login_failures WHERE key LIKE '%lin@%'});
is($plain, '0', 'the count is keyed by a hash, not the email itself');

# per account at one address: 3 failures, then even the right password is
# refused there, and only there: no one can lock the owner out from elsewhere
my $limit = '-c aido.login_max_failures=3';
login('lin@example.com', 'wrong-password', '10.0.1.1', $limit) for 1 .. 3;
my ($s3, $o3) = login('lin@example.com', 'password123', '10.0.1.1', $limit);
is($s3, 'PT429', 'after 3 failures at one address the account is refused there with PT429, even with the right password');
my ($retry) = $o3 =~ /DETAIL:\s+\{"retry_after": (\d+)\}/;
ok(defined $retry && $retry >= 1 && $retry <= 900, 'the refusal says how many seconds to wait');
my ($s3b) = login('lin@example.com', 'password123', '10.0.2.1', $limit);
is($s3b, '', 'the owner at another address signs in while that one is refused');
my ($s4) = login('other@example.com', 'whatever-pw', '10.0.1.1', $limit);
is($s4, '28P01', 'another account is not affected at that address');
my ($s4b) = login('lin@example.com', 'password123', '10.0.1.1', $limit);
is($s4b, 'PT429', 'a refused attempt is not counted, and does not end the refusal either');

# attempts in flight: counted before the hash is checked (issue 13, item 2)
run(q{DELETE FROM aido.login_failures});
run(q{SELECT _aido_login_claim('{"email":"lin@example.com","password":"x"}', '10.0.5.1')}, $limit) for 1 .. 3;
my ($s4c) = login('lin@example.com', 'password123', '10.0.5.1', $limit);
is($s4c, 'PT429', 'with 3 attempts claimed and not yet checked, the right password is refused');
my (undef, $claimed) = run(q{SELECT failures FROM aido.login_failures WHERE key = 'email:' || encode(sha256('lin@example.com'), 'hex')});
is($claimed, '3', 'and the refused attempt left no count behind');

# the account's ceiling over all addresses slows rather than refuses
run(q{DELETE FROM aido.login_failures});
my $ceiling = '-c aido.login_max_failures_per_account=4';
login('lin@example.com', 'password123', '10.0.6.1', $ceiling);
login('lin@example.com', 'wrong-password', "10.0.7.$_", $ceiling) for 1 .. 4;
my ($s4d) = login('lin@example.com', 'password123', '10.0.8.1', $ceiling);
is($s4d, '', 'past the ceiling, a new address still gets in when the account\'s slot is free');
my ($s4e, $o4e) = login('lin@example.com', 'password123', '10.0.8.2', $ceiling);
is($s4e, 'PT429', 'the next new address waits for the next slot');
my ($wait) = $o4e =~ /DETAIL:\s+\{"retry_after": (\d+)\}/;
ok(defined $wait && $wait >= 1 && $wait <= 225, 'of at most window / ceiling seconds') or diag($o4e);
my ($s4f) = login('lin@example.com', 'password123', '10.0.6.1', $ceiling);
is($s4f, '', 'an address the account signed in from is not slowed');

# a success clears the account's count
run(q{DELETE FROM aido.login_failures});
login('lin@example.com', 'wrong-password', '10.0.3.1', $limit) for 1 .. 2;
my ($s5) = login('lin@example.com', 'password123', '10.0.3.1', $limit);
is($s5, '', 'two failures and then the right password: signed in');
login('lin@example.com', 'wrong-password', '10.0.3.1', $limit) for 1 .. 2;
my ($s6) = login('lin@example.com', 'password123', '10.0.3.1', $limit);
is($s6, '', 'the success cleared the count: two more failures do not lock the account');

# per client address
run(q{DELETE FROM aido.login_failures});
my $addr_limit = '-c aido.login_max_failures_per_address=3';
login("guess$_\@example.com", 'wrong-password', '192.0.2.7', $addr_limit) for 1 .. 3;
my ($s7) = login('lin@example.com', 'password123', '192.0.2.7', $addr_limit);
is($s7, 'PT429', 'an address with 3 failures on any accounts is refused');
my ($s8) = login('lin@example.com', 'password123', '192.0.2.8', $addr_limit);
is($s8, '', 'another address still signs in');

# the window passes (moved back in time rather than waited for: no sleep, no race)
run(q{DELETE FROM aido.login_failures});
my $two = '-c aido.login_max_failures=2';
login('lin@example.com', 'wrong-password', undef, $two) for 1 .. 2;
my ($s9) = login('lin@example.com', 'password123', undef, $two);
is($s9, 'PT429', 'locked within the window');
run(q{UPDATE aido.login_failures SET window_start = window_start - interval '15 minutes 1 second'});
my ($s10) = login('lin@example.com', 'password123', undef, $two);
is($s10, '', 'signed in again once the window has passed');

# signups per address: only those that create an account count
run(q{DELETE FROM aido.login_failures});
my $signups = '-c aido.signup_max_per_address=2';
sub signup {
	my ($email, $addr, $opts) = @_;
	return run(qq{SELECT aido_signup('{"email":"$email","password":"password123"}', 86400, NULL, '$addr')}, $opts);
}
my @ss = map { (signup("new$_\@example.com", '10.1.0.1', $signups))[0] } 1 .. 2;
is_deeply(\@ss, ['', ''], 'two signups from one address');
my ($s13) = signup('new1@example.com', '10.1.0.1', $signups);
is($s13, '23505', 'a taken email is 23505, and is not counted');
my ($s14, $o14) = signup('new3@example.com', '10.1.0.1', $signups);
is($s14, 'PT429', 'the third account from that address is refused with PT429');
like($o14, qr/"retry_after": \d+/, 'saying how long to wait');
my ($s15) = signup('new3@example.com', '10.1.0.2', $signups);
is($s15, '', 'another address still signs up');

# IPv6 addresses are counted by their /64
run(q{DELETE FROM aido.login_failures});
login('lin@example.com', 'wrong-password', "2001:db8:1:2::$_", $limit) for 1 .. 3;
my ($s16) = login('lin@example.com', 'password123', '2001:db8:1:2::ffff', $limit);
is($s16, 'PT429', 'three failures from one IPv6 /64 refuse its other addresses too');

if ($sqlonly) {
	# aido.* are mere placeholders here, which any session may set: the
	# limits are read from a table only the owner may change
	my ($s11) = run(q{UPDATE aido_config.settings SET value = '50' WHERE name = 'login_max_failures'}, '-c role=aido_api');
	is($s11, '42501', 'aido_api may not change the limits');
	run(q{DELETE FROM aido.login_failures});
	login('lin@example.com', 'wrong-password', undef, $two) for 1 .. 2;
	my ($s12) = login('lin@example.com', 'password123', undef, '-c role=aido_api -c aido.login_max_failures=50');
	is($s12, 'PT429', 'a client that sets aido.login_max_failures in its session is still throttled');
} else {
	my ($s11) = run(q{SELECT aido_password_needs_rehash(''); SET aido.login_max_failures = 50}, '-c role=aido_api');
	is($s11, '42501', 'only a superuser may change the limits');
	my ($s12) = run(q{SELECT aido_password_needs_rehash(''); SET ROLE aido_api; SET aido.login_failure_window = 3600}, '');
	is($s12, '42501', 'nor the window');
}

system('dropdb', $db);
