package AidoKeys;

# Asymmetric JWT signing for the external-token tests (API.md §3.2), through
# the openssl command line: Ed25519 (EdDSA), P-256 (ES256) and RSA (RS256)
# keys, their public JWKs, and tokens signed with them.
#
#	my $k = AidoKeys->new('EdDSA', 'kid-1');
#	my $jwk = $k->jwk;			# {kty, crv, x, kid, alg, ...}
#	my $jwt = $k->sign({sub => ..., exp => ...});

use strict;
use warnings;

use File::Temp qw(tempdir);
use AidoGW;

my $DIR = tempdir('aidokeys-XXXXXX', TMPDIR => 1, CLEANUP => 1);
my $N = 0;

sub _run {
	my (@cmd) = @_;
	my $out = qx{@cmd 2>/dev/null};
	die "openssl failed: @cmd\n" if $?;
	return ($out);
}

sub _read {
	my ($path) = @_;
	open(my $fh, '<:raw', $path) or die "$path: $!";
	local $/;
	return (scalar(<$fh>));
}

sub _write {
	my ($path, $data) = @_;
	open(my $fh, '>:raw', $path) or die "$path: $!";
	print $fh $data;
	close($fh);
}

sub new {
	my ($class, $alg, $kid) = @_;
	my $key = "$DIR/key" . ++$N . '.pem';
	my %gen = (
		EdDSA => '-algorithm ed25519',
		ES256 => '-algorithm EC -pkeyopt ec_paramgen_curve:P-256',
		RS256 => '-algorithm RSA -pkeyopt rsa_keygen_bits:2048',
	);
	die "AidoKeys: no alg $alg" unless $gen{$alg};
	_run("openssl genpkey $gen{$alg} -out $key");
	return (bless({ alg => $alg, kid => $kid, key => $key }, $class));
}

sub kid { return ($_[0]{kid}) }

sub jwk {
	my ($self) = @_;
	my $der = _run("openssl pkey -in $self->{key} -pubout -outform DER");
	my %jwk = (kid => $self->{kid}, alg => $self->{alg}, use => 'sig');
	if ($self->{alg} eq 'EdDSA') {
		%jwk = (%jwk, kty => 'OKP', crv => 'Ed25519',
		    x => AidoGW::b64url(substr($der, -32)));
	} elsif ($self->{alg} eq 'ES256') {
		my $pt = substr($der, -65);
		%jwk = (%jwk, kty => 'EC', crv => 'P-256',
		    x => AidoGW::b64url(substr($pt, 1, 32)),
		    y => AidoGW::b64url(substr($pt, 33, 32)));
	} else {
		my ($hex) = _run("openssl rsa -in $self->{key} -noout -modulus")
		    =~ /Modulus=([0-9A-F]+)/;
		%jwk = (%jwk, kty => 'RSA', n => AidoGW::b64url(pack('H*', $hex)),
		    e => 'AQAB');
	}
	return (\%jwk);
}

# The public key as PEM (SubjectPublicKeyInfo), e.g. to forge an HS256
# token that uses it as the HMAC secret.
sub public_pem {
	my ($self) = @_;
	return (_run("openssl pkey -in $self->{key} -pubout"));
}

# A JWT over $claims; $header (optional) replaces the default
# {alg, kid, typ}.
sub sign {
	my ($self, $claims, $header) = @_;
	$header //= { alg => $self->{alg}, kid => $self->{kid}, typ => 'JWT' };
	my $input = AidoGW::b64url($AidoGW::JSON->encode($header)) . '.' .
	    AidoGW::b64url($AidoGW::JSON->encode($claims));
	my $msg = "$DIR/msg" . ++$N;
	_write($msg, $input);
	my $sig;
	if ($self->{alg} eq 'EdDSA') {
		$sig = _run("openssl pkeyutl -sign -inkey $self->{key} -rawin " .
		    "-in $msg");
	} else {
		$sig = _run("openssl dgst -sha256 -sign $self->{key} $msg");
		$sig = _der_to_raw($sig) if $self->{alg} eq 'ES256';
	}
	unlink($msg);
	return ("$input." . AidoGW::b64url($sig));
}

# ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } to r || s (JWS).
sub _der_to_raw {
	my ($der) = @_;
	my @b = unpack('C*', $der);
	my $i = 2;
	$i++ if $b[1] & 0x80;
	my @out;
	for (1 .. 2) {
		die 'bad ECDSA signature' unless $b[$i] == 0x02;
		my $len = $b[ $i + 1 ];
		my @n = @b[ $i + 2 .. $i + 1 + $len ];
		shift(@n) while @n > 32 && $n[0] == 0;
		unshift(@n, 0) while @n < 32;
		push(@out, @n);
		$i += 2 + $len;
	}
	return (pack('C*', @out));
}

1;
