#!/usr/bin/env python3
"""Fan-out benchmark of live updates (subscriptions over /graphql/ws, issue 16).

Two API replicas (release build) serve one PostgreSQL database loaded with the demo. N idle
subscribers (default 1,000), split evenly between the replicas, each open a socket as the demo's
commissioner and subscribe to `submissionChanged` of the Return Ticket partnership. Then the
commissioner accepts the submission waiting there, through the first replica, and every
subscriber records when its event arrives. The report gives the time from sending the accept to
each arrival (p50, p99, max; targets p99 <= 250 ms) and the memory each idle socket costs the
servers (growth of their resident set from before the sockets to after they subscribed, divided
by the number of sockets; target <= 50 KB). Each run loads a fresh database.

Usage (from the repository root):  python3 bench/fanout.py [--subscribers 1000] [--runs 3]

Needs: cargo, a local PostgreSQL server whose user may create databases (--pg-url). Python 3
standard library only: the WebSocket client below speaks just what the benchmark needs.
"""

import argparse
import asyncio
import base64
import json
import os
import resource
import statistics
import struct
import sys
import time
from pathlib import Path

sys.dont_write_bytecode = True  # importing bench.py must leave no __pycache__ in the tree
from bench import ROOT, SECRET, Postgres, Server, Tokens, build, graphql, log, run  # noqa: E402

COMMISSIONER = "commissioner@glenmuir-council.example.org"
PARTNERSHIP = "Return Ticket"
SUBSCRIPTION = """subscription($p: ID) {
  submissionChanged(partnershipId: $p) { id status }
}"""
ACCEPT = """mutation($input: ReviewSubmissionInput!) {
  reviewSubmission(input: $input) { submission { status } } }"""
TARGETS = {"p99_ms": 250, "kb_per_socket": 50}


