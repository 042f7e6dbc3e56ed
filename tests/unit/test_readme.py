"""The README's commands match the `pantau` parser: every command is documented, and every
`pantau <command>` the README's code blocks run exists (with its sub-command or action)."""

import argparse
import re

from pantau.cli import build_parser
from pantau.settings import PROJECT_DIR

README = (PROJECT_DIR / "README.md").read_text()
#: `pantau` in command position (start of a line, after a space, a path or a backtick), then words.
COMMAND = re.compile(r"(?:^|[\s/`(])pantau((?: [a-z][a-z-]*)+)", re.MULTILINE)


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(actions[0].choices) if actions else {}


def _second_words(parser: argparse.ArgumentParser) -> set[str] | None:
    """The words allowed after a command: its sub-commands or the choices of its first positional."""
    for action in parser._actions:
        if not action.option_strings and action.dest != "help":
            return set(action.choices) if action.choices else None
    return None


def _code_blocks() -> str:
    return "\n".join(re.findall(r"^```[^\n]*\n(.*?)^```", README, re.MULTILINE | re.DOTALL))


def test_every_command_and_sub_command_is_in_the_readme():
    commands = _commands(build_parser())
    assert {"settings", "stack", "produce", "ingest", "build", "sql", "serve", "demo",
            "eval"} <= set(commands)
    used = {tuple(words.split()[:2]) for words in COMMAND.findall(README)}
    missing = [name for name in commands if not any(first == name for first, *_ in used)]
    for name, parser in commands.items():
        missing += [f"{name} {sub}" for sub in _commands(parser) if (name, sub) not in used]
    assert not missing, f"commands of `pantau --help` the README never mentions: {missing}"


def test_every_command_the_readme_runs_exists():
    commands = _commands(build_parser())
    unknown = []
    for words in COMMAND.findall(_code_blocks()):
        first, *rest = words.split()
        if first not in commands:
            unknown.append(first)
            continue
        allowed = _second_words(commands[first])
        if rest and allowed is not None and rest[0] not in allowed:
            unknown.append(f"{first} {rest[0]}")
    assert not unknown, f"the README's code blocks run commands `pantau` does not have: {unknown}"
    assert len(COMMAND.findall(_code_blocks())) > 10
