"""meshlab grade: a folder of submissions, each in its own limited process; meshlab lab export."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from meshlab.cli import main
from meshlab.labs.export import export_lab
from meshlab.labs.grading import grade_folder

ROOT = Path(__file__).resolve().parents[1]
STARTER = ROOT / "notebooks" / "labs" / "leader-election.ipynb"

HANG = "import meshlab as ml\nwhile True:\n    pass\n"
BROKEN_INIT = """import meshlab as ml
class Candidate(ml.Actor):
    def __init__(self, peers):
        raise KeyError("oops")
"""
HOG = "import meshlab as ml\nx = []\nwhile True:\n    x.append(bytearray(10**7))\n"
SYNTAX = "class Candidate(:\n"


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    shutil.copy(STARTER, folder / "alice.ipynb")
    (folder / "carol.py").write_text(HANG)
    (folder / "dave.py").write_text(BROKEN_INIT)
    (folder / "erin.py").write_text(HOG)
    (folder / "gina.py").write_text(SYNTAX)
    (folder / "hank.ipynb").write_text(STARTER.read_text()[:300])  # cut off mid-JSON
    (folder / "notes.txt").write_text("not a submission")
    out = folder / "grades"
    outcomes = grade_folder(
        folder, lab="leader-election", seeds=[0], out=out, timeout=15, memory_mb=400
    )
    return folder, out, {o.student: o for o in outcomes}


def test_every_submission_gets_a_row_and_a_feedback_file(graded):
    _, out, by = graded
    assert sorted(by) == ["alice", "carol", "dave", "erin", "gina", "hank"]
    csv = (out / "scores.csv").read_text().splitlines()
    assert csv[0] == (
        "student,score,status,no_crashes,no_unexplained_drops,at_most_one,no_gap,eventually_agree"
    )
    assert [line.split(",")[0] for line in csv[1:]] == sorted(by)
    doc = json.loads((out / "scores.json").read_text())
    assert doc["lab"] == "leader-election" and doc["seeds"] == [0]
    assert doc["weights"]["no_gap"] == 3
    for name in by:
        assert (out / "feedback" / f"{name}.txt").read_text().startswith(f"{name}: ")


def test_the_starter_is_graded_with_weighted_points(graded):
    _, _, by = graded
    alice = by["alice"]
    assert alice.status == "graded" and alice.score == pytest.approx(20.0)
    assert alice.points == {"no_crashes": 1.0, "no_unexplained_drops": 1.0, "at_most_one": 0.0,
                            "no_gap": 0.0, "eventually_agree": 0.0}  # fmt: skip
    assert "two leaders" in alice.feedback and "score: 20.0%" in alice.feedback


def test_bad_submissions_score_zero_without_stopping_the_batch(graded):
    _, _, by = graded
    assert by["carol"].status == "timeout" and "more than 15 s" in by["carol"].feedback
    assert by["dave"].score == 0 and "KeyError: 'oops'" in by["dave"].feedback
    assert by["erin"].status == "memory" and "400 MB" in by["erin"].feedback
    assert by["gina"].status == "no answer" and "SyntaxError" in by["gina"].feedback
    assert by["hank"].status == "unreadable notebook" and by["hank"].score == 0
    assert by["hank"].feedback.startswith(
        "hank: not graded — hank.ipynb is not a readable notebook (its JSON breaks at line "
    )
    assert "open it in Jupyter and save it again" in by["hank"].feedback


def test_grading_again_writes_the_same_files(graded, tmp_path):
    folder, out, _ = graded
    again = tmp_path / "again"
    sub = tmp_path / "subs"
    sub.mkdir()
    shutil.copy(folder / "alice.ipynb", sub)
    shutil.copy(folder / "dave.py", sub)
    grade_folder(sub, lab="leader-election", seeds=[0], out=again, timeout=60, memory_mb=1024)
    first = (out / "feedback" / "alice.txt").read_bytes()
    assert (again / "feedback" / "alice.txt").read_bytes() == first
    assert (again / "feedback" / "dave.txt").read_bytes() == (
        out / "feedback" / "dave.txt"
    ).read_bytes()
    rows = (out / "scores.csv").read_text().splitlines()
    assert (again / "scores.csv").read_text().splitlines() == [rows[0], rows[1], rows[3]]


def test_the_cli_refuses_bad_input_in_one_line(tmp_path, capsys):
    assert main(["grade", str(tmp_path / "nope"), "--lab", "leader-election"]) == 2
    assert "no such folder of submissions" in capsys.readouterr().err
    assert main(["grade", str(tmp_path), "--lab", "leader-election", "--seeds", "a-b"]) == 2
    assert "--seeds takes numbers and ranges" in capsys.readouterr().err
    assert main(["grade", str(tmp_path), "--lab", "leader-election", "--seeds", "0"]) == 2
    assert "no submissions (.ipynb or .py)" in capsys.readouterr().err


# export ------------------------------------------------------------------------------------
def test_export_writes_the_notebook_and_a_readme_only(tmp_path):
    dest = export_lab("leader-election", tmp_path)
    assert sorted(p.name for p in dest.rglob("*")) == ["README.md", "leader-election.ipynb"]
    nb = json.loads((dest / "leader-election.ipynb").read_text())
    assert all(c.get("outputs", []) == [] for c in nb["cells"])
    text = (dest / "leader-election.ipynb").read_text()
    assert "solution" not in text.lower() and "prevote" not in text
    assert "answer" in (dest / "README.md").read_text()
    with pytest.raises(FileExistsError, match="not empty"):
        export_lab("leader-election", tmp_path)
    with pytest.raises(FileNotFoundError, match="--source"):
        export_lab("leader-election", tmp_path / "x", source=tmp_path)
    with pytest.raises(ValueError, match="no lab called 'raft'"):
        export_lab("raft", tmp_path)


def test_export_from_the_cli(tmp_path, capsys):
    assert main(["lab", "export", "leader-election", "--out", str(tmp_path)]) == 0
    assert "leader-election.ipynb" in capsys.readouterr().out
    assert main(["lab", "export", "leader-election", "--out", str(tmp_path)]) == 2
    assert "not empty" in capsys.readouterr().err
    assert main(["lab", "list"]) == 0
    assert "leader-election" in capsys.readouterr().out


def test_the_lab_tests_skip_cleanly_without_the_solution(tmp_path):
    """A copy with no solutions folder (what a student gets): solution tests skip, the rest run."""
    (tmp_path / "tests").mkdir()
    shutil.copy(ROOT / "tests" / "test_lab.py", tmp_path / "tests")
    labs = tmp_path / "notebooks" / "labs"
    labs.mkdir(parents=True)
    shutil.copy(STARTER, labs)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-k",
         "solution or schedule", str(tmp_path / "tests" / "test_lab.py")],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )  # fmt: skip
    tail = proc.stdout.strip().splitlines()[-1]
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "skipped" in tail and "error" not in tail and "failed" not in tail, tail


def grader_script() -> str:
    text = (ROOT / "docs" / "teaching.md").read_text()
    start = text.index('"""grade.py')
    return text[start : text.index("```", start)]


@pytest.mark.parametrize(
    ("lab", "score"),
    [("leader-election", "20.0%"), ("broadcast", "40.0%"), ("supervision", "0.0%")],
)
def test_the_grader_script_in_the_docs_grades_each_starter(tmp_path, lab, score):
    script = tmp_path / "grade.py"
    script.write_text(grader_script())
    notebook = ROOT / "notebooks" / "labs" / f"{lab}.ipynb"
    proc = subprocess.run(
        [sys.executable, str(script), lab, str(notebook)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr[-2000:]  # the starters fail
    assert f"score: {score}" in proc.stdout
    assert "seed 100:" in proc.stdout and "seed 109:" in proc.stdout


def test_every_lab_exports_without_its_solution(tmp_path):
    from meshlab.labs import LABS

    for name in LABS:
        dest = export_lab(name, tmp_path)
        assert sorted(p.name for p in dest.iterdir()) == ["README.md", LABS[name][1]]
