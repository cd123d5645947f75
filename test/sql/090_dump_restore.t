#!/usr/bin/perl
# User data survives pg_dump / pg_restore into a fresh database: the tables
# are ordinary tables made by aido_bootstrap(), so they are dumped with their
# rows, and restored before their triggers and foreign keys come back.
use strict;
use warnings;
use Test::More tests => 12;
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";
use AidoPsql qw(psql psql_fails);

my $dir = tempdir(CLEANUP => 1);
my $src = "aido_dump_src_$$";
my $dst = "aido_dump_dst_$$";
$ENV{PGOPTIONS} = '-c aido.password_memory_kib=1024 -c aido.password_iterations=1 -c client_min_messages=warning';

system('createdb', $src) == 0 or BAIL_OUT('createdb failed');
system('test/aido-install', $src) == 0 or BAIL_OUT('test/aido-install failed');
my ($ok) = psql($src, q{
	CREATE TEMP TABLE s AS SELECT aido_signup('{"email":"dump@example.com","password":"password123","name":"Dee"}') AS j;
	SELECT aido_task_create((SELECT (j->'user'->>'id')::uuid FROM s), '{"title":"plain","tags":["x","y"],"priority":"high"}');
	SELECT aido_task_create((SELECT (j->'user'->>'id')::uuid FROM s),
		jsonb_build_object('title', 'weekly review', 'recurring', true, 'recurring_pattern', 'weekly',
						   'due_date', '2026-03-02T09:00:00+01:00', 'description', 'ünïcode ✓'));
	SELECT aido_task_update((SELECT (j->'user'->>'id')::uuid FROM s), t.id, '{"completed":true}')
	FROM aido.tasks t WHERE t.title = 'weekly review';
	SELECT aido_message_create((SELECT (j->'user'->>'id')::uuid FROM s),
		(aido_conversation_create((SELECT (j->'user'->>'id')::uuid FROM s), '{"title":"chat"}') ->> 'id')::uuid,
		'{"role":"user","content":"hello"}');
});
ok($ok, 'a database with users, sessions, tasks, a recurring chain and messages');

my $fingerprint = q{
	SELECT string_agg(x, ' ') FROM (
		SELECT 'users:' || md5(string_agg(t::text, ',' ORDER BY id)) FROM aido.users t
		UNION ALL SELECT 'sessions:' || md5(string_agg(t::text, ',' ORDER BY id)) FROM aido.sessions t
		UNION ALL SELECT 'tasks:' || md5(string_agg(t::text, ',' ORDER BY id)) FROM aido.tasks t
		UNION ALL SELECT 'conversations:' || md5(string_agg(t::text, ',' ORDER BY id)) FROM aido.conversations t
		UNION ALL SELECT 'messages:' || md5(string_agg(t::text, ',' ORDER BY id)) FROM aido.messages t
		UNION ALL SELECT 'tasks:' || count(*) FROM aido.tasks) AS f(x)
};
my (undef, $before) = psql($src, $fingerprint);

is(system("pg_dump -Fc -f $dir/aido.dump $src"), 0, 'pg_dump dumps the database');
system('createdb', $dst) == 0 or BAIL_OUT('createdb failed');
my $log = `pg_restore --exit-on-error -d $dst $dir/aido.dump 2>&1`;
is($?, 0, 'pg_restore restores it into a fresh database without an error') or diag($log);

my (undef, $after) = psql($dst, $fingerprint);
is($after, $before, 'every row of every table is restored unchanged');
like($after, qr/tasks:3\b/, 'the restored database has the 3 tasks, the next occurrence included');

my (undef, $missing) = psql($dst, 'SELECT count(*) FROM aido_schema_status() WHERE NOT present');
is($missing, "0", "the restored schema is complete") or diag(`psql -X -d $dst -c "SELECT * FROM aido_schema_status() WHERE NOT present" 2>&1`);
my (undef, $created) = psql($dst, 'SELECT count(*) FROM aido_bootstrap()');
is($created, '0', 'bootstrap on the restored database has nothing to create');

my (undef, $login) = psql($dst, q{CALL aido_login('{"email":"dump@example.com","password":"password123"}')});
like($login, qr/"name": "Dee"/, 'the restored password hash still signs the user in');

ok(psql_fails($dst, q{INSERT INTO aido.tasks (user_id, title) SELECT id, '' FROM aido.users}),
   'the restored tasks table is still guarded by the validator');

my (undef, $next) = psql($dst, q{
	SELECT count(*) FROM aido.tasks WHERE title = 'weekly review'
});
is($next, '2', 'restore fires no trigger: the recurring chain is not extended');

my (undef, $chain) = psql($dst, q{
	SELECT n.due_date = t.due_date + interval '7 days'
	FROM aido.tasks t JOIN aido.tasks n ON n.id = t.next_occurrence_id
});
is($chain, 't', 'the next occurrence link survives the restore');

my (undef, $again) = psql($dst, q{
	SELECT count(*) FROM (
		SELECT aido_task_toggle(user_id, id) FROM aido.tasks WHERE title = 'weekly review' AND NOT completed) s;
	SELECT count(*) FROM aido.tasks WHERE title = 'weekly review'
});
is((split /\n/, $again)[-1], '3', 'recurrence still works after the restore');

system('dropdb', $src);
system('dropdb', $dst);
