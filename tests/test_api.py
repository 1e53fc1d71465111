"""The workbench API (``watchfloor.serve``) through FastAPI's TestClient.

Covers the read routes (every event filter, cursor pagination, details with
evidence spans, timeline / map / network aggregations), the write routes
(claim accept / reject / edit, actor and event merge / split, each audited
and revertible, conflicts refused), tokens (write and read), bad input
answered with 4xx and nothing changed, the UI's static files (vendored, no
external URLs, CSP header) and the ``serve`` CLI command.  The read and write
flows run on SQLite and, when a server answers, PostgreSQL.
"""

from __future__ import annotations

import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from watchfloor.serve import create_app
from watchfloor.serve.app import static_dir
from watchfloor.serve.schemas import MAX_PAGE_SIZE
from watchfloor.settings import Settings
from watchfloor.store import Store
from workbench_data import HOSTILE_SCRIPT, fill_store, invented_reports

TOKEN = "api-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "X-Analyst": "analyst one"}
PG_SERVER = os.environ.get("WATCHFLOOR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _pg_url() -> Iterator[str]:
    engine = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # no server: skip the PostgreSQL half, saying why
        engine.dispose()
        pytest.skip(f"no PostgreSQL server at {PG_SERVER}: {type(exc).__name__}")
    schema = f"wf_api_{uuid.uuid4().hex[:12]}"
    with engine.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_SERVER}?options=-csearch_path%3D{schema}"
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _filled_store(backend: str, folder: Path) -> Iterator[Store]:
    url_source: Iterator[str] = iter([f"sqlite:///{folder / 'api.db'}"]) if backend == "sqlite" else _pg_url()
    opened = Store.open(next(url_source))
    fill_store(opened)
    try:
        yield opened
    finally:
        opened.close()
        for _ in url_source:  # run the generator's cleanup
            pass


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A store holding the invented reports, on SQLite or a fresh PostgreSQL schema."""
    yield from _filled_store(request.param, tmp_path)


@pytest.fixture(scope="module", params=BACKENDS)
def frozen_client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A client over one store per backend shared by the bad-input tests (which must change nothing)."""
    for opened in _filled_store(request.param, tmp_path_factory.mktemp("frozen")):
        yield TestClient(create_app(Settings(api_token=TOKEN), store=opened))


@pytest.fixture
def client(store: Store) -> TestClient:
    """A TestClient on the app over ``store`` (both backends) with a write token configured."""
    return TestClient(create_app(Settings(api_token=TOKEN), store=store))


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """A SQLite store with the invented reports (for tests that do not depend on the dialect)."""
    yield from _filled_store("sqlite", tmp_path)


@pytest.fixture
def sqlite_client(sqlite_store: Store) -> TestClient:
    """A TestClient over ``sqlite_store`` with a write token configured."""
    return TestClient(create_app(Settings(api_token=TOKEN), store=sqlite_store))


def _ids(client: TestClient, **params: Any) -> list[int]:
    response = client.get("/api/events", params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def _event(client: TestClient, country: str) -> dict[str, Any]:
    (event_id,) = _ids(client, country=country) if country != "AF" else _ids(client, country="AF", type="bombing")
    response = client.get(f"/api/events/{event_id}")
    assert response.status_code == 200
    return dict(response.json())


# -- reads -------------------------------------------------------------------


def test_event_filters_select_the_matching_events(client: TestClient) -> None:
    every = _ids(client)
    assert len(every) == 4
    types = {e["type"]: e["id"] for e in client.get("/api/events").json()["items"]}
    assert set(_ids(client, country="af")) == {types["bombing"], types["armed_clash"]}
    assert _ids(client, admin1="Banaadir") == [types["armed_assault"]]
    assert _ids(client, type="abduction") == [types["abduction"]]
    assert _ids(client, certainty="alleged") == [types["armed_clash"]]
    assert _ids(client, since="2024-04-01", until="2024-06-30") == [types["armed_clash"], types["armed_assault"]]
    assert set(_ids(client, bbox="60,29,75,38")) == {types["bombing"], types["armed_clash"]}
    assert _ids(client, bbox="-10,10,10,20") == [types["abduction"]]
    assert _ids(client, q="hotel") == [types["armed_assault"]]
    assert _ids(client, q="zzzunknownword") == []
    # grade B or better: Reuters and Associated Press (cited or publishing); not Pajhwok-only or the blog
    assert set(_ids(client, grade="B")) == {types["bombing"], types["armed_assault"]}
    assert set(_ids(client, grade="F")) == set(every)
    detail = client.get(f"/api/events/{types['bombing']}").json()
    perpetrator = next(p["actor"] for p in detail["participants"] if p["role"] == "perpetrator")
    assert set(_ids(client, actor=perpetrator)) == {types["bombing"], types["armed_clash"]}
    assert _ids(client, document=detail["document"]) == [types["bombing"]]


def walk_ids(client: TestClient, route: str, *, order: str) -> list[int]:
    """The ids of every item of a list route, following its cursors one item per page."""
    seen: list[int] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 1, "order": order}
        if cursor:
            params["cursor"] = cursor
        page = client.get(route, params=params).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen


