"""The analyst workbench: a FastAPI app (JSON API + offline web UI) over the store.

``create_app(settings)`` (in ``app``) builds it; ``watchfloor serve`` runs it
with uvicorn.  Read routes list and filter documents, actors, events,
relations and claims; write routes review claims and merge or split actors
and events, each recorded in a reversible audit log.
"""

from __future__ import annotations

from watchfloor.serve.app import create_app

__all__ = ["create_app"]
