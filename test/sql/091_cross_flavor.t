#!/usr/bin/perl
# Moving between flavors (docs/passwords.md, README "aido on Neon"): the
# schema aido dumped from one flavor (pg_dump -n aido) and restored into a
# database where the other flavor is installed keeps its rows, and every
# password either flavor made still signs its user in; the login then
# rewrites the hash in the new flavor's scheme.  Both directions, with an
# ASCII and a non-ASCII password.  aido flavor: sqlonly (it needs both
# flavors and test/run-suites' Neon-like owner, made for the SQL-only pass)
use strict;
use warnings;
use Test::More tests => 18;
use File::Temp qw(tempdir);
use lib 'test/sql/lib';
use AidoPsql qw(psql psql_ok);

my $owner = $ENV{AIDO_TEST_OWNER} or BAIL_OUT('AIDO_TEST_OWNER: run under AIDO_FLAVOR=sqlonly test/run');
my $dir = tempdir(CLEANUP => 1);
my %db = map { $_ => "aido_xf_${_}_$$" } qw(c1 s1 s2 c2);
END { system('dropdb', '--if-exists', $_) for values %db }
system('createdb', $_) == 0 or BAIL_OUT('createdb failed') for values %db;
$ENV{PGOPTIONS} = '-c aido.password_memory_kib=1024 -c aido.password_iterations=1 -c client_min_messages=warning';
my ($script) = glob('extension/aido-sql--*.sql');

# as_owner(db, sql): as the Neon-like owner, who owns the SQL-only databases
sub as_owner {
	my ($d, $sql) = @_;
	local $ENV{PGUSER} = $owner;
	local $ENV{PGPASSWORD} = $ENV{AIDO_TEST_OWNER_PASSWORD};
	return (psql($d, $sql));
}
sub sqlonly_db {
	my ($d) = @_;
	psql_ok($d, qq{ALTER DATABASE $d OWNER TO $owner; ALTER SCHEMA public OWNER TO $owner});
	my ($ok, $out) = as_owner($d, "\\i $script");
	$ok or BAIL_OUT("SQL-only install: $out");
}
sub login {
	my ($runner, $d, $email, $pw) = @_;
	my $sql = qq{CALL aido_login('{"email":"$email","password":"$pw"}')};
	my ($ok, $out) = $runner eq 'owner' ? as_owner($d, $sql) : psql($d, $sql);
	return ($ok && $out =~ /"session_id"/);
}
my $non_ascii = 'pässwörd ✓ 密码';
my $rows = q{SELECT count(*) || ' ' || md5(string_agg(email || coalesce(name, ''), ',' ORDER BY email)) FROM aido.users};

# ---- C to SQL-only

system('env', 'AIDO_FLAVOR=c', 'test/aido-install', $db{c1}) == 0 or BAIL_OUT('C install');
psql_ok($db{c1}, qq{
	CREATE EXTENSION IF NOT EXISTS pgcrypto;
	SELECT aido_signup('{"email":"ada\@example.com","password":"password123","name":"Ada"}');
	SELECT aido_signup('{"email":"uli\@example.com","password":"$non_ascii"}');
	INSERT INTO aido.users (email, password_hash) VALUES ('legacy\@example.com', aido_hash_password('password123'));
	INSERT INTO aido.users (email, password_hash) VALUES ('bf\@example.com', crypt('password123', gen_salt('bf', 4)));
});
ok(login('su', $db{c1}, 'bf@example.com', 'password123'), 'C: a bcrypt account signs in (and is rehashed)');
is(psql_ok($db{c1}, q{SELECT string_agg(email, ' ' ORDER BY email) FROM aido.users
					  WHERE password_hash LIKE '$argon2id$%' AND password_bcrypt ~ '^\$2b\$10\$'}),
   'ada@example.com bf@example.com uli@example.com',
   'C: signup and a login keep a bcrypt hash beside the argon2id one');
my $before = psql_ok($db{c1}, $rows);
is(system("pg_dump -Fc -n aido -f $dir/c.dump $db{c1}"), 0, 'pg_dump -n aido from the C flavor');

