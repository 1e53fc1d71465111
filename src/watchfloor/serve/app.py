"""The FastAPI application: JSON API under ``/api``, the web UI at ``/``, OpenAPI docs at ``/docs``.

Everything the browser loads comes from this process (``static/``, vendored
libraries in ``static/vendor/``): the workbench works offline.  Library
errors become 4xx answers with a one-line ``detail``; anything unexpected is
logged and answered with a plain 500.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

import anyio
import anyio.to_thread
from fastapi import FastAPI, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from watchfloor.errors import ConfigError, NotFoundError, StoreError, WatchfloorError
from watchfloor.serve import fused
from watchfloor.serve.queries import AggregateCache, GradeCache
from watchfloor.serve.review import ConflictError
from watchfloor.serve.routes import read, write
from watchfloor.settings import Settings
from watchfloor.store import Store

log = logging.getLogger(__name__)

#: Concurrent database-bound requests, and aggregations on their own threads: together at most
#: the store's pooled connections (``watchfloor.store.engine.POOL_SIZE``), so a busy moment queues instead of failing.
MAX_DB_THREADS = 11
MAX_AGGREGATE_THREADS = 3

#: The UI's Content-Security-Policy: scripts and data from this origin only.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)


def static_dir() -> Path:
    """The folder of the UI's files."""
    return Path(str(resources.files("watchfloor.serve").joinpath("static")))


def _status_of(exc: WatchfloorError) -> int:
    if isinstance(exc, NotFoundError):
        return status.HTTP_404_NOT_FOUND
    if isinstance(exc, ConflictError):
        return status.HTTP_409_CONFLICT
    if isinstance(exc, ConfigError):
        return status.HTTP_400_BAD_REQUEST
    if isinstance(exc, StoreError):
        return status.HTTP_503_SERVICE_UNAVAILABLE
    return status.HTTP_400_BAD_REQUEST


async def _watchfloor_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, WatchfloorError)
    return JSONResponse({"detail": str(exc)}, status_code=_status_of(exc))


async def _database_busy(request: Request, exc: Exception) -> Response:
    log.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
    return JSONResponse({"detail": "the database is busy; try again"}, status_code=503, headers={"Retry-After": "1"})


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": "internal error (logged on the server)"}, status_code=500)


async def _validation_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors()[:20]:
        where = ".".join(str(part) for part in error.get("loc", ()))
        problems.append(
            {
                "loc": list(error.get("loc", ())),
                "msg": f"{where}: {error.get('msg', 'invalid')}",
                "type": str(error.get("type", "value_error")),
            }
        )
    return JSONResponse({"detail": problems}, status_code=422)


class SecurityHeaders:
    """Adds nosniff, no-referrer and (except on ``/docs``) the UI's CSP to every HTTP answer.

    A plain ASGI middleware: Starlette's ``BaseHTTPMiddleware`` would run each
    request through an extra task and stream, a measurable cost on the hot list routes.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with_csp = not str(scope.get("path", "")).startswith("/docs")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if with_csp:
                    headers.setdefault("Content-Security-Policy", CSP)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def create_app(settings: Settings, *, store: Store | None = None) -> FastAPI:
    """The workbench app over ``store`` (opened from ``settings.database_url`` when not given)."""
    opened = store if store is not None else Store.open(settings.database_url, read_tuned=True)
    owns_store = store is None

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Sync routes run in anyio's thread pool and each holds one pooled connection: keep the threads
        # below the connection pool's size so busy moments queue here instead of timing out in the pool.
        anyio.to_thread.current_default_thread_limiter().total_tokens = MAX_DB_THREADS
        yield
        if owns_store:
            opened.close()

    app = FastAPI(
        title="watchfloor workbench API",
        version="1",
        description="Sourced events, actors, relations and claims; analyst review with an audit log.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.store = opened
    app.state.grades = GradeCache()
    app.state.aggregates = AggregateCache()
    app.state.aggregate_limiter = anyio.CapacityLimiter(MAX_AGGREGATE_THREADS)
    app.add_exception_handler(WatchfloorError, _watchfloor_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(PoolTimeout, _database_busy)
    app.add_exception_handler(OperationalError, _database_busy)
    app.add_exception_handler(Exception, _unexpected_error)
    app.include_router(read.router)
    app.include_router(fused.router)
    app.include_router(write.router)
    folder = static_dir()
    app.mount("/static", StaticFiles(directory=folder), name="static")

    app.add_middleware(SecurityHeaders)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(folder / "index.html", media_type="text/html")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="watchfloor API",
            swagger_js_url="/static/vendor/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/static/vendor/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/static/favicon.svg",
        )

    return app


def app_from_environment() -> FastAPI:
    """The app over the ``WATCHFLOOR_*`` settings (the factory of ``watchfloor serve --workers N``'s processes)."""
    return create_app(Settings())
