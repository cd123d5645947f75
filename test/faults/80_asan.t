#!/usr/bin/env perl
# The whole black-box suite of the gateway (test/gateway/*.t but the
# browser tests) against the AddressSanitizer + UBSan build of the module
# (make asan: gateway/aido-gateway-asan.so), started by
# test/faults/asan-start: Kore itself is not instrumented, so libasan and
# libubsan are preloaded.  Every file must pass, and no sanitizer report
# may be written (test/out/asan/).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../gateway/lib";
use Test::More;
use AidoGW;
use Faults;
use File::Path qw(make_path remove_tree);
use Time::HiRes qw(time);

plan(skip_all => 'needs AIDO_PGDATA (make test-faults)')
    unless $ENV{AIDO_PGDATA};
my $root = "$FindBin::Bin/../..";
my $start = "$FindBin::Bin/asan-start";
plan(skip_all => 'gateway/aido-gateway-asan.so is not built (make asan)')
    unless -f "$root/gateway/aido-gateway-asan.so";

my $reports = "$root/test/out/asan";
remove_tree($reports);
make_path($reports);

# The sanitized module is really the one running.
{
	local $AidoGW::START = $start;
	my $gw = Faults::watch(AidoGW->new);
	my @w = Faults::worker_pids($gw);
	my @maps = map { AidoGW::_slurp("/proc/$_/maps") } @w;
	ok(@w && !grep({ !/aido-gateway-asan\.so/ || !/libasan/ } @maps),
	    'each worker runs the ASan build with the ASan runtime loaded')
	    or diag('workers: ' . join(' ', @w));
	my $u = Faults::record_user($gw->new_user);
	my $r = $gw->api($u->{token}, GET => '/api/auth/me');
	is($r->{status}, 200, 'and it serves');
	$gw->stop;
}

my $t0 = time();
my @res = Faults::run_suite(env => { AIDO_GATEWAY_START => $start });
my $n = Faults::suite_ok('against the ASan + UBSan build', @res);
diag(sprintf('the gateway suite against the ASan build: %d files, %d ' .
    'tests, %d failed files, %.0f s', scalar(@res), $n,
    scalar(grep { !$_->{ok} } @res), time() - $t0));

opendir(my $d, $reports) or die "$reports: $!";
my @found = grep { !/\A\./ } readdir($d);
closedir($d);
is_deeply(\@found, [], 'no AddressSanitizer or UBSan report was written')
    or diag(join("\n", map { AidoGW::_slurp("$reports/$_") } @found));

done_testing();
