#!/usr/bin/env perl
# API.md §3.2 end to end in a real browser: a "frontend" origin served here
# (Better Auth's /api/auth/jwks and /api/auth/token, and a test page) and
# the gateway at another origin, configured with AUTH_JWKS_URL,
# AUTH_ISSUER, AUTH_AUDIENCE and FRONTEND_URL.  test/browser/better_auth.mjs
# drives chromium to the page, which fetches the EdDSA token from its own
# origin and lists, creates, toggles and deletes tasks on the gateway with
# Authorization: Bearer (real CORS preflights); this file relays its TAP.
#
# Without chromium or the npm packages this FAILS, like 90_browser.t.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use IO::Handle;
use IO::Socket::INET;
use IPC::Open3 qw(open3);
use POSIX ();
use Time::HiRes qw(sleep time);
use AidoGW;
use AidoKeys;

my $ROOT = $AidoGW::ROOT;
my $CHROMIUM = $ENV{AIDO_CHROMIUM} // '/usr/bin/chromium';
my $SCRIPT = "$ROOT/test/browser/better_auth.mjs";
my $TIMEOUT = 180;

my @missing;
push(@missing, "$CHROMIUM is not installed") unless -x $CHROMIUM;
push(@missing, 'node is not installed')
    unless grep { -x "$_/node" } split(/:/, $ENV{PATH} // '');
push(@missing, "$ROOT/node_modules/playwright-core is not installed")
    unless -f "$ROOT/node_modules/playwright-core/package.json";
if (@missing) {
	fail('chromium, node and playwright-core are there to run the ' .
	    'browser tests');
	diag($_) for @missing;
	done_testing();
	exit(1);
}

# The frontend: its URL is the tokens' iss and aud and the CORS origin.
my $fport = AidoGW::free_port();
my $front = "http://127.0.0.1:$fport";
my $key = AidoKeys->new('EdDSA', 'ba-' . AidoGW::random_hex(4));
my @c = ('a' .. 'z', 'A' .. 'Z', 0 .. 9);
my $sub = join('', map { $c[ rand(@c) ] } 1 .. 32);
my $now = int(time());
my $token = $key->sign({ sub => $sub, email => AidoGW::unique_email(),
    name => 'Browser User', iat => $now, exp => $now + 900, iss => $front,
    aud => $front });

my $PAGE = <<'HTML';
<!doctype html>
<html><head><meta charset="utf-8"><title>better auth test</title>
<link rel="icon" href="data:,"></head>
<body><pre id="result"></pre><script src="/app.js"></script></body></html>
HTML

my $JS = <<'JS';
(async () => {
  const out = { steps: {} };
  const gw = new URLSearchParams(location.search).get('gw');
  try {
    const t = await fetch('/api/auth/token');
    const tj = await t.json();
    out.token = tj.token;
    out.sub = JSON.parse(atob(tj.token.split('.')[1]
      .replace(/-/g, '+').replace(/_/g, '/'))).sub;
    const call = async (name, method, path, body) => {
      const init = { method, headers: { Authorization: 'Bearer ' + out.token } };
      if (body !== undefined) {
        init.headers['Content-Type'] = 'application/json';
        init.body = JSON.stringify(body);
      }
      const r = await fetch(gw + '/api/' + encodeURIComponent(out.sub) + path,
        init);
      const text = await r.text();
      let parsed = text;
      try { parsed = text.length ? JSON.parse(text) : null; } catch (e) {}
      out.steps[name] = { status: r.status, body: parsed };
      return parsed;
    };
    await call('list1', 'GET', '/tasks');
    const task = await call('create', 'POST', '/tasks',
      { title: 'from the browser' });
    await call('toggle', 'PATCH', '/tasks/' + task.id + '/complete');
    await call('list2', 'GET', '/tasks');
    await call('delete', 'DELETE', '/tasks/' + task.id);
    await call('list3', 'GET', '/tasks');
  } catch (e) {
    out.error = String(e);
  }
  const el = document.getElementById('result');
  el.textContent = JSON.stringify(out);
  el.dataset.done = '1';
})();
JS

my %routes = (
	'/' => [ 'text/html; charset=utf-8', $PAGE ],
	'/app.js' => [ 'text/javascript; charset=utf-8', $JS ],
	'/api/auth/jwks' => [ 'application/json',
	    $AidoGW::JSON->encode({ keys => [ $key->jwk ] }) ],
	'/api/auth/token' => [ 'application/json',
	    $AidoGW::JSON->encode({ token => $token }) ],
);

my $server = fork();
die "fork: $!" unless defined $server;
if ($server == 0) {
	$SIG{INT} = $SIG{TERM} = 'DEFAULT';
	alarm($TIMEOUT + 60);
	my $l = IO::Socket::INET->new(Listen => 64, LocalAddr => '127.0.0.1',
	    LocalPort => $fport, ReuseAddr => 1, Proto => 'tcp')
	    or POSIX::_exit(1);
	while (1) {
		my $c = $l->accept or next;
		$c->timeout(10);
		my $line = <$c> // '';
		while (my $h = <$c>) {
			last if $h =~ /\A\r?\n\z/;
		}
		my ($path) = $line =~ m{\A[A-Z]+ (/[^ ?#]*)};
		my $r = defined $path ? $routes{$path} : undef;
		my ($status, $type, $body) = $r ? ('200 OK', @$r) :
		    ('404 Not Found', 'text/plain', "not found\n");
		print $c "HTTP/1.1 $status\r\nContent-Type: $type\r\n" .
		    'Content-Length: ' . length($body) . "\r\n" .
		    "Cache-Control: no-store\r\nConnection: close\r\n\r\n$body";
		close($c);
	}
}
END {
	if ($server) {
		local $?;	# keep the test's exit status
		kill('KILL', $server);
		waitpid($server, 0);
	}
}
my $deadline = time() + 10;
sleep(0.05) until AidoGW::port_open($fport) || time() > $deadline;
ok(AidoGW::port_open($fport), "the frontend answers at $front");

my $gw = AidoGW->new(env => {
    AUTH_JWKS_URL => "$front/api/auth/jwks",
    AUTH_ISSUER => $front,
    AUTH_AUDIENCE => $front,
    FRONTEND_URL => $front,
});

my $pid = open3(my $to, my $from, undef, 'env', "AIDO_BASE_URL=" .
    $gw->base_url, "AIDO_FRONTEND_URL=$front", "AIDO_CHROMIUM=$CHROMIUM",
    'node', $SCRIPT);
close($to);

my ($ended, $failures, @other) = (0, 0);
local $SIG{ALRM} = sub { die "timeout\n" };
eval {
	alarm($TIMEOUT);
	while (my $line = <$from>) {
		chomp($line);
		if ($line =~ /\A(not )?ok \d+ - (.*)\z/) {
			$failures++ if $1;
			ok(!$1, $2);
		} elsif ($line =~ /\A#\s?(.*)\z/) {
			$failures ? diag($1) : note($1);
		} elsif ($line eq 'END') {
			$ended = 1;
		} elsif ($line =~ /\ABail out!/) {
			fail($line);
		} elsif (length($line)) {
			push(@other, $line);
			note($line);
		}
	}
	alarm(0);
};
my $timed_out = $@ eq "timeout\n";
kill('TERM', $pid) if $timed_out;
waitpid($pid, 0);
my $exit = $? >> 8;

ok($ended && !$timed_out && ($exit == 0 || $failures),
    'the browser run went to its end') or do {
	diag($timed_out ? "it took more than $TIMEOUT s" :
	    "node exited with status $exit");
	diag($_) for @other[ ($#other > 30 ? $#other - 30 : 0) .. $#other ];
};
ok($gw->running, 'the gateway kept running');

done_testing();
