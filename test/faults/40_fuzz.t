#!/usr/bin/env perl
# A short run of every fuzz target of test/fuzz (make fuzz runs them
# longer): the libFuzzer targets of the gateway's parsers, two at a time,
# then the validator through SQL, then the C validator against the SQL-only
# flavor's (validate-diff.pl: no disagreement).  Each must end its time without a crash,
# a hang or a sanitizer report.  AIDO_FUZZ_SECONDS sets the time of each
# (default 30).

use strict;
use warnings;
use FindBin;
use File::Path qw(make_path remove_tree);
use POSIX qw(:sys_wait_h);
use Test::More;

my $SECONDS = $ENV{AIDO_FUZZ_SECONDS} // 30;
my $FUZZ = "$FindBin::Bin/../fuzz";
# The targets of test/fuzz/Makefile.
my ($line) = grep { /\ATARGETS\s*=/ } split(/\n/, do {
    open(my $mk, '<', "$FUZZ/Makefile") or die "$FUZZ/Makefile: $!";
    local $/; <$mk> });
my @TARGETS = split(' ', ($line // '') =~ s/\ATARGETS\s*=//r);

for my $t (@TARGETS) {
	-x "$FUZZ/bin/fuzz_$t" or plan(skip_all => "test/fuzz/bin/fuzz_$t " .
	    'is not built (make fuzz-build; make test-faults does)');
}

my $work = "$FUZZ/work/short";
remove_tree($work);
make_path(map { "$work/$_" } @TARGETS);

sub start {
	my ($t) = @_;
	my $pid = fork();
	die "fork: $!" unless defined $pid;
	if ($pid == 0) {
		open(STDOUT, '>', "$work/$t.log");
		open(STDERR, '>&', \*STDOUT);
		exec("$FUZZ/bin/fuzz_$t", "-max_total_time=$SECONDS",
		    '-print_final_stats=1', '-timeout=25', '-rss_limit_mb=2048',
		    "-artifact_prefix=$work/$t/", "$work/$t", "$FUZZ/corpus/$t")
		    or POSIX::_exit(127);
	}
	return ($pid);
}

my @queue = @TARGETS;
my %running;
my %rc;
while (@queue || %running) {
	while (@queue && keys(%running) < 2) {
		my $t = shift(@queue);
		$running{ start($t) } = $t;
	}
	my $pid = waitpid(-1, 0);
	next unless $pid > 0 && $running{$pid};
	$rc{ delete($running{$pid}) } = $? >> 8;
}

for my $t (@TARGETS) {
	open(my $fh, '<', "$work/$t.log") or die "$work/$t.log: $!";
	my $log = do { local $/; <$fh> };
	close($fh);
	my ($n) = $log =~ /stat::number_of_executed_units:\s*(\d+)/;
	is($rc{$t}, 0, "fuzz_$t runs $SECONDS s without a crash, hang or " .
	    'sanitizer report') or diag(join("\n", grep { /ERROR|SUMMARY|
	    runtime error|#\d+ .* in (gw_|jwt_|config_|dburl_|params_)|
	    Test unit written/x } split(/\n/, $log)));
	diag(sprintf('fuzz_%s: %d executions in %d s', $t, $n // 0,
	    $SECONDS));
}

my $out = `perl '$FUZZ/validate.pl' $SECONDS 2>&1`;
is($? >> 8, 0, "the task validator, fuzzed through SQL for $SECONDS s, " .
    'shows no crash and no disagreement') or diag($out);
chomp($out);
diag($out);

# The SQL-only flavor's validator gives the C one's verdicts, error for error.
$out = `perl '$FUZZ/validate-diff.pl' $SECONDS 2>&1`;
is($? >> 8, 0, "the C and SQL-only task validators, fed the same documents for $SECONDS s, " .
    'agree on every one') or diag($out);
chomp($out);
diag($out);

done_testing();
