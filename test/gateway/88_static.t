#!/usr/bin/env perl
# The pages the gateway serves besides the API: the web client at /
# (web/) and the API explorer at /docs (web/docs.* and swagger-ui-dist from
# node_modules), each with its content type, caching, nosniff and a
# Content-Security-Policy that allows nothing from elsewhere; and, when
# the npm packages or web/ are missing, a gateway that still starts and
# answers 503 saying how to install them.

use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use AidoGW;
use File::Copy qw(copy);
use File::Temp qw(tempdir);

my $ROOT = $AidoGW::ROOT;
my $SWAGGER = "$ROOT/node_modules/swagger-ui-dist";

sub slurp {
	my ($path) = @_;
	open(my $fh, '<:raw', $path) or return (undef);
	local $/;
	return (scalar(<$fh>));
}

my $gw = AidoGW->new;

my %files = (
	'/' => ["$ROOT/web/index.html", 'text/html; charset=utf-8'],
	'/app.js' => ["$ROOT/web/app.js", 'text/javascript; charset=utf-8'],
	'/style.css' => ["$ROOT/web/style.css", 'text/css; charset=utf-8'],
	'/docs' => ["$ROOT/web/docs.html", 'text/html; charset=utf-8'],
	'/docs/docs.js' => ["$ROOT/web/docs.js",
	    'text/javascript; charset=utf-8'],
	'/docs/swagger-ui.css' => ["$SWAGGER/swagger-ui.css",
	    'text/css; charset=utf-8'],
	'/docs/swagger-ui-bundle.js' => ["$SWAGGER/swagger-ui-bundle.js",
	    'text/javascript; charset=utf-8'],
);

my @CSP = ("default-src 'self'", "script-src 'self'", "style-src 'self'",
    "img-src 'self' data:", "connect-src 'self'", "frame-ancestors 'none'",
    "base-uri 'none'", "form-action 'self'");

