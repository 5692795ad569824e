"""Soak: a `meshlab serve` subprocess on loopback under a hostile mix, for a bounded time.

The server runs ping-pong paced to about 11,000 events/s with a 100,000-event window. Against
it, at once:

- honest subscribers, which read every event from where they joined and count gaps and
  repeats (seq is consecutive, so a lost or twice-delivered event shows);
- full-history readers, which subscribe from the oldest event held, read up to the head
  and start again;
- clients that subscribe and never read, and clients that never say hello;
- WebSocket ping floods from clients that never read the pongs;
- subscribe floods, and connections guessing the control token (from their own loopback
  address, 127.0.0.9, so that their address being refused does not refuse the others);
- a connection flood: up to 400 TCP connections held open from 127.0.0.7, never sending a
  byte (the node keeps at most twice its per-address cap of them and drops the rest).

A thread probes ``/healthz`` every 50 ms and reads the server's resident memory every second.
Figures: memory growth after the warm-up (a third of the run), ``/healthz`` p99, events lost
or repeated for the honest subscribers, and how often each attack was cut off.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
import socket
import struct
import threading
import time
import urllib.request

import msgpack
import numpy as np
from websockets.asyncio.client import connect as ws_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from meshlab.live import codec, serve_subprocess
from meshlab.live import protocol as p

HELLO = {"type": "hello", "protocols": list(p.SUPPORTED_PROTOCOLS), "client": "soak"}
ATTACKER = "127.0.0.9"  # wrong tokens come from here: its refusal must not refuse the others


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, all its threads."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _head(data: bytes) -> dict:
    """A frame's fields before its columns (the soak measures the server, not decoding)."""
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(data)
    head = {}
    for _ in range(unpacker.read_map_header()):
        key = unpacker.unpack()
        if key == "columns":
            break
        head[key] = unpacker.unpack()
    return head


async def _open(url: str, *, local: str = "127.0.0.1"):
    ws = await ws_connect(
        url, proxy=None, compression=None, max_size=2**24, local_addr=(local, 0), open_timeout=10
    )
    hello = codec.decode(await ws.recv())
    await ws.send(codec.encode(HELLO))
    return ws, hello


