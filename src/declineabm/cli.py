"""The ``declineabm`` command line.

Bad input (an unknown key, a value out of range, a missing file) ends with one line on stderr
that names the offending key or value, exit status 2, and nothing written.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from declineabm import __version__
from declineabm.scenario import ScenarioError
from declineabm.sweep.errors import SweepError

COMMANDS = ("run", "sweep", "analyze", "validate", "attribute", "policy", "calibrate", "app")
"""Subcommands, each a module of :mod:`declineabm.commands`."""

EXIT_BAD_INPUT = 2


class UsageError(Exception):
    """A command was given arguments it cannot use; the message is one line."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="declineabm",
        description="An agent-based model of industrial-city decline (Northeast China).",
    )
    parser.add_argument("--version", action="version", version=f"declineabm {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"declineabm.commands.{name.replace('-', '_')}")
        command = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(command)
        command.set_defaults(handler=module.main)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``declineabm`` command."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (ScenarioError, SweepError, UsageError) as exc:
        print(f"declineabm {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(f"declineabm {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
