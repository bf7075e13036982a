"""The subcommands of the ``declineabm`` command line, one module each.

Each module defines ``add_arguments(parser)`` and ``main(args) -> int``; :mod:`declineabm.cli`
lists them in ``COMMANDS``.
"""