for my $path (sort(keys(%files))) {
	my ($file, $type) = @{ $files{$path} };
	my $r = $gw->request(GET => $path);
	is($r->{status}, 200, "GET $path answers 200");
	is(AidoGW::header($r, 'content-type'), $type, "... as $type");
	my $want = slurp($file);
	ok(defined $want && $r->{content} eq $want,
	    "... with the bytes of $file") or
	    diag('got ' . length($r->{content}) . ' bytes');
	my %csp = map { s/\A\s+|\s+\z//gr => 1 }
	    split(/;/, AidoGW::header($r, 'content-security-policy') // '');
	my @lacking = grep { !$csp{$_} } @CSP;
	ok(!@lacking && keys(%csp) == @CSP, '... under a Content-Security-' .
	    'Policy that allows only this origin') or
	    diag('lacking: ' . join(', ', @lacking));
	is(AidoGW::header($r, 'x-content-type-options'), 'nosniff',
	    '... with X-Content-Type-Options: nosniff');
	my $cc = AidoGW::header($r, 'cache-control') // '';
	if ($type =~ /html/) {
		is($cc, 'no-cache', '... revalidated on every load (no-cache)');
	} else {
		like($cc, qr/\bmax-age=\d+/, "... cached briefly ($cc)");
	}
	my $etag = AidoGW::header($r, 'etag') // '';
	like($etag, qr/\A"[0-9a-f]+"\z/, '... with a strong ETag');
	my $again = $gw->request(GET => $path, { 'If-None-Match' => $etag });
	ok($again->{status} == 304 && $again->{content} eq '',
	    "... and 304 without a body for If-None-Match: $etag") or
	    diag("answered $again->{status}");
}

{
	my $r = $gw->request(GET => '/docs/');
	is($r->{status}, 200, 'GET /docs/ is the explorer too');
	$r = $gw->request(GET => '/app.js', { 'If-None-Match' => '"0"' });
	is($r->{status}, 200, 'a stale ETag gets the file again');
}

# The pages run no inline code, which the policy would refuse.
for my $page ('/', '/docs') {
	my $html = $gw->request(GET => $page)->{content};
	my @inline = $html =~ /<script(?![^>]*\bsrc=)[^>]*>/gi;
	push(@inline, $html =~ /<style\b/gi, $html =~ /\sstyle=/gi,
	    $html =~ /\son[a-z]+=/gi);
	ok(!@inline, "$page has no inline script, style or handler") or
	    diag("found: @inline");
	unlike($html, qr{(?:src|href)="(?:https?:)?//}i,
	    "$page loads nothing from another origin");
}

# Only these files: nothing else of web/ or node_modules is reachable.
for my $path ('/index.html', '/docs/index.html', '/docs/swagger-ui.js',
    '/docs/swagger-initializer.js', '/web/app.js', '/docs/../package.json',
    '/node_modules/swagger-ui-dist/swagger-ui.css', '/app.js/x') {
	my $r = $gw->request(GET => $path);
	AidoGW::error_ok($r, 404, 'not_found', "GET $path is 404");
}

{
	my $r = $gw->request(POST => '/', {}, { title => 'x' });
	is($r->{status}, 405, 'POST / is 405');
	like(AidoGW::header($r, 'allow') // '', qr/\AGET, OPTIONS\z/,
	    '... with Allow: GET, OPTIONS');
}

{
	my $doc = $gw->request(GET => '/openapi.json')->{json} // {};
	my @pages = grep { exists(($doc->{paths} // {})->{$_}) }
	    ('/', '/docs', '/app.js', '/style.css');
	ok(!@pages, 'the OpenAPI document lists the API only, not the pages')
	    or diag("listed: @pages");
}

# A gateway whose directory has neither node_modules nor (then) web/
# beside it: a copy of gateway/ in a fresh directory.
sub gateway_copy {
	my (%o) = @_;
	my $dir = tempdir('aidogw-static-XXXXXX', TMPDIR => 1, CLEANUP => 1);
	mkdir("$dir/gateway") or die "mkdir: $!";
	for my $f ('start', 'aido-gateway.so', 'openapi.json') {
		copy("$ROOT/gateway/$f", "$dir/gateway/$f") or die "copy $f: $!";
	}
	chmod(0755, "$dir/gateway/start");
	symlink("$ROOT/web", "$dir/web") or die "symlink: $!" if $o{web};
	return ($dir);
}

{
	my $dir = gateway_copy(web => 1);
	local $AidoGW::START = "$dir/gateway/start";
	my $bare = AidoGW->new;
	ok($bare->running, 'without node_modules the gateway still starts');
	my $r = $bare->request(GET => '/docs');
	AidoGW::error_ok($r, 503, 'unavailable', '... /docs answers 503');
	like(ref($r->{json}) eq 'HASH' ? $r->{json}{detail} : '',
	    qr/API explorer is not installed.*npm ci/,
	    '... saying that the explorer is not installed, and how to ' .
	    'install it');
	unlike($r->{content}, qr/\Q$dir\E/, '... without telling a client ' .
	    'where the gateway lives');
	$r = $bare->request(GET => '/docs/swagger-ui-bundle.js');
	is($r->{status}, 503, '... and so do its files');
	$r = $bare->request(GET => '/');
	is($r->{status}, 200, '... while the web client is served');
	is($bare->request(GET => '/health')->{status}, 200,
	    '... and the API answers');
	like($bare->output, qr/API explorer is not installed.*\Q$dir\E/,
	    'the gateway said so at start, naming the path it looked for');
	$bare->stop;
}

{
	my $dir = gateway_copy(web => 0);
	local $AidoGW::START = "$dir/gateway/start";
	my $bare = AidoGW->new;
	my $r = $bare->request(GET => '/');
	AidoGW::error_ok($r, 503, 'unavailable',
	    'without web/ beside the gateway, / answers 503');
	like(ref($r->{json}) eq 'HASH' ? $r->{json}{detail} : '',
	    qr/web client is not installed/, '... saying why');
	is($bare->request(GET => '/api/auth/me')->{status}, 401,
	    '... and the API is served all the same');
	$bare->stop;
}

done_testing();