def test_cursor_pagination_walks_every_event_once(sqlite_client: TestClient) -> None:
    client = sqlite_client
    for order in ("id", "-id"):
        seen = walk_ids(client, "/api/events", order=order)
        assert seen == sorted(seen, reverse=order == "-id") and len(set(seen)) == 4
    for route in ("actors", "documents", "claims", "relations", "audit"):
        page = client.get(f"/api/{route}", params={"limit": 2}).json()
        assert len(page["items"]) <= 2


def test_event_detail_has_claims_whose_evidence_indexes_the_report(client: TestClient) -> None:
    event = _event(client, "SO")
    assert event["killed"] == {"value": 20, "qualifier": "at_least", "high": None}
    assert [p["name"] for p in event["participants"]] == ["al-Shabaab"]
    document = client.get(f"/api/documents/{event['document']}").json()
    assert len(event["claims"]) == 2
    for claim in event["claims"]:
        assert document["text"][claim["evidence_start"] : claim["evidence_end"]] == claim["evidence_text"]
        assert claim["grade"] == "B" and claim["sources"][0]["outlet"] == "Associated Press"
        assert claim["review"] is None
    assert {c["id"] for c in document["claims"]} >= {c["id"] for c in event["claims"]}


def test_actor_and_relation_details(sqlite_client: TestClient) -> None:
    client = sqlite_client
    actors = client.get("/api/actors", params={"q": "shabaab"}).json()["items"]
    assert [a["name"] for a in actors] == ["al-Shabaab"]
    detail = client.get(f"/api/actors/{actors[0]['id']}").json()
    assert detail["events"] == 1 and len(detail["relations"]) == 1
    relation = client.get(f"/api/relations/{detail['relations'][0]['id']}").json()
    assert relation["type"] == "affiliate_of" and relation["target_name"] == "al-Qaeda"
    assert relation["claims"][0]["evidence_text"] == "Al-Shabaab is an affiliate of al-Qaeda."
    assert {c["event"] for c in detail["claims"] if c["event"]} == {detail["recent_events"][0]["id"]}


def test_aggregations(client: TestClient) -> None:
    months = client.get("/api/timeline", params={"interval": "month"}).json()["buckets"]
    assert [(b["period"], b["type"], b["count"]) for b in months] == [
        ("2024-03-01", "bombing", 1),
        ("2024-04-01", "armed_clash", 1),
        ("2024-06-01", "armed_assault", 1),
        ("2024-08-01", "abduction", 1),
    ]
    weeks = client.get("/api/timeline", params={"interval": "week", "country": "AF"}).json()["buckets"]
    assert [b["period"] for b in weeks] == ["2024-02-26", "2024-04-15"]  # Mondays
    points = client.get("/api/map", params={"country": "AF"}).json()
    assert {p["name"] for p in points["points"]} == {"Kabul", "Jalalabad"} and points["total"] == 2
    network = client.get("/api/network").json()
    names = {n["name"] for n in network["nodes"]}
    assert {"al-Shabaab", "al-Qaeda", "Afghan police"} <= names
    kinds = {e["kind"] for e in network["edges"]}
    assert kinds == {"relation", "co_participation"}
    facets = client.get("/api/facets").json()
    assert facets["countries"] == ["AF", "ML", "SO"]


