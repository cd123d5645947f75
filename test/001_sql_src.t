#!/usr/bin/perl
# The first step of splitting the install script by concern is mechanical:
# sql/src/*.sql, concatenated in file-name order as extension/Makefile does,
# is the released sql/aido--0.1.0.sql byte for byte.  This check goes as
# soon as the sources change (they then build 0.2.0, not 0.1.0).
use strict;
use warnings;
use Test::More tests => 2;

sub slurp { local (@ARGV, $/) = @_; return scalar <> }

my @src = sort glob('sql/src/*.sql');
ok(@src > 1, 'sql/src holds the sources, one file per concern');
my $built = join('', map { slurp($_) } @src);
ok($built eq slurp('sql/aido--0.1.0.sql'), 'cat sql/src/*.sql is sql/aido--0.1.0.sql byte for byte');
