# psql for the Perl suites of test/sql: one statement list on one database
# of the throwaway cluster (test/with-cluster's PG* environment).
package AidoPsql;
use strict;
use warnings;
use Exporter 'import';
our @EXPORT_OK = qw(psql psql_ok psql_fails);

# psql(db, sql): (succeeded, output without trailing white space)
sub psql {
	my ($db, $sql) = @_;
	open(my $fh, '-|', 'psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', $db, '-c', $sql)
		or die "psql: $!";
	local $/;
	my $out = <$fh> // '';
	close($fh);
	$out =~ s/\s+\z//;
	return ($? == 0, $out);
}

# psql_ok(db, sql): the output; dies, saying why, when psql fails
sub psql_ok {
	my ($db, $sql) = @_;
	my ($ok, $out) = psql($db, $sql);
	die "psql on $db failed: $sql\n$out\n" unless $ok;
	return $out;
}

# psql_fails(db, sql): true when psql fails; its error, expected, is not shown
sub psql_fails {
	my ($db, $sql) = @_;
	open(my $saved, '>&', \*STDERR) or die;
	open(STDERR, '>', '/dev/null') or die;
	my ($ok) = psql($db, $sql);
	open(STDERR, '>&', $saved) or die;
	return !$ok;
}

1;
