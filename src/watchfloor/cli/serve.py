"""``watchfloor serve``: the analyst workbench (API + web UI) with uvicorn."""

from __future__ import annotations

import logging
import os

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
    workers: int = typer.Option(
        1,
        "--workers",
        min=1,
        max=64,
        help="Server processes (each with its own caches: an API write shows in the others' maps within 30 s).",
    ),
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
    if settings.api_token is None:
        log.warning("no API token configured: the write routes are disabled")
    if workers == 1:
        app = create_app(settings)
        typer.echo(f"watchfloor workbench on http://{host}:{port}/ (store {app.state.store.label})", err=True)
        uvicorn.run(app, host=host, port=port, log_level=log_level)
        return
    from watchfloor.store import Store

    with Store.open(settings.database_url) as store:  # migrate once here, not in each worker
        label = store.label
    # The worker processes build their app from the environment: hand the effective settings over there.
    os.environ["WATCHFLOOR_DATABASE_URL"] = settings.database_url
    os.environ["WATCHFLOOR_READ_TOKEN_REQUIRED"] = "true" if settings.read_token_required else "false"
    if settings.api_token is not None:
        os.environ["WATCHFLOOR_API_TOKEN"] = settings.api_token
    typer.echo(f"watchfloor workbench on http://{host}:{port}/ (store {label}, {workers} processes)", err=True)
    uvicorn.run(
        "watchfloor.serve.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
    )
