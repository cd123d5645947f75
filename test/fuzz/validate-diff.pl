#!/usr/bin/env perl
# test/fuzz/validate-diff.pl SECONDS: the task validator of the C extension
# (extension/validate.c, rfc3339.c) against the SQL-only flavor's
# (sql/sqlonly/05_primitives.sql), for SECONDS.
#
# Two databases of one cluster, one per flavor, get the same generated and
# mutated task documents (lib/TaskDocs.pm, as validate.pl's), each as a
# whole task and as a patch; aido_validate_task's answers must be the same
# text, error for error (fields, codes, messages, order), and so must the
# way a document that is not JSON fails.  Needs the PG* variables of a
# superuser (run it under test/with-cluster) and the built script
# extension/aido-sql--<version>.sql (make extension).  Prints one summary
# line; exits 1 on a disagreement, keeping the documents in
# test/fuzz/work/validate-diff/.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use File::Path qw(make_path);
use File::Temp qw(tempfile);
use JSON::PP;
use Time::HiRes qw(time);
use TaskDocs qw(document);

my $SECONDS = shift(@ARGV) // 30;
my $BATCH = 500;
my $WORK = "$FindBin::Bin/work/validate-diff";
my ($SCRIPT) = glob("$FindBin::Bin/../../extension/aido-sql--*.sql");
defined $SCRIPT && -f $SCRIPT or die "no extension/aido-sql--*.sql: make extension\n";

sub psql {
	my ($db, @args) = @_;
	my $out = `psql -X -q -A -t -v ON_ERROR_STOP=0 -d '$db' @args 2>&1`;
	return ($out, $? >> 8);
}

my %db = (c => "aido_vdiff_c_$$", sqlonly => "aido_vdiff_s_$$");
END { system("dropdb --if-exists '$_' >/dev/null 2>&1") for values %db }
for my $flavor (keys %db) {
	system("createdb '$db{$flavor}'") == 0 or die "createdb failed\n";
}
my ($out, $rc) = psql($db{c}, '-v', 'ON_ERROR_STOP=1', '-c', "'CREATE EXTENSION aido'");
die "CREATE EXTENSION aido: $out" if $rc;
($out, $rc) = psql($db{sqlonly}, '-v', 'ON_ERROR_STOP=1', '-f', $SCRIPT);
die "$SCRIPT: $out" if $rc;

# One line per document and mode: its verdict, or how it failed to parse.
my $FN = <<'SQL';
CREATE FUNCTION pg_temp.v(n integer, doc text, part boolean) RETURNS text
LANGUAGE plpgsql AS $fn$
DECLARE
	j jsonb;
BEGIN
	BEGIN
		j := doc::jsonb;
	EXCEPTION WHEN OTHERS THEN
		RETURN n || ' ' || part || ' parse ' || SQLSTATE;
	END;
	RETURN n || ' ' || part || ' ' || aido_validate_task(j, part)::text;
END
$fn$;
SQL

my %stats = (docs => 0, batches => 0, valid => 0, invalid => 0, parse => 0);
my @findings;
my $start = time();
make_path($WORK);

while (time() - $start < $SECONDS && !@findings) {
	my @docs = map { document() } 1 .. $BATCH;
	my ($fh, $file) = tempfile('aido-vd-XXXXXX', TMPDIR => 1, UNLINK => 1);
	binmode($fh);
	print $fh $FN;
	for my $n (0 .. $#docs) {
		my $tag = 'q' . int(rand(1e9));
		$tag = 'q' . int(rand(1e9)) while index($docs[$n], "\$$tag\$") >= 0;
		my $text = $docs[$n];
		utf8::encode($text) if utf8::is_utf8($text);
		print $fh "SELECT pg_temp.v($n, \$$tag\$$text\$$tag\$, $_);\n"
		    for qw(false true);
	}
	close($fh);
	my %lines;
	for my $flavor (keys %db) {
		my ($o, $r) = psql($db{$flavor}, '-f', $file);
		push(@findings, "$flavor: psql failed ($r) in batch $stats{batches}")
		    if $r > 1 || $o =~ /server closed the connection|terminated abnormally/;
		# only our lines: the mutations also make SQL text psql refuses
		$lines{$flavor} = [ grep { /\A\d+ (true|false) / } split(/\n/, $o) ];
	}
	$stats{batches}++;
	last if @findings;
	my %s = map { ($_ =~ /\A(\d+ \w+) /)[0] => $_ } @{ $lines{sqlonly} };
	for my $c (@{ $lines{c} }) {
		my ($key, $rest) = $c =~ /\A(\d+ \w+) (.*)\z/s;
		my $sq = delete($s{$key}) // '(no answer)';
		$stats{docs}++;
		if ($rest =~ /\Aparse /) {
			$stats{parse}++;
		} elsif ($rest eq '[]') {
			$stats{valid}++;
		} else {
			$stats{invalid}++;
		}
		next if $sq eq $c;
		my ($n) = $key =~ /\A(\d+)/;
		push(@findings, JSON::PP->new->canonical->encode({ document => $docs[$n],
		    mode => $key, c => $c, sqlonly => $sq }));
	}
	push(@findings, "sqlonly answered what C did not: $_") for sort values %s;
}
my $took = time() - $start;

printf("validate-diff: %d verdicts in %.0f s (%d batches): %d valid, %d " .
    "invalid, %d not JSON; %d disagreements between the C and SQL-only " .
    "validators\n", $stats{docs}, $took, $stats{batches}, $stats{valid},
    $stats{invalid}, $stats{parse}, scalar(@findings));
if (@findings) {
	binmode(STDOUT, ':encoding(UTF-8)');
	open(my $ff, '>:encoding(UTF-8)', "$WORK/findings") or die "$WORK/findings: $!";
	print $ff "$_\n" for @findings;
	close($ff);
	print "first: ", substr($findings[0], 0, 800), "\n";
	print "all in $WORK/findings\n";
	exit(1);
}
exit(0);
