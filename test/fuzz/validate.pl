#!/usr/bin/env perl
# test/fuzz/validate.pl SECONDS: fuzzes the task validator of the
# extension (extension/validate.c) through SQL, for SECONDS.
#
# validate.c works on PostgreSQL's jsonb and reports with ereport: a
# libFuzzer target would need a stand-in for half the server, so it is
# fuzzed where it runs, in a real backend.  Task documents are generated
# (every field with right and wrong types, edge-case strings, dates,
# tags, unknown and read-only fields, nesting) and a share of them is
# mutated as text (bytes flipped, inserted, deleted, duplicated).  Each
# goes through aido_validate_task(doc, partial) and, for whole documents,
# aido_task_create, in batches over one psql session.  Checked:
#   - no backend crash (psql loses no connection; postmaster logs none);
#   - text that is not JSON fails only as such (22P02, 22P05, 54001, and
#     22003 for a number beyond numeric's range);
#   - the validator returns a JSON array of {field, code, message} with a
#     known code and a message (field null only when the document is not
#     an object);
#   - it agrees with the database: [] exactly when aido_task_create
#     accepts the document, else 23514.
# Needs the PG* variables of a superuser (run it under test/with-cluster,
# as make fuzz does).  Prints one summary line; exits 1 on a finding,
# keeping the failing documents in test/fuzz/work/validate/.

use strict;
use warnings;
use File::Basename qw(dirname);
use File::Path qw(make_path);
use File::Temp qw(tempfile);
use FindBin;
use lib "$FindBin::Bin/lib";
use JSON::PP;
use Time::HiRes qw(time);
use TaskDocs qw(document);

my $SECONDS = shift(@ARGV) // 30;
my $BATCH = 400;
my $WORK = dirname(__FILE__) . '/work/validate';
my $JSON = JSON::PP->new->canonical;
my %CODES = map { $_ => 1 } qw(required blank too_long too_many wrong_type
    invalid_choice invalid_datetime unknown_field read_only inconsistent);

sub psql {
	my ($db, @args) = @_;
	my $out = `psql -X -q -A -t -d '$db' @args 2>&1`;
	return ($out, $? >> 8);
}