# the target as README says: make install-db's script without the schema
psql_ok($db{s1}, qq{ALTER DATABASE $db{s1} OWNER TO $owner; ALTER SCHEMA public OWNER TO $owner});
{
	local $ENV{DATABASE_URL} = "postgresql://$owner:$ENV{AIDO_TEST_OWNER_PASSWORD}\@127.0.0.1:$ENV{PGPORT}/$db{s1}";
	local $ENV{AIDO_STATE_DIR} = $dir;
	my $log = `scripts/install-db --no-bootstrap 2>&1`;
	ok($? == 0 && $log !~ /aido_bootstrap/, 'scripts/install-db --no-bootstrap installs the SQL-only flavor without its schema') or diag($log);
}
{
	local $ENV{PGUSER} = $owner;
	local $ENV{PGPASSWORD} = $ENV{AIDO_TEST_OWNER_PASSWORD};
	my $log = `pg_restore --no-owner --no-privileges --role=aido_owner --exit-on-error -d $db{s1} $dir/c.dump 2>&1`;
	is($?, 0, 'pg_restore into the SQL-only flavor, as its owner (no superuser)') or diag($log);
}
my (undef, $created) = as_owner($db{s1}, 'SELECT count(*) FROM aido_bootstrap()');
is($created, '0', 'the restored schema is complete: bootstrap creates nothing');
is(psql_ok($db{s1}, $rows), $before, 'every account arrived');
ok(login('owner', $db{s1}, 'ada@example.com', 'password123'), 'SQL-only: a password the C flavor hashed signs in');
ok(login('owner', $db{s1}, 'uli@example.com', $non_ascii), 'SQL-only: and a non-ASCII one');
ok(login('owner', $db{s1}, 'bf@example.com', 'password123'), 'SQL-only: and one the C flavor rehashed');
ok(!login('owner', $db{s1}, 'ada@example.com', 'password124'), 'SQL-only: a wrong password is still refused');
like(psql_ok($db{s1}, q{SELECT password_hash || ' ' || coalesce(password_bcrypt, '-') FROM aido.users WHERE email = 'ada@example.com'}),
	 qr/^\$2a\$\d\d\$\S{53} -$/, 'SQL-only: the login rewrote the hash as its own bcrypt');
ok(!login('owner', $db{s1}, 'legacy@example.com', 'password123'),
   'SQL-only: an argon2id hash with no bcrypt beside it (no sign-in since 0.2.0) cannot be checked (docs/passwords.md)');

# ---- SQL-only to C

sqlonly_db($db{s2});
as_owner($db{s2}, 'SELECT aido_bootstrap()');
my ($ok, $out) = as_owner($db{s2}, qq{SELECT aido_signup('{"email":"sam\@example.com","password":"password123"}');
	SELECT aido_signup('{"email":"uli\@example.com","password":"$non_ascii"}')});
ok($ok, 'SQL-only: two signups') or diag($out);
is(system("pg_dump -Fc -n aido -f $dir/s.dump $db{s2}"), 0, 'pg_dump -n aido from the SQL-only flavor');
psql_ok($db{c2}, 'CREATE EXTENSION aido');
my $log = `pg_restore --no-owner --no-privileges --exit-on-error -d $db{c2} $dir/s.dump 2>&1`;
is($?, 0, 'pg_restore into the C flavor') or diag($log);
psql_ok($db{c2}, 'SELECT aido_bootstrap()');
ok(login('su', $db{c2}, 'sam@example.com', 'password123') && login('su', $db{c2}, 'uli@example.com', $non_ascii),
   'C: passwords the SQL-only flavor hashed sign in, non-ASCII too');
is(psql_ok($db{c2}, q{SELECT count(*) FROM aido.users WHERE password_hash LIKE '$argon2id$%' AND password_bcrypt IS NOT NULL}),
   '2', 'C: the login rewrote them as argon2id, with a bcrypt hash beside each, ready to move back');
