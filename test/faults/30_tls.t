#!/usr/bin/env perl
# TLS to the database.  A second throwaway cluster runs with ssl=on and a
# server certificate signed by a CA this test makes with openssl.  The
# gateway with sslmode=verify-full and that CA as sslrootcert starts,
# serves, and its connections are encrypted (pg_stat_ssl); with another
# CA, or a host name the certificate does not name, it refuses to start
# with one clear line; sslmode=require against a server without TLS (the
# main cluster) fails at once with a clear line; so do the first two.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../gateway/lib";
use Test::More;
use AidoGW;
use Faults;
use File::Temp qw(tempdir);
use Time::HiRes qw(time);

plan(skip_all => 'needs AIDO_PGDATA (make test-faults)')
    unless $ENV{AIDO_PGDATA};
plan(skip_all => 'needs openssl') unless grep { -x "$_/openssl" } split(/:/, $ENV{PATH});

my $dir = tempdir('aido-tls-XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod(0755, $dir);

sub openssl {
	my (@args) = @_;
	my $out = `openssl @args 2>&1`;
	die "openssl @args: $out" if $?;
}

# A CA, and a server certificate for localhost and 127.0.0.1 signed by it;
# a second CA that signed nothing of ours.
for my $ca (qw(ca otherca)) {
	openssl("req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=aido-test-$ca " .
	    "-keyout $dir/$ca.key -out $dir/$ca.crt");
}
openssl("req -newkey rsa:2048 -nodes -subj /CN=localhost " .
    "-keyout $dir/server.key -out $dir/server.csr");
open(my $ext, '>', "$dir/san.ext") or die "$dir/san.ext: $!";
print $ext "subjectAltName=DNS:localhost,IP:127.0.0.1\n";
close($ext);
openssl("x509 -req -in $dir/server.csr -CA $dir/ca.crt -CAkey $dir/ca.key " .
    "-CAcreateserial -days 2 -extfile $dir/san.ext -out $dir/server.crt");
chmod(0600, "$dir/server.key");
chmod(0644, "$dir/ca.crt", "$dir/otherca.crt", "$dir/server.crt");
system('chown', 'postgres:', "$dir/server.key", "$dir/server.crt")
    if $> == 0;

mkdir("$dir/pg") or die "$dir/pg: $!";
my $c = Faults::new_cluster(dir => "$dir/pg", conf => [
    'ssl = on', "ssl_cert_file = '$dir/server.crt'",
    "ssl_key_file = '$dir/server.key'" ], listen => '127.0.0.1,127.0.0.2');
END { local $?; Faults::stop_cluster($c) if $c }

my $db;
{
	local $ENV{PGPORT} = $c->{port};
	local $ENV{PGSSLMODE} = 'require';
	AidoGW::psql('postgres', 'CREATE EXTENSION IF NOT EXISTS pgcrypto');
	$db = AidoGW::create_db();
}
Faults::record_secret($db->{password});

sub url {
	my (%o) = @_;
	return ("postgresql://$db->{role}:$db->{password}\@" .
	    ($o{host} // 'localhost') . ":$c->{port}/$db->{name}?" . $o{q});
}

# verify-full with the right CA.
{
	my $gw = Faults::watch(AidoGW->new(db => $db, env => {
	    DATABASE_URL => url(q => "sslmode=verify-full&sslrootcert=$dir/ca.crt") }));
	my $u = Faults::record_user($gw->new_user);
	my $t = $gw->new_task($u, title => 'over TLS');
	my $r = $gw->api($u->{token}, GET => "/api/tasks/$t->{id}");
	is($r->{status}, 200, 'sslmode=verify-full with the CA as ' .
	    'sslrootcert: the gateway starts and serves');
	local $ENV{PGPORT} = $c->{port};
	local $ENV{PGSSLMODE} = 'require';
	my $ssl = AidoGW::psql($db->{name}, 'SELECT string_agg(s.ssl::text || ' .
	    "' ' || coalesce(s.version, '-'), ',') FROM pg_stat_ssl s JOIN " .
	    'pg_stat_activity a USING (pid) WHERE a.usename = ' .
	    "'$db->{role}'");
	like($ssl, qr/\Atrue TLSv1\.[23](,true TLSv1\.[23])*\z/,
	    'every connection of the gateway is encrypted (pg_stat_ssl)')
	    or diag("pg_stat_ssl: $ssl");
	my $h = $gw->request(GET => '/health');
	is($h->{status}, 200, '/health is 200 over TLS');
	ok($gw->stop, 'it stops cleanly');
	is_deeply([ Faults::crash_lines($gw) ], [], 'no worker crashed ' .
	    '(TLS from inside the sandbox)');
}

sub refused {
	my ($url, $re, $what) = @_;
	my $t0 = time();
	my $f = AidoGW::start_failure(timeout => 60, env => {
	    AidoGW::config_env(db => $db), DATABASE_URL => $url,
	    DB_CONNECT_TIMEOUT => 10 });
	my $took = time() - $t0;
	is($f->{exit}, 2, "$what: the gateway refuses to start (exit 2)");
	is(scalar(@{ $f->{lines} }), 1, "$what: one line on stderr");
	like($f->{lines}[0] // '', $re, "$what: the line says why");
	unlike($f->{stderr} . $f->{stdout}, qr/\Q$db->{password}\E/,
	    "$what: and shows no password");
	return ($took);
}

# Waiting cures neither: the gateway says so at once.
my $took = refused(url(q => "sslmode=verify-full&sslrootcert=$dir/otherca.crt"),
    qr/certificate verify failed/,
    'verify-full with a CA that did not sign the server certificate');
cmp_ok($took, '<', 5, '... at once, without waiting for DB_CONNECT_TIMEOUT ' .
    '(10 s)');
$took = refused(url(host => '127.0.0.2',
    q => "sslmode=verify-full&sslrootcert=$dir/ca.crt"),
    qr/server certificate for "localhost".*does not match host name "127\.0\.0\.2"/,
    'verify-full to a host name the certificate does not name');
cmp_ok($took, '<', 5, '... at once');

# sslmode=require against the main cluster, which has no TLS.
{
	my $plain = AidoGW::create_db();
	Faults::record_secret($plain->{password});
	my $url = AidoGW::db_url(user => $plain->{role},
	    password => $plain->{password}, db => $plain->{name},
	    host => '127.0.0.1') . '?sslmode=require';
	$took = refused($url, qr/server does not support SSL, but SSL was required/,
	    'sslmode=require against a server without TLS');
	cmp_ok($took, '<', 5, '... at once: waiting would not cure it');
}

done_testing();