def test_date_windows_keep_every_event_overlapping_them(store: Store) -> None:
    """A window keeps long events that start well before it, and events with only an end date."""
    client = TestClient(create_app(Settings(api_token=TOKEN), store=store))
    types = {e["type"]: e["id"] for e in client.get("/api/events").json()["items"]}
    window = {"since": "2024-04-01", "until": "2024-06-30"}
    with store.engine.begin() as conn:  # the abduction (August) now lasts all of 2023 and 2024
        conn.execute(
            text("UPDATE events SET date_start = :start, date_end = :end WHERE id = :id"),
            {"start": "2023-01-01", "end": "2024-12-31", "id": types["abduction"]},
        )
    inside = {types["armed_clash"], types["armed_assault"], types["abduction"]}
    assert set(_ids(client, **window)) == inside
    assert _ids(client, since="2025-01-01") == []
    assert client.get("/api/map", params=window).json()["total"] == len(inside)
    with store.engine.begin() as conn:  # the bombing (March) now has an end date only
        conn.execute(
            text("UPDATE events SET date_start = NULL, date_end = :end WHERE id = :id"),
            {"end": "2024-05-01", "id": types["bombing"]},
        )
    assert set(_ids(client, since="2024-04-01")) == inside | {types["bombing"]}
    assert set(_ids(client, **window)) == inside  # no start date: not known to start before ``until``


def test_map_json_matches_its_model(client: TestClient) -> None:
    points = client.get("/api/map").json()
    assert points["truncated"] is False
    assert points["total"] == sum(p["count"] for p in points["points"]) == 4
    counts = [p["count"] for p in points["points"]]
    assert counts == sorted(counts, reverse=True)
    for point in points["points"]:
        assert set(point) == {"place", "name", "country", "admin1", "lat", "lon", "count"}
        assert isinstance(point["lat"], float) and isinstance(point["place"], int)


# -- writes ------------------------------------------------------------------


def test_claim_review_edit_audit_and_revert(client: TestClient) -> None:
    claim = _event(client, "SO")["claims"][0]
    cid = claim["id"]
    accepted = client.post(f"/api/claims/{cid}/review", json={"status": "accepted", "note": "checked"}, headers=AUTH)
    assert accepted.status_code == 200, accepted.text
    entry = accepted.json()["audit"]
    assert entry["who"] == "analyst one" and entry["action"] == "claim.accepted"
    assert entry["before"] == {"review": None} and entry["after"]["review"]["status"] == "accepted"
    edited = client.patch(f"/api/claims/{cid}", json={"certainty": "alleged", "values": {"killed": 18}}, headers=AUTH)
    assert edited.status_code == 200
    stored = client.get(f"/api/claims/{cid}").json()
    assert stored["certainty"] == "alleged" and stored["extracted_certainty"] == claim["certainty"]
    assert stored["values"] == {"killed": 18} and stored["extracted_values"] == claim["values"]
    assert stored["review"]["status"] == "accepted" and stored["review"]["edited"] is True
    assert client.get("/api/claims", params={"status": "accepted"}).json()["items"][0]["id"] == cid
    # the older entry cannot be reverted while the edit stands
    conflict = client.post(f"/api/audit/{entry['id']}/revert", headers=AUTH)
    assert conflict.status_code == 409 and "later" in conflict.json()["detail"]
    undo_edit = client.post(f"/api/audit/{edited.json()['audit']['id']}/revert", headers=AUTH)
    assert undo_edit.status_code == 200
    assert client.get(f"/api/claims/{cid}").json()["certainty"] == claim["certainty"]
    assert client.post(f"/api/audit/{entry['id']}/revert", headers=AUTH).status_code == 200
    assert client.get(f"/api/claims/{cid}").json()["review"] is None
    twice = client.post(f"/api/audit/{entry['id']}/revert", headers=AUTH)
    assert twice.status_code == 409
    log = client.get("/api/audit").json()["items"]
    assert [e["action"] for e in log] == [
        "revert.claim.accepted",
        "revert.claim.edit",
        "claim.edit",
        "claim.accepted",
    ]


