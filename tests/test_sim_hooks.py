"""The engine calls back into the mesh only through the hooks declared in ``MeshHooks``, and
both engines (compiled and pure Python) call exactly those."""

import ast
import inspect
import re
from pathlib import Path

import meshlab as ml
from meshlab.sim import _core_py
from meshlab.sim.hooks import DOWN_STATES, HOOKS, MeshHooks
from meshlab.sim.kernel import Kernel

SIM = Path(ml.sim.__file__).parent


def test_the_mesh_implements_every_hook():
    assert HOOKS == ("_drop", "_route", "_lose", "_crashed", "_cost")
    assert isinstance(ml.Mesh(), MeshHooks)
    for name in HOOKS:
        declared = inspect.signature(getattr(MeshHooks, name))
        implemented = inspect.signature(getattr(ml.Mesh, name))
        assert list(implemented.parameters)[1:] and len(implemented.parameters) == len(
            declared.parameters
        ), name


def test_the_compiled_core_calls_back_exactly_the_hooks():
    source = (SIM / "_core.c").read_text()
    block = source.split("/* HOOK_NAMES */")[1].split("/* END HOOK_NAMES */")[0]
    assert tuple(re.findall(r'"(\w+)"', block)) == HOOKS
    # every call into the mesh goes through one of those names
    called = set(re.findall(r"\(PyObject \*\)e, (s_\w+)", source))
    called |= set(re.findall(r"VectorcallMethod\((s_\w+)", source))
    assert called == {f"s{name}" for name in HOOKS}


def test_the_pure_core_calls_back_exactly_the_hooks():
    tree = ast.parse(inspect.getsource(_core_py.Engine))
    kernel = ast.parse(inspect.getsource(Kernel))
    own = set(vars(_core_py.Engine)) | set(vars(Kernel))
    used, assigned = set(), set()
    for node in [*ast.walk(tree), *ast.walk(kernel)]:
        if isinstance(node, ast.Attribute) and getattr(node.value, "id", None) == "self":
            (assigned if isinstance(node.ctx, ast.Store) else used).add(node.attr)
    # what the engine reaches on self that it neither defines nor stores: the mesh's hooks
    assert {a for a in used - own - assigned if a.startswith("_")} == set(HOOKS)


def test_down_states_are_defined_once():
    assert DOWN_STATES == ("down", "left")
    for path in [*SIM.glob("*.py"), SIM / "_core.c"]:
        if path.name == "hooks.py":
            continue
        text = path.read_text()
        assert '"down", "left"' not in text and "'down', 'left'" not in text, path.name
