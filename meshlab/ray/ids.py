"""Ray's identifiers, read without importing Ray.

Ray's ids are fixed-layout byte strings (Ray's ``src/ray/design_docs/id_specification.md``):
a JobID is 4 bytes; an ActorID is 12 unique bytes then the JobID; a TaskID is 8 unique bytes
then the ActorID of the actor it runs on. A task that runs on no actor carries the job's *nil*
actor id (12 bytes of ``ff``), and the driver's own task also has ``ff`` in its 8 unique bytes.
The Event Export sends ids in base64, the state API in hex; meshlab keys everything by hex.
"""

from __future__ import annotations

import base64
import binascii

_NIL12 = "ff" * 12
_NIL8 = "ff" * 8
_HEX: dict[str, str] = {}


def to_hex(b64: str) -> str:
    """The hex form of a base64 id (what the state API and Ray's logs show).

    Examples
    --------
    >>> to_hex("AQAAAA==")
    '01000000'
    >>> to_hex("")
    ''
    """
    h = _HEX.get(b64)
    if h is None:
        try:
            h = base64.b64decode(b64).hex()
        except (binascii.Error, ValueError):
            h = ""
        if len(_HEX) > 200_000:  # ids of a long run: keep the cache bounded
            _HEX.clear()
        _HEX[b64] = h
    return h


def actor_of_task(task_hex: str) -> str | None:
    """The hex ActorID a task runs on, or None for a task on no actor (a driver or a plain
    remote function).

    Examples
    --------
    >>> actor_of_task("ffffffffffffffff9bffc2bdcedec0449d1726aa01000000")
    '9bffc2bdcedec0449d1726aa01000000'
    >>> actor_of_task("ffffffffffffffffffffffffffffffffffffffff01000000") is None
    True
    """
    if len(task_hex) != 48 or task_hex[16:40] == _NIL12:
        return None
    return task_hex[16:]


def is_driver_task(task_hex: str) -> bool:
    """True for a job's driver task (all ``ff`` but the JobID).

    Examples
    --------
    >>> is_driver_task("ffffffffffffffffffffffffffffffffffffffff01000000")
    True
    """
    return len(task_hex) == 48 and task_hex[:16] == _NIL8 and task_hex[16:40] == _NIL12


def job_number(job_hex: str) -> int:
    """A JobID as the small integer Ray prints (its 4 bytes, little-endian).

    Examples
    --------
    >>> job_number("01000000")
    1
    """
    try:
        return int.from_bytes(bytes.fromhex(job_hex), "little")
    except ValueError:
        return 0


def node_name(node_hex: str) -> str:
    """The name a Ray node has in meshlab: ``node-`` and the first 8 hex digits of its id.

    Derived from the id alone, so every event that mentions a node names it the same way
    whichever arrives first; the node's address and role are published as attributes.

    Examples
    --------
    >>> node_name("8a2a242d01a9c5c4df7e3d90d6f56e93231ac30f4fb130a594d76f32")
    'node-8a2a242d'
    """
    return f"node-{node_hex[:8]}" if node_hex else "node-unknown"