def _raw(port: int, *, greet: bool) -> socket.socket:
    """A WebSocket opened by hand, so that nothing reads what the server sends."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            raise ConnectionError("closed during the handshake")
        head += chunk
    if greet:
        sock.sendall(_masked(0x2, codec.encode(HELLO)))
        sock.sendall(_masked(0x2, codec.encode({"type": "subscribe", "from_seq": 0})))
    return sock


def _masked(opcode: int, payload: bytes) -> bytes:
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    n = len(payload)
    size = struct.pack("!B", 0x80 | n) if n < 126 else struct.pack("!BH", 0x80 | 126, n)
    return struct.pack("!B", 0x80 | opcode) + size + mask + body


class Soak:
    def __init__(self, srv, seconds: float) -> None:
        self.srv = srv
        self.url = srv.url
        self.port = srv.port
        self.end = time.monotonic() + seconds
        self.counts: dict[str, int] = {}
        self.lost = 0
        self.repeated = 0
        self.honest_events = 0

    def count(self, what: str, n: int = 1) -> None:
        self.counts[what] = self.counts.get(what, 0) + n

    def running(self) -> bool:
        return time.monotonic() < self.end

    async def honest(self) -> None:
        ws, hello = await _open(self.url)
        pos = hello["head_seq"]
        await ws.send(codec.encode({"type": "subscribe", "from_seq": pos}))
        try:
            while self.running():
                frame = _head(await ws.recv())
                if frame["type"] == "events":
                    first, n = frame["first_seq"], frame["count"]
                    self.lost += max(0, first - pos)
                    self.repeated += max(0, pos - first)
                    pos = max(pos, first + n)
                    self.honest_events += n
                elif frame["type"] == "error":
                    self.count(f"honest subscriber got {frame['code']}")
        finally:
            await ws.close()

    async def history_reader(self) -> None:
        while self.running():
            with contextlib.suppress(ConnectionClosed, OSError, InvalidStatus, TimeoutError):
                ws, hello = await _open(self.url)
                start, head = hello["oldest_seq"], hello["head_seq"]
                await ws.send(codec.encode({"type": "subscribe", "from_seq": start}))
                pos = start
                while pos < head and self.running():
                    frame = _head(await ws.recv())
                    if frame["type"] == "events":
                        pos = frame["first_seq"] + frame["count"]
                    elif frame["type"] == "error":  # seq_gone: the window moved on
                        break
                self.count("history reads")
                await ws.close()

    async def flood(self, kind: str) -> None:
        frame = codec.encode(
            {"type": "subscribe", "from_seq": 0}
            if kind == "subscribe"
            else {"type": "control", "action": "pause", "token": "guess"}
        )
        local = ATTACKER if kind == "token" else "127.0.0.1"
        while self.running():
            try:
                ws, _ = await _open(self.url, local=local)
            except InvalidStatus as exc:
                self.count(f"{kind} flood refused with HTTP {exc.response.status_code}")
                await asyncio.sleep(0.5)
                continue
            except (OSError, TimeoutError, ConnectionClosed):
                await asyncio.sleep(0.2)
                continue
            reader = asyncio.create_task(self._drain(ws))
            with contextlib.suppress(ConnectionClosed):
                while self.running():
                    await ws.send(frame)
                    self.count(f"{kind} flood frames")
                    await asyncio.sleep(0)
            self.count(f"{kind} flood connections cut off")
            reader.cancel()
            await ws.close()

    async def _drain(self, ws) -> None:
        with contextlib.suppress(ConnectionClosed):
            async for _ in ws:
                pass

    def raw_attacks(self) -> None:
        """Never-reading subscribers, hello-less clients and ping floods (blocking sockets,
        in a thread of their own)."""
        idle: list[socket.socket] = []
        silent: list[socket.socket] = []
        pinger: socket.socket | None = None
        ping = _masked(0x9, b"p" * 125) * 50
        while self.running():
            for pool, size, greet, what in (
                (idle, 10, True, "never-reading"),
                (silent, 30, False, "hello-less"),
            ):
                for sock in list(pool):
                    if _closed(sock):
                        pool.remove(sock)
                        sock.close()
                        self.count(f"{what} clients closed by the server")
                while len(pool) < size:
                    with contextlib.suppress(OSError):
                        pool.append(_raw(self.port, greet=greet))
                        self.count(f"{what} clients opened")
            try:
                if pinger is None:
                    pinger = _raw(self.port, greet=False)
                pinger.settimeout(0.2)
                deadline = time.monotonic() + 0.3
                while time.monotonic() < deadline:
                    pinger.sendall(ping)
                    self.count("pings sent", 50)
            except TimeoutError:
                pass  # the server stopped reading from us for now
            except OSError:
                self.count("ping floods cut off")
                with contextlib.suppress(OSError):
                    pinger.close()  # type: ignore[union-attr]
                pinger = None
        for sock in idle + silent + ([pinger] if pinger else []):
            sock.close()

    def connection_flood(self, source: str = "127.0.0.7", hold: int = 400) -> None:
        """Open connections from one address and keep them open without a byte sent."""
        pool: list[socket.socket] = []
        while self.running():
            for sock in list(pool):
                if _closed(sock):
                    pool.remove(sock)
                    sock.close()
                    self.count("flood connections dropped by the server")
            while len(pool) < hold and self.running():
                try:
                    sock = socket.create_connection(
                        ("127.0.0.1", self.port), timeout=2, source_address=(source, 0)
                    )
                except OSError:
                    self.count("flood connections refused")
                    break
                pool.append(sock)
                self.count("flood connections opened")
            time.sleep(0.2)
        for sock in pool:
            sock.close()


def _closed(sock: socket.socket) -> bool:
    """Whether the server closed this connection, read from the kernel's TCP state (reading
    the socket would make a never-reading client a reading one)."""
    try:
        state = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 1)[0]
    except OSError:
        return True
    return state != 1  # TCP_ESTABLISHED


def _probe(srv, stop: threading.Event, latencies: list, rss: list, t0: float) -> None:
    next_rss = 0.0
    while not stop.is_set():
        start = time.monotonic()
        try:
            with urllib.request.urlopen(srv.healthz_url, timeout=10) as response:
                json.loads(response.read())
            latencies.append((start - t0, time.monotonic() - start))
        except OSError:
            latencies.append((start - t0, float("inf")))
        if start >= next_rss:
            rss.append((start - t0, _rss_mb(srv.pid)))
            next_rss = start + 1.0
        time.sleep(0.05)


def run(*, quick: bool) -> list[dict]:
    seconds = 30.0 if quick else 120.0
    warmup = seconds / 3
    srv = serve_subprocess("ping-pong", speed=1.0, until=1e9, retain=100_000, heartbeat=0.5)
    try:
        soak = Soak(srv, seconds)
        latencies: list[tuple[float, float]] = []
        rss: list[tuple[float, float]] = []
        stop = threading.Event()
        t0 = time.monotonic()
        cpu0 = (_cpu_s(srv.pid), _cpu_s(os.getpid()))
        prober = threading.Thread(target=_probe, args=(srv, stop, latencies, rss, t0))
        prober.start()
        raw = threading.Thread(target=soak.raw_attacks)
        raw.start()
        flood = threading.Thread(target=soak.connection_flood)
        flood.start()

        async def clients() -> None:
            tasks = [soak.honest() for _ in range(4)]
            tasks += [soak.history_reader() for _ in range(4)]
            tasks += [soak.flood("subscribe") for _ in range(2)]
            tasks += [soak.flood("token") for _ in range(2)]
            await asyncio.gather(*tasks)

        asyncio.run(clients())
        raw.join()
        flood.join()
        stop.set()
        prober.join()
        wall = time.monotonic() - t0
        # who used the 2 cores: on a small machine the attackers compete with the node
        server_cpu = (_cpu_s(srv.pid) - cpu0[0]) / wall
        bench_cpu = (_cpu_s(os.getpid()) - cpu0[1]) / wall
        load = os.getloadavg()[0]
        alive = srv.alive
    finally:
        srv.stop()

    after = [ms for t, ms in rss if t >= warmup]
    base = after[0] if after else float("nan")
    growth = max(after) - base if after else float("nan")
    lat = np.array([s for t, s in latencies if t >= warmup]) * 1000
    p99 = float(np.percentile(lat, 99)) if lat.size else float("inf")
    track = " ".join(f"{ms:.0f}" for _, ms in rss[:: max(1, len(rss) // 12)])
    attacks = ", ".join(f"{k} {v:,}" for k, v in sorted(soak.counts.items()))
    return [
        {
            "name": "soak: server memory growth after warm-up",
            "value": growth,
            "unit": "MB",
            "target": "<= +50 MB",
            "met": bool(growth <= 50 and alive),
            "note": f"{seconds:.0f} s, warm-up {warmup:.0f} s, RSS MB over time: {track}",
        },
        {
            "name": "soak: /healthz p99 under the hostile mix",
            "value": p99,
            "unit": "ms",
            "target": "<= 100 ms",
            "met": bool(p99 <= 100),
            "note": (
                f"{lat.size} probes after warm-up, max {lat.max():.0f} ms; CPU used: node "
                f"{server_cpu:.0%} of a core, the bench's own clients {bench_cpu:.0%}, "
                f"on {os.cpu_count()} cores at load average {load:.1f}"
            ),
        },
        {
            "name": "soak: events lost or repeated, honest subscribers",
            "value": soak.lost + soak.repeated,
            "unit": "events",
            "target": "0",
            "met": soak.lost + soak.repeated == 0 and soak.honest_events > 0,
            "note": f"{soak.honest_events:,} events read by 4 subscribers; {attacks}",
        },
    ]


if __name__ == "__main__":
    for fig in run(quick=True):
        print(fig)