my $db = 'aido_fuzz_' . $$;
system("createdb '$db'") == 0 or die "createdb failed\n";
END { system("dropdb --if-exists '$db' >/dev/null 2>&1") if $db }
my ($uid) = psql($db, '-c', q{"CREATE EXTENSION aido; SELECT aido_bootstrap();
    SELECT (aido_signup('{\"email\":\"fuzz@example.com\",\"password\":\"fuzz-password\"}',
    3600, 'fuzz')->'user'->>'id');"});
($uid) = $uid =~ /([0-9a-f]{8}-[0-9a-f-]{27})/ or die "no user: $uid\n";

my $FN = <<"SQL";
CREATE FUNCTION pg_temp.fz(n integer, doc text, part boolean) RETURNS text
LANGUAGE plpgsql AS \$fn\$
DECLARE
	j jsonb;
	v jsonb;
	st text := '-';
BEGIN
	BEGIN
		j := doc::jsonb;
	EXCEPTION WHEN OTHERS THEN
		RETURN 'parse ' || n || ' ' || SQLSTATE;
	END;
	v := aido_validate_task(j, part);
	IF NOT part THEN
		BEGIN
			PERFORM aido_task_create('$uid', j);
			st := 'created';
		EXCEPTION WHEN OTHERS THEN
			st := SQLSTATE;
		END;
	END IF;
	RETURN 'ok ' || n || ' ' || st || ' ' || v::text;
END
\$fn\$;
SQL

# A known disagreement, reported (test/fuzz/README.md): a completed
# recurring task due in 9999 is valid, but its next occurrence would be due
# in 10000, which the task rules refuse, so aido_task_create says 23514.
sub known_year_10000 {
	my $d = eval { JSON::PP->new->decode($_[0]) };
	return (ref($d) eq 'HASH' && JSON::PP::is_bool($d->{completed}) &&
	    $d->{completed} && JSON::PP::is_bool($d->{recurring}) &&
	    $d->{recurring} && ($d->{due_date} // '') =~ /\A9999-/);
}

# ---------------------------------------------------------------- the loop

my %stats = (docs => 0, parse_errors => 0, valid => 0, invalid => 0,
    batches => 0, known => 0);
my @findings;
my $start = time();
make_path($WORK);

while (time() - $start < $SECONDS && !@findings) {
	my @docs = map { [ document(), rand() < 0.3 ? 'true' : 'false' ] }
	    1 .. $BATCH;
	my ($fh, $file) = tempfile('aido-fz-XXXXXX', TMPDIR => 1, UNLINK => 1);
	binmode($fh);
	print $fh "\\set ON_ERROR_STOP 0\n$FN";
	for my $n (0 .. $#docs) {
		my $d = $docs[$n];
		my $tag = 'q' . int(rand(1e9));
		$tag = 'q' . int(rand(1e9)) while index($d->[0], "\$$tag\$") >= 0;
		my $text = $d->[0];
		utf8::encode($text) if utf8::is_utf8($text);
		print $fh "SELECT pg_temp.fz($n, \$$tag\$$text\$$tag\$, $d->[1]);\n";
	}
	close($fh);
	my ($out, $rc) = psql($db, '-f', $file);
	$stats{batches}++;
	my @lines = split(/\n/, $out);
	if ($out =~ /server closed the connection|terminated abnormally|
	    connection to server was lost/x || $rc > 1) {
		push(@findings, "backend crash in batch $stats{batches}");
		last;
	}
	# Statement errors other than ours (psql: invalid byte sequences in
	# the SQL text itself) are the mutation's doing, not the validator's.
	@lines = grep { /\A(ok|parse) / } @lines;
	for my $l (@lines) {
		$stats{docs}++;
		my ($n) = $l =~ /\A\w+ (\d+) /;
		my $doc = $JSON->encode([ $docs[$n // 0][0], $docs[$n // 0][1] ]);
		if ($l =~ /\Aparse \d+ (\w+)/) {
			$stats{parse_errors}++;
			push(@findings, "parse error $1: $doc") unless $1 =~
			    /\A(22P02|22P05|22003|54001)\z/;
			next;
		}
		my ($st, $v) = $l =~ /\Aok \d+ (\S+) (.*)\z/ or
		    push(@findings, "odd line: $l"), next;
		my $errs = eval { JSON::PP->new->decode($v) };
		if (ref($errs) ne 'ARRAY') {
			push(@findings, "not an array: $v: $doc");
			next;
		}
		for my $e (@$errs) {
			# field is null only for a document that is not an
			# object (test/sql/020_validate.sql).
			push(@findings, "bad error: $v: $doc") unless ref($e) eq 'HASH' &&
			    $CODES{ $e->{code} // '' } && exists $e->{field} &&
			    (defined $e->{field} || $e->{code} eq 'wrong_type') &&
			    length($e->{message} // '') &&
			    keys(%$e) == 3;
		}
		if (@$errs) {
			$stats{invalid}++;
		} else {
			$stats{valid}++;
		}
		next if $st eq '-';		# partial: no create
		if (!@$errs && $st eq '23514' && known_year_10000($docs[$n][0])) {
			$stats{known}++;
			next;
		}
		push(@findings, "validator says [] but create says $st: $doc")
		    if !@$errs && $st ne 'created';
		push(@findings, "validator says errors but create says $st: $doc")
		    if @$errs && $st ne '23514';
	}
}
my $took = time() - $start;

my $pglog = '';
if ($ENV{AIDO_PGLOG} && open(my $lf, '<', $ENV{AIDO_PGLOG})) {
	local $/;
	$pglog = <$lf> // '';
	close($lf);
}
push(@findings, 'the postmaster logged a crashed backend')
    if $pglog =~ /terminated by signal|server process .* was terminated/;

printf("validate: %d documents in %.0f s (%d batches): %d valid, %d " .
    "invalid, %d not JSON; %d findings (and %d of the known year-10000 " .
    "case)\n", $stats{docs}, $took, $stats{batches}, $stats{valid},
    $stats{invalid}, $stats{parse_errors}, scalar(@findings),
    $stats{known});
if (@findings) {
	open(my $ff, '>', "$WORK/findings") or die "$WORK/findings: $!";
	print $ff "$_\n" for @findings;
	close($ff);
	print "first finding: ", substr($findings[0], 0, 500), "\n";
	print "all in $WORK/findings\n";
	exit(1);
}
exit(0);
