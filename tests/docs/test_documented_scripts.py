"""The README's three commands are the project's own, and the benchmarks take the options it shows."""

from __future__ import annotations

import ast
import os
import shlex

from tests.docs.markdown import REPO, blocks

README = REPO / "README.md"


def readme_commands() -> list[tuple[int, list[str]]]:
    return [(line, shlex.split(text)) for block in blocks("sh", pages=[README]) for line, text in block.lines()]


def test_one_command_installs_one_runs_the_demo_one_runs_the_tests() -> None:
    first = blocks("sh", pages=[README])[0]
    assert [text.split()[0] for _, text in first.lines()] == [
        "./scripts/install",
        ".venv/bin/datapolis",
        "./scripts/test",
    ]
    for script in ("scripts/install", "scripts/test", ".ci/run"):
        assert os.access(REPO / script, os.X_OK), f"{script} is not executable"
    ci = (REPO / ".ci" / "run").read_text()
    assert "./scripts/install" in ci and "./scripts/test" in ci  # CI runs what the README says


def _argparse_options(path) -> set[str]:
    """The option strings given to `add_argument` in a script (read, not run: benchmarks are heavy)."""
    options = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "add_argument":
            options |= {
                arg.value for arg in node.args if isinstance(arg, ast.Constant) and str(arg.value).startswith("-")
            }
    return options


def test_the_benchmarks_the_readme_shows_exist_with_their_options() -> None:
    shown = [(line, tokens) for line, tokens in readme_commands() if tokens[:1] == [".venv/bin/python"]]
    assert len(shown) >= 5
    for line, tokens in shown:
        script = REPO / tokens[1]
        assert script.is_file(), f"README.md:{line}: {tokens[1]} does not exist"
        options = {token.strip("[]") for token in tokens[2:] if token.strip("[]").startswith("--")}
        assert options <= _argparse_options(script), f"README.md:{line}: {tokens[1]} has no option {options}"
