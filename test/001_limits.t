#!/usr/bin/perl
# Size limits a reader can rely on (STYLE.md): no C function in gateway/,
# extension/ or a bench/ tool (bench/httprate) over 80 lines, no SQL routine in sql/src/ or sql/sqlonly/ over
# 100.  A C function is measured from its opening brace in column 0 to its
# closing brace in column 0, both counted; a SQL routine from its CREATE
# line to the line that closes its body's dollar quote.  A function past
# the limit is named with its length, so the failure says where to look.
use strict;
use warnings;
use Test::More;

my ($C_MAX, $SQL_MAX) = (80, 100);

sub lines_of {
	my ($file) = @_;
	open(my $fh, '<', $file) or die "$file: $!";
	my @lines = <$fh>;
	close($fh);
	return @lines;
}

# C: a line that is only "{" opens a body (or a signature in column 0 that
# ends in "{", against both styles), the next line that starts with "}"
# closes it; a closing "};" or "} Name;" ends an initializer or a type,
# not a function.  The function's name is the last identifier followed by
# "(" on the lines before the brace.
sub c_long_functions {
	my ($file) = @_;
	my @lines = lines_of($file);
	my @long;
	for (my $i = 0; $i < @lines; $i++) {
		next unless $lines[$i] =~ /^\{\s*$/ ||
		    $lines[$i] =~ /^[A-Za-z_][^#;=]*\)\s*\{\s*$/;
		my $j = $i + 1;
		$j++ while $j < @lines && $lines[$j] !~ /^\}/;
		last if $j >= @lines;
		my $close = $lines[$j];
		my $len = $j - $i + 1;
		my $name = '?';
		for (my $k = $i; $k >= 0 && $k >= $i - 6; $k--) {
			if ($lines[$k] =~ /^(\w+)\s*\(/) {
				$name = $1;
				last;
			}
		}
		push @long, sprintf('%s:%d %s (%d lines)', $file, $i + 1, $name,
		    $len) if $close =~ /^\}\s*$/ && $len > $C_MAX;
		$i = $j;
	}
	return @long;
}

# SQL: CREATE [OR REPLACE] FUNCTION|PROCEDURE name, then the first dollar
# quote opens the body; the routine ends on the line where the same quote
# closes (nested quotes with other tags are inside it).
sub sql_long_routines {
	my ($file) = @_;
	my @lines = lines_of($file);
	my @long;
	for (my $i = 0; $i < @lines; $i++) {
		next unless $lines[$i] =~
		    /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:FUNCTION|PROCEDURE)\s+([\w.]+)/i;
		my $name = $1;
		my ($tag, $j);
		for ($j = $i; $j < @lines; $j++) {
			if (!defined $tag) {
				next unless $lines[$j] =~ /(\$\w*\$)(.*)$/;
				$tag = $1;
				last if index($2, $tag) >= 0;
			} elsif (index($lines[$j], $tag) >= 0) {
				last;
			}
		}
		my $len = $j - $i + 1;
		push @long, sprintf('%s:%d %s (%d lines)', $file, $i + 1, $name,
		    $len) if $len > $SQL_MAX;
		$i = $j;
	}
	return @long;
}

my @c = (glob('gateway/*.c'), glob('extension/*.c'), glob('bench/*/*.c'));
my @sql = (glob('sql/src/*.sql'), glob('sql/sqlonly/*.sql'));
ok(@c > 10 && @sql > 10, 'the C and SQL sources are where the limits look');

my @long_c = map { c_long_functions($_) } @c;
is_deeply(\@long_c, [], "no C function in gateway/, extension/ or bench/ is over $C_MAX lines")
    or diag(join("\n", @long_c));

my @long_sql = map { sql_long_routines($_) } @sql;
is_deeply(\@long_sql, [], "no SQL routine in sql/src/ or sql/sqlonly/ is over $SQL_MAX lines")
    or diag(join("\n", @long_sql));

done_testing();
