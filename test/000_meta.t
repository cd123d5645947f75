#!/usr/bin/perl
# The version lives in one place (aido.control); META.json and the install
# script must agree with it.
use strict;
use warnings;
use Test::More tests => 6;
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
