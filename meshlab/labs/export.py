"""A student's copy of a lab: the notebook and a README, no solution and no history.

The lab notebooks live in the source tree (``notebooks/labs/``), their solutions apart in
``notebooks/labs/solutions/``. ``meshlab lab export NAME`` copies only the lab's own notebook,
with its outputs and execution counts cleared, into a fresh folder that is no git repository,
so nothing a student receives leads to the solution.
"""

from __future__ import annotations

import json
from pathlib import Path

from meshlab.labs import LABS, lab_module

SOURCE = Path(__file__).resolve().parents[2] / "notebooks" / "labs"

# meshlab is installed from its source: the name `meshlab` on PyPI is not known to be this
# project, so the README never says `pip install meshlab`.
README = """# {title}

## Install

The lab runs in JupyterLab, with meshlab installed from its source: from the git repository
your teacher names (put its URL in place of REPOSITORY-URL), or from a checkout of it. The
name `meshlab` on PyPI may belong to another project.

```sh
python -m pip install jupyterlab "meshlab @ git+https://REPOSITORY-URL"   # from the repository
python -m pip install jupyterlab -e path/to/meshlab                        # from a checkout
```

## Work

Open `{notebook}` in JupyterLab (`jupyter lab {notebook}`) and follow it.
Edit only the cell tagged `answer` (it defines `{answer}`): the grader reads that cell alone,
runs the lab on seeds you have not seen, each twice, and scores it as the notebook explains.

Hand in `{notebook}`.
"""


def export_lab(name: str, out: str | Path, *, source: str | Path | None = None) -> Path:
    """Write the student's copy of lab ``name`` into ``out/<name>/``; returns that folder.

    ``source`` is the folder that holds the lab notebooks (default: ``notebooks/labs`` of the
    source checkout this meshlab runs from).
    """
    module = lab_module(name)
    src = Path(source) if source is not None else SOURCE
    notebook = src / LABS[name][1]
    if not notebook.is_file():
        raise FileNotFoundError(
            f"the lab notebook {notebook} is not here: export from a source checkout of "
            f"meshlab, or pass --source FOLDER (the folder holding {LABS[name][1]})"
        )
    dest = Path(out) / name
    if dest.exists() and any(dest.iterdir()):
        raise FileExistsError(f"{dest} exists and is not empty: choose another --out")
    dest.mkdir(parents=True, exist_ok=True)
    nb = json.loads(notebook.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    (dest / notebook.name).write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    title = (module.__doc__ or name).strip().splitlines()[0].rstrip(".")
    text = README.format(title=title, notebook=notebook.name, answer=module.ANSWER)
    (dest / "README.md").write_text(text)
    return dest
