#!/usr/bin/perl
# Upgrades: a database made by each released version, filled with users,
# sessions, tasks (recurring ones included) and conversations, then
# ALTER EXTENSION aido UPDATE and aido_bootstrap(), equals a fresh install of
# the version under development (routines, comments, privileges, schema
# objects, a normalised pg_dump --schema-only), keeps every row, keeps its
# sessions working and passes the whole pgTAP suite (test/sql/*.sql).
# The rule that makes this hold is in sql/README.md.  aido flavor: c (ALTER
# EXTENSION; the SQL-only flavor's install and upgrade are 096_sqlonly_install.t)
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use FindBin;
use lib "$FindBin::Bin/lib";
use AidoPsql qw(psql psql_ok psql_fails);

# Every released version, frozen in sql/aido--<version>.sql: one line each.
my @released = (
	'0.1.0',
);

sub slurp { local (@ARGV, $/) = @_; return scalar <> }
my ($current) = slurp('extension/aido.control') =~ /^default_version\s*=\s*'([^']+)'/m;
$ENV{PGOPTIONS} = '-c aido.password_memory_kib=1024 -c aido.password_iterations=1 -c client_min_messages=warning';

# Each line of `have` not in `want` and the other way round, for a diag.
sub difference {
	my ($have, $want) = @_;
	my (%h, %w);
	$h{$_}++ for split /\n/, $have;
	$w{$_}++ for split /\n/, $want;
	return join("\n",
		(map { "upgraded only: $_" } grep { !$w{$_} } sort keys %h),
		(map { "fresh only:    $_" } grep { !$h{$_} } sort keys %w));
}

sub same_lines {
	my ($have, $want, $name) = @_;
	ok($have eq $want, $name) or diag(difference($have, $want));
}

my $ext = q{(SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'aido')};

# What an install is made of, one sorted line per object.
my $catalog = qq{
	SELECT string_agg(x, E'\\n' ORDER BY x) FROM (
		SELECT format('extension %s relocatable=%s config=%s', e.extversion, e.extrelocatable, e.extconfig)
		FROM pg_catalog.pg_extension e WHERE e.extname = 'aido'
		UNION ALL
		SELECT 'member ' || pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid)
		FROM pg_catalog.pg_depend d
		WHERE d.refclassid = 'pg_catalog.pg_extension'::regclass AND d.refobjid = $ext AND d.deptype = 'e'
		UNION ALL
		SELECT format('routine %s(%s) returns %s kind=%s language=%s security_definer=%s volatile=%s parallel=%s strict=%s config=%s acl=%s comment=%s body=%s',
					  p.proname, pg_catalog.pg_get_function_arguments(p.oid),
					  pg_catalog.pg_get_function_result(p.oid), p.prokind, l.lanname, p.prosecdef,
					  p.provolatile, p.proparallel, p.proisstrict, p.proconfig, p.proacl,
					  pg_catalog.obj_description(p.oid, 'pg_proc'), pg_catalog.md5(p.prosrc))
		FROM pg_catalog.pg_proc p
		JOIN pg_catalog.pg_language l ON l.oid = p.prolang
		JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::regclass AND d.objid = p.oid
		 AND d.refobjid = $ext AND d.deptype = 'e'
		UNION ALL
		SELECT format('role %s login=%s member_of=%s', r.rolname, r.rolcanlogin,
					  (SELECT array_agg(g.rolname ORDER BY g.rolname) FROM pg_catalog.pg_auth_members m
					   JOIN pg_catalog.pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid))
		FROM pg_catalog.pg_roles r WHERE r.rolname LIKE 'aido\\_%'
		UNION ALL
		SELECT format('schema %s owner=%s acl=%s', n.nspname, n.nspowner::regrole, n.nspacl)
		FROM pg_catalog.pg_namespace n WHERE n.nspname = 'aido'
		UNION ALL
		SELECT format('relation %s kind=%s owner=%s acl=%s', c.relname, c.relkind, c.relowner::regrole, c.relacl)
		FROM pg_catalog.pg_class c WHERE c.relnamespace = 'aido'::regnamespace
		UNION ALL
		SELECT format('column %s.%s %s not_null=%s default=%s', c.relname, a.attname,
					  pg_catalog.format_type(a.atttypid, a.atttypmod), a.attnotnull,
					  pg_catalog.pg_get_expr(ad.adbin, ad.adrelid))
		FROM pg_catalog.pg_attribute a
		JOIN pg_catalog.pg_class c ON c.oid = a.attrelid
		LEFT JOIN pg_catalog.pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
		WHERE c.relnamespace = 'aido'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
		UNION ALL
		SELECT format('constraint %s.%s %s', c.relname, k.conname, pg_catalog.pg_get_constraintdef(k.oid))
		FROM pg_catalog.pg_constraint k JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
		WHERE c.relnamespace = 'aido'::regnamespace
		UNION ALL
		SELECT 'index ' || pg_catalog.pg_get_indexdef(i.indexrelid)
		FROM pg_catalog.pg_index i JOIN pg_catalog.pg_class c ON c.oid = i.indrelid
		WHERE c.relnamespace = 'aido'::regnamespace
		UNION ALL
		SELECT 'trigger ' || pg_catalog.pg_get_triggerdef(t.oid)
		FROM pg_catalog.pg_trigger t JOIN pg_catalog.pg_class c ON c.oid = t.tgrelid
		WHERE c.relnamespace = 'aido'::regnamespace AND NOT t.tgisinternal) AS o(x)
};

