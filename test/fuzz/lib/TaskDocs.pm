package TaskDocs;
# Task documents for the fuzz targets of the task validator (validate.pl,
# validate-diff.pl): every field with right and wrong types, edge-case
# strings, dates (listed, and made from random parts), tags, unknown and
# read-only fields, nesting; a share of them mutated as text (bytes
# flipped, inserted, deleted, duplicated).  document() returns one as text.

use strict;
use warnings;
use JSON::PP;
use Exporter qw(import);
our @EXPORT_OK = qw(document);

my $JSON = JSON::PP->new->canonical;


sub pick { return ($_[int(rand(@_))]) }

my @STRINGS = ('', ' ', "\t", 'x', ' padded ', 'a' x 200, 'a' x 201,
    'b' x 1000, 'c' x 1001, "\x{1F600}" x 200, "\x{1F600}" x 201,
    "e\x{301}" x 100, "\x{202E}rtl", 'ÅÄÖ', "line\nbreak", '\\', '"',
    "'; DROP TABLE aido.tasks; --", 'null', '0', '1e309', "\x{FFFF}",
    "\x{10FFFF}", 'T' x 51, 'Tag', ' tag ', 'TAG');
my @DATES = ('2025-01-01T00:00:00Z', '2025-01-01T00:00:00+00:00',
    '2025-01-01t00:00:00z', '2024-02-29T12:00:00.123456789-07:30',
    '2023-02-29T00:00:00Z', '2025-01-01T24:00:00Z', '2016-12-31T23:59:60Z',
    '2025-01-01T00:00:00', '2025-01-01', '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59+14:00', '2025-01-01T00:00:00+24:00',
    '2025-13-01T00:00:00Z', ' 2025-01-01T00:00:00Z', '2025-01-01T00:00:00.Z',
    'yesterday', '');
my @FIELDS = qw(title description completed priority tags due_date remind_at
    recurring recurring_pattern);
my @READONLY = qw(id user_id created_at updated_at completed_at
    next_occurrence_id reminded_at);

# A date-time from random parts, each mostly in range and sometimes just
# out of it: month 0 and 13, day 0 and 32, February 29 in leap and other
# years (1900, 2000), hour 24, second 60, up to eleven fraction digits,
# offsets up to 24:59, years 0000, 0001 and 9999 with offsets that cross them.
sub random_date {
	# one in five at the ends of the calendar, where offsets and leap
	# seconds can take the instant out of 0001..9999
	return (pick('0001-01-01', '9999-12-31', '2016-12-31') .
	    pick('T', ' ') . pick('00:00:00', '23:59:59', '23:59:60', '00:00:60') .
	    pick('', '.999999', '.9999995', '.000000', '.5') .
	    pick('Z', '+00:00', '-00:00', '+00:01', '-00:01', '+14:00', '-14:00',
	    '+15:59', '-15:59')) if rand() < 0.2;
	my $year = pick(0, 1, 2, 1900, 2000, 2016, 2023, 2024, 9998, 9999,
	    int(rand(10000)));
	my $month = pick(0, 1, 2, 12, 13, 1 + int(rand(12)));
	my $day = pick(0, 1, 28, 29, 30, 31, 32, 1 + int(rand(31)));
	my $hour = pick(0, 23, 24, int(rand(24)));
	my $minute = pick(0, 59, 60, int(rand(60)));
	my $second = pick(0, 59, 60, 61, int(rand(60)));
	# the last microsecond of 9999, and digits past six that round it up
	my $fraction = pick('', '', '.', '.' . ('1' x (1 + int(rand(11)))),
	    '.999999', '.9999990', '.9999995', '.999999999', '.000000001');
	my $offset = pick('Z', 'z', '', '+00:00', '-00:00',
	    sprintf('%s%02d:%02d', pick('+', '-'),
	    pick(0, 1, 14, 15, 16, 23, 24, int(rand(25))),
	    pick(0, 30, 59, 60, int(rand(60)))));
	return (sprintf('%04d-%02d-%02d%s%02d:%02d:%02d%s%s', $year, $month,
	    $day, pick('T', 'T', 't', ' ', '_'), $hour, $minute, $second,
	    $fraction, $offset));
}

sub value {
	my ($depth) = @_;
	my $k = int(rand($depth > 6 ? 6 : 9));
	return (pick(@STRINGS)) if $k == 0 || $k == 1;
	return (pick(JSON::PP::true, JSON::PP::false)) if $k == 2;
	return (undef) if $k == 3;
	return (pick(0, -1, 1, 1.5, 1e300, -0.0, 9223372036854775807,
	    '1e400' + 0)) if $k == 4;
	return (pick(@DATES)) if $k == 5;
	return ([ map { value($depth + 1) } 1 .. int(rand(4)) ]) if $k < 8;
	return ({ map { pick(@FIELDS, 'x') => value($depth + 1) }
	    1 .. int(rand(3)) });
}

sub fieldvalue {
	my ($f) = @_;
	return (value(0)) if rand() < 0.25;
	return (pick(@STRINGS)) if $f eq 'title' || $f eq 'description';
	return (pick(JSON::PP::true, JSON::PP::false)) if $f eq 'completed' ||
	    $f eq 'recurring';
	return (pick(qw(low medium high LOW Medium urgent), '', ' low'))
	    if $f eq 'priority';
	return (pick(qw(daily weekly monthly yearly Daily), '', undef))
	    if $f eq 'recurring_pattern';
	return (rand() < 0.5 ? pick(@DATES, undef) : random_date())
	    if $f eq 'due_date' || $f eq 'remind_at';
	return ([ map { pick(@STRINGS, 'work', 'Work', ' work ') }
	    1 .. int(rand(25)) ]) if $f eq 'tags';
	return (value(0));
}

sub document {
	my %d;
	for my $f (@FIELDS) {
		$d{$f} = fieldvalue($f) if rand() < 0.6;
	}
	$d{title} = pick('a task', ' trimmed ') if rand() < 0.5;
	$d{ pick(@READONLY) } = value(0) if rand() < 0.1;
	$d{ pick('x', 'Title', 'title ', '') } = value(0) if rand() < 0.1;
	my $text = $JSON->encode(\%d);
	if (rand() < 0.05) {
		my $n = 1 + int(rand(3000));
		$text = '{"title":' . ('[' x $n) . (']' x $n) . '}';
	}
	return (mutate($text)) if rand() < 0.3;
	return ($text);
}

sub mutate {
	my ($t) = @_;
	utf8::encode($t);
	for (1 .. 1 + int(rand(4))) {
		my $i = int(rand(length($t) + 1));
		my $k = int(rand(5));
		if ($k == 0) {
			substr($t, $i, 1, chr(int(rand(256))));
		} elsif ($k == 1) {
			substr($t, $i, 0, pick('{', '}', '[', ']', '"', ',', ':',
			    '\\', '\\u0000', '\\ud800', "\xff", "\xc0\xaf", ' ',
			    '1e999', 'null', '"x":1,'));
		} elsif ($k == 2) {
			substr($t, $i, 1 + int(rand(5)), '');
		} elsif ($k == 3 && length($t) > 2) {
			my $j = int(rand(length($t)));
			substr($t, $i, 0, substr($t, $j, 1 + int(rand(20))));
		} else {
			$t = substr($t, 0, $i);
		}
	}
	$t =~ tr/\0//d;		# SQL text cannot hold a NUL
	return ($t);
}


1;
