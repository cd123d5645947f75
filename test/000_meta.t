#!/usr/bin/perl
# The version lives in one place (aido.control); META.json and the install
# script must agree with it.
use strict;
use warnings;
use Test::More tests => 7;
use JSON::PP;

sub slurp { local (@ARGV, $/) = @_; return scalar <> }

my ($control_version) = slurp('extension/aido.control') =~ /^default_version\s*=\s*'([^']+)'/m;
ok(defined $control_version, 'aido.control names a default_version');

my $meta = eval { decode_json(slurp('META.json')) };
ok($meta, 'META.json is valid JSON');
is($meta->{version}, $control_version, 'META.json version equals default_version of aido.control');
is($meta->{provides}{aido}{version}, $control_version, 'META.json provides aido at the control version');
is($meta->{'meta-spec'}{version}, '1.0.0', 'META.json follows PGXN meta spec 1.0.0');
# The version under development is built from sql/src/ (extension/Makefile);
# a released one is frozen in sql/.
ok(-f "sql/aido--$control_version.sql" || glob('sql/src/*.sql'),
   "an install script exists or is built for version $control_version");

# The runner installs aido (test/aido-install) in the flavor under test; a
# pgTAP file that creates the extension itself could not run against the
# SQL-only flavor, where the extension is not there to create.
my @creating = grep { slurp($_) =~ /CREATE\s+EXTENSION\s+(IF\s+NOT\s+EXISTS\s+)?aido\b/i } glob('test/sql/*.sql');
is_deeply(\@creating, [], 'no pgTAP file creates the aido extension: test/run-suites installs it, in either flavor');
