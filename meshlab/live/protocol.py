"""The meshlab wire protocol: versions, frame types, limits and error codes.

``docs/protocol.md`` is the specification; this module holds its constants and the checks a
peer applies to a decoded frame, so that the server, the client and the emitter agree by
construction. Encoding to and from bytes lives in :mod:`meshlab.live.codec`.
"""

from __future__ import annotations

from typing import Any, Final

from meshlab.events import SCHEMA_VERSION

PROTOCOL_VERSION: Final = 1
"""The protocol version this meshlab speaks."""

SUPPORTED_PROTOCOLS: Final[tuple[int, ...]] = (1,)
"""Every protocol version this meshlab can speak; a client picks one the server offers."""

SUPPORTED_SCHEMAS: Final[tuple[int, ...]] = (SCHEMA_VERSION,)

MAX_CLIENT_FRAME: Final = 64 * 1024
"""Largest frame a server accepts from a client, in bytes (clients only send small requests)."""

MAX_SERVER_FRAME: Final = 8 * 1024 * 1024
"""Largest frame a server sends (announced in its hello as ``max_frame``)."""

MAX_BATCH_ROWS: Final = 20_000
"""Most rows a server puts in one ``events`` frame."""

DEFAULT_HEARTBEAT: Final = 1.0
"""Seconds between heartbeats when a stream is idle (announced in the hello)."""

# frame types, server -> client
HELLO: Final = "hello"
EVENTS: Final = "events"
HEARTBEAT: Final = "heartbeat"
INTROSPECTION: Final = "introspection"
CONTROL_OK: Final = "control_ok"
ERROR: Final = "error"
# frame types, client -> server (HELLO too)
SUBSCRIBE: Final = "subscribe"
INTROSPECT: Final = "introspect"
CONTROL: Final = "control"
PING: Final = "ping"

CLIENT_TYPES: Final = frozenset({HELLO, SUBSCRIBE, INTROSPECT, CONTROL, PING})
SERVER_TYPES: Final = frozenset({HELLO, EVENTS, HEARTBEAT, INTROSPECTION, CONTROL_OK, ERROR})

CONTROL_ACTIONS: Final = (
    "pause",
    "resume",
    "speed",
    "kill_node",
    "crash",
    "partition",
    "heal",
    "admin",
)
"""``admin`` carries a MeshOS operator action (``op``: enter_maintenance, cordon, ...; ``node``
when it needs one) to a served MeshOS scenario; see docs/meshos.md."""

MAX_ADMIN_ARG: Final = 128
"""Longest ``op`` or ``node`` string an ``admin`` control action accepts."""

# error codes carried by an ``error`` frame
E_MALFORMED: Final = "malformed"  # not a msgpack map with a string "type"
E_UNKNOWN_TYPE: Final = "unknown_type"
E_BAD_REQUEST: Final = "bad_request"  # a known frame with missing or mistyped fields
E_VERSION: Final = "unsupported_version"
E_UNAUTHORIZED: Final = "unauthorized"
E_CONTROL_DISABLED: Final = "control_disabled"
E_NOT_SUPPORTED: Final = "not_supported"
E_SEQ_GONE: Final = "seq_gone"
E_NOT_FOUND: Final = "not_found"
E_TOO_LARGE: Final = "too_large"
E_INTERNAL: Final = "internal"

# WebSocket close codes (RFC 6455) used by meshlab
CLOSE_PROTOCOL_ERROR: Final = 1002
CLOSE_UNSUPPORTED_DATA: Final = 1003
CLOSE_POLICY: Final = 1008
CLOSE_TOO_BIG: Final = 1009

MAX_ERRORS_BEFORE_CLOSE: Final = 16
"""A peer that keeps sending bad frames is cut off after this many error replies."""


