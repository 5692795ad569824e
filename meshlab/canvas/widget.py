"""``meshlab.Canvas``: the anywidget that shows a mesh at a playhead."""

from __future__ import annotations

import threading
import time as _time
import uuid
from pathlib import Path
from typing import Any

import anywidget
import polars as pl
import traitlets

from meshlab.canvas.branches import extra_traits, make_branches, split_source
from meshlab.canvas.encode import Chunk, ChunkEncoder
from meshlab.canvas.html import BUNDLE, render_html
from meshlab.canvas.source import Feed
from meshlab.trace.scalars import number

SPEEDS = (0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0)
VIEWS = ("topology", "tree", "spacetime", "flows", "table")
LANES = ("auto", "actors", "nodes")
SYNCED = (
    "time",
    "selected",
    "playing",
    "speed",
    "view",
    "lanes",
    "hide_system",
    "supervision",
    "class_filter",
    "type_filter",
    "meta",
    "height",
)
_FLUSH_GAP = 0.1  # seconds: appended events reach the browser in at most ten batches a second


def _deck_meta(meta: Any) -> dict[str, Any]:
    """What the canvas needs of MeshOS's desired state: blob counts and sizes and essential
    daemons (the deck), and the nodes' failure zones (the topology view's zones).

    Only these few fields travel (not the whole params), so the synced meta stays small.
    """
    want = (getattr(meta, "params", None) or {}).get("meshos")
    if not isinstance(want, dict):
        return {}
    blobs = [
        {"name": str(b["name"]), "replicas": int(b["replicas"]), "size": b.get("size")}
        for b in want.get("blobs", [])
        if isinstance(b, dict) and "name" in b and "replicas" in b
    ]
    daemons = [
        {"name": str(d["name"]), "essential": bool(d.get("essential", False))}
        for d in want.get("daemons", [])
        if isinstance(d, dict) and "name" in d
    ]
    out: dict[str, Any] = {"blobs": blobs, "daemons": daemons}
    zones = want.get("zones")
    if isinstance(zones, dict) and zones:
        # the topology view groups more than 50 nodes by these failure zones
        out["zones"] = {str(node): str(zone) for node, zone in zones.items()}
    return {"meshos": out}


def default_speed(span: float) -> float:
    """A speed that plays the whole span in about half a minute.

    >>> default_speed(10.0), default_speed(600.0), default_speed(0.01)
    (0.5, 25.0, 0.1)
    """
    for s in SPEEDS:
        if s * 30 >= span:
            return s
    return SPEEDS[-1]


