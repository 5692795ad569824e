"""What a trace is a recording of: its metadata, kept inside every saved file."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from meshlab.events import READABLE_VERSIONS, SCHEMA_VERSION, ContractError


class SchemaVersionError(ContractError):
    """A trace was written with a schema version this meshlab does not know."""


def check_version(version: object) -> None:
    """Refuse a schema version this meshlab cannot read, with what to do about it."""
    if version not in READABLE_VERSIONS:
        raise SchemaVersionError(
            f"trace has schema_version {version!r}, but this meshlab reads versions "
            f"{', '.join(map(str, READABLE_VERSIONS))}; open it with the meshlab release "
            "that wrote it"
        )


@dataclass(frozen=True)
class TraceMeta:
    """What a trace is a recording of. Kept inside every saved file.

    ``source`` is ``"sim"`` for the simulator, ``"live"`` for a recorded live stream.
    ``params`` holds scenario parameters (JSON-compatible values only).
    """

    schema_version: int = SCHEMA_VERSION
    source: str = "sim"
    scenario: str | None = None
    seed: int | None = None
    nodes: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["nodes"] = list(self.nodes)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TraceMeta:
        """Read metadata written by :meth:`to_dict`, refusing unknown schema versions.

        Every version in ``READABLE_VERSIONS`` reads: version 2 only added kinds, so a version 1
        trace loads as it is (and keeps saying which version wrote it).
        """
        check_version(d.get("schema_version"))
        known = {f for f in cls.__dataclass_fields__}
        kwargs = {k: v for k, v in d.items() if k in known}
        kwargs["nodes"] = tuple(kwargs.get("nodes") or ())
        kwargs["params"] = dict(kwargs.get("params") or {})
        return cls(**kwargs)
