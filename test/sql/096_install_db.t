#!/usr/bin/perl
# make install-db (scripts/install-db) and the SQL-only flavor's install
# script: run by a Neon-like owner that is no superuser, with a URL in
# SQLAlchemy's postgresql+psycopg:// form, it installs the SQL-only flavor
# and says why, bootstraps, makes the gateway's role; run again it changes
# nothing; it upgrades an older install to what a fresh one is and refuses
# a newer one; a superuser gets the C extension.  The two flavors have the
# same API routines and the same schema.  aido flavor: sqlonly (it needs
# test/run-suites' Neon-like owner, made for the SQL-only pass)
use strict;
use warnings;
use Test::More tests => 34;
use File::Temp qw(tempdir);
use lib 'test/sql/lib';
use AidoPsql qw(psql psql_ok);

my $owner = $ENV{AIDO_TEST_OWNER} or BAIL_OUT('AIDO_TEST_OWNER: run under AIDO_FLAVOR=sqlonly test/run');
my $state = tempdir(CLEANUP => 1);
my ($db, $cdb, $sdb) = ("aido_idb_$$", "aido_idb_c_$$", "aido_idb_su_$$");
END { system('dropdb', '--if-exists', $_) for grep { defined } ($db, $cdb, $sdb) }
for my $d ($db, $cdb, $sdb) {
	system('createdb', $d) == 0 or BAIL_OUT('createdb failed');
}
psql_ok($db, qq{ALTER DATABASE $db OWNER TO $owner; ALTER SCHEMA public OWNER TO $owner});
# roles are the cluster's: another suite's install-db may have made it
psql_ok('postgres', 'SET client_min_messages = warning; DROP ROLE IF EXISTS aido_gateway');

# install-db with DATABASE_URL; (exit status, output)
sub install_db {
	my ($url, $dir) = @_;
	local $ENV{DATABASE_URL} = $url;
	local $ENV{AIDO_STATE_DIR} = $dir // $state;
	my $out = `scripts/install-db 2>&1`;
	return ($? >> 8, $out);
}
my $host = "127.0.0.1:$ENV{PGPORT}";
my $owner_url = "postgresql+psycopg://$owner:$ENV{AIDO_TEST_OWNER_PASSWORD}\@$host/$db?sslmode=disable";

# What an install is made of: aido's routines (their text, settings,
# privileges, comments), roles, aido_config and the schema aido.
my $catalog = q{
	SELECT md5(string_agg(x, E'\n' ORDER BY x)) FROM (
		SELECT format('%s(%s) %s %s %s %s %s %s', p.proname, pg_get_function_arguments(p.oid),
					  pg_get_function_result(p.oid), p.prosecdef, p.proconfig, p.proacl,
					  obj_description(p.oid, 'pg_proc'), md5(p.prosrc))
		FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.proname ~ '^_?aido_'
		UNION ALL SELECT format('role %s %s', rolname, rolcanlogin) FROM pg_roles WHERE rolname LIKE 'aido\_%'
		UNION ALL SELECT format('%s.%s %s %s', n.nspname, c.relname, c.relkind, c.relacl)
		FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname IN ('aido', 'aido_config')
		UNION ALL SELECT format('setting %s %s', name, value) FROM aido_config.settings
		UNION ALL SELECT 'version ' || version FROM aido_config.version) AS o(x)
};

my ($rc, $out) = install_db($owner_url);
is($rc, 0, 'install-db as a Neon-like owner succeeds') or diag($out);
like($out, qr/^aido: SQL-only flavor .*: the server has the C extension, but only a superuser may create it and $owner is not one$/m,
	 'it picks the SQL-only flavor and says why, in one line');
like($out, qr/installed the SQL-only flavor .*\n.*aido_bootstrap\(\) created \d+ schema objects/,
	 'it installs and bootstraps');
