"""The ``declineabm`` command line.

Bad input (an unknown key, a value out of range, a missing file, an unusable folder) ends with
one line on stderr that names the offending key or value, exit status 2, and nothing written.

Start-up is kept short: the subcommands' modules import only what their arguments need, and
the model, Mesa, pandas and matplotlib are imported when a command runs, so ``--help`` and a
refused input answer at once.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from declineabm import __version__
from declineabm.errors import InputError

COMMANDS = ("run", "sweep", "analyze", "validate", "attribute", "policy", "calibrate", "app")
"""Subcommands, each a module of :mod:`declineabm.commands`."""

EXIT_BAD_INPUT = 2
SEED_MAX = 2**63 - 1
"""Largest seed: seeds are stored as 64-bit signed integers (Parquet tables)."""


class UsageError(InputError):
    """A command was given arguments it cannot use; the message is one line."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (argparse prints the usage first)."""

    def error(self, message: str) -> NoReturn:
        """Print one line naming the argument and exit with status 2."""
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def seed(text: str) -> int:
    """An argparse type: a seed, a whole number from 0 to 2**63 - 1."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
    if not 0 <= value <= SEED_MAX:
        raise argparse.ArgumentTypeError(f"{value} must be from 0 to 2**63 - 1")
    return value


def count(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"'{text}' is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} must be from {low:,} to {high:,}")
        return value

    parse.__name__ = "whole number"
    return parse


def seconds(text: str) -> float:
    """An argparse type: a positive, finite number of seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"{text} must be a positive number of seconds")
    return value


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser with every subcommand, or with the subcommand ``only``.

    A command line that names its command is parsed by that command's subparser alone, so
    :func:`main` builds only that one (the others' modules are not imported); the full parser
    answers everything else (``--help``, ``--version``, an unknown command).
    """
    parser = Parser(
        prog="declineabm",
        description="An agent-based model of industrial-city decline (Northeast China).",
    )
    parser.add_argument("--version", action="version", version=f"declineabm {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS if only is None else (only,):
        module = importlib.import_module(f"declineabm.commands.{name.replace('-', '_')}")
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(handler=module.main)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``declineabm`` command."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv[0] if argv and argv[0] in COMMANDS else None)
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # a bad argument (one line printed), --help or --version
        return int(exc.code or 0) if not isinstance(exc.code, str) else EXIT_BAD_INPUT
    try:
        return int(args.handler(args) or 0)
    except InputError as exc:
        print(f"declineabm {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"declineabm {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