class ProtocolError(Exception):
    """A frame broke the protocol. ``code`` is one of the ``E_*`` error codes.

    Examples
    --------
    >>> err = ProtocolError(E_BAD_REQUEST, "subscribe needs an integer 'from_seq'")
    >>> err.code, str(err)
    ('bad_request', "subscribe needs an integer 'from_seq'")
    """

    def __init__(self, code: str, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.fatal = fatal


def error_frame(code: str, message: str, *, fatal: bool = False, id: Any = None) -> dict:
    """The ``error`` frame for a problem; ``fatal`` tells the peer the connection will close."""
    frame: dict[str, Any] = {"type": ERROR, "code": code, "message": message, "fatal": fatal}
    if id is not None:
        frame["id"] = id
    return frame


def require(frame: dict, key: str, kind: type | tuple[type, ...], what: str) -> Any:
    """Return ``frame[key]`` if it has the right type, else raise ``bad_request``.

    Examples
    --------
    >>> require({"type": "subscribe", "from_seq": 5}, "from_seq", int, "subscribe")
    5
    >>> require({"type": "subscribe"}, "from_seq", int, "subscribe")
    Traceback (most recent call last):
    ...
    meshlab.live.protocol.ProtocolError: subscribe needs 'from_seq' (int)
    """
    value = frame.get(key)
    # bool is an int in Python but never a valid count or seq on the wire
    if (
        value is None
        or (isinstance(value, bool) and kind is not bool)
        or not isinstance(value, kind)
    ):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ProtocolError(E_BAD_REQUEST, f"{what} needs {key!r} ({names})")
    return value


def choose_protocol(offered: Any) -> int:
    """Pick the highest protocol version both sides speak, or raise ``unsupported_version``.

    Examples
    --------
    >>> choose_protocol([1, 2])
    1
    >>> choose_protocol([7])
    Traceback (most recent call last):
    ...
    meshlab.live.protocol.ProtocolError: peer speaks protocol version(s) [7], this meshlab ...
    """
    if not isinstance(offered, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in offered
    ):
        raise ProtocolError(E_BAD_REQUEST, "'protocols' must be a list of integers", fatal=True)
    common = set(offered) & set(SUPPORTED_PROTOCOLS)
    if not common:
        raise ProtocolError(
            E_VERSION,
            f"peer speaks protocol version(s) {offered}, this meshlab speaks "
            f"{list(SUPPORTED_PROTOCOLS)}; upgrade the older side",
            fatal=True,
        )
    return max(common)


# ---- limits a server enforces on every connection (docs/protocol.md, "Limits") -----------
E_RATE_LIMITED: Final = "rate_limited"
"""Error code: the peer sent requests faster than ``MAX_REQUESTS_PER_SECOND``."""

HELLO_TIMEOUT: Final = 10.0
"""Seconds a client has, after the server's hello, to send its own; then it is closed."""

SEND_TIMEOUT: Final = 30.0
"""Seconds one frame may wait for a client to read; a client that stops reading is closed."""

MAX_WRITE_BUFFER: Final = 4 * 1024 * 1024
"""Bytes a connection may hold unsent (pongs and frames a client does not read); above it
the connection is closed, so a client that floods pings and never reads costs little."""

MAX_REQUESTS_PER_SECOND: Final = 100.0
"""Sustained client frames per second on one connection (a burst of ``REQUEST_BURST`` is
allowed); each frame over it is answered with a ``rate_limited`` error, which counts toward
``MAX_ERRORS_BEFORE_CLOSE``."""

REQUEST_BURST: Final = 200

MAX_PINGS_PER_SECOND: Final = 10.0
"""Sustained WebSocket pings (and unsolicited pongs) per second on one connection (a burst of
``PING_BURST``); a client over it is disconnected, since every ping costs the server a pong."""

PING_BURST: Final = 20

MAX_AUTH_FAILURES: Final = 3
"""Wrong or missing tokens one connection may send before it is closed."""

MAX_AUTH_FAILURES_PER_ADDRESS: Final = 20
"""Wrong or missing tokens one address may send within ``AUTH_WINDOW`` seconds; after that
its new connections are refused (HTTP 429) until the window has passed."""

AUTH_WINDOW: Final = 60.0

MAX_CONNECTIONS_PER_ADDRESS: Final = 128
"""Open connections one client address may hold at once (``meshlab serve
--max-connections-per-address``). A request on a connection over it is answered with HTTP 429
and closed (``/healthz`` is still answered); a connection opened past twice the limit is
dropped at once, before it costs anything."""

MAX_SPEED: Final = 10_000.0
"""Largest pacing speed (virtual seconds per wall second) a ``speed`` control may set."""

HISTORY_BLOCK: Final = 4096
"""Rows per frame when a subscriber catches up on history; such frames are encoded once
and shared between subscribers, off the event loop, so readers from seq 0 stay fair."""
