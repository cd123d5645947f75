#!/usr/bin/env perl
# The login throttle against an attacker (issue 13, items 1-3; SECURITY.md,
# "Login throttling"), over HTTP with clients bound to addresses of their
# own in 127.0.0.0/8 (the gateway counts the TCP peer):
#   - an attacker hammering an account from other addresses does not lock
#     its owner out, and is refused himself, the right password included;
#   - 60 simultaneous wrong logins of one account, on two gateways, have at
#     most the limit's passwords checked (the others are 429 before any
#     hash), and a right password sent while the limit's attempts are still
#     being checked is refused;
#   - a 60-second storm of logins from one shared address (per-address
#     limit 0, the deployment behind a proxy) with a 1-second window, so
#     that the clean-up of old windows runs all the time, answers no 5xx.
# The figures are printed (diag) for the record.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../gateway/lib";
use Test::More;
use AidoGW;
use Faults;
use HTTP::Tiny;
use JSON::PP;
use POSIX ();
use Time::HiRes qw(time sleep);

plan(skip_all => 'needs AIDO_PGDATA (make test-faults)')
    unless $ENV{AIDO_PGDATA};

my ($ATTACKER, $ATTACKER2, $OWNER, $NEWCOMER) =
    ('127.0.0.21', '127.0.0.24', '127.0.0.22', '127.0.0.26');

sub gateway_with {
	my ($env, %guc) = @_;
	my $db = AidoGW::create_db();
	for my $k (sort keys %guc) {
		AidoGW::psql($db->{name},
		    qq{ALTER DATABASE "$db->{name}" SET $k = '$guc{$k}'});
	}
	return (Faults::watch(AidoGW->new(db => $db, env => $env)));
}

# POST /api/auth/login from a client bound to $addr; returns the status.
sub login_from {
	my ($gw, $addr, $email, $password) = @_;
	my $r = HTTP::Tiny->new(local_address => $addr, timeout => 90)->post(
	    $gw->base_url . '/api/auth/login', { headers =>
	    { 'Content-Type' => 'application/json' }, content =>
	    encode_json({ email => $email, password => $password }) });
	Faults::record_secret($1)
	    if $r->{content} =~ /"token":"([^"]+)"/;
	return ($r->{status});
}

# Runs $code->($i) for $i in 1..$n in child processes; with $at, each
# starts at that time() (all at once).  Returns a handle for collect().
sub spawn {
	my ($n, $code, $at) = @_;
	my @kids;
	for my $i (1 .. $n) {
		pipe(my $rd, my $wr) or die "pipe: $!";
		my $pid = fork();
		die "fork: $!" unless defined $pid;
		if ($pid == 0) {
			close($rd);
			sleep($at - time()) if defined $at && $at > time();
			my $out = eval { $code->($i) } // 'died';
			print $wr "$out\n";
			close($wr);
			POSIX::_exit(0);
		}
		close($wr);
		push(@kids, [ $pid, $rd ]);
	}
	return (\@kids);
}

# The children's answers (their last line each), once they have ended.
sub collect {
	my ($kids) = @_;
	my @out;
	for my $k (@$kids) {
		my $fh = $k->[1];
		my @lines = <$fh>;
		my $l = $lines[-1] // 'none';
		chomp($l);
		push(@out, $l);
		close($fh);
		waitpid($k->[0], 0);
	}
	return (@out);
}

sub tally {
	my %n;
	$n{$_}++ for @_;
	return (\%n);
}

sub shown {
	my ($n) = @_;
	return (join(', ', map { "$_: $n->{$_}" } sort keys %$n));
}

