"""``watchfloor serve``: the analyst workbench (API + web UI) with uvicorn."""

from __future__ import annotations

import logging

import typer

from watchfloor.cli.commands import DB_OPTION, make_settings

log = logging.getLogger(__name__)


def serve(
    db: str | None = DB_OPTION,
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on."),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="TCP port (0: any free port)."),
    api_token: str | None = typer.Option(
        None,
        "--api-token",
        envvar="WATCHFLOOR_API_TOKEN",
        help="Token for the write routes (default: none, read-only).",
    ),
    read_token_required: bool = typer.Option(
        False, "--read-token-required", help="Require the token on read routes too."
    ),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level."),
) -> None:
    """Serve the workbench: JSON API under /api, web UI at /, API docs at /docs."""
    import uvicorn

    from watchfloor.serve import create_app

    overrides: dict[str, object] = {}
    if api_token is not None:
        overrides["api_token"] = api_token
    if read_token_required:
        overrides["read_token_required"] = True
    settings = make_settings(db, **overrides)
    app = create_app(settings)
    if settings.api_token is None:
        log.warning("no API token configured: the write routes are disabled")
    typer.echo(f"watchfloor workbench on http://{host}:{port}/ (store {app.state.store.label})", err=True)
    uvicorn.run(app, host=host, port=port, log_level=log_level)
