"""Load a student's actor class from a ``.py`` file or from their notebook, for grading."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any

TAG = "answer"


def load_actor(path: str | Path, *, name: str = "Candidate") -> type:
    """The actor class ``name`` defined in ``path`` (see :func:`load_answer`)."""
    answer = load_answer(path, name=name)
    if not isinstance(answer, type):
        raise ValueError(f"{path}: {name!r} is a {type(answer).__name__}, not a class")
    return answer


def load_answer(path: str | Path, *, name: str = "Candidate") -> Any:
    """What ``path`` defines as ``name`` (a class, a function): a Python file, or a notebook.

    From a notebook only the code cells tagged ``answer`` run (the cells the student edits),
    or, when no cell is tagged, the cells that define ``class <name>``; the rest of the
    notebook (simulations, the canvas) never runs. ``ml`` is ``meshlab`` in those cells, as
    in the lab notebooks.

    >>> import tempfile, pathlib
    >>> src = "class Candidate(ml.Actor):\\n    pass\\n"
    >>> with tempfile.TemporaryDirectory() as d:
    ...     p = pathlib.Path(d) / "student.py"
    ...     _ = p.write_text("import meshlab as ml\\n" + src)
    ...     load_actor(p).__name__
    'Candidate'
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no such file: {path}")
    if path.suffix == ".ipynb":
        namespace = _run_notebook_cells(path, name)
    else:
        namespace = runpy.run_path(str(path), run_name="student")
    if name not in namespace:
        raise ValueError(
            f"{path} defines no {name!r}; name your answer {name!r} (in the cell tagged "
            f"{TAG!r}), or pass name="
        )
    return namespace[name]


class UnreadableNotebook(ValueError):
    """A handed-in ``.ipynb`` that is not a notebook's JSON (cut off, edited by hand)."""


def _notebook_cells(path: Path) -> list[dict[str, Any]]:
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        return [c for c in cells if c["cell_type"] == "code"]
    except json.JSONDecodeError as exc:
        why = f"its JSON breaks at line {exc.lineno}, column {exc.colno}: {exc.msg}"
    except UnicodeDecodeError:
        why = "it is not UTF-8 text"
    except (KeyError, TypeError):
        why = "it is JSON but has no list of cells"
    raise UnreadableNotebook(
        f"{path.name} is not a readable notebook ({why}); open it in Jupyter and save it "
        "again, or hand in the answer as a .py file"
    )


def _run_notebook_cells(path: Path, name: str) -> dict[str, Any]:
    import meshlab as ml

    cells = _notebook_cells(path)
    tagged = [c for c in cells if TAG in c.get("metadata", {}).get("tags", [])]
    chosen = tagged or [
        c for c in cells if f"class {name}" in _source(c) or f"def {name}" in _source(c)
    ]
    namespace: dict[str, Any] = {"__name__": "student", "ml": ml}
    for cell in chosen:
        exec(compile(_source(cell), f"{path}:answer", "exec"), namespace)
    return namespace


def _source(cell: dict[str, Any]) -> str:
    src = cell["source"]
    return src if isinstance(src, str) else "".join(src)
