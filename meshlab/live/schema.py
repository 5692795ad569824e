"""Which event schema a subscription gets, and the version 1 view of a newer stream.

A node speaks every schema version in ``READABLE_VERSIONS``. Its hello says
``schema_version: 1`` (what a client gets unless it asks for more; a version 1 client, which
refuses any other number, keeps working) and ``schema_versions`` (every version it serves).
A client that reads version 2 says so in its own hello (``schema_versions: [1, 2]``) and gets
the stream as it is.

A version 1 subscription cannot carry the kinds added later, and a version 1 client treats a
gap in ``seq`` as an error. So it gets a view: rows of newer kinds are left out and the rest
are numbered without them (``seq`` minus the newer rows before it), consistently across
reconnects, so that resuming works as in version 1. Its heartbeats say how many rows were
withheld. See ``docs/protocol.md``, "Schema versions".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from meshlab.events import READABLE_VERSIONS, SCHEMA_VERSION, kinds_of
from meshlab.live.protocol import E_VERSION, ProtocolError

DEFAULT_SCHEMA = 1
"""What a client that names no schema version gets: version 1, which every client reads."""

_V1_KINDS = len(kinds_of(1))  # kind codes below this are version 1 kinds


def hello_fields() -> dict[str, Any]:
    """The schema keys of a node's hello."""
    return {"schema_version": DEFAULT_SCHEMA, "schema_versions": list(READABLE_VERSIONS)}


def choose_schema(hello: dict[str, Any]) -> int:
    """The schema version a client's hello asks for: the highest of its ``schema_versions``
    this node serves, or version 1 when it names none.

    Examples
    --------
    >>> choose_schema({"type": "hello", "protocols": [1]})
    1
    >>> choose_schema({"type": "hello", "protocols": [1], "schema_versions": [1, 2, 3]})
    2
    """
    offered = hello.get("schema_versions")
    if offered is None:
        return DEFAULT_SCHEMA
    if not isinstance(offered, list) or not all(
        isinstance(v, int) and not isinstance(v, bool) for v in offered
    ):
        raise ProtocolError(E_VERSION, "'schema_versions' must be a list of integers", fatal=True)
    common = set(offered) & set(READABLE_VERSIONS)
    if not common:
        raise ProtocolError(
            E_VERSION,
            f"client reads event schema version(s) {offered}, this node serves "
            f"{list(READABLE_VERSIONS)}; upgrade the older side",
            fatal=True,
        )
    return max(common)


def served_schema(hello: dict[str, Any]) -> int | None:
    """The schema version a client reads from a node's hello, or None if it reads none of
    them. A node that lists ``schema_versions`` serves each; an older node only its
    ``schema_version``."""
    offered = hello.get("schema_versions")
    if not isinstance(offered, list):
        offered = [hello.get("schema_version")]
    common = set(offered) & set(READABLE_VERSIONS)
    return max(common) if common else None


class V1Index:
    """Where a feed's rows of newer kinds are, so a version 1 view can leave them out and
    number the rest without gaps. Fed by the feed's listener; costs nothing while a stream
    has only version 1 kinds.

    Examples
    --------
    >>> ix = V1Index()
    >>> ix.newer = np.array([2, 3, 6])  # rows 2, 3 and 6 are of newer kinds
    >>> [ix.to_v1(s) for s in (0, 1, 4, 5, 7)]
    [0, 1, 2, 3, 4]
    >>> [ix.from_v1(v) for v in (0, 1, 2, 3, 4)]
    [0, 1, 4, 5, 7]
    """

    def __init__(self) -> None:
        self._newer = np.empty(0, np.int64)
        # added since the last read, joined when read: joining on every frame copied the
        # whole index each time (a Ray stream is mostly newer kinds: 1.5 ms a frame at 1M rows)
        self._parts: list[np.ndarray] = []

    @property
    def newer(self) -> np.ndarray:
        """The seqs of the rows of newer kinds, ascending."""
        if self._parts:
            self._newer = np.concatenate([self._newer, *self._parts])
            self._parts = []
        return self._newer

    @newer.setter
    def newer(self, seqs: np.ndarray) -> None:
        self._newer = np.asarray(seqs, np.int64)
        self._parts = []

    def add(self, df: pl.DataFrame) -> None:
        codes = df["kind"].to_physical().to_numpy()
        found = np.flatnonzero(codes >= _V1_KINDS)
        if found.size:
            self._parts.append(df["seq"].to_numpy()[found].astype(np.int64))

    @property
    def empty(self) -> bool:
        return not self._parts and self._newer.size == 0

    def withheld(self, before: int) -> int:
        """Rows of newer kinds with a seq below ``before``."""
        return int(np.searchsorted(self.newer, before, side="left"))

    def to_v1(self, seq: int) -> int:
        """The version 1 number of a position (a row, or the head) in the full stream."""
        return seq - self.withheld(seq)

    def from_v1(self, pos: int) -> int:
        """The full-stream position of the version 1 row numbered ``pos``."""
        seq = pos
        while True:  # each newer row at or below the guess pushes it on; a few steps
            nxt = pos + int(np.searchsorted(self.newer, seq, side="right"))
            if nxt == seq:
                return seq
            seq = nxt

    def view(self, batch: pl.DataFrame) -> pl.DataFrame:
        """A batch of the full stream as a version 1 subscriber sees it."""
        if self.empty or batch.height == 0:
            return batch
        keep = batch.filter(pl.col("kind").to_physical() < _V1_KINDS)
        if keep.height == 0:
            return keep
        seq = keep["seq"].to_numpy().astype(np.int64)
        renumbered = seq - np.searchsorted(self.newer, seq, side="left")
        return keep.with_columns(seq=pl.Series(renumbered, dtype=pl.UInt64))


assert SCHEMA_VERSION in READABLE_VERSIONS
