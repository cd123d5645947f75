#!/usr/bin/env perl
# Last of make test-faults: after every suite ran (the fault tests, and
# the whole gateway suite twice, behind PgBouncer and against the ASan
# build), no log holds a secret.  Every password, token, JWT_SECRET and
# DATABASE_URL password the tests used was recorded (Faults.pm, and
# AidoGW.pm under AIDO_GW_ARCHIVE), with the output of every gateway they
# started; none of them may appear in any of those outputs, nor in
# PostgreSQL's log (AIDO_PGLOG), which also received every statement
# error of the run.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../gateway/lib";
use Test::More;
use AidoGW;

my $dir = $ENV{AIDO_FAULTS_DIR};
plan(skip_all => 'needs AIDO_FAULTS_DIR and AIDO_PGLOG (make test-faults)')
    unless $dir && $ENV{AIDO_PGLOG};

my %secrets = map { $_ => 1 } grep { length($_) >= 6 }
    split(/\n/, AidoGW::_slurp("$dir/secrets"));
$secrets{ $ENV{PGPASSWORD} } = 1 if $ENV{PGPASSWORD};
my @secrets = sort keys(%secrets);

opendir(my $d, "$dir/logs") or die "$dir/logs: $!";
my @logs = map { "$dir/logs/$_" } grep { !/\A\./ } readdir($d);
closedir($d);
my $pglog = AidoGW::_slurp($ENV{AIDO_PGLOG});

cmp_ok(scalar(@secrets), '>=', 100, 'the secrets the run used are known ' .
    '(database and user passwords, tokens, JWT secrets)') or
    diag(scalar(@secrets));
cmp_ok(scalar(@logs), '>=', 50, 'so are the outputs of its gateways')
    or diag(scalar(@logs));
ok(length($pglog) > 1000, 'PostgreSQL\'s log was read');

my (%in_gw, @in_pg);
for my $log (@logs) {
	my $text = AidoGW::_slurp($log);
	for my $s (@secrets) {
		push(@{ $in_gw{$log} }, $s) if index($text, $s) >= 0;
	}
}
@in_pg = grep { index($pglog, $_) >= 0 } @secrets;

# What leaked is never printed: only where, and how long it was.
is(scalar(keys(%in_gw)), 0, 'no gateway output holds a password, a ' .
    'token, a JWT_SECRET or a DATABASE_URL password') or
    diag(join("\n", map { "$_: " . scalar(@{ $in_gw{$_} }) . ' secrets ' .
    'of lengths ' . join(',', map { length } @{ $in_gw{$_} }) }
    sort keys(%in_gw)));
is(scalar(@in_pg), 0, 'PostgreSQL\'s log holds none either') or
    diag(scalar(@in_pg) . ' secrets of lengths ' .
    join(',', map { length } @in_pg));
diag(sprintf('secrets: %d known, looked for in %d gateway logs and ' .
    'PostgreSQL\'s log (%d bytes)', scalar(@secrets), scalar(@logs),
    length($pglog)));

done_testing();