class Socket:
    """One graphql-transport-ws client connection."""

    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        key = base64.b64encode(os.urandom(16)).decode()
        writer.write(
            f"GET /graphql/ws HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
            "Sec-WebSocket-Protocol: graphql-transport-ws\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise SystemExit(f"WebSocket handshake refused: {head[:200]!r}")
        return cls(reader, writer)

    def send(self, message, opcode=0x1):
        payload = message if isinstance(message, bytes) else json.dumps(message).encode()
        mask = os.urandom(4)
        length = len(payload)
        if length < 126:
            header = struct.pack("!BB", 0x80 | opcode, 0x80 | length)
        else:
            header = struct.pack("!BBH", 0x80 | opcode, 0x80 | 126, length)
        masked = bytes(byte ^ mask[i % 4] for i, byte in enumerate(payload))
        self.writer.write(header + mask + masked)

    async def receive(self):
        """The next text message as JSON, answering the server's pings on the way."""
        while True:
            first, second = await self.reader.readexactly(2)
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", await self.reader.readexactly(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
            payload = await self.reader.readexactly(length)
            opcode = first & 0x0F
            if opcode == 0x9:
                self.send(payload, opcode=0xA)
            elif opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if payload else 1005
                raise SystemExit(f"the server closed a socket: {code} {payload[2:]!r}")
            elif opcode == 0x1:
                return json.loads(payload)

    async def subscribe(self, token, variables):
        self.send({"type": "connection_init", "payload": {"token": token}})
        ack = await self.receive()
        if ack.get("type") != "connection_ack":
            raise SystemExit(f"connection_init refused: {ack}")
        self.send({"type": "subscribe", "id": "1",
                   "payload": {"query": SUBSCRIPTION, "variables": variables}})
        # A pong says the server has read the subscription: changes from now on reach it.
        self.send({"type": "ping"})
        pong = await self.receive()
        if pong.get("type") != "pong":
            raise SystemExit(f"expected pong, got {pong}")


def kib_resident(server):
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    return next(int(line.split()[1]) for line in status.splitlines()
                if line.startswith("VmRSS:"))


async def one_run(args, servers, token, partnership, submission):
    ports = [server.port for server in servers]
    before = [kib_resident(server) for server in servers]
    sockets = []
    # Open in modest batches: a thousand handshakes at once would only measure the backlog.
    for start in range(0, args.subscribers, 50):
        batch = [Socket.open(ports[n % len(ports)])
                 for n in range(start, min(start + 50, args.subscribers))]
        opened = await asyncio.gather(*batch)
        await asyncio.gather(*(s.subscribe(token, {"p": partnership}) for s in opened))
        sockets.extend(opened)
    await asyncio.sleep(2)  # let allocators settle before measuring
    after = [kib_resident(server) for server in servers]
    kib_per_socket = (sum(after) - sum(before)) / args.subscribers

    arrivals = []

    async def await_event(socket):
        message = await socket.receive()
        arrivals.append(time.monotonic())
        data = message.get("payload", {}).get("data") or {}
        if data.get("submissionChanged", {}).get("status") != "ACCEPTED":
            raise SystemExit(f"unexpected event: {message}")

    waiting = [asyncio.create_task(await_event(socket)) for socket in sockets]
    await asyncio.sleep(0.5)
    loop = asyncio.get_running_loop()
    sent = time.monotonic()
    await loop.run_in_executor(None, lambda: graphql(
        ports[0], token, ACCEPT,
        {"input": {"submissionId": submission, "decision": "ACCEPT"}}))
    accepted = time.monotonic()
    await asyncio.wait_for(asyncio.gather(*waiting), timeout=30)
    for socket in sockets:
        socket.writer.close()
    latencies = sorted((arrival - sent) * 1000 for arrival in arrivals)
    return {
        "accept_ms": (accepted - sent) * 1000,
        "p50_ms": statistics.median(latencies),
        "p99_ms": latencies[max(0, int(len(latencies) * 0.99) - 1)],
        "max_ms": latencies[-1],
        "kib_per_socket": kib_per_socket,
        "rss_mib_after": [kib / 1024 for kib in after],
    }


def prepare(binary, pg_url, run_number):
    database = Postgres(pg_url, f"fanout_{run_number}")
    database.create()
    run([str(binary), "seed", "--demo"],
        env={"DATABASE_URL": database.url, "JWT_SECRET": SECRET, "LOG_LEVEL": "warn"})
    return database


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432",
                        help="PostgreSQL server (no database name); needs CREATEDB")
    parser.add_argument("--port", type=int, default=18180, help="the first replica's port")
    parser.add_argument("--no-build", action="store_true", help="use target/release/api as is")
    parser.add_argument("--out", default=str(ROOT / "target" / "bench"))
    args = parser.parse_args()

    # A socket per subscriber here and on the servers, which inherit this limit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.no_build:
        target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
        binary = out / "api"
        binary.write_bytes((target / "release" / "api").read_bytes())
        binary.chmod(0o755)
    else:
        binary = build(out)

    results = []
    for run_number in range(args.runs):
        database = prepare(binary, args.pg_url, run_number)
        env = {"WS_MAX_SOCKETS_PER_USER": str(args.subscribers)}
        servers = []
        for n in range(2):
            logs = out / f"fanout-replica-{n + 1}"  # each replica's server log
            logs.mkdir(exist_ok=True)
            servers.append(Server(binary, database, args.port + n, logs, env))
        try:
            token = Tokens(binary, database)(COMMISSIONER)
            data = graphql(servers[0].port, token, "{ partnerships(first: 20) { nodes { id name } } }")
            partnership = next(node["id"] for node in data["partnerships"]["nodes"]
                               if node["name"] == PARTNERSHIP)
            data = graphql(servers[0].port, token,
                           "query($p: ID!) { submissions(filter: {partnershipId: $p, status: SUBMITTED}) "
                           "{ nodes { id } } }", {"p": partnership})
            submission = data["submissions"]["nodes"][0]["id"]
            result = asyncio.run(one_run(args, servers, token, partnership, submission))
        finally:
            for server in servers:
                server.stop()
            database.drop()
        log(f"run {run_number + 1}: p50 {result['p50_ms']:.0f} ms, p99 {result['p99_ms']:.0f} ms, "
            f"max {result['max_ms']:.0f} ms, {result['kib_per_socket']:.1f} KiB per socket")
        results.append(result)

    def median(key):
        return statistics.median(result[key] for result in results)

    text = "\n".join([
        f"Fan-out: {args.subscribers} idle subscribers over 2 replicas, one accepted submission, "
        f"{args.runs} runs (medians)",
        "",
        "| | measured | target |",
        "|---|---|---|",
        f"| accept request (HTTP round trip) | {median('accept_ms'):.0f} ms | |",
        f"| event at subscriber, p50 | {median('p50_ms'):.0f} ms | |",
        f"| event at subscriber, p99 | {median('p99_ms'):.0f} ms | <= {TARGETS['p99_ms']} ms |",
        f"| event at subscriber, max | {median('max_ms'):.0f} ms | |",
        f"| memory per idle socket | {median('kib_per_socket'):.1f} KiB | <= {TARGETS['kb_per_socket']} KB |",
    ])
    print(text)
    (out / "fanout.md").write_text(text + "\n")
    (out / "fanout.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
