"""An emitter's live node in a child process (``Emitter(process=True)``).

In its own thread, the node (rows to columns, the state and latency folds, encoding and
serving) shares the interpreter lock with the program that emits: every microsecond it spends
is one the program's threads wait for. In a child process it runs on another core. The program
then keeps only ``emit()`` (a counter, a clock read, a list append) and, once per
``flush_interval``, one ``marshal.dumps`` of the rows (about 0.1 µs a row) and a pipe write.

The parent writes messages to the child's stdin, each a kind byte, a little-endian u32 length
and a payload: ``C`` the node's settings (JSON, first and once; tokens travel here, not in
``argv`` where ``ps`` would show them), ``R`` rows (a marshalled list of tuples), ``F`` a frame
(Arrow IPC), ``S`` a flush request, ``Q`` stop. The child answers on its stdout with JSON
lines: ``{"url": ...}`` once it listens, ``{"ack": ..., "published": ..., "errors": [...],
"nodes": [...]}`` after each flush request. It exits when its stdin closes, so it never
outlives the program.
"""

from __future__ import annotations

import asyncio
import io
import json
import marshal
import os
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Any

import polars as pl

_HEADER = struct.Struct("<cI")


# the parent's side ---------------------------------------------------------------------------
class ChildNode:
    """The handle a parent keeps on its node process."""

    def __init__(self, settings: dict[str, Any], *, start_timeout: float = 60.0) -> None:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parents[2])  # the directory holding meshlab/
        env["PYTHONPATH"] = os.pathsep.join(p for p in (root, env.get("PYTHONPATH")) if p)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "meshlab.live.emitter_node"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self._in: IO[bytes] = self.proc.stdin
        self._out: IO[bytes] = self.proc.stdout
        self._lock = threading.Lock()  # one writer at a time: messages never interleave
        self.send(b"C", json.dumps(settings).encode())
        line = _read_line(self._out, start_timeout, self.proc)
        self.url: str = json.loads(line)["url"]

    def send(self, kind: bytes, payload: bytes) -> None:
        with self._lock:
            self._in.write(_HEADER.pack(kind, len(payload)))
            self._in.write(payload)
            self._in.flush()

    def sync(self, timeout: float = 30.0) -> dict[str, Any]:
        """Wait until the node has published everything sent before this call."""
        with self._lock:
            self._in.write(_HEADER.pack(b"S", 0))
            self._in.flush()
            reply = json.loads(_read_line(self._out, timeout, self.proc))
        return reply

    def close(self, timeout: float = 10.0) -> None:
        try:
            self.send(b"Q", b"")
            self._in.close()
        except (BrokenPipeError, ValueError, OSError):
            pass
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout)
        self._out.close()


def _read_line(stream: IO[bytes], timeout: float, proc: subprocess.Popen) -> bytes:
    result: list[bytes] = []
    reader = threading.Thread(target=lambda: result.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    if not result or not result[0]:
        code = proc.poll()
        state = f"exited with code {code}" if code is not None else f"silent for {timeout:g} s"
        raise RuntimeError(f"the emitter's node process {state} (its stderr says why)")
    return result[0]


def marshal_rows(rows: list[tuple]) -> bytes:
    """The rows as bytes; a value marshal cannot write (a numpy number, an object) is turned
    into a plain number when it is one, else into a marker the node reports as a wrong type."""
    try:
        return marshal.dumps(rows)
    except ValueError:
        return marshal.dumps([_plain(row) for row in rows])


def _plain(row: tuple) -> tuple:
    try:
        marshal.dumps(row)
        return row
    except ValueError:
        return tuple(_plain_value(v) for v in row)


def _plain_value(v: Any) -> Any:
    try:
        marshal.dumps(v)
        return v
    except ValueError:
        item = getattr(v, "item", None)  # numpy scalars
        value = item() if callable(item) else None
        if isinstance(value, int | float | str):
            return value
        return (f"<a {type(v).__name__}>",)  # no column takes a tuple: reported as wrong type


def frame_bytes(df: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    df.write_ipc(buffer)
    return buffer.getvalue()


# the child's side -----------------------------------------------------------------------------
def main() -> None:
    stdin = sys.stdin.buffer
    # stdout carries the replies; anything else printed goes to stderr
    replies = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    kind, payload = _read_message(stdin)
    if kind != b"C":
        raise SystemExit("meshlab emitter node: expected its settings first")
    asyncio.run(_serve(json.loads(payload), stdin, replies))


def _read_message(stream: IO[bytes]) -> tuple[bytes, bytes]:
    header = stream.read(_HEADER.size)
    if len(header) < _HEADER.size:
        return b"Q", b""  # the parent closed the pipe (or died): stop
    kind, size = _HEADER.unpack(header)
    payload = stream.read(size)
    if len(payload) < size:
        return b"Q", b""
    return kind, payload


async def _serve(settings: dict[str, Any], stdin: IO[bytes], replies: IO[bytes]) -> None:
    from meshlab.live.batches import WARM_ROW, Drain, frame_of
    from meshlab.live.emitter import EmitterSource
    from meshlab.live.server import NodeServer

    frame_of([WARM_ROW])
    nodes: list[str] = list(settings["nodes"])
    errors: list[str] = []
    drain = Drain(nodes, errors)
    source = EmitterSource(
        nodes=nodes,
        stream_id=settings["stream_id"],
        retain=settings["retain"],
        id_scope=settings["id_scope"],
        drain=None,  # drained as rows arrive, not on a timer
        flush_interval=1.0,
    )
    server = NodeServer(
        source,
        name=settings["name"],
        host=settings["host"],
        port=settings["port"],
        token=settings["token"],
        stream_token=settings["stream_token"],
        heartbeat=settings["heartbeat"],
        clock="wall",
    )
    await server.start()
    replies.write(json.dumps({"url": server.url}).encode() + b"\n")
    replies.flush()
    loop = asyncio.get_running_loop()
    stopped = loop.create_future()
    reported = 0

    def apply(kind: bytes, payload: bytes) -> None:
        nonlocal reported
        if kind == b"R":
            drain.rows.extend(marshal.loads(payload))
            drain.into(source.feed)
        elif kind == b"F":
            drain.frames.append(pl.read_ipc(io.BytesIO(payload)))
            drain.into(source.feed)
        elif kind == b"S":
            drain.into(source.feed)
            reply = {"ack": True, "published": drain.published, "errors": errors[reported:]}
            reply["nodes"] = nodes
            reported = len(errors)
            replies.write(json.dumps(reply).encode() + b"\n")
            replies.flush()
        elif kind == b"Q" and not stopped.done():
            stopped.set_result(None)

    def read() -> None:
        while True:
            kind, payload = _read_message(stdin)
            loop.call_soon_threadsafe(apply, kind, payload)
            if kind == b"Q":
                return

    threading.Thread(target=read, daemon=True, name="emitter-pipe").start()
    await stopped
    await server.stop()


if __name__ == "__main__":
    main()
    # leave at once: the pipe reader (a daemon thread blocked on stdin) is not worth a wait
    sys.stderr.flush()
    os._exit(0)
