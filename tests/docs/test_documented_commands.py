"""Every `datapolis` command the README and the docs show exists, with the options they give it.

The commands are read from the `sh` blocks and checked against the command tree of the CLI
itself (Typer's click commands): a renamed command or option breaks this test, not a reader.
"""

from __future__ import annotations

import shlex
from typing import Any

import pytest
import typer

from datapolis.cli import app
from tests.docs.markdown import Block, blocks

ROOT = typer.main.get_command(app)
PREFIXES = ("datapolis ", ".venv/bin/datapolis ")


def documented_commands() -> list[tuple[str, list[str]]]:
    """(where, tokens after `datapolis`) of each command line; alternatives (`a | b`) apart."""
    commands: list[tuple[str, list[str]]] = []
    for block in blocks("sh"):
        commands.extend(_commands_of(block))
    return commands


def _commands_of(block: Block) -> list[tuple[str, list[str]]]:
    found: list[tuple[str, list[str]]] = []
    for line, text in block.lines():
        where = f"{block.page.name}:{line}"
        if text.startswith("[") and found:  # the options of the previous line, wrapped
            found[-1][1].extend(shlex.split(text))
        elif text.startswith(PREFIXES):
            tokens = shlex.split(text.split(" ", 1)[1])
            for part in _alternatives(tokens):
                found.append((where, part))
    return found


def _alternatives(tokens: list[str]) -> list[list[str]]:
    """`user create X | user list` is two commands; `(--user U | --group G)` is one."""
    parts: list[list[str]] = [[]]
    for index, token in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ""
        if token == "|" and following in ROOT.commands:
            parts.append([])
        elif token in {">", "2>&1"}:
            break
        else:
            parts[-1].append(token)
    return parts


def is_group(command: Any) -> bool:
    return hasattr(command, "commands")  # Typer's click groups (Typer may bring its own click)


def resolve(tokens: list[str]) -> tuple[Any, list[str]]:
    """The command `tokens` name, and the tokens left for its arguments and options."""
    command = ROOT
    rest = list(tokens)
    while is_group(command) and rest and rest[0] in command.commands:
        command = command.commands[rest.pop(0)]
    return command, rest


def options_of(command: Any) -> set[str]:
    return {name for param in command.params for name in (*param.opts, *param.secondary_opts)}


def named_options(tokens: list[str]) -> list[str]:
    """The `--option` names among a command's tokens (`[--title T]`, `(--user U`, `--x=1`)."""
    names = []
    for token in tokens:
        name = token.strip("[]()").split("=", 1)[0]
        if name.startswith("--"):
            names.append(name)
    return names


COMMANDS = documented_commands()


def test_the_documentation_shows_the_commands() -> None:
    shown = {resolve(tokens)[0].name for _, tokens in COMMANDS}
    assert len(COMMANDS) >= 30
    assert {"import", "serve", "demo", "grant", "cleanup"} <= shown


@pytest.mark.parametrize(("where", "tokens"), COMMANDS, ids=[f"{w} {' '.join(t[:2])}" for w, t in COMMANDS])
def test_a_documented_command_exists_with_its_options(where: str, tokens: list[str]) -> None:
    command, rest = resolve(tokens)
    assert not is_group(command), f"{where}: `datapolis {' '.join(tokens)}` names no command"
    unknown = [name for name in named_options(rest) if name not in options_of(command)]
    assert unknown == [], f"{where}: `datapolis {command.name}` has no option {', '.join(unknown)}"
