"""API tokens: write routes need ``Settings.api_token``; reads need it too when ``read_token_required``.

The token comes as ``Authorization: Bearer <token>`` or ``X-API-Token``;
it is compared in constant time.  ``X-Analyst`` names who made a write (for
the audit log); it defaults to ``api``.
"""

from __future__ import annotations

import hmac
import logging
import re

from fastapi import Header, HTTPException, Request, status

from watchfloor.settings import Settings

log = logging.getLogger(__name__)

_ANALYST = re.compile(r"[^\w .@-]+", re.UNICODE)
MAX_ANALYST_LENGTH = 64


def _presented(authorization: str | None, api_token: str | None) -> str | None:
    if api_token:
        return api_token
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


def _check(settings: Settings, token: str | None, *, what: str) -> None:
    expected = settings.api_token
    if not expected:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, detail=f"{what} are disabled: no API token is configured (WATCHFLOOR_API_TOKEN)"
        )
    if token is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail=f"{what} need an API token (Authorization: Bearer <token> or X-API-Token)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not hmac.compare_digest(token.encode("utf-8", "replace"), expected.encode("utf-8")):
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail="the API token is wrong")


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def require_write(
    request: Request,
    authorization: str | None = Header(default=None, include_in_schema=False),
    x_api_token: str | None = Header(default=None, include_in_schema=False),
) -> None:
    """Dependency of the write routes."""
    _check(_settings(request), _presented(authorization, x_api_token), what="write routes")


async def require_read(
    request: Request,
    authorization: str | None = Header(default=None, include_in_schema=False),
    x_api_token: str | None = Header(default=None, include_in_schema=False),
) -> None:
    """Dependency of the read routes: open unless ``read_token_required``."""
    settings = _settings(request)
    if settings.read_token_required:
        _check(settings, _presented(authorization, x_api_token), what="read routes")


async def analyst(x_analyst: str | None = Header(default=None, description="who makes the change (audit log)")) -> str:
    """The analyst named by ``X-Analyst`` (sanitised), or ``api``."""
    if not x_analyst:
        return "api"
    cleaned = _ANALYST.sub("", x_analyst).strip()[:MAX_ANALYST_LENGTH]
    return cleaned or "api"