like($out, qr/created the gateway's role aido_gateway/, "and makes the gateway's role");
unlike($out, qr/$ENV{AIDO_TEST_OWNER_PASSWORD}|aido_gateway:[0-9a-f]{8}/, 'no password is printed');
my $fresh = psql_ok($db, $catalog);

($rc, $out) = install_db($owner_url);
is($rc, 0, 'a second install-db succeeds');
like($out, qr/nothing to change/, 'and says it has nothing to change');
is(psql_ok($db, $catalog), $fresh, 'and changes nothing');

# the gateway's role, by the URL install-db left for it
my ($urlfile) = glob("$state/gateway.*.$db.url");
open(my $fh, '<', $urlfile) or die "$urlfile: $!";
chomp(my $gw_url = <$fh>);
is((stat($urlfile))[2] & 077, 0, "the gateway's URL is readable by its owner only");
my $as_gateway = `psql -X -At -d '$gw_url' -c "SELECT current_user, pg_has_role(session_user, 'neon_superuser', 'MEMBER'), aido_health() ->> 'status'" 2>&1`;
is($as_gateway, "aido_gateway|f|healthy\n", 'the gateway role signs in, is no member of neon_superuser, and may call the API');
like(`psql -X -At -d '$gw_url' -c 'SELECT count(*) FROM aido.users' 2>&1`, qr/permission denied/, 'but may not read the tables');
($rc, $out) = install_db($gw_url);
is($rc, 0, "install-db with the gateway's own URL succeeds");
like($out, qr/is installed and bootstrapped .* may not change it, so nothing was changed/, 'and changes nothing');

# an older install is upgraded to what a fresh one is; a newer one is refused
psql_ok($db, q{SET ROLE } . $owner . q{;
	CREATE OR REPLACE FUNCTION aido_task_get(user_id uuid, task_id uuid, session_id uuid DEFAULT NULL)
	RETURNS jsonb LANGUAGE sql AS 'SELECT NULL::jsonb';
	DROP FUNCTION _aido_not_found(text);
	UPDATE aido_config.version SET version = '0.1.0'});
($rc, $out) = install_db($owner_url);
like($out, qr/upgraded the SQL-only flavor from 0\.1\.0 to /, 'an older install is upgraded');
is(psql_ok($db, $catalog), $fresh, 'to exactly what a fresh install is');
psql_ok($db, q{UPDATE aido_config.version SET version = '99.0.0'});
($rc, $out) = install_db($owner_url);
ok($rc != 0 && $out =~ /newer/, 'a newer install is refused, not downgraded') or diag($out);
psql_ok($db, q{UPDATE aido_config.version SET version = '0.1.0'});
install_db($owner_url);

# a checkout that never ran install-db (no password kept) where the role
# aido_gateway exists, made by a superuser (another install, another
# suite): the owner resets its password (PostgreSQL 15 lets only a
# superuser name SUPERUSER or NOSUPERUSER in ALTER ROLE)
psql_ok('postgres', 'SET client_min_messages = warning; DROP ROLE aido_gateway; CREATE ROLE aido_gateway LOGIN');
my $state2 = tempdir(CLEANUP => 1);
($rc, $out) = install_db($owner_url, $state2);
is($rc, 0, "install-db from a fresh checkout, the gateway's role made by a superuser") or diag($out);
like($out, qr/reset the password of the gateway's role aido_gateway/, 'it resets the role\'s password');
my ($urlfile2) = glob("$state2/gateway.*.$db.url");
open(my $fh2, '<', $urlfile2) or die "$urlfile2: $!";
chomp(my $gw_url2 = <$fh2>);
is(`psql -X -At -d '$gw_url2' -c "SELECT aido_health() ->> 'status'" 2>&1`, "healthy\n",
   'and the gateway signs in with the URL it wrote');

# a superuser gets the C extension; the script refuses to run over it
($rc, $out) = install_db("postgresql://$ENV{PGUSER}:$ENV{PGPASSWORD}\@$host/$sdb");
like($out, qr/^aido: C extension: the server has the C extension and $ENV{PGUSER} is a superuser$/m,
	 'a superuser gets the C extension, and is told why');
my ($script) = glob('extension/aido-sql--*.sql');
like(`psql -X -q -d $sdb -f $script 2>&1`, qr/the aido C extension is installed in this database/,
	 'the SQL-only script refuses to run over the C extension');

# the same API and the same schema in both flavors
{
	local $ENV{AIDO_FLAVOR} = 'c';
	system('test/aido-install', $cdb) == 0 or BAIL_OUT('test/aido-install c failed');
}
my $api = q{SELECT string_agg(format('%s %s(%s) %s %s', p.prokind, p.proname, pg_get_function_arguments(p.oid),
								   pg_get_function_result(p.oid), p.proisstrict), E'\n' ORDER BY 1)
			FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.proname ~ '^aido_'};
is(psql_ok($db, $api), psql_ok($cdb, $api), 'both flavors have the same API routines, argument for argument');
sub schema { my ($d) = @_; return join("\n", grep { !/^--|^\s*$|^\\(un)?restrict|OWNER TO/ } split(/\n/, `pg_dump --schema-only -n aido $d`)) }
is(schema($db), schema($cdb), 'and the same schema aido, object for object');
is(psql_ok($db, q{SELECT count(*) FROM aido_schema_status() WHERE NOT present}), '0', 'which is complete');

# what a managed host and a transaction-mode pooler allow (NEON.md 7.3)
my $text = do { local (@ARGV, $/) = ($script); <> };
is_deeply([ $text =~ /(ALTER\s+SYSTEM|EVENT\s+TRIGGER|LANGUAGE\s+c\b|pg_advisory_lock\(|\bLISTEN\b|pg_tle|pg_cron|\bLOAD\s+')/gi ], [],
		  'the SQL-only script uses no ALTER SYSTEM, event trigger, C, session lock, LISTEN, pg_tle, pg_cron or LOAD');
is(psql_ok($db, q{SELECT string_agg(DISTINCT l.lanname, ',' ORDER BY l.lanname) FROM pg_proc p
				  JOIN pg_language l ON l.oid = p.prolang
				  WHERE p.pronamespace = 'public'::regnamespace AND p.proname ~ '^_?aido_'}),
   'plpgsql,sql', 'every routine of the SQL-only flavor is SQL or PL/pgSQL');
{
	local $ENV{PGUSER} = $owner;
	local $ENV{PGPASSWORD} = $ENV{AIDO_TEST_OWNER_PASSWORD};
	my $after = `psql -X -q -At -d $db -f $script -c 'SHOW search_path' -c 'SHOW client_min_messages' 2>&1`;
	is($after, "\"\$user\", public\nnotice\n",
	   'the script leaves no setting behind in the session (it would outlive it on a pooled connection)');
}

# how URLs are read (--dry-run connects nowhere): Neon's, SQLAlchemy's
# driver schemes, asyncpg's ssl=, a percent-escaped password
sub dry_run {
	local $ENV{DATABASE_URL} = shift;
	return scalar(`scripts/install-db --dry-run 2>&1`);
}
my $neon = dry_run('postgresql+psycopg://neondb_owner:npg%40x%2Fy@ep-cool-lake-a1b2c3-pooler.eu-central-1.aws.neon.tech/neondb?sslmode=require&channel_binding=require');
like($neon, qr/install through channel_binding=require connect_timeout=15 dbname=neondb host=ep-cool-lake-a1b2c3\.eu-central-1\.aws\.neon\.tech sslmode=require user=neondb_owner; password 7 characters/,
	 "Neon's pooled URL: installed through the direct host, with channel binding, the password unescaped");
like($neon, qr/the gateway through host=ep-cool-lake-a1b2c3-pooler\.eu-central-1\.aws\.neon\.tech$/m, 'and the gateway through the pooler');
unlike($neon, qr/npg/, 'the password is not printed');
like(dry_run('postgresql+asyncpg://u:p\@db.example.com:6543/app?ssl=true'),
	 qr/dbname=app host=db\.example\.com port=6543 sslmode=require user=u/,
	 "asyncpg's scheme and ssl=true; a remote host requires TLS");

# aido_owner owns aido, and can reach nothing else: the SECURITY DEFINER
# functions do not run as the database owner (on Neon: BYPASSRLS,
# pg_read_all_data)
is(psql_ok($db, q{SELECT string_agg(x, ', ') FROM (
	SELECT p.oid::regprocedure::text FROM pg_proc p
	WHERE p.pronamespace = 'public'::regnamespace AND p.proname ~ '^_?aido_' AND p.proowner <> 'aido_owner'::regrole
	UNION ALL SELECT n.nspname FROM pg_namespace n WHERE n.nspname IN ('aido', 'aido_config') AND n.nspowner <> 'aido_owner'::regrole
	UNION ALL SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
	WHERE n.nspname IN ('aido', 'aido_config') AND c.relkind IN ('r', 'S') AND c.relowner <> 'aido_owner'::regrole) AS o(x)}),
   '', "aido_owner owns every routine, schema, table and sequence of aido");
is(psql_ok($db, q{SELECT rolcanlogin || ' ' || rolbypassrls || ' ' || rolsuper || ' ' || rolcreaterole || ' '
	|| pg_has_role('aido_owner', 'neon_superuser', 'MEMBER') || ' ' || pg_has_role('aido_owner', 'pg_read_all_data', 'MEMBER')
	FROM pg_roles WHERE rolname = 'aido_owner'}),
   'false false false false false false', 'aido_owner cannot log in, bypass RLS, create roles or read all data');
psql_ok($db, "SET ROLE $owner; CREATE TABLE public.not_aido (x int)");
like(`psql -X -q -At -d $db -c 'SET ROLE aido_owner' -c 'SELECT count(*) FROM public.not_aido' 2>&1`, qr/permission denied/,
	 "so a definer function could not read a table of the database's that is not aido's, which the owner can");
