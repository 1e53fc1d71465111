"""The fused-event routes of the workbench API (``/api/fused-events``) and the event detail's ``fused_event``:
filters and cursor pagination, the detail with members, their claims, sources, grades and certainty side by
side, 404 / 4xx answers; on SQLite and, when a server answers, PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fused_samples import HOSTILE_PUBLISHER, HOSTILE_SCRIPT, fill_fused
from test_api import _pg_url, walk_ids
from watchfloor.serve import create_app
from watchfloor.settings import Settings
from watchfloor.store import Store

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(scope="module", params=BACKENDS)
def client(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A client over the invented fused reports (read only)."""
    folder = tmp_path_factory.mktemp("fused_api")
    urls: Iterator[str] = iter([f"sqlite:///{folder / 'api.db'}"]) if request.param == "sqlite" else _pg_url()
    url = next(urls)
    store = Store.open(url)
    fill_fused(store)
    try:
        with TestClient(create_app(Settings(database_url=url), store=store)) as test_client:
            yield test_client
    finally:
        store.close()
        for _ in urls:  # the PostgreSQL helper's cleanup
            pass


def _items(client: TestClient, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/api/fused-events", params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _attack(client: TestClient) -> dict[str, Any]:
    [item] = _items(client, min_reports=2)
    response = client.get(f"/api/fused-events/{item['id']}")
    assert response.status_code == 200, response.text
    detail: dict[str, Any] = response.json()
    return detail


def test_list_filters(client: TestClient) -> None:
    everything = _items(client)
    assert [(e["date"], e["reports"], e["grade"]) for e in everything] == [
        ("2024-03-08", 3, "B1"),
        ("2024-03-20", 1, "C3"),
        ("2024-04-02", 1, "C3"),
    ]
    attack = everything[0]
    assert (attack["killed"]["low"], attack["killed"]["best"], attack["killed"]["high"]) == (12, 12, 15)
    assert attack["place"] == "Maiduguri" and attack["country"] == "NG"
    assert [e["date"] for e in _items(client, min_reports=2)] == ["2024-03-08"]
    assert [e["date"] for e in _items(client, grade="B")] == ["2024-03-08"]
    assert [e["date"] for e in _items(client, grade="C")] == ["2024-03-08", "2024-03-20", "2024-04-02"]
    assert [e["date"] for e in _items(client, credibility=2)] == ["2024-03-08"]
    assert [e["date"] for e in _items(client, since="2024-03-15")] == ["2024-03-20", "2024-04-02"]
    assert [e["date"] for e in _items(client, until="2024-03-10", country="ng")] == ["2024-03-08"]
    assert [e["date"] for e in _items(client, type="arrest")] == ["2024-04-02"]
    assert _items(client, country="AF") == []
    boko = next(a for a in _attack(client)["actors"] if a["name"] == "Boko Haram")
    assert [e["date"] for e in _items(client, actor=boko["actor"])] == ["2024-03-08", "2024-03-20"]


def test_cursor_pagination_both_ways(client: TestClient) -> None:
    for order in ("id", "-id"):
        seen = walk_ids(client, "/api/fused-events", order=order)
        assert seen == sorted(seen, reverse=order == "-id") and len(seen) == 3


def test_detail_members_claims_sources_side_by_side(client: TestClient) -> None:
    detail = _attack(client)
    assert (detail["grade"], detail["reliability"], detail["credibility"], detail["independent_sources"]) == (
        "B1",
        "B",
        1,
        3,
    )
    claims = {(c["document"], c["low"], c["outlet"]) for c in detail["killed"]["claims"]}
    assert claims == {("r-wire", 12, "Reuters"), ("r-daily", 15, "Daily Trust"), ("r-blog", 12, HOSTILE_PUBLISHER)}
    members = detail["members"]
    assert [m["publisher"] for m in members] == ["Reuters", "Daily Trust", HOSTILE_PUBLISHER]  # earliest first
    wire, daily, blog = members
    assert (wire["certainty"], wire["killed"], wire["grade"]) == (
        "asserted",
        {"value": 12, "qualifier": "at_least", "high": None},
        "B",
    )
    assert (daily["certainty"], daily["killed"]["value"], daily["injured"]) == ("reported", 15, None)
    assert {m["reason"] for m in members} <= {"seed", "fused"} and sum(m["reason"] == "seed" for m in members) == 1
    assert all(m["reason"] == "seed" or m["score"] > 0 for m in members)
    for member in members:
        [claim] = member["claims"]
        assert claim["event"] == member["event"] and claim["document"] == member["document"]
        assert claim["evidence_text"] and claim["evidence_end"] > claim["evidence_start"]
    assert [(s["outlet"], s["grade"]) for s in wire["claims"][0]["sources"]] == [("Reuters", "B")]
    assert HOSTILE_SCRIPT in blog["claims"][0]["evidence_text"]  # stored and served as text
    assert [(a["name"], a["role"]) for a in detail["actors"]] == [("Boko Haram", "perpetrator")]


def test_event_detail_names_its_fused_event(client: TestClient) -> None:
    detail = _attack(client)
    for member in detail["members"]:
        event = client.get(f"/api/events/{member['event']}").json()
        assert event["fused_event"] == detail["id"]


def test_bad_input_and_missing(client: TestClient) -> None:
    assert client.get("/api/fused-events/999999").status_code == 404
    assert client.get("/api/fused-events/0").status_code == 422
    assert client.get("/api/fused-events", params={"cursor": "not-a-cursor"}).status_code == 400
    assert client.get("/api/fused-events", params={"since": "2024-05-01", "until": "2024-01-01"}).status_code == 422
    assert client.get("/api/fused-events", params={"grade": "Z"}).status_code == 422
    assert client.get("/api/fused-events", params={"credibility": 7}).status_code == 422
    assert client.get("/api/fused-events", params={"limit": 10_000}).status_code == 422


def test_unfused_store_has_no_fused_events(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'raw.db'}"
    with Store.open(url) as store:
        fill_fused(store, fuse=False)
        with TestClient(create_app(Settings(database_url=url), store=store)) as raw:
            assert raw.get("/api/fused-events").json()["items"] == []
            event = raw.get("/api/events").json()["items"][0]
            assert raw.get(f"/api/events/{event['id']}").json()["fused_event"] is None
