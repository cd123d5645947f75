#!/usr/bin/env python3
"""Neon's proxy and compute lifecycle, played locally (test/neon/README.md).

One asyncio process, started by test/neon/neon-local:

* the proxy: clients connect with TLS (the ep- wildcard certificate), name
  the endpoint by SNI (ep-ID for the direct endpoint, ep-ID-pooler for the
  pooled one), and log in with SCRAM-SHA-256-PLUS (tls-server-end-point
  channel binding) or SCRAM-SHA-256, which the proxy checks itself against
  the role's secret in pg_authid.  It then logs in to PgBouncer (pooled)
  or PostgreSQL (direct, over TLS) with the ClientKey the client's proof
  revealed, as Neon's proxy does, and relays bytes both ways;
* scale to zero: a monitor polls pg_stat_activity and pg_stat_database the
  way compute_ctl does (idle sessions do not count) and, after
  --suspend-after idle seconds, stops the cluster with pg_ctl -m fast and
  PgBouncer with it; a connection that arrives while the compute is down
  is held while pg_ctl start runs, then passed through;
* the proxy's own failures are ErrorResponses with SQLSTATE XX000 and
  Neon's messages (a wake that fails, no endpoint named, ...);
* an admin socket (--run/admin.sock, one command per line, one JSON answer)
  for the tests: state, stats, suspend, wake, fail-wakes N,
  suspend-after N.

Nothing secret is logged: no password, no SCRAM message, no secret.
Python 3 standard library only.
"""

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import secrets
import signal
import ssl
import struct
import sys
import time

SSL_REQUEST = 80877103
GSS_REQUEST = 80877104
CANCEL_REQUEST = 80877102
PROTOCOL_3 = 196608

# Neon's user-facing messages (neon.com/docs/connect/connection-errors).
MSG_NO_ENDPOINT = ("The endpoint ID is not specified. Either please upgrade "
                   "the postgres client library (libpq) for SNI support or "
                   "pass the endpoint ID (first part of the domain name) as "
                   "a parameter: '?options=endpoint%3D<endpoint-id>'. See "
                   "more at https://neon.tech/sni")
MSG_UNKNOWN_ENDPOINT = ("The requested endpoint could not be found, or you "
                        "don't have access to it. Please check the provided "
                        "ID and try again.")
MSG_COMPUTE = "Couldn't connect to compute node"
MSG_INSECURE = "connection is insecure (try using `sslmode=require`)"


def log(fmt, *args):
    print(time.strftime('%H:%M:%S ') + (fmt % args), flush=True)


class ProxyError(Exception):
    """An error the proxy reports to its client itself."""

    def __init__(self, message, code='XX000', severity='ERROR'):
        super().__init__(message)
        self.code = code
        self.severity = severity


# ------------------------------------------------------------ the protocol

def message(kind, payload=b''):
    return kind + struct.pack('!I', len(payload) + 4) + payload


def error_response(severity, code, text):
    fields = b''.join(k + v.encode() + b'\0' for k, v in
                      ((b'S', severity), (b'V', severity), (b'C', code),
                       (b'M', text)))
    return message(b'E', fields + b'\0')


def auth(code, data=b''):
    return message(b'R', struct.pack('!I', code) + data)


async def read_message(reader):
    head = await reader.readexactly(5)
    n = struct.unpack('!I', head[1:])[0]
    if n < 4 or n > 1 << 24:
        raise ProxyError('invalid message length', '08P01', 'FATAL')
    return head[:1], await reader.readexactly(n - 4)


async def read_startup(reader):
    n = struct.unpack('!I', await reader.readexactly(4))[0]
    if n < 8 or n > 10000:
        raise ProxyError('invalid startup packet length', '08P01', 'FATAL')
    return await reader.readexactly(n - 4)


def startup_params(body):
    parts = body[4:].split(b'\0')
    params = {}
    for k, v in zip(parts[0::2], parts[1::2]):
        if k:
            params[k.decode()] = v.decode()
    return params


def startup_message(params):
    body = struct.pack('!I', PROTOCOL_3) + b''.join(
        k.encode() + b'\0' + v.encode() + b'\0' for k, v in params.items())
    body += b'\0'
    return struct.pack('!I', len(body) + 4) + body


def error_fields(payload):
    out = {}
    for f in payload.split(b'\0'):
        if f:
            out[f[:1].decode()] = f[1:].decode(errors='replace')
    return out


# ------------------------------------------------------------ SCRAM

def H(b):
    return hashlib.sha256(b).digest()


