"""The ``watchfloor`` command line: a thin Typer layer over library functions.

Library errors (``watchfloor.errors``) become one-line messages on stderr and
the error's exit code; nothing here holds pipeline logic.
"""

from __future__ import annotations

import logging
import sys

import typer

from watchfloor.cli import commands
from watchfloor.errors import WatchfloorError

app = typer.Typer(
    name="watchfloor",
    help="Reports on armed groups and political violence -> a sourced, queryable knowledge base.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
commands.register(app)


@app.callback()
def _root(
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More logging (-v info, -vv debug)."),
) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def main() -> None:
    """Console entry point."""
    try:
        app()
    except WatchfloorError as exc:
        typer.echo(f"watchfloor: {exc}", err=True)
        sys.exit(exc.exit_code)
