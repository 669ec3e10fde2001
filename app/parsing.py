"""argparse helpers shared by the command modules."""

from __future__ import annotations

import argparse


class Parser(argparse.ArgumentParser):
    """argparse that prints one usage line and the error, exit 2 (no wall of usage)."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n(see '{self.prog} --help')\n")


def command_group(sub: argparse._SubParsersAction, name: str, help_text: str
                  ) -> argparse._SubParsersAction:
    """The sub-commands of a group such as ``train`` (``ambisketch train codec``), created on
    first use so that several command modules can add to one group."""
    groups: dict[str, argparse._SubParsersAction] = sub.__dict__.setdefault("_groups", {})
    if name not in groups:
        parser = sub.add_parser(name, help=help_text, description=help_text)
        parser.set_defaults(_parser=parser)
        groups[name] = parser.add_subparsers(dest=f"{name}_command", metavar="WHAT",
                                             parser_class=Parser)
    return groups[name]
