#!/usr/bin/env perl
# The gateway starts on the SQL-only flavor as make install-db leaves it:
# scripts/install-db run by a database owner that is no superuser (as on
# Neon) installs that flavor and makes the role aido_gateway, and a gateway
# with the URL it writes starts and serves signup, login and a task.
# Without either flavor it still stops with one line (01_startup.t: the
# extension missing; here: the SQL-only flavor's functions off the path).

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use File::Temp qw(tempdir);
use AidoGW;

# test/neon installs every database with make install-db already
# (AIDO_GW_INSTALL), through its direct endpoint.
plan(skip_all => 'the databases of AIDO_GW_INSTALL are installed by it')
    if $ENV{AIDO_GW_INSTALL};

my $owner = AidoGW::unique_name('aidogw_owner');
my $pw = AidoGW::random_hex(12);
my $dir = tempdir('aidogw-install-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $db = AidoGW::create_db(extension => 0);
AidoGW::psql($db->{name}, qq{CREATE ROLE "$owner" LOGIN PASSWORD '$pw' } .
    'NOSUPERUSER CREATEDB CREATEROLE');
AidoGW::_archive_secret($pw);
END {
	# Roles are the cluster's: leave none behind (aido_gateway is
	# install-db's, made again by the next run that needs it).
	local $?;
	eval {
		AidoGW::psql($db->{name}, 'DROP OWNED BY aido_gateway; ' .
		    'DROP ROLE IF EXISTS aido_gateway') if $db;
		AidoGW::psql(AidoGW::_maint_db(),
		    qq{DROP DATABASE IF EXISTS "$db->{name}" WITH (FORCE)});
		AidoGW::psql(AidoGW::_maint_db(),
		    qq{DROP ROLE IF EXISTS "$owner"});
	} if $db;
}
AidoGW::psql($db->{name}, qq{ALTER DATABASE "$db->{name}" OWNER TO } .
    qq{"$owner"; ALTER SCHEMA public OWNER TO "$owner"});

my $url = AidoGW::db_url(user => $owner, password => $pw,
    db => $db->{name});
my $out = do {
	local $ENV{DATABASE_URL} = $url;
	local $ENV{AIDO_STATE_DIR} = $dir;
	`"$AidoGW::ROOT/scripts/install-db" --url-file="$dir/url" 2>&1`;
};
is($?, 0, 'make install-db, as an owner that is no superuser') or
    diag($out);
like($out, qr/^aido: SQL-only flavor /m, '... installs the SQL-only flavor');
my $gwurl = AidoGW::_slurp("$dir/url");
chomp($gwurl);
my $pwgw = (split(/[:@]/, $gwurl))[2];
AidoGW::_archive_secret($pwgw);
like($gwurl, qr{\Apostgresql://aido_gateway:}, '... and writes the URL of ' .
    'the gateway\'s role aido_gateway');
is(AidoGW::psql($db->{name}, q{SELECT count(*) FROM pg_extension } .
    q{WHERE extname = 'aido'}), '0', 'the database has no aido extension');

my $gw = AidoGW->new(db => { %$db, url => $gwurl, password => $pwgw });
like($gw->output, qr/aido \(SQL-only flavor\)/,
    'the gateway starts on it, and says which flavor it found');
my $u = $gw->new_user;
ok($u->{token}, 'signup answers a token');
my $r = $gw->login($u->{email}, $u->{password});
is($r->{status}, 200, 'login answers 200') or diag($r->{content});
my $token = $r->{json}{token} // $u->{token};
my $t = $gw->new_task({ token => $token }, title => 'on the SQL-only flavor');
$r = $gw->api($token, GET => "/api/tasks/$t->{id}");
is($r->{status} . ' ' . ($r->{json}{title} // ''),
    '200 on the SQL-only flavor', 'a task made is read back');
$gw->stop;

# The SQL-only flavor installed, but its functions off the role's path:
# the same one line and status 3 as for the extension in another schema.
AidoGW::psql($db->{name}, q{ALTER ROLE aido_gateway IN DATABASE } .
    qq{"$db->{name}" SET search_path = pg_catalog});
my $f = AidoGW::start_failure(env => { AidoGW::config_env(db => { %$db,
    url => $gwurl }) }, timeout => 90);
is($f->{exit}, 3, 'with its functions off the search_path, the gateway ' .
    'exits with status 3');
is(scalar(@{ $f->{lines} }), 1, '... saying why in one line');
like($f->{lines}[0] // '', qr/SQL-only flavor.*search_path/,
    '... that names the flavor and the search_path');
ok(index($f->{stderr} . $f->{stdout}, $pwgw) < 0,
    '... and no password appears in its output');
AidoGW::psql($db->{name}, q{ALTER ROLE aido_gateway IN DATABASE } .
    qq{"$db->{name}" RESET search_path});

done_testing();
