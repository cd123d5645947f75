#!/usr/bin/env python3
"""bench/events_load.py: many Server-Sent Events subscribers on a running
gateway, and the delay from a write to its event at every subscriber.

Run by bench/events.sh (which starts the cluster and the gateway):
  events_load.py BASE_URL TOKENS_FILE SUBSCRIBERS WRITES RATE
TOKENS_FILE holds one "token user_id task_id" line per user; subscriber i
listens as user i % len(tokens).  Phases, each reported as a JSON line:
  {"phase": "connected", "subscribers": n, "seconds": s}
  {"phase": "writes", "writes": w, "deliveries": d, "expected": e,
   "p50_ms": .., "p99_ms": .., "max_ms": ..}
The caller measures the database and the gateway between phases: the
script prints "READY <phase>" and waits for a line on stdin before going on.
"""

import asyncio
import json
import sys
import time
import urllib.parse


async def subscribe(host, port, token, sent, delays, ready):
    reader, writer = await asyncio.open_connection(host, port)
    writer.write((f"GET /api/events/stream HTTP/1.1\r\nHost: {host}\r\n"
                  f"Authorization: Bearer {token}\r\n\r\n").encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.1 200"):
        raise RuntimeError(head.decode(errors="replace"))
    ready.append(1)
    data = None
    while True:
        line = await reader.readline()
        if not line:
            return
        if line.startswith(b"data: "):
            data = line[6:]
        elif line == b"\n" and data is not None:
            now = time.monotonic()
            ev = json.loads(data)
            title = ev["task_data"]["title"]
            if title in sent:
                delays.append((now - sent[title]) * 1000.0)
            data = None


async def write(host, port, token, task_id, title):
    reader, writer = await asyncio.open_connection(host, port)
    body = json.dumps({"title": title}).encode()
    writer.write((f"PATCH /api/tasks/{task_id} HTTP/1.1\r\nHost: {host}\r\n"
                  f"Authorization: Bearer {token}\r\n"
                  "Content-Type: application/json\r\n"
                  f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
                  ).encode() + body)
    await writer.drain()
    await reader.read()
    writer.close()


def pct(xs, p):
    if not xs:
        return None
    xs = sorted(xs)
    return round(xs[min(len(xs) - 1, int(len(xs) * p))], 1)


async def main():
    base, tokens_file, nsub, nwrites, rate = sys.argv[1:6]
    u = urllib.parse.urlparse(base)
    users = [line.split() for line in open(tokens_file) if line.strip()]
    nsub, nwrites, rate = int(nsub), int(nwrites), float(rate)
    sent, delays, ready = {}, [], []
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin),
                                 sys.stdin)

    t0 = time.monotonic()
    subs = []
    for i in range(nsub):
        tok = users[i % len(users)][0]
        subs.append(asyncio.create_task(
            subscribe(u.hostname, u.port, tok, sent, delays, ready)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)
    while len(ready) < nsub:
        failed = [s for s in subs if s.done() and s.exception()]
        if failed:
            raise failed[0].exception()
        await asyncio.sleep(0.1)
    print(json.dumps({"phase": "connected", "subscribers": nsub,
                      "seconds": round(time.monotonic() - t0, 1)}),
          flush=True)
    print("READY connected", flush=True)
    await stdin.readline()

    # Writes spread over the users: each is seen by that user's
    # subscribers (nsub / len(users) of them).
    per_user = [0] * len(users)
    for i in range(nsub):
        per_user[i % len(users)] += 1
    expected = 0
    for w in range(nwrites):
        tok, _, task = users[w % len(users)]
        title = f"bench-write-{w}"
        sent[title] = time.monotonic()
        expected += per_user[w % len(users)]
        await write(u.hostname, u.port, tok, task, title)
        await asyncio.sleep(1.0 / rate)
    deadline = time.monotonic() + 10
    while len(delays) < expected and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    print(json.dumps({"phase": "writes", "writes": nwrites,
                      "deliveries": len(delays), "expected": expected,
                      "p50_ms": pct(delays, 0.50), "p99_ms": pct(delays, 0.99),
                      "max_ms": pct(delays, 1.0)}), flush=True)
    print("READY done", flush=True)
    await stdin.readline()
    for s in subs:
        s.cancel()


asyncio.run(main())