def test_actor_merge_and_split_are_reversible(client: TestClient) -> None:
    shabaab = client.get("/api/actors", params={"q": "shabaab"}).json()["items"][0]
    iskp = client.get("/api/actors", params={"q": "khorasan"}).json()["items"][0]
    merged = client.post(f"/api/actors/{iskp['id']}/merge", json={"other": shabaab["id"]}, headers=AUTH)
    assert merged.status_code == 200, merged.text
    kept = client.get(f"/api/actors/{iskp['id']}").json()
    assert kept["events"] == 3 and "al-Shabaab" in kept["aliases"]
    assert client.get(f"/api/actors/{shabaab['id']}").status_code == 200  # history stays readable
    assert shabaab["id"] not in [a["id"] for a in client.get("/api/actors").json()["items"]]
    assert client.post(f"/api/audit/{merged.json()['audit']['id']}/revert", headers=AUTH).status_code == 200
    assert client.get(f"/api/actors/{iskp['id']}").json()["events"] == 2
    assert client.get(f"/api/actors/{shabaab['id']}").json()["events"] == 1
    # ISKP was joined by two documents: split the second one off, then revert the split
    live = [m for m in kept["merges"] if not m["undone"]]
    assert len(live) >= 2
    split = client.post(f"/api/actors/{iskp['id']}/split", json={"merge": live[1]["id"]}, headers=AUTH)
    assert split.status_code == 200, split.text
    fresh = split.json()["audit"]["after"]["new_actor"]
    assert client.get(f"/api/actors/{fresh}").json()["events"] == 1
    assert client.get(f"/api/actors/{iskp['id']}").json()["events"] == 1
    assert client.post(f"/api/audit/{split.json()['audit']['id']}/revert", headers=AUTH).status_code == 200
    assert client.get(f"/api/actors/{iskp['id']}").json()["events"] == 2
    only_one = client.post(f"/api/actors/{shabaab['id']}/split", json={"merge": 10**9}, headers=AUTH)
    assert only_one.status_code == 404


def test_event_merge_and_split_are_reversible(client: TestClient) -> None:
    kabul, jalalabad = _event(client, "AF"), client.get("/api/events", params={"type": "armed_clash"}).json()
    other = jalalabad["items"][0]["id"]
    merged = client.post(f"/api/events/{kabul['id']}/merge", json={"other": other}, headers=AUTH)
    assert merged.status_code == 200, merged.text
    assert other not in _ids(client)
    assert len(client.get(f"/api/events/{kabul['id']}").json()["claims"]) == 4
    assert client.get(f"/api/events/{other}").json()["merged_into"] == kabul["id"]
    assert client.post(f"/api/events/{other}/merge", json={"other": kabul["id"]}, headers=AUTH).status_code == 404
    assert client.post(f"/api/audit/{merged.json()['audit']['id']}/revert", headers=AUTH).status_code == 200
    assert other in _ids(client)
    assert len(client.get(f"/api/events/{kabul['id']}").json()["claims"]) == 2
    first = kabul["claims"][0]["id"]
    split = client.post(f"/api/events/{kabul['id']}/split", json={"claims": [first]}, headers=AUTH)
    assert split.status_code == 200, split.text
    new_id = split.json()["audit"]["after"]["new_event"]
    new_event = client.get(f"/api/events/{new_id}").json()
    assert [c["id"] for c in new_event["claims"]] == [first] and new_event["type"] == kabul["type"]
    everything = [c["id"] for c in client.get(f"/api/events/{new_id}").json()["claims"]]
    refused = client.post(f"/api/events/{new_id}/split", json={"claims": everything}, headers=AUTH)
    assert refused.status_code == 400 and "at least one claim" in refused.json()["detail"]
    assert client.post(f"/api/audit/{split.json()['audit']['id']}/revert", headers=AUTH).status_code == 200
    assert client.get(f"/api/events/{new_id}").status_code == 404
    assert len(client.get(f"/api/events/{kabul['id']}").json()["claims"]) == 2


