"""The documentation builds strictly (a broken link or reference fails the suite), its console
examples print what meshlab prints, and docs/cli.md names every command and option."""

import argparse
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from meshlab.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
CLI_MD = ROOT / "docs" / "cli.md"


def test_docs_build_strictly(tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )  # fmt: skip
    assert out.returncode == 0, out.stdout + out.stderr
    assert (tmp_path / "site" / "contract" / "index.html").exists()


def console_examples(path: Path) -> list[tuple[str, list[str]]]:
    """Each ``$ meshlab ...`` line of the file's ```console blocks with the lines shown after it
    (up to the next ``$`` line or the block's end). Only a block whose every command is a
    meshlab command that needs no file of its own is an example that runs here."""
    examples: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", path.read_text(), flags=re.S):
        lines = block.splitlines()
        if not all(ln.startswith("$ meshlab ") for ln in lines if ln.startswith("$")):
            continue
        for line in lines:
            if line.startswith("$ "):
                examples.append((line[2:], []))
            else:
                examples[-1][1].append(line)
    return examples


def _wall(text: str) -> str:
    """Wall-clock time is the one thing a run's summary does not repeat."""
    return re.sub(r"in \d+\.\d+s wall", "in …s wall", text)


CLI_EXAMPLES = console_examples(CLI_MD)


def test_cli_md_has_console_examples_to_check():
    commands = [command for command, _ in CLI_EXAMPLES]
    assert "meshlab run node-failure --seed 2" in commands
    assert "meshlab run ring --seed abc" in commands


@pytest.mark.parametrize(("command", "shown"), CLI_EXAMPLES, ids=[c for c, _ in CLI_EXAMPLES])
def test_cli_md_console_examples_print_what_they_show(command, shown, tmp_path):
    args = command.split()[1:]
    out = subprocess.run(
        [sys.executable, "-m", "meshlab", *args], cwd=tmp_path, capture_output=True, text=True,
        timeout=300, env={**os.environ, "COLUMNS": "80"},  # argparse wraps its usage to this
    )  # fmt: skip
    assert _wall(out.stdout + out.stderr).splitlines() == [_wall(line) for line in shown]


def _commands() -> dict[str, argparse.ArgumentParser]:
    """Every command and subcommand of the parser, as the words that name it."""
    found: dict[str, argparse.ArgumentParser] = {}

    def walk(prefix: str, parser: argparse.ArgumentParser) -> None:
        found[prefix] = parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(f"{prefix} {name}", sub)

    walk("meshlab", build_parser())
    return found


@pytest.mark.parametrize("name", sorted(_commands()))
def test_cli_md_names_every_command_option_and_choice(name):
    """A new subcommand, option or choice of the parser fails here until docs/cli.md has it, in
    a line that shows the command (its row of the table), not just anywhere in the page."""
    rows = [line for line in CLI_MD.read_text().splitlines() if f"`{name}" in line]
    assert rows, f"docs/cli.md does not show `{name} ...`"
    text = "\n".join(rows)
    missing = []
    for action in _commands()[name]._actions:
        if isinstance(action, argparse._SubParsersAction | argparse._HelpAction):
            continue
        for option in action.option_strings:
            if not re.search(rf"{re.escape(option)}(?![\w-])", text):
                missing.append(option)
        for choice in action.choices or ():
            if not re.search(rf"(?<![\w-]){re.escape(str(choice))}(?![\w-])", text):
                missing.append(f"{action.dest}={choice}")
    assert not missing, f"docs/cli.md does not mention {name}'s {', '.join(missing)}"


def test_install_md_lists_every_runtime_dependency():
    """docs/install.md's sentence names each package of pyproject's dependencies."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    text = (ROOT / "docs" / "install.md").read_text()
    listed = re.search(r"The runtime dependencies are (.*?)\.", text, flags=re.S)
    assert listed, "docs/install.md has no sentence listing the runtime dependencies"
    for dep in deps:
        name = re.match(r"[A-Za-z0-9_.-]+", dep)[0]
        assert re.search(rf"\b{re.escape(name)}\b", listed[1]), f"install.md lacks {name}"


def test_export_md_names_the_extra_that_brings_the_export_packages():
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]
    text = (ROOT / "docs" / "export.md").read_text()
    for package in ("perfetto", "opentelemetry-sdk", "opentelemetry-exporter-otlp-proto-http",
                    "opentelemetry-exporter-otlp-json-file"):  # fmt: skip
        [extra] = [e for e, deps in extras.items() if any(d.startswith(package) for d in deps)]
        assert f"`{package}`" in text and f"`{extra}` extra" in text