def HMAC(key, b):
    return hmac.new(key, b, hashlib.sha256).digest()


def xor(a, b):
    return bytes(x ^ y for x, y in zip(a, b))


def parse_secret(secret):
    """SCRAM-SHA-256$iter:salt$StoredKey:ServerKey, or None."""
    try:
        method, rest, keys = secret.split('$')
        iters, salt = rest.split(':')
        stored, server = keys.split(':')
        if method != 'SCRAM-SHA-256':
            return None
        return (int(iters), base64.b64decode(salt), base64.b64decode(stored),
                base64.b64decode(server))
    except (ValueError, AttributeError):
        return None


def scram_attrs(text):
    out = {}
    for part in text.split(','):
        if len(part) >= 2 and part[1] == '=':
            out[part[0]] = part[2:]
    return out


# ------------------------------------------------------------ the compute

class Compute:
    """The cluster and PgBouncer: up, down, and the moves between."""

    def __init__(self, a):
        self.a = a
        self.state = 'up'
        self.lock = asyncio.Lock()
        self.pending = 0         # clients between accept and relay
        self.last_active = time.monotonic()
        self.mark = None         # last (xacts, newest backend) seen
        self.fail_wakes = 0
        self.suspend_after = a.suspend_after
        self.stats = {'wakes': [], 'held': [], 'suspends': 0,
                      'failed_wakes': 0, 'connections': 0, 'logins': {}}
        self.bouncer = None
        self.admin = None        # the monitor's session (superuser, socket)
        self.qlock = asyncio.Lock()

    async def run(self, *cmd):
        p = await asyncio.create_subprocess_exec(
            *cmd, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL)
        return await p.wait()

    async def start_bouncer(self):
        self.bouncer = await asyncio.create_subprocess_exec(
            self.a.bouncer, self.a.bouncer_ini,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL)
        path = os.path.join(self.a.run, '.s.PGSQL.%d' % self.a.bouncer_port)
        for _ in range(300):
            if os.path.exists(path):
                return
            if self.bouncer.returncode is not None:
                break
            await asyncio.sleep(0.02)
        raise ProxyError(MSG_COMPUTE)

    async def stop_bouncer(self):
        if self.bouncer and self.bouncer.returncode is None:
            self.bouncer.terminate()     # SIGTERM: immediate shutdown
            await self.bouncer.wait()
        self.bouncer = None

    async def ensure_up(self):
        """Seconds this caller waited for a wake (0.0 when up)."""
        if self.state == 'up':
            return 0.0
        t0 = time.monotonic()
        async with self.lock:
            if self.state == 'up':
                return time.monotonic() - t0
            if self.fail_wakes > 0:
                self.fail_wakes -= 1
                self.stats['failed_wakes'] += 1
                log('wake refused (fail-wakes)')
                raise ProxyError(MSG_COMPUTE)
            self.state = 'starting'
            w0 = time.monotonic()
            rc = await self.run(self.a.pgbin + '/pg_ctl', '-D',
                                self.a.pgdata, '-l', self.a.pglog, '-w',
                                '-t', '60', 'start')
            if rc != 0:
                self.state = 'down'
                self.stats['failed_wakes'] += 1
                log('wake failed: pg_ctl start exited %d', rc)
                raise ProxyError(MSG_COMPUTE)
            try:
                await self.start_bouncer()
            except ProxyError:
                await self.run(self.a.pgbin + '/pg_ctl', '-D',
                               self.a.pgdata, '-m', 'fast', '-w', 'stop')
                self.state = 'down'
                self.stats['failed_wakes'] += 1
                raise
            self.state = 'up'
            self.last_active = time.monotonic()
            self.mark = None
            self.stats['wakes'].append(round(time.monotonic() - w0, 3))
            log('woken in %.3f s', time.monotonic() - w0)
        return time.monotonic() - t0

    async def suspend(self, why):
        async with self.lock:
            if self.state != 'up' or self.pending:
                return False
            self.state = 'stopping'
            async with self.qlock:
                await self.close_admin()
            rc = await self.run(self.a.pgbin + '/pg_ctl', '-D',
                                self.a.pgdata, '-m', 'fast', '-w', '-t',
                                '60', 'stop')
            await self.stop_bouncer()
            self.state = 'down' if rc == 0 else 'up'
            if rc == 0:
                self.stats['suspends'] += 1
            log('suspended (%s): pg_ctl stop -m fast exited %d', why, rc)
            return rc == 0

    # -- the superuser's session over the private socket (trust)

    async def close_admin(self):
        if self.admin:
            self.admin[1].close()
            self.admin = None

    async def query(self, sql):
        """Rows (lists of str or None) of one simple query, superuser."""
        async with self.qlock:
            return await self._query(sql)

    async def _query(self, sql):
        if self.admin is None:
            path = os.path.join(self.a.run, '.s.PGSQL.%d' % self.a.pg_port)
            r, w = await asyncio.open_unix_connection(path)
            w.write(startup_message({'user': self.a.superuser,
                                     'database': 'postgres',
                                     'application_name': 'compute_ctl'}))
            while True:
                kind, body = await read_message(r)
                if kind == b'E':
                    w.close()
                    raise ProxyError(error_fields(body).get('M', '?'))
                if kind == b'Z':
                    break
            self.admin = (r, w)
        r, w = self.admin
        w.write(message(b'Q', sql.encode() + b'\0'))
        rows, err = [], None
        try:
            while True:
                kind, body = await read_message(r)
                if kind == b'D':
                    n = struct.unpack('!H', body[:2])[0]
                    off, row = 2, []
                    for _ in range(n):
                        ln = struct.unpack('!i', body[off:off + 4])[0]
                        off += 4
                        if ln < 0:
                            row.append(None)
                        else:
                            row.append(body[off:off + ln].decode())
                            off += ln
                    rows.append(row)
                elif kind == b'E':
                    err = error_fields(body).get('M', '?')
                elif kind == b'Z':
                    break
        except (OSError, asyncio.IncompleteReadError):
            await self.close_admin()
            raise
        if err:
            raise ProxyError(err)
        return rows

    async def secret(self, role):
        lit = "'" + role.replace("'", "''") + "'"
        rows = await self.query(
            'SELECT rolpassword FROM pg_catalog.pg_authid WHERE rolname = '
            + lit + ' AND rolcanlogin AND (rolvaliduntil IS NULL OR '
            'rolvaliduntil > now())')
        return parse_secret(rows[0][0]) if rows and rows[0][0] else None

    async def database_exists(self, name):
        lit = "'" + name.replace("'", "''") + "'"
        return bool(await self.query(
            'SELECT 1 FROM pg_catalog.pg_database WHERE datname = ' + lit))

    async def monitor(self):
        """compute_ctl's inactivity check, every half second: a backend
        that is not idle, a backend that changed state (ran something) or
        started since the last look, or a new client of the proxy.  Idle
        sessions do not count.  (pg_stat_database's counters would do too,
        but PostgreSQL 15 flushes an idle backend's up to 10 s late.)"""
        sql = ("SELECT count(*) FILTER (WHERE state IS DISTINCT FROM "
               "'idle'), coalesce(max(state_change)::text, ''), "
               "coalesce(max(backend_start)::text, '') FROM "
               "pg_stat_activity WHERE backend_type = 'client backend' AND "
               "pid <> pg_backend_pid()")
        while True:
            await asyncio.sleep(0.5)
            if self.state != 'up' or self.suspend_after <= 0:
                continue
            try:
                busy, changed, newest = (await self.query(sql))[0]
            except (OSError, ProxyError, asyncio.IncompleteReadError) as e:
                log('monitor: %s', e)
                continue
            now = time.monotonic()
            mark = (changed, newest, self.stats['connections'])
            if int(busy) > 0 or self.pending or mark != self.mark:
                self.last_active = now
                self.mark = mark
            elif now - self.last_active >= self.suspend_after:
                await self.suspend('idle %.0f s' % (now - self.last_active))


