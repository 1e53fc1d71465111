"""Property-based tests of the workbench API from its OpenAPI schema (Schemathesis + Hypothesis).

Schemathesis generates valid and invalid requests for every route of the
schema (query strings, path ids, JSON bodies, with and without the token);
no answer may be a server error, valid answers must match the documented
response schema, and no request with a wrong token may change the store.  A
direct Hypothesis test throws arbitrary text at every event filter.  Examples
per operation: ``WATCHFLOOR_API_EXAMPLES`` (default 3; raise it for a longer hunt).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from watchfloor.serve import create_app
from watchfloor.settings import Settings
from watchfloor.store import Store
from workbench_data import fill_store

TOKEN = "property-token"
EXAMPLES = int(os.environ.get("WATCHFLOOR_API_EXAMPLES", "3"))


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The app over a store with the invented reports (shared by the module)."""
    db: Path = tmp_path_factory.mktemp("props") / "props.db"
    store = Store.open(f"sqlite:///{db}")
    fill_store(store)
    try:
        yield create_app(Settings(api_token=TOKEN), store=store)
    finally:
        store.close()


def _operations(app: FastAPI, *, reads: bool) -> list[Any]:
    """The API operations of the app's OpenAPI schema (GET ones, or the others)."""
    loaded = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in loaded.get_all_operations()]
    return [op for op in operations if (op.method.upper() == "GET") == reads]


def _audit_count(app: FastAPI) -> int:
    return len(TestClient(app).get("/api/audit", params={"limit": 500}).json()["items"])


def _fuzz(operation: Any, mode: GenerationMode, check: Callable[[Any], None]) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    def run(case: Any) -> None:
        check(case)

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (an operation without parameters or body)
        assert mode == GenerationMode.NEGATIVE


MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]


@pytest.mark.parametrize("mode", MODES, ids=["valid", "invalid"])
def test_reads_never_fail_with_a_server_error(app: FastAPI, mode: GenerationMode) -> None:
    operations = _operations(app, reads=True)
    assert len(operations) >= 14
    checks = (
        [not_a_server_error, response_schema_conformance] if mode == GenerationMode.POSITIVE else [not_a_server_error]
    )
    for operation in operations:
        _fuzz(operation, mode, lambda case: case.call_and_validate(checks=checks))


@pytest.mark.parametrize("mode", MODES, ids=["valid", "invalid"])
def test_writes_need_the_token_and_never_fail_with_a_server_error(app: FastAPI, mode: GenerationMode) -> None:
    """Each generated write: refused with a wrong token (store unchanged), then sent with the token: no 5xx."""
    refused = {403} if mode == GenerationMode.POSITIVE else {400, 403, 422}  # a malformed body or path may fail first
    good = {"Authorization": f"Bearer {TOKEN}"}

    def check(case: Any) -> None:
        before = _audit_count(app)
        response = case.call(headers={"X-API-Token": "wrong"})
        assert response.status_code in refused, response.text
        assert _audit_count(app) == before
        case.call_and_validate(headers=good, checks=[not_a_server_error])

    operations = _operations(app, reads=False)
    assert len(operations) == 7
    for operation in operations:
        _fuzz(operation, mode, check)


FILTERS = [
    "since",
    "until",
    "country",
    "admin1",
    "actor",
    "type",
    "certainty",
    "grade",
    "bbox",
    "q",
    "document",
    "cursor",
]


@given(params=st.dictionaries(st.sampled_from(FILTERS), st.text(max_size=40), max_size=4))
@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
def test_any_event_filter_text_is_a_2xx_or_4xx(app: FastAPI, params: dict[str, str]) -> None:
    client = TestClient(app)
    for route in ("/api/events", "/api/map", "/api/timeline", "/api/network"):
        response = client.get(route, params=params)
        assert response.status_code < 500, (route, params, response.text)
        if response.status_code >= 400:
            assert response.json()["detail"]
