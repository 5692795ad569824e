"""The canvas: an anywidget that draws an actor mesh at a playhead, with a scrubber and an
inspector, fed by a Trace (static) or an event source that appends (a Mesh, a live client).

The front end is TypeScript under ``widgets/``, built into ``meshlab/static/canvas.js``.
"""

from meshlab.canvas.widget import Canvas

__all__ = ["Canvas"]