# ------------------------------------------------------------ the proxy

class Proxy:
    def __init__(self, a, compute):
        self.a = a
        self.c = compute
        tls = a.tls
        self.ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ctx.load_cert_chain(tls + '/server.crt', tls + '/server.key')
        self.ctx.sni_callback = self.sni
        self.sni_names = {}
        with open(tls + '/server.crt') as f:
            der = ssl.PEM_cert_to_DER_cert(f.read())
        # tls-server-end-point: the certificate's hash with the hash of its
        # signature (SHA-256 here, RFC 5929 section 4.1).
        self.cbind = H(der)
        self.backend_ctx = ssl.create_default_context(cafile=tls + '/ca.crt')
        self.backend_ctx.check_hostname = False
        self.cancel_keys = {}
        self.fake_salt_key = secrets.token_bytes(32)

    def sni(self, obj, name, ctx):
        self.sni_names[id(obj)] = name

    def endpoint(self, name, params):
        """'direct' or 'pooled' for the endpoint the client named."""
        ep = None
        if name and name.endswith(self.a.suffix):
            ep = name[:-len(self.a.suffix)]
        elif name is None:
            for opt in params.get('options', '').split():
                if opt.startswith('endpoint='):
                    ep = opt[len('endpoint='):]
            if ep is None:
                raise ProxyError(MSG_NO_ENDPOINT)
        if ep == self.a.endpoint:
            return 'direct'
        if ep == self.a.endpoint + '-pooler':
            return 'pooled'
        raise ProxyError(MSG_UNKNOWN_ENDPOINT)

    async def client(self, reader, writer):
        self.c.stats['connections'] += 1
        t0 = time.monotonic()
        try:
            await self.session(reader, writer, t0)
        except ProxyError as e:
            try:
                writer.write(error_response(e.severity, e.code, str(e)))
                await writer.drain()
            except (OSError, ConnectionError):
                pass
        except (OSError, ConnectionError, asyncio.IncompleteReadError,
                ssl.SSLError):
            pass
        finally:
            writer.close()

    async def session(self, reader, writer, t0):
        body = await read_startup(reader)
        code = struct.unpack('!I', body[:4])[0]
        if code == CANCEL_REQUEST:
            return await self.cancel(body)
        if code == GSS_REQUEST:
            writer.write(b'N')
            body = await read_startup(reader)
            code = struct.unpack('!I', body[:4])[0]
        if code != SSL_REQUEST:
            raise ProxyError(MSG_INSECURE, '28000', 'FATAL')
        writer.write(b'S')
        await writer.drain()
        await writer.start_tls(self.ctx)
        obj = writer.get_extra_info('ssl_object')
        name = self.sni_names.pop(id(obj), None)
        body = await read_startup(reader)
        code = struct.unpack('!I', body[:4])[0]
        if code == CANCEL_REQUEST:
            return await self.cancel(body)
        if code != PROTOCOL_3:
            raise ProxyError('unsupported frontend protocol', '0A000',
                             'FATAL')
        params = startup_params(body)
        kind = self.endpoint(name, params)
        if 'endpoint=' in params.get('options', ''):
            del params['options']
        user = params.get('user', '')
        self.c.pending += 1
        try:
            waited = await self.c.ensure_up()
            keys = await self.c.secret(user)
            client_key, mech = await self.scram(reader, writer, user, keys)
            logins = self.c.stats['logins']
            logins[kind + ' ' + mech] = logins.get(kind + ' ' + mech, 0) + 1
            # Neon's PgBouncer looks secrets up in a database of its own
            # (auth_dbname, PgBouncer >= 1.19) and then relays the
            # server's refusal; 1.18 would run auth_query in the missing
            # database and keep the client waiting.  Say it here instead.
            db = params.get('database') or user
            if kind == 'pooled' and not await self.c.database_exists(db):
                raise ProxyError('database "%s" does not exist' % db,
                                 '3D000', 'FATAL')
            r, w = await self.backend(kind, params, client_key, keys)
        finally:
            self.c.pending -= 1
        if waited > 0:
            held = time.monotonic() - t0
            self.c.stats['held'].append(round(held, 3))
            log('held a %s connection %.3f s for the wake', kind, held)
        await self.relay(reader, writer, r, w)

    async def scram(self, reader, writer, user, keys):
        """SCRAM-SHA-256(-PLUS) with the client; returns its ClientKey."""
        writer.write(auth(10, b'SCRAM-SHA-256-PLUS\0SCRAM-SHA-256\0\0'))
        await writer.drain()
        kind, body = await read_message(reader)
        if kind != b'p':
            raise ProxyError('expected SASL response', '08P01', 'FATAL')
        mech, _, rest = body.partition(b'\0')
        first = rest[4:].decode()
        gs2, _, bare = first.partition(',')
        authzid, _, bare = bare.partition(',')
        if mech == b'SCRAM-SHA-256-PLUS':
            if gs2 != 'p=tls-server-end-point':
                raise ProxyError('unsupported SCRAM channel-binding type',
                                 '28000', 'FATAL')
            cbind = (gs2 + ',' + authzid + ',').encode() + self.cbind
        elif mech == b'SCRAM-SHA-256' and gs2 in ('n', 'y'):
            # 'y': the client could bind but thought we could not; we
            # offered -PLUS, so that is a downgrade (RFC 5802 section 6).
            if gs2 == 'y':
                raise ProxyError('SCRAM channel binding negotiation error',
                                 '28000', 'FATAL')
            cbind = (gs2 + ',' + authzid + ',').encode()
        else:
            raise ProxyError('unsupported SASL mechanism', '28000', 'FATAL')
        cnonce = scram_attrs(bare).get('r', '')
        if keys is None:
            # Unknown role: the same exchange with a made-up salt.
            salt = HMAC(self.fake_salt_key, user.encode())[:16]
            iters, stored, server = 4096, None, None
        else:
            iters, salt, stored, server = keys
        nonce = cnonce + base64.b64encode(secrets.token_bytes(18)).decode()
        server_first = 'r=%s,s=%s,i=%d' % (
            nonce, base64.b64encode(salt).decode(), iters)
        writer.write(auth(11, server_first.encode()))
        await writer.drain()
        kind, body = await read_message(reader)
        final = body.decode()
        without_proof, _, proof = final.rpartition(',p=')
        attrs = scram_attrs(without_proof)
        failed = ProxyError('password authentication failed for user "%s"'
                            % user, '28P01', 'FATAL')
        if attrs.get('r') != nonce or not proof:
            raise failed
        try:
            if base64.b64decode(attrs.get('c', '')) != cbind:
                raise ProxyError('SCRAM channel binding check failed',
                                 '28000', 'FATAL')
            proof = base64.b64decode(proof)
        except ValueError:
            raise failed
        if stored is None:
            raise failed
        auth_msg = (bare + ',' + server_first + ',' + without_proof).encode()
        client_key = xor(proof, HMAC(stored, auth_msg))
        if len(proof) != 32 or not hmac.compare_digest(H(client_key), stored):
            raise failed
        writer.write(auth(12, b'v=' + base64.b64encode(
            HMAC(server, auth_msg))))
        return client_key, mech.decode()

    async def backend(self, kind, params, client_key, keys):
        """A logged-in session on PgBouncer or PostgreSQL."""
        for attempt in range(3):
            try:
                if kind == 'pooled':
                    path = os.path.join(self.a.run, '.s.PGSQL.%d' %
                                        self.a.bouncer_port)
                    r, w = await asyncio.open_unix_connection(path)
                else:
                    r, w = await asyncio.open_connection(self.a.pg_host,
                                                         self.a.pg_port)
                    w.write(struct.pack('!II', 8, SSL_REQUEST))
                    await w.drain()
                    if await r.readexactly(1) != b'S':
                        raise OSError('the server refused TLS')
                    await w.start_tls(self.backend_ctx)
                await self.backend_login(r, w, params, client_key, keys)
                return r, w
            except (OSError, asyncio.IncompleteReadError) as e:
                # The compute went down under us (a suspend racing this
                # connection): wake it and try again, as Neon's proxy
                # retries connect_to_compute.
                log('backend connect (%s) failed: %s', kind, e)
                await asyncio.sleep(0.1 * (attempt + 1))
                await self.c.ensure_up()
        raise ProxyError(MSG_COMPUTE)

    async def backend_login(self, r, w, params, client_key, keys):
        w.write(startup_message(params))
        stored, server = keys[2], keys[3]
        cnonce = base64.b64encode(secrets.token_bytes(18)).decode()
        first_bare = 'n=,r=' + cnonce
        while True:
            kind, body = await read_message(r)
            if kind == b'E':
                f = error_fields(body)
                raise ProxyError(f.get('M', '?'), f.get('C', 'XX000'),
                                 f.get('S', 'FATAL'))
            if kind != b'R':
                raise OSError('unexpected message during login')
            code = struct.unpack('!I', body[:4])[0]
            data = body[4:]
            if code == 0:
                return
            if code == 10:
                if b'SCRAM-SHA-256\0' not in data:
                    raise ProxyError(MSG_COMPUTE)
                first = ('n,,' + first_bare).encode()
                w.write(message(b'p', b'SCRAM-SHA-256\0' +
                                struct.pack('!I', len(first)) + first))
            elif code == 11:
                server_first = data.decode()
                nonce = scram_attrs(server_first)['r']
                without_proof = 'c=biws,r=' + nonce
                auth_msg = (first_bare + ',' + server_first + ',' +
                            without_proof).encode()
                proof = xor(client_key, HMAC(stored, auth_msg))
                w.write(message(b'p', (without_proof + ',p=' + base64.b64encode(
                    proof).decode()).encode()))
            elif code == 12:
                pass
            else:
                raise ProxyError(MSG_COMPUTE)

    async def relay(self, creader, cwriter, breader, bwriter):
        # The client's login ends with our AuthenticationOk; the backend's
        # ParameterStatus, BackendKeyData and ReadyForQuery follow.
        cwriter.write(auth(0))

        async def pipe(src, dst):
            try:
                while True:
                    data = await src.read(65536)
                    if not data:
                        break
                    dst.write(data)
                    await dst.drain()
            except (OSError, ConnectionError, ssl.SSLError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(creader, bwriter), pipe(breader, cwriter))

    async def cancel(self, body):
        # Cancel keys are the backend's (PgBouncer's or PostgreSQL's):
        # pass the request to both; the wrong one ignores it.
        targets = [('unix', os.path.join(self.a.run, '.s.PGSQL.%d' %
                                         self.a.bouncer_port)),
                   ('tcp', (self.a.pg_host, self.a.pg_port))]
        for how, where in targets:
            try:
                if how == 'unix':
                    r, w = await asyncio.open_unix_connection(where)
                else:
                    r, w = await asyncio.open_connection(*where)
                w.write(struct.pack('!I', len(body) + 4) + body)
                await w.drain()
                w.close()
            except OSError:
                pass