# -- tokens and bad input -------------------------------------------------------


def test_tokens(sqlite_store: Store) -> None:
    store = sqlite_store
    closed = TestClient(create_app(Settings(api_token=None), store=store))
    refused = closed.post("/api/claims/1/review", json={"status": "accepted"})
    assert refused.status_code == 403 and "WATCHFLOOR_API_TOKEN" in refused.json()["detail"]
    client = TestClient(create_app(Settings(api_token=TOKEN), store=store))
    missing = client.post("/api/claims/1/review", json={"status": "accepted"})
    assert missing.status_code == 401 and "API token" in missing.json()["detail"]
    wrong = client.post("/api/claims/1/review", json={"status": "accepted"}, headers={"X-API-Token": "nope"})
    assert wrong.status_code == 403
    assert (
        client.post("/api/claims/1/review", json={"status": "accepted"}, headers={"X-API-Token": TOKEN}).status_code
        == 200
    )
    private = TestClient(create_app(Settings(api_token=TOKEN, read_token_required=True), store=store))
    assert private.get("/api/events").status_code == 401
    assert private.get("/api/events", headers=AUTH).status_code == 200
    assert private.get("/").status_code == 200  # the page itself loads; its API calls carry the token


BAD_READS = [
    ("/api/events", {"limit": MAX_PAGE_SIZE + 1}),
    ("/api/events", {"limit": 0}),
    ("/api/events", {"limit": "many"}),
    ("/api/events", {"since": "2024-13-45"}),
    ("/api/events", {"since": "2024-06-01", "until": "2024-01-01"}),
    ("/api/events", {"bbox": "1,2,3"}),
    ("/api/events", {"bbox": "0,95,10,96"}),
    ("/api/events", {"bbox": "a,b,c,d"}),
    ("/api/events", {"country": "Afghanistan!"}),
    ("/api/events", {"certainty": "certainly"}),
    ("/api/events", {"grade": "Z"}),
    ("/api/events", {"actor": -1}),
    ("/api/events", {"actor": 10**30}),
    ("/api/events", {"q": "bad\x00byte"}),
    ("/api/events", {"order": "date"}),
    ("/api/events", {"cursor": "not-a-cursor!"}),
    ("/api/events", {"cursor": "czoxMg"}),  # a string cursor where an id cursor is expected
    ("/api/timeline", {"interval": "day"}),
    ("/api/events/0", {}),
    ("/api/events/99999999999999999999", {}),
    ("/api/events/abc", {}),
    ("/api/events/424242", {}),
    ("/api/actors/424242", {}),
    ("/api/claims/424242", {}),
    ("/api/relations/424242", {}),
    ("/api/documents/nope", {}),
    ("/api/claims", {"status": "maybe"}),
]


@pytest.mark.parametrize(("path", "params"), BAD_READS)
def test_bad_reads_are_4xx_with_a_message(frozen_client: TestClient, path: str, params: dict[str, Any]) -> None:
    response = frozen_client.get(path, params=params)
    assert 400 <= response.status_code < 500, (path, params, response.status_code, response.text)
    assert response.json()["detail"]


BAD_WRITES = [
    ("post", "/api/claims/1/review", b"{not json", 422),
    ("post", "/api/claims/1/review", b'{"status": "approved"}', 422),
    ("post", "/api/claims/1/review", b'{"status": "accepted", "extra": 1}', 422),
    ("post", "/api/claims/1/review", b"[]", 422),
    ("post", "/api/claims/424242/review", b'{"status": "accepted"}', 404),
    ("patch", "/api/claims/1", b"{}", 400),
    ("patch", "/api/claims/1", b'{"certainty": "sure"}', 422),
    ("post", "/api/actors/1/merge", b'{"other": 1}', 400),
    ("post", "/api/actors/1/merge", b'{"other": 424242}', 404),
    ("post", "/api/actors/1/merge", b'{"other": "two"}', 422),
    ("post", "/api/actors/1/split", b'{"merge": 424242}', 404),
    ("post", "/api/events/1/merge", b'{"other": 1}', 400),
    ("post", "/api/events/1/split", b'{"claims": []}', 422),
    ("post", "/api/events/1/split", b'{"claims": [424242]}', 400),
    ("post", "/api/audit/424242/revert", b"", 404),
]


