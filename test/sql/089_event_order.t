#!/usr/bin/perl
# The change feed under concurrent writers: a reader never sees a smaller
# seq after a larger one, so a reader that asks "after the last seq I saw"
# misses nothing.  seq follows commit order, not the order writers wrote in.
# A rolled-back transaction leaves no event.  These need transactions that
# commit, so they run as the gateway would, outside pgTAP's one transaction.
use strict;
use warnings;
use Test::More tests => 8;
use File::Temp qw(tempfile);
use IO::Handle;

my $db = "aido_events_$$";
$ENV{PGOPTIONS} = '-c aido.password_memory_kib=1024 -c aido.password_iterations=1 -c client_min_messages=warning';

sub psql {
	my ($sql) = @_;
	open(my $fh, '-|', 'psql', '-X', '-q', '-At', '-v', 'ON_ERROR_STOP=1', '-d', $db, '-c', $sql)
		or die "psql: $!";
	local $/;
	my $out = <$fh> // '';
	close($fh);
	die "psql failed: $sql\n" if $?;
	$out =~ s/\s+\z//;
	return $out;
}

# The seqs after a position, as the relay function hands them out.
sub seqs_after {
	my ($after) = @_;
	my $out = psql("SELECT seq FROM aido_events_all($after, 1000)");
	return $out eq '' ? () : split(/\n/, $out);
}

system('createdb', $db) == 0 or BAIL_OUT('createdb failed');
system('test/aido-install', $db) == 0 or BAIL_OUT('test/aido-install failed');
my $uid = psql(q{SELECT aido_signup('{"email":"o@example.com","password":"password123"}') -> 'user' ->> 'id'});

# A transaction that wrote first but commits last: its event is numbered
# after the one that committed first, never below a seq already handed out.
open(my $older, '|-', "psql -X -q -At -v ON_ERROR_STOP=1 -d $db >/dev/null") or die;
$older->autoflush(1);
print $older "BEGIN; SELECT aido_task_create('$uid', '{\"title\": \"first written\"}');\n";
my $deadline = time + 30;
sleep 1 until psql("SELECT count(*) FROM pg_stat_activity WHERE datname = '$db' AND state = 'idle in transaction'") eq '1'
	or time > $deadline;
psql(qq{SELECT aido_task_create('$uid', '{"title": "first committed"}')});
my @early = seqs_after(0);
is(scalar(@early), 1, 'an event committed while an older writer is still open is not held back');
print $older "COMMIT;\n";
close($older);
is(psql("SELECT string_agg(x.event -> 'task_data' ->> 'title', ',' ORDER BY x.seq) FROM aido_events_all(0, 10) x"),
   'first committed,first written', 'the writer that committed last gets the larger seq, whatever it wrote first');
is(join(',', seqs_after($early[0])), $early[0] + 1, 'so a reader asking after the seq it saw finds it');

# A transaction rolled back leaves nothing.
psql(qq{BEGIN; SELECT aido_task_create('$uid', '{"title": "undone"}'); ROLLBACK});
is(psql("SELECT count(*) FROM aido.task_events WHERE task_data ->> 'title' = 'undone'"), '0',
   'a rolled-back transaction leaves no event');

# Writers whose transactions overlap and commit in an order unlike their
# start (each sleeps a random moment before COMMIT), and a reader that asks
# for what is after the last seq it saw, again and again meanwhile.
my ($fh, $script) = tempfile(UNLINK => 1);
print $fh "BEGIN;\n",
	"SELECT aido_task_create(:uid, '{\"title\": \"w\"}');\n",
	"SELECT pg_sleep(random() * 0.02);\n",
	"UPDATE aido.tasks SET priority = 'high' WHERE id = (SELECT id FROM aido.tasks ORDER BY random() LIMIT 1);\n",
	"END;\n";
close($fh);
my $pid = fork() // die;
if ($pid == 0) {
	open(STDOUT, '>', '/dev/null');
	open(STDERR, '>', '/dev/null');
	exec('pgbench', '-n', '-M', 'extended', '-c', '6', '-T', '6', '-f', $script, '-D', "uid=$uid", $db);
	exit(127);
}
my ($last, @seen, $backwards) = (0);
my $reads = 0;
while (waitpid($pid, 1) == 0) {	# WNOHANG
	for my $s (seqs_after($last)) {
		$backwards++ if $s <= $last;
		push(@seen, $s);
		$last = $s;
	}
	$reads++;
}
is($? >> 8, 0, 'the concurrent writers ran');
for my $s (seqs_after($last)) {
	push(@seen, $s);
	$last = $s;
}
my $total = psql('SELECT count(*) FROM aido.task_events');
cmp_ok(scalar(@seen), '>', 100, "the writers wrote events while the reader read ($reads reads)");
ok(!$backwards, 'the reader never saw a seq smaller than one it had seen');
is(scalar(@seen), $total, 'reading after the last seq seen missed no event of the concurrent writers');

psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '$db' AND pid <> pg_backend_pid()");
system('dropdb', $db);