# pg_dump --schema-only without comments and blank lines; the columns of a
# table in name order (an upgrade appends a new column at the end, a fresh
# install puts it where its table's list has it).
sub schema_dump {
	my ($db) = @_;
	my $dump = `pg_dump --schema-only $db`;
	die "pg_dump $db failed\n" if $?;
	my (@out, $table);
	for my $line (split /\n/, $dump) {
		# comments, blank lines, and pg_dump's random \restrict key
		next if $line =~ /^--/ || $line =~ /^\s*$/ || $line =~ /^\\(un)?restrict /;
		if ($table) {
			if ($line =~ /^\);/) {
				push @out, sort(@$table), $line;
				undef $table;
			} else {
				(my $column = $line) =~ s/,$//;
				push @$table, $column;
			}
			next;
		}
		push @out, $line;
		$table = [] if $line =~ /^CREATE TABLE .*\($/;
	}
	return join("\n", @out);
}

# Every row of every table of schema aido, over the columns the old
# version has (a later version may add some), as one digest per table.
sub rows {
	my ($db, $columns) = @_;
	return join("\n", map {
		my ($table, $list) = @$_;
		"$table " . psql_ok($db, "SELECT count(*) || ' ' || coalesce(md5(string_agg(r::text, ',' ORDER BY r::text)), '')
								  FROM (SELECT $list FROM aido.$table) AS r")
	} @$columns);
}

my $dir = tempdir(CLEANUP => 1);
my $fresh = "aido_upgrade_fresh_$$";
system('createdb', $fresh) == 0 or BAIL_OUT('createdb failed');
psql_ok($fresh, 'CREATE EXTENSION pgtap; CREATE EXTENSION pgcrypto; CREATE EXTENSION aido; SELECT aido_bootstrap()');
my $fresh_catalog = psql_ok($fresh, $catalog);
my $fresh_dump = schema_dump($fresh);

for my $from (@released) {
	my $db = "aido_upgrade_${$}_" . ($from =~ tr/./_/r);
	system('createdb', $db) == 0 or BAIL_OUT('createdb failed');
	psql_ok($db, "CREATE EXTENSION pgtap; CREATE EXTENSION pgcrypto; CREATE EXTENSION aido VERSION '$from'; SELECT aido_bootstrap()");

	# Users (native and external), live and revoked sessions, a counted
	# login failure, tasks (a recurring one completed, so that its next
	# occurrence exists), a conversation with messages.
	psql_ok($db, q{
		CREATE TABLE seed AS SELECT
			aido_signup('{"email":"old@example.com","password":"password123","name":"Old"}') AS a,
			aido_signup('{"email":"gone@example.com","password":"password123"}') AS b;
		SELECT aido_logout((b->'user'->>'id')::uuid, (b->>'session_id')::uuid) FROM seed;
	});
	my $external = psql_ok($db, q{SELECT aido_external_user('provider|42', 'ext@example.com', 'Ext')});
	psql_fails($db, q{CALL aido_login('{"email":"old@example.com","password":"wrong-password"}', 3600, 'ua', '192.0.2.1')});
	psql_ok($db, q{
		WITH u AS (SELECT (a->'user'->>'id')::uuid AS id, (a->>'session_id')::uuid AS s FROM seed)
		SELECT aido_task_create(u.id, '{"title":"plain","tags":["x","y"],"priority":"high","due_date":"2026-03-01T10:00:00Z"}', u.s),
			   aido_task_create(u.id, '{"title":"weekly review","recurring":true,"recurring_pattern":"weekly","due_date":"2026-03-02T09:00:00+01:00"}', u.s),
			   aido_task_create(u.id, '{"title":"daily","recurring":true,"recurring_pattern":"daily","due_date":"2026-03-03T08:00:00Z"}', u.s),
			   aido_task_create(aido_external_user('provider|42'), '{"title":"external"}')
		FROM u;
		SELECT aido_task_toggle(t.user_id, t.id) FROM aido.tasks t WHERE t.title = 'weekly review';
		WITH u AS (SELECT (a->'user'->>'id')::uuid AS id, (a->>'session_id')::uuid AS s FROM seed),
			 c AS (SELECT u.id, u.s, (aido_conversation_create(u.id, '{"title":"chat"}', u.s) ->> 'id')::uuid AS cid FROM u)
		SELECT aido_message_create(c.id, c.cid, '{"role":"user","content":"hello"}', c.s),
			   aido_message_create(c.id, c.cid, '{"role":"assistant","content":"hi ✓"}', c.s)
		FROM c;
	});
	my ($user, $session) = split /\|/, psql_ok($db, q{SELECT a->'user'->>'id', a->>'session_id' FROM seed});
	my ($gone_user, $gone_session) = split /\|/, psql_ok($db, q{SELECT b->'user'->>'id', b->>'session_id' FROM seed});
	psql_ok($db, 'DROP TABLE seed');
	my ($second) = psql_ok($db, q{CALL aido_login('{"email":"old@example.com","password":"password123"}')}) =~ /"session_id":\s*"([^"]+)"/;
	my $counts = psql_ok($db, q{
		SELECT (SELECT count(*) FROM aido.users) || ' ' || (SELECT count(*) FROM aido.sessions) || ' ' ||
			   (SELECT count(*) FROM aido.tasks) || ' ' || (SELECT count(*) FROM aido.tasks WHERE next_occurrence_id IS NOT NULL) || ' ' ||
			   (SELECT count(*) FROM aido.conversations) || ' ' || (SELECT count(*) FROM aido.messages) || ' ' ||
			   (SELECT count(*) FROM aido.login_failures)
	});
	is($counts, '3 3 5 1 1 2 1', "$from: filled with 3 users, 3 sessions, 5 tasks (a next occurrence), a conversation, 2 messages, a login failure counter");

	my @columns = map { [split /\|/] } split /\n/, psql_ok($db, q{
		SELECT c.relname, string_agg(pg_catalog.quote_ident(a.attname), ', ' ORDER BY a.attnum)
		FROM pg_catalog.pg_class c JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
		WHERE c.relnamespace = 'aido'::regnamespace AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
		GROUP BY c.relname ORDER BY c.relname
	});
	my $rows_before = rows($db, \@columns);

	my ($updated, $log) = psql($db, 'ALTER EXTENSION aido UPDATE; SELECT aido_bootstrap()');
	ok($updated, "$from: ALTER EXTENSION aido UPDATE and aido_bootstrap() succeed") or diag($log);
	is(psql_ok($db, q{SELECT extversion FROM pg_extension WHERE extname = 'aido'}), $current,
	   "$from: the extension is now at $current");

	same_lines(psql_ok($db, $catalog), $fresh_catalog,
			   "$from: routines, signatures, comments, privileges, roles and schema objects equal a fresh $current install");
	same_lines(schema_dump($db), $fresh_dump, "$from: pg_dump --schema-only equals a fresh $current install's");
	is(rows($db, \@columns), $rows_before, "$from: every row of every table survived unchanged");
	is(psql_ok($db, 'SELECT count(*) FROM aido_bootstrap()'), '0', "$from: a second aido_bootstrap() has nothing to create");

	# Old sessions and accounts keep working.
	like(psql_ok($db, "SELECT aido_session_user('$user', '$session')"), qr/"email": "old\@example.com"/,
		 "$from: a session opened before the upgrade is still valid");
	is(psql_ok($db, "SELECT jsonb_array_length(aido_task_list('$user', '{}', '$session') -> 'items')"), '4',
	   "$from: its task list has the 4 tasks");
	ok(psql_fails($db, "SELECT aido_session_user('$gone_user', '$gone_session')"), "$from: a session revoked before the upgrade stays revoked");
	ok((psql($db, "SELECT aido_logout('$user', '$second')"))[0], "$from: a second old session signs out");
	like(psql_ok($db, q{CALL aido_login('{"email":"old@example.com","password":"password123"}')}), qr/"name": "Old"/,
		 "$from: the password set before the upgrade still signs in");
	is(psql_ok($db, q{SELECT aido_external_user('provider|42')}), $external,
	   "$from: the external user is found again, not created anew");
	is(psql_ok($db, qq{
		SELECT count(*) FROM aido.tasks t, aido_task_toggle(t.user_id, t.id, '$session') WHERE t.title = 'daily';
		SELECT count(*) FROM aido.tasks WHERE title = 'daily'}) =~ s/.*\n//sr, '2',
	   "$from: completing an old recurring task creates its next occurrence");
	like(psql_ok($db, "SELECT aido_message_list('$user', c.id, '{}', '$session') FROM aido.conversations c"),
		 qr/"content": "hello".*"content": "hi ✓"/s, "$from: the old conversation lists its messages");

	# The whole pgTAP suite against the upgraded database.
	my @suite = grep { slurp($_) !~ /aido flavor: sqlonly/ } sort glob('test/sql/*.sql');
	local $ENV{PGOPTIONS};	# the suite sets its own password costs
	my $out = `prove --source pgTAP --pgtap-option dbname=$db --pgtap-option host=$ENV{PGHOST} --pgtap-option port=$ENV{PGPORT} --pgtap-option username=$ENV{PGUSER} @suite 2>&1`;
	ok($? == 0 && $out =~ /Result: PASS/, "$from: the pgTAP suite (" . scalar(@suite) . " files) passes on the upgraded database")
		or diag($out);

	system('dropdb', $db);
}
system('dropdb', $fresh);
done_testing();
