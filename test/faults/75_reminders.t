#!/usr/bin/env perl
# API.md §3.4: a reminder fires once, whatever the number of gateways: two
# gateways (two workers each) on one database, tasks whose remind_at falls
# due in a moment, and exactly one reminder event per task.  Then across
# an outage: reminders that fall due while the database is stopped fire
# once it is back (late, never lost, never twice), with neither gateway
# restarted.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib", "$FindBin::Bin/../gateway/lib";
use Test::More;
use AidoGW;
use Faults;
use POSIX ();
use Time::HiRes qw(sleep time);

plan(skip_all => 'needs AIDO_PGDATA (make test-faults)')
    unless $ENV{AIDO_PGDATA};

my $N = 12;
my $db = AidoGW::create_db();
my $secret = AidoGW::random_hex(24);
my @gw = map { Faults::watch(AidoGW->new(db => $db, jwt_secret => $secret,
    env => { DB_CONNECT_TIMEOUT => 5 })) } 1 .. 2;
my $u = Faults::record_user($gw[0]->new_user);

sub rfc3339_in {
	my ($secs) = @_;
	my @t = gmtime(time() + $secs);
	return (sprintf('%04d-%02d-%02dT%02d:%02d:%02dZ', $t[5] + 1900,
	    $t[4] + 1, @t[3, 2, 1, 0]));
}

# Tasks due in $secs, half made through each gateway; their ids.
sub tasks_due_in {
	my ($secs, $tag) = @_;
	my $at = rfc3339_in($secs);
	return (map { $gw[$_ % 2]->new_task($u, title => "$tag $_",
	    remind_at => $at)->{id} } 1 .. $N);
}

# The reminder events of the tasks whose title starts with $tag.
sub reminders {
	my ($tag) = @_;
	return (AidoGW::psql($db->{name}, "SELECT count(*) FROM " .
	    "aido.task_events WHERE event_type = 'reminder' AND " .
	    "task_data ->> 'title' LIKE '$tag %'"));
}

sub fired {
	my ($tag) = @_;
	return (AidoGW::psql($db->{name}, "SELECT count(*) FROM aido.tasks " .
	    "WHERE reminded_at IS NOT NULL AND title LIKE '$tag %'"));
}

sub wait_fired {
	my ($tag, $secs) = @_;
	my $deadline = time() + $secs;
	sleep(0.2) until fired($tag) == $N || time() > $deadline;
	sleep(1);	# a second firing, if there were one, would be seen
	return (fired($tag));
}

tasks_due_in(2, 'two');
is(wait_fired('two', 30), $N, "$N reminders due with two gateways running " .
    'all fire');
is(reminders('two'), $N, 'each exactly once: one reminder event per task');

# The outage: due 3 s from now, the database stopped meanwhile.
tasks_due_in(3, 'outage');
is(Faults::pg_ctl('stop', '-m', 'fast'), 0, 'the cluster is stopped');
sleep(5);
is(Faults::pg_ctl('start'), 0, 'and started again after the reminders ' .
    'fell due');
my $deadline = time() + 30;
sleep(0.2) until Faults::cluster_up() || time() > $deadline;
is(wait_fired('outage', 30), $N, 'the reminders that fell due during the ' .
    'outage fire when the database is back');
is(reminders('outage'), $N, 'once each');

$_->stop for @gw;
done_testing();