@pytest.mark.parametrize(("method", "path", "body", "expected"), BAD_WRITES)
def test_bad_writes_are_refused_and_change_nothing(
    frozen_client: TestClient, method: str, path: str, body: bytes, expected: int
) -> None:
    client = frozen_client
    headers = {**AUTH, "Content-Type": "application/json"}
    response = client.request(method.upper(), path, content=body, headers=headers)
    assert response.status_code == expected, response.text
    assert response.json()["detail"]
    assert client.get("/api/audit").json()["items"] == []
    assert client.get("/api/claims", params={"status": "accepted"}).json()["items"] == []
    assert len(_ids(client)) == 4


# -- UI files ----------------------------------------------------------------


def test_ui_is_served_offline_with_a_csp(sqlite_client: TestClient) -> None:
    client = sqlite_client
    index = client.get("/")
    assert index.status_code == 200 and "watchfloor workbench" in index.text
    assert "script-src 'self'" in index.headers["content-security-policy"]
    assert not re.search(r"(src|href)=\"(https?:)?//", index.text)
    for asset in re.findall(r"(?:src|href)=\"(/static/[^\"]+)\"", index.text):
        assert client.get(asset).status_code == 200, asset
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert client.get("/openapi.json").json()["paths"]["/api/events"]


def test_vendored_libraries_keep_their_licences_and_app_code_never_uses_inner_html() -> None:
    vendor = static_dir() / "vendor"
    for folder in ("leaflet", "cytoscape", "world-atlas", "swagger-ui"):
        assert (vendor / folder / "LICENSE").is_file(), folder
    total = sum(f.stat().st_size for f in (vendor / "world-atlas").iterdir())
    assert total < 10 * 1024 * 1024
    for script in (static_dir() / "app").glob("*.js"):
        source = script.read_text(encoding="utf-8")
        assert "innerHTML" not in source and "insertAdjacentHTML" not in source and "eval(" not in source, script
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", source), script


def test_hostile_text_comes_back_verbatim_as_json(sqlite_client: TestClient) -> None:
    client = sqlite_client
    hostile = invented_reports()[-1].document
    document = client.get(f"/api/documents/{hostile.id}")
    assert document.headers["content-type"].startswith("application/json")
    assert HOSTILE_SCRIPT in document.json()["text"]


def test_serve_command_builds_the_app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import typer
    import uvicorn
    from typer.testing import CliRunner

    from watchfloor.cli.serve import serve

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(app=app, **kwargs))
    app = typer.Typer()
    app.command()(serve)
    result = CliRunner().invoke(app, ["--db", str(tmp_path / "cli.db"), "--port", "8123", "--api-token", "x"])
    assert result.exit_code == 0, result.output
    assert seen["port"] == 8123 and seen["host"] == "127.0.0.1"
    assert seen["app"].state.settings.api_token == "x"


def test_serve_command_with_workers_hands_the_settings_to_each_process(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import typer
    import uvicorn
    from typer.testing import CliRunner

    from watchfloor.cli.serve import serve
    from watchfloor.serve.app import app_from_environment

    for name in ("WATCHFLOOR_DATABASE_URL", "WATCHFLOOR_API_TOKEN", "WATCHFLOOR_READ_TOKEN_REQUIRED"):
        monkeypatch.setenv(name, "")  # restored after the test: the command sets them for its workers
        monkeypatch.delenv(name)
    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kwargs: seen.update(app=app, **kwargs))
    app = typer.Typer()
    app.command()(serve)
    db_path = tmp_path / "workers.db"
    result = CliRunner().invoke(app, ["--db", str(db_path), "--workers", "2", "--api-token", "y"])
    assert result.exit_code == 0, result.output
    assert seen["app"] == "watchfloor.serve.app:app_from_environment"
    assert seen["factory"] is True and seen["workers"] == 2
    built = app_from_environment()  # what each worker process does
    assert built.state.settings.api_token == "y"
    assert built.state.settings.database_url == f"sqlite:///{db_path}"
    built.state.store.close()