# ------------------------------------------------------------ admin socket

async def admin(compute, reader, writer):
    try:
        line = (await reader.readline()).decode().split()
        cmd, arg = (line + [None, None])[:2]
        if cmd == 'state':
            out = {'state': compute.state}
        elif cmd == 'stats':
            out = dict(compute.stats, state=compute.state,
                       suspend_after=compute.suspend_after)
        elif cmd == 'suspend':
            for _ in range(100):
                if await compute.suspend('asked'):
                    break
                if compute.state == 'down':
                    break
                await asyncio.sleep(0.1)
            out = {'state': compute.state}
        elif cmd == 'wake':
            try:
                await compute.ensure_up()
            except ProxyError as e:
                out = {'state': compute.state, 'error': str(e)}
            else:
                out = {'state': compute.state}
        elif cmd == 'fail-wakes':
            compute.fail_wakes = int(arg)
            out = {'fail_wakes': compute.fail_wakes}
        elif cmd == 'suspend-after':
            compute.suspend_after = float(arg)
            compute.last_active = time.monotonic()
            out = {'suspend_after': compute.suspend_after}
        else:
            out = {'error': 'unknown command'}
    except (ValueError, TypeError) as e:
        out = {'error': str(e)}
    writer.write((json.dumps(out) + '\n').encode())
    await writer.drain()
    writer.close()