# 1. No lockout of the owner.  Default limits (10 per account and address,
# a ceiling of 12 per account).
my $gw = gateway_with({});
{
	my $u = Faults::record_user($gw->new_user);
	my $attack = spawn(1, sub {
		join(' ', map { login_from($gw, $ATTACKER, $u->{email},
		    "guess $_") } 1 .. 30);
	});
	my ($seen) = collect($attack);
	my @st = split(' ', $seen);
	is_deeply([ @st[0 .. 9] ], [ (401) x 10 ],
	    'the attacker\'s first 10 guesses from one address are checked');
	is_deeply([ @st[10 .. $#st] ], [ (429) x 20 ],
	    'then every guess of his is 429');
	is(login_from($gw, $ATTACKER, $u->{email}, $u->{password}), 429,
	    'the right password from the attacker\'s address is 429 too');

	# the owner, at an address that has not been failing, while the
	# attacker keeps hammering
	my $more = spawn(1, sub {
		join(' ', map { login_from($gw, $ATTACKER, $u->{email},
		    "more $_") } 1 .. 20);
	});
	my $owner = login_from($gw, $OWNER, $u->{email}, $u->{password});
	my ($later) = collect($more);
	is($owner, 200, 'the owner at another address signs in while the ' .
	    'attacker hammers the account');
	is_deeply(tally(split(' ', $later)), { 429 => 20 },
	    'and the attacker stays refused');
	diag("owner's login under attack from one address: $owner");

	# Over the account's ceiling from more addresses: new addresses are
	# slowed to the account's slot; the owner's known address is not.
	my $wide = spawn(2, sub {
		my $addr = $_[0] == 1 ? $ATTACKER2 : '127.0.0.25';
		join(' ', map { login_from($gw, $addr, $u->{email},
		    "wide $_") } 1 .. 15);
	});
	my @wide = map { split(' ') } collect($wide);
	ok(scalar(grep { $_ == 401 } @wide) <= 10,
	    'two more addresses past the account\'s ceiling get few guesses ' .
	    'checked') or diag(shown(tally(@wide)));
	is(login_from($gw, $OWNER, $u->{email}, $u->{password}), 200,
	    'the owner at an address the account signed in from still gets in');
	my $new = login_from($gw, $NEWCOMER, $u->{email}, $u->{password});
	ok($new == 429 || $new == 200, 'a new address waits for the ' .
	    'account\'s slot, or has it');
	diag('over the ceiling (3 attacking addresses): ' .
	    shown(tally(@wide)) . "; owner's known address 200; " .
	    "a new address $new");
}

# 2. 60 simultaneous wrong logins of one account, half through each of two
# gateways on one database: at most 10 checked (the default pools: 15
# connections each, so 30 at a time reach the database).
my $gw2 = gateway_with({});
{
	my $twin = Faults::watch(AidoGW->new(db => $gw2->db));
	my $u = Faults::record_user($gw2->new_user);
	my $at = time() + 3;
	my @st = collect(spawn(60, sub {
		login_from($_[0] % 2 ? $gw2 : $twin, $ATTACKER, $u->{email},
		    "concurrent $_[0]");
	}, $at));
	$twin->stop;
	my $n = tally(@st);
	my $verified = $n->{401} // 0;
	cmp_ok($verified, '<=', 10, '60 simultaneous wrong logins on two ' .
	    'gateways: at most the limit of 10 had their password checked (401)');
	is(($n->{401} // 0) + ($n->{429} // 0), 60, '... the others were 429')
	    or diag(shown($n), "\n", grep { /error|[0-9A-Z]{5}/i }
	    split(/^/, $gw2->output));
	diag("60 simultaneous wrong logins on two gateways: $verified checked (401), " .
	    ($n->{429} // 0) . ' refused before any hash (429)');

	$gw2->stop;
	# The limit's attempts held inside the database (aido.users locked
	# after their count was committed): a right password now is refused.
	# A pool large enough for all of them and the right one.
	$gw2 = gateway_with({ DB_POOL_SIZE => 40 });
	my $v = Faults::record_user($gw2->new_user);
	my $db = $gw2->db->{name};
	my $name = AidoGW::unique_name('aido_locker');
	my $locker = spawn(1, sub {
		$ENV{PGAPPNAME} = $name;
		eval { AidoGW::psql($db, 'BEGIN; LOCK TABLE aido.users IN ' .
		    'ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT') };
		'released';
	});
	my $waiting = sub {
		AidoGW::psql($db, 'SELECT count(*) FROM pg_locks WHERE ' .
		    "relation = 'aido.users'::regclass AND NOT granted");
	};
	my $deadline = time() + 30;
	sleep(0.05) until AidoGW::psql($db, 'SELECT count(*) FROM ' .
	    'pg_stat_activity WHERE application_name = ' . "'$name' AND " .
	    "wait_event = 'PgSleep'") > 0 || time() > $deadline;
	my $wrongs = spawn(12, sub {
		login_from($gw2, $ATTACKER, $v->{email}, "in flight $_[0]");
	});
	sleep(0.05) until $waiting->() >= 10 || time() > $deadline;
	cmp_ok($waiting->(), '>=', 10, '10 wrong logins are held inside ' .
	    'the database');
	my $right = spawn(1, sub {
		login_from($gw2, $ATTACKER, $v->{email}, $v->{password});
	});
	sleep(2);
	AidoGW::psql($db, 'SELECT pg_cancel_backend(pid) FROM ' .
	    "pg_stat_activity WHERE application_name = '$name'");
	collect($locker);
	my ($r) = collect($right);
	my $w = tally(collect($wrongs));
	is($r, 429, 'the right password sent while the limit\'s attempts ' .
	    'are in flight is 429');
	is_deeply($w, { 401 => 10, 429 => 2 }, 'of 12 wrong ones, 10 were ' .
	    'checked and 2 refused') or diag(shown($w));
	diag("right password with 10 attempts in flight: $r");
	$gw2->stop;
}

# 3. A shared address (per-address limit 0), a 1-second window so that
# windows end and are cleaned up all the time, cheap hashes so that logins
# are many: 8 clients for 60 s, no 5xx.
{
	my $gw3 = gateway_with({ DB_POOL_SIZE => 16 },
	    'aido.login_max_failures_per_address' => 0,
	    'aido.login_failure_window' => 1,
	    'aido.password_memory_kib' => 1024,
	    'aido.password_iterations' => 1);
	my @users = map { Faults::record_user($gw3->new_user) } 1 .. 20;
	my $until = time() + 60;
	my @out = collect(spawn(8, sub {
		my %n;
		my $http = HTTP::Tiny->new(timeout => 30, keep_alive => 1);
		while (time() < $until) {
			my $u = $users[int(rand(@users))];
			my $pw = rand() < 0.1 ? $u->{password} : 'wrong ' . rand();
			my $r = $http->post($gw3->base_url . '/api/auth/login',
			    { headers => { 'Content-Type' => 'application/json' },
			    content => encode_json({ email => $u->{email},
			    password => $pw }) });
			$n{ $r->{status} }++;
		}
		join(' ', map { "$_=$n{$_}" } sort keys %n);
	}));
	my %n;
	for (@out) {
		$n{$1} += $2 while /(\d+)=(\d+)/g;
	}
	my $total = 0;
	$total += $_ for values %n;
	my $fivexx = 0;
	$fivexx += $n{$_} for grep { $_ >= 500 } keys %n;
	is($fivexx, 0, "a 60 s login storm from one shared address: no 5xx " .
	    "in $total logins") or diag(shown(\%n), "\n", grep
	    { /error|[0-9A-Z]{5}/i } split(/^/, $gw3->output));
	ok($total > 100, 'and it did storm');
	diag("60 s shared-address login storm: $total logins, $fivexx 5xx (" .
	    shown(\%n) . ')');
	unlike($gw3->output, qr/40P01|deadlock/i,
	    'no deadlock in the gateway\'s log');
	$gw3->stop;
}

$gw->stop;
done_testing();
