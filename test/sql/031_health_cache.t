#!/usr/bin/perl
# aido_health() keeps the answer of aido_schema_status() in each backend
# until the catalog changes (extension/health.c).  Here another session
# changes the schema under a backend that has the answer kept: the next
# health call must see it, as if nothing were kept.  aido flavor: c (the
# SQL-only flavor keeps nothing: it computes the answer on every call)
use strict;
use warnings;
use Test::More tests => 14;
use File::Temp qw(tempfile);

my $db = "aido_health_$$";
system('createdb', $db) == 0 or BAIL_OUT('createdb failed');
END { system('dropdb', '--if-exists', $db) if defined $db; }

sub psql {
	my ($sql) = @_;
	my ($fh, $file) = tempfile(UNLINK => 1);
	print $fh $sql;
	close($fh);
	my @out = `psql -X -q -At -v ON_ERROR_STOP=1 -d $db -f $file 2>&1`;
	chomp(@out);
	return @out;
}

psql("SET client_min_messages = warning; CREATE EXTENSION aido; CREATE EXTENSION dblink; SELECT aido_bootstrap();");

# The other session: dblink to this database, as the same superuser.
my $other = join(' ', "dbname=$db", "host=$ENV{PGHOST}", "port=$ENV{PGPORT}",
	"user=$ENV{PGUSER}", "password=$ENV{PGPASSWORD}");
my %steps = (
	'index'      => 'DROP INDEX aido.sessions_user_id_idx',
	'constraint' => 'ALTER TABLE aido.users DROP CONSTRAINT users_name_check',
	'trigger'    => 'DROP TRIGGER tasks_guard ON aido.tasks',
	'column'     => 'ALTER TABLE aido.users DROP COLUMN name CASCADE',
	'schema'     => 'DROP SCHEMA aido CASCADE',
);
my @order = qw(index constraint trigger column schema);

# One session throughout: health, then each change made elsewhere, health
# again, repaired elsewhere by aido_bootstrap(), health again.
my $sql = "SET client_min_messages = warning;\n"
	. "SELECT 'first|' || (aido_health()->>'schema_ok');\n"
	. "SELECT 'kept|' || (aido_health()->>'schema_ok');\n";
for my $k (@order) {
	$sql .= "SELECT dblink_exec('$other', \$\$$steps{$k}\$\$) \\g /dev/null\n"
		. "SELECT '$k dropped|' || (aido_health()->>'schema_ok') || ' ' || (aido_health()->>'status');\n"
		. "SELECT * FROM dblink('$other', 'SELECT count(*) FROM aido_bootstrap()') AS t(n bigint) \\g /dev/null\n"
		. "SELECT '$k repaired|' || (aido_health()->>'schema_ok');\n";
}
# A REPEATABLE READ transaction reads the catalog as of its start: what
# health computes there must not be kept for later transactions.
$sql .= "BEGIN ISOLATION LEVEL REPEATABLE READ;\n"
	. "SELECT 1 \\g /dev/null\n"
	. "SELECT dblink_exec('$other', 'ALTER TABLE aido.users DROP COLUMN name CASCADE') \\g /dev/null\n"
	. "SELECT 'in old snapshot|' || (aido_health()->>'schema_ok');\n"
	. "COMMIT;\n"
	. "SELECT 'after old snapshot|' || (aido_health()->>'schema_ok');\n";
my @out = psql($sql);
my %got = map { /^([^|]*)\|(.*)$/ ? ($1 => $2) : () } @out;

is($got{first}, 'true', 'schema ok after bootstrap') or diag(join("\n", @out));
is($got{kept}, 'true', 'asked again: still ok');
for my $k (@order) {
	is($got{"$k dropped"}, 'false degraded',
		"$k dropped by another session: the next health call is degraded")
		or diag(join("\n", @out));
	is($got{"$k repaired"}, 'true', "$k restored by aido_bootstrap() elsewhere: ok again");
}
is($got{'in old snapshot'}, 'true',
	'in a REPEATABLE READ transaction health sees the catalog of its snapshot');
is($got{'after old snapshot'}, 'false',
	'the next transaction sees the column dropped meanwhile: an answer from an old snapshot is not kept')
	or diag(join("\n", @out));