class Canvas(anywidget.AnyWidget):
    """An actor mesh drawn at a playhead, with a scrubber, an inspector and a space-time view.

    ``source`` is a :class:`~meshlab.Trace` (replayed), or an event source that grows: a running
    :class:`~meshlab.Mesh` or a live client. Events reach the browser as binary chunks that are
    appended, never resent whole; the playback clock runs in the browser. A trace of more than
    one chunk is encoded in a background thread, each chunk sent as soon as it is done, so the
    canvas draws the start while the rest still encodes (:meth:`wait` waits for it).

    Synced traits: ``time`` (the playhead, seconds), ``selected`` (an actor id, ``"node:<name>"``
    or ``""``), ``playing``, ``speed`` (0.1 to 100), ``view`` (``"topology"``,
    ``"tree"``, ``"spacetime"``, ``"flows"`` or ``"table"``), ``lanes`` (``"auto"``,
    ``"actors"``, ``"nodes"``), ``hide_system``, ``supervision``, ``class_filter`` and
    ``type_filter``. Shown twice in a notebook, the displays share all of them but the view:
    a view tab switches its own display (``view`` reads the last choice), while ``view`` set
    from Python switches every display (docs/canvas.md, "Two displays of one canvas").

    Examples
    --------
    >>> import meshlab as ml
    >>> canvas = ml.Canvas(ml.scenarios.run("node-failure", seed=1))
    >>> canvas.view, canvas.playing
    ('topology', False)
    >>> canvas.time = 2.5
    >>> canvas.selected = "node:n1"
    """

    _esm = BUNDLE

    time = traitlets.Float(0.0).tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    speed = traitlets.Float(1.0).tag(sync=True)
    view = traitlets.Unicode("topology").tag(sync=True)
    lanes = traitlets.Unicode("auto").tag(sync=True)
    hide_system = traitlets.Bool(False).tag(sync=True)
    supervision = traitlets.Bool(False).tag(sync=True)
    class_filter = traitlets.Unicode("").tag(sync=True)
    type_filter = traitlets.Unicode("").tag(sync=True)
    meta = traitlets.Dict().tag(sync=True)
    height = traitlets.Int(520).tag(sync=True)
    # forks and problems (meshlab/canvas/branches.py); an HTML replay carries them too
    branch = traitlets.Unicode("base").tag(sync=True)
    branches = traitlets.List(traitlets.Dict()).tag(sync=True)
    problem = traitlets.Dict().tag(sync=True)
    # Names this model to the page: anywidget hands each display its own proxy object of the
    # model, and the page keeps one store of events per key (widgets/src/channel.ts), not one
    # per display. Not state: no replay carries it.
    _model_key = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        source: Any,
        *,
        time: float | None = None,
        speed: float | None = None,
        view: str = "topology",
        height: int = 520,
        branches: dict[str, Any] | None = None,
        problem: Any = None,
        **kwargs: Any,
    ) -> None:
        source, main, label, implied = split_source(source)
        self._branches = {b.name: b for b in make_branches(main, branches, implied)}
        self._feed = Feed(source)
        self._encoder = ChunkEncoder()
        self._chunks: list[Chunk] = []
        self._lock = threading.Lock()  # guards what is pulled, encoded and sent
        self._encoding = threading.Lock()  # held by whoever runs the encoder: one at a time
        self._sending = threading.Lock()  # chunks go out in order, one sender at a time
        # Pulled frames not yet wholly encoded, each with the min t of its rows from each on
        # (what a chunk's t_rest says is still to come); the encoder's place is _offset, the
        # rows of the head frame already in chunks, and nothing else says where it is.
        self._pending: list[tuple[pl.DataFrame, pl.Series]] = []
        self._offset = 0
        self._pulled_rows = 0
        # Nothing is sent before the page asks (a chunk sent before its model is up is lost);
        # then chunks [0, _sent) went out, and a sync moves _sent to what the page has.
        self._synced = False
        self._sent = 0
        self._encoder_thread: threading.Thread | None = None
        self._closed = False
        self._page_sets = True  # until __init__ is done: its traits are no Python assignment
        self._timer: threading.Timer | None = None
        self._last_flush = 0.0
        self._t_range: tuple[float, float] | None = None
        self._pull()
        t0, t1 = self._t_range or (0.0, 0.0)
        m = self._feed.meta
        extra = extra_traits(self._feed, main, label, [*self._branches.values()], problem, kwargs)
        if time is None and extra["problem"]:
            time = extra["problem"]["t"]
        if speed is None:
            # A live stream's span so far is only what arrived before the canvas was made (a
            # fraction of a second, which would pick 0.1x): scrubbed back, it plays at 1x.
            speed = 1.0 if self._feed.live else default_speed(t1 - t0)
        super().__init__(
            time=t0 if time is None else float(time),
            speed=float(speed),
            view=view,
            height=height,
            meta={
                "scenario": m.scenario,
                "seed": m.seed,
                "nodes": list(m.nodes),
                "source": m.source,
                "live": self._feed.live,
                **_deck_meta(m),
            },
            **extra,
            **kwargs,
            _model_key=uuid.uuid4().hex,
        )
        self._page_sets = False
        self.on_msg(self._on_msg)
        # A trace of one chunk is encoded at once; a bigger one in the background, each chunk
        # sent as it is ready, so the page draws the start while the rest is still encoding.
        if self._pulled_rows > self._encoder.rows_per_chunk:
            self._encoder_thread = threading.Thread(
                target=self._drain, name="meshlab-canvas-encoder", daemon=True
            )
            self._encoder_thread.start()
        else:
            self._drain()
        self._unsubscribe = self._feed.subscribe(self._on_new_events)

    # validation --------------------------------------------------------------------------
    @traitlets.validate("speed")
    def _check_speed(self, proposal):
        v = float(proposal["value"])
        if not SPEEDS[0] <= v <= SPEEDS[-1]:
            raise traitlets.TraitError(f"speed must be between 0.1 and 100, not {v}")
        return v

    @traitlets.validate("view")
    def _check_view(self, proposal):
        v = proposal["value"]
        if v not in VIEWS:
            raise traitlets.TraitError(f"view must be one of {', '.join(VIEWS)}")
        if v == self.view and not self._page_sets:
            # Python assigns the view the trait already holds: traitlets syncs nothing, yet a
            # display switched by its own tab may show another one. Every display takes it.
            self.send({"type": "view", "view": v})
        return v

    def set_state(self, sync_data):
        # What a page sets (a click on a view tab) is that display's choice: it goes to the
        # trait, never back out to the other displays (see _check_view).
        self._page_sets = True
        try:
            super().set_state(sync_data)
        finally:
            self._page_sets = False

    @traitlets.validate("branch")
    def _check_branch(self, proposal):
        names = [b["name"] for b in self.branches] if self.branches else [proposal["value"]]
        if proposal["value"] not in names:
            raise traitlets.TraitError(f"branch must be one of {', '.join(names)}")
        return proposal["value"]

    @traitlets.validate("lanes")
    def _check_lanes(self, proposal):
        if proposal["value"] not in LANES:
            raise traitlets.TraitError(f"lanes must be one of {', '.join(LANES)}")
        return proposal["value"]

    # data path ---------------------------------------------------------------------------
    @property
    def rows(self) -> int:
        """Events encoded for the browser so far (all of them once :meth:`wait` returns)."""
        with self._lock:
            return sum(c.header["rows"] for c in self._chunks)

    @property
    def chunks(self) -> list[Chunk]:
        """Every chunk of the events pulled so far, in order (waits for the encoder)."""
        self.wait()
        with self._lock:
            return list(self._chunks)

    def wait(self, timeout: float | None = None) -> bool:
        """Wait until every event pulled so far is encoded (and sent, once the page has asked
        for its data); False on timeout."""
        thread = self._encoder_thread
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                return False
        self._drain()
        return True

    def _pull(self) -> None:
        """Take the source's new events into the queue of frames to encode."""
        with self._lock:
            events = self._feed.pull()
            if not events.height:
                return
            lo, hi = number(events["t"].min()), number(events["t"].max())
            if self._t_range is None:
                self._t_range = (lo, hi)
            else:
                self._t_range = (min(self._t_range[0], lo), max(self._t_range[1], hi))
            rest = events["t"].cast(pl.Float64).reverse().cum_min().reverse()
            self._pending.append((events, rest))
            self._pulled_rows += events.height

    def _drain(self) -> None:
        """Encode the queued frames chunk by chunk, in order, sending each as it is done.

        The chunks are those ``ChunkEncoder.encode`` makes of the whole frame (the same slices,
        string table and numbering); each header also says how many rows are pulled in all
        (``rows_total``), the time span they cover (``t_span``) and the earliest time among the
        rows not yet in a chunk (``t_rest``, left out when none are): the page is complete at
        its playhead once ``t_rest`` is past it.
        """
        with self._encoding:
            while True:
                with self._lock:
                    if not self._pending or self._closed:
                        return
                    frame, rest = self._pending[0]
                    done = self._offset
                    later = [float(r[0]) for _, r in self._pending[1:]]
                part = frame.slice(done, self._encoder.rows_per_chunk)
                new = self._encoder.encode(part)
                with self._lock:
                    assert self._t_range is not None  # set by the pull that queued the frame
                    row = done
                    for c in new:
                        row += c.header["rows"]
                        c.header["rows_total"] = self._pulled_rows
                        c.header["t_span"] = list(self._t_range)
                        after = [float(rest[row])] if row < frame.height else []
                        t_rest = min(after + later, default=None)
                        if t_rest is not None:
                            c.header["t_rest"] = t_rest
                    self._chunks.extend(new)
                    self._offset = row
                    if row >= frame.height:
                        self._pending.pop(0)
                        self._offset = 0
                self._send_pending()

    def _send_pending(self) -> None:
        """Send the chunks the page has not been sent yet, in order."""
        with self._sending:
            while self._synced:
                with self._lock:
                    if self._sent >= len(self._chunks):
                        return
                    c = self._chunks[self._sent]
                    self._sent += 1
                self.send(c.header, buffers=[c.data])

    def _on_msg(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("type") == "sync":
            have = int(content.get("have", 0))
            branch = self._branches.get(str(content.get("branch", "")))
            if branch:
                for c in branch.encode()[have:]:
                    self.send(c.header, buffers=[c.data])
                return
            # From what the page has: what is encoded now goes at once, the rest as it is done.
            with self._sending:
                self._synced = True
                self._sent = max(0, have)
            self._send_pending()

    def _on_new_events(self) -> None:
        # Coalesce bursts: at most one batch per _FLUSH_GAP, the rest waits for a timer.
        now = _time.monotonic()
        with self._lock:
            if self._timer is not None:
                return
            wait = self._last_flush + _FLUSH_GAP - now
            if wait > 0:
                self._timer = threading.Timer(wait, self._flush)
                self._timer.daemon = True
                self._timer.start()
                return
        self._flush()

    def _flush(self) -> None:
        with self._lock:
            self._timer = None
            self._last_flush = _time.monotonic()
        self._pull()
        self._drain()

    def refresh(self) -> None:
        """Pull and send any events the source has that the canvas has not seen yet."""
        self._flush()

    def close(self) -> None:
        # getattr: close also runs from __del__ on a Canvas whose __init__ raised
        unsubscribe = getattr(self, "_unsubscribe", None)
        if unsubscribe is not None:
            unsubscribe()
        timer = getattr(self, "_timer", None)
        if timer is not None:
            timer.cancel()
            self._timer = None
        self._closed = True  # a background encode stops at its next chunk
        super().close()

    # replay ------------------------------------------------------------------------------
    def _state(self) -> dict[str, Any]:
        return {n: getattr(self, n) for n in SYNCED}

    def save_html(self, path: str | Path, *, title: str | None = None) -> Path:
        """Write one self-contained HTML file that replays what this canvas holds.

        The bundle and the events are inlined; the page loads nothing from the network. A
        canvas with branches carries every branch's events (after the main run's, which draw
        first) and switches between them as the notebook does; a problem keeps its band.
        """
        self.refresh() if self._feed.appending else None
        main = self.chunks  # all of them: waits for an encode still running in the background
        m = self._feed.meta
        name = title or f"meshlab replay: {m.scenario or m.source}"
        sub = f"seed {m.seed} · {self.rows:,} events" if m.seed is not None else ""
        state = self._state() | {"playing": False, "selected": self.selected}
        state |= {"branch": self.branch, "branches": self.branches, "problem": self.problem}
        chunks = [*main, *(c for b in self._branches.values() for c in b.encode())]
        out = Path(path)
        out.write_text(render_html(state, chunks, title=name, subtitle=sub), "utf-8")
        return out
