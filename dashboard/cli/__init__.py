"""The command line, ``python -m dashboard …`` (``commands.py``): init, import, export, bilan, user,
coverage, referentiel, formats, info, bench, load."""

from dashboard.cli.commands import build_parser, main

__all__ = ["build_parser", "main"]