async def main(a):
    compute = Compute(a)
    await compute.start_bouncer()
    proxy = Proxy(a, compute)
    host, port = a.listen.rsplit(':', 1)
    server = await asyncio.start_server(proxy.client, host, int(port),
                                        reuse_address=True, backlog=512)
    admin_path = os.path.join(a.run, 'admin.sock')
    if os.path.exists(admin_path):
        os.unlink(admin_path)
    asrv = await asyncio.start_unix_server(
        lambda r, w: admin(compute, r, w), admin_path)
    os.chmod(admin_path, 0o666)
    with open(os.path.join(a.run, 'proxy.pid'), 'w') as f:
        f.write('%d\n' % os.getpid())
    mon = asyncio.create_task(compute.monitor())
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for s in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(s, stop.set)
    log('listening on %s, suspend after %s s', a.listen, a.suspend_after)
    await stop.wait()
    mon.cancel()
    server.close()
    asrv.close()
    await compute.close_admin()
    await compute.stop_bouncer()
    await compute.run(a.pgbin + '/pg_ctl', '-D', a.pgdata, '-m',
                      'immediate', 'stop')
    log('stopped')


def args():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--listen', required=True)
    p.add_argument('--endpoint', required=True)
    p.add_argument('--suffix', required=True)
    p.add_argument('--tls', required=True)
    p.add_argument('--pgbin', required=True)
    p.add_argument('--pgdata', required=True)
    p.add_argument('--pglog', required=True)
    p.add_argument('--run', required=True)
    p.add_argument('--superuser', required=True)
    p.add_argument('--pg', required=True)
    p.add_argument('--bouncer', required=True)
    p.add_argument('--bouncer-ini', required=True)
    p.add_argument('--bouncer-port', type=int, required=True)
    p.add_argument('--suspend-after', type=float, default=300)
    a = p.parse_args()
    a.pg_host, a.pg_port = a.pg.rsplit(':', 1)
    a.pg_port = int(a.pg_port)
    return a


if __name__ == '__main__':
    asyncio.run(main(args()))
