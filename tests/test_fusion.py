"""Cross-document event fusion, repost marking and grading of fused events.

Covers (on synthetic extractions written straight to a SQLite store, so no
spaCy parse is needed): reports of one attack with different figures,
spellings and outlets fuse into one event; look-alikes (same group and town,
other days), far-apart places, other countries and events of one document
stay apart; no chaining through one similar member; figures reconcile into
low / best / high; Admiralty grades count reposts once; reposts are marked
with the earliest-published copy canonical; fusion is idempotent,
incremental and independent of ingest order; undoing a join records a
cannot-link that survives re-runs and rebuilds; the ``watchfloor merges``
sub-app; and (marked slow) the full pipeline on ``tests/data/fusion``
against its precision / recall targets.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from watchfloor.models import (
    ActorKind,
    ActorRecord,
    Certainty,
    Citation,
    Claim,
    DateMethod,
    Document,
    EventRecord,
    Extraction,
    Origin,
    PlaceRef,
    Precision,
    Qualifier,
    Quantity,
    Span,
    TimeValue,
)
from watchfloor.resolve.fusion import FusionConfig, compare, fuse, name_similarity
from watchfloor.store.fusion_repo import (
    fused_event_of,
    fusion_counts,
    get_fused_event,
    list_fused_events,
    list_fusion_merges,
    load_candidates,
    undo_member,
)
from watchfloor.store.repository import Store

REPO = Path(__file__).resolve().parents[1]
MAIDUGURI = PlaceRef(
    name="Maiduguri", admin2="Maiduguri", admin1="Borno", country="NG", lat=11.85, lon=13.16, precision=1
)
KONDUGA = PlaceRef(name="Konduga", admin2="Konduga", admin1="Borno", country="NG", lat=11.65, lon=13.42, precision=1)
KANO = PlaceRef(name="Kano", admin2="Kano", admin1="Kano", country="NG", lat=12.0, lon=8.52, precision=1)
DIFFA = PlaceRef(name="Diffa", admin2="Diffa", admin1="Diffa", country="NE", lat=13.32, lon=12.61, precision=1)


def report(
    doc_id: str,
    *,
    text: str | None = None,
    publisher: str = "Reuters",
    published: dt.date = dt.date(2024, 3, 10),
    day: dt.date | None = dt.date(2024, 3, 8),
    precision: Precision = Precision.DAY,
    place: PlaceRef | None = MAIDUGURI,
    place_text: str | None = None,
    group: str | None = "Boko Haram",
    killed: Quantity | None = None,
    event_type: str = "attack",
    certainty: Certainty = Certainty.REPORTED,
    cited: str | None = None,
    events: int = 1,
) -> Extraction:
    """A one-document extraction: ``events`` attacks (the later ones on later days) by ``group``."""
    body = text or f"{group or 'Gunmen'} attacked {place_text or (place.name if place else 'a town')} ({doc_id})."
    actors = []
    if group:
        actors.append(
            ActorRecord(
                local_id="a1", name=group, kind=ActorKind.ARMED_GROUP, aliases=[group], mentions=[Span(0, 3, body[:3])]
            )
        )
    records = []
    for number in range(events):
        when = None
        if day is not None:
            start = day + dt.timedelta(days=10 * number)
            end = start if precision is Precision.DAY else dt.date(start.year, start.month, 28)
            when = TimeValue(
                start.isoformat() if precision is Precision.DAY else start.isoformat()[:7], precision, start, end
            )
        claim = Claim(
            evidence=Span(0, len(body), body),
            sources=[Citation(outlet=cited)] if cited else [],
            certainty=certainty,
            extractor="test.v1",
        )
        records.append(
            EventRecord(
                local_id=f"e{number + 1}",
                type=event_type,
                date=when,
                location=place,
                place_text=place_text or (place.name if place else None),
                participants={"perpetrator": ["a1"]} if group else {},
                killed=killed,
                certainty=certainty,
                claims=[claim],
            )
        )
    document = Document(
        id=doc_id,
        file_name=f"{doc_id}.txt",
        source=f"/reports/{doc_id}.txt",
        origin=Origin.FILE,
        text=body,
        raw_sha256=doc_id.encode().hex().ljust(64, "0")[:64],
        publisher=publisher,
        published=published,
        published_method=DateMethod.METADATA,
    )
    return Extraction(document=document, mentions=[], actors=actors, events=records, extractor="test.v1")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty SQLite store file, made once and copied for each test."""
    path = tmp_path_factory.mktemp("template") / "kb.db"
    Store.open(f"sqlite:///{path}").close()
    return path


def fresh_url(template: Path, folder: Path, name: str = "kb") -> str:
    path = folder / f"{name}.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def store(template: Path, tmp_path: Path) -> Iterator[Store]:
    """An empty, migrated SQLite store in the test's temp folder (a copy of the template)."""
    with Store.open(fresh_url(template, tmp_path)) as opened:
        yield opened


def write(store: Store, *extractions: Extraction) -> None:
    for extraction in extractions:
        store.write_extraction(extraction)


def groups(store: Store) -> set[frozenset[str]]:
    """The partition of documents by fused event (documents of multi-event reports appear per event)."""
    return {frozenset(m.document for m in e.members) for e in list_fused_events(store)}


# -- pair comparison ---------------------------------------------------------------


def test_name_similarity_tolerates_spelling_variants() -> None:
    assert name_similarity("maiduguri", "maidugiri") >= 0.8
    assert name_similarity("maiduguri", "konduga") < 0.6


# -- fusing ------------------------------------------------------------------------


def test_reports_of_one_attack_fuse_with_figures_and_grade(store: Store) -> None:
    write(
        store,
        report("r1", publisher="Reuters", killed=Quantity(12, Qualifier.AT_LEAST)),
        report(
            "r2",
            publisher="Daily Trust",
            published=dt.date(2024, 3, 9),
            killed=Quantity(15),
            place=PlaceRef(name="Maidugiri"),
            place_text="Maidugiri",
            group="Boko Haram insurgents",
        ),
        report("r3", publisher="Premium Times", day=dt.date(2024, 3, 9), killed=Quantity(12)),
    )
    result = fuse(store)
    assert result.candidates == 3 and result.created == 1 and result.joined == 2
    [event] = list_fused_events(store, with_claims=True)
    assert sorted(event.documents) == ["r1", "r2", "r3"]
    assert event.killed is not None
    assert (event.killed.low, event.killed.best, event.killed.high) == (12, 12, 15)
    assert sorted(c.low for c in event.killed.claims) == [12, 12, 15]
    assert event.reliability == "B"  # Reuters is the best outlet
    assert event.credibility == 1 and event.independent_sources == 3
    assert event.date == "2024-03-08" and event.location is not None and event.location.name == "Maiduguri"
    assert len(event.claims) == 3 and {c.publisher for c in event.claims} == {"Reuters", "Daily Trust", "Premium Times"}
    joins = list_fusion_merges(store)
    assert len(joins) == 2 and all(j.score >= FusionConfig().threshold for j in joins)
    assert {"date", "place", "actors", "type"} <= set(joins[0].evidence)


def test_look_alikes_on_other_days_stay_apart(store: Store) -> None:
    write(store, report("r1"), report("r2", day=dt.date(2024, 3, 13), published=dt.date(2024, 3, 14)))
    fuse(store)
    assert groups(store) == {frozenset({"r1"}), frozenset({"r2"})}


def test_day_dates_one_apart_fuse_two_apart_never(store: Store) -> None:
    one, two, three = (report(f"d{n}", day=dt.date(2024, 3, 8) + dt.timedelta(days=n)) for n in (0, 1, 2))
    cfg = FusionConfig()
    write(store, one, two, three)
    with store.session() as session:
        a, b, c = sorted(load_candidates(session, [1, 2, 3]), key=lambda x: x.document_id)
    assert compare(a, b, config=cfg).compatible
    assert compare(a, c, config=cfg).veto == "date"


def test_no_chaining_through_a_middle_member(store: Store) -> None:
    write(store, *(report(f"d{n}", day=dt.date(2024, 3, 8) + dt.timedelta(days=n)) for n in (0, 1, 2)))
    fuse(store)
    partition = groups(store)
    assert frozenset({"d0", "d1"}) in partition and frozenset({"d2"}) in partition


def test_places_countries_and_same_document_keep_events_apart(store: Store) -> None:
    write(
        store,
        report("m", place=MAIDUGURI),
        report("k", place=KANO),  # > 100 km away
        report("n", place=DIFFA),  # another country
        report("two", place=KONDUGA, events=2, day=dt.date(2024, 3, 20)),  # events of one document
    )
    fuse(store)
    assert groups(store) == {frozenset({"m"}), frozenset({"k"}), frozenset({"n"}), frozenset({"two"})}
    assert len(list_fused_events(store)) == 5


def test_nearby_place_and_month_precision_fuse(store: Store) -> None:
    write(
        store,
        report("a", place=MAIDUGURI),
        report("b", place=PlaceRef(name="Maiduguri outskirts", admin1="Borno", country="NG", lat=11.9, lon=13.2)),
        report("c", day=dt.date(2024, 3, 1), precision=Precision.MONTH),
    )
    fuse(store)
    assert groups(store) == {frozenset({"a", "b", "c"})}


def test_different_type_families_never_fuse(store: Store) -> None:
    write(store, report("a"), report("b", event_type="arrest"))
    fuse(store)
    assert len(list_fused_events(store)) == 2


def test_best_figure_is_the_most_independently_reported(store: Store) -> None:
    text = "A long syndicated wire story about the market attack in Maiduguri where gunmen killed twenty people today."
    write(
        store,
        report("a", publisher="Reuters", killed=Quantity(12)),
        report("b", publisher="AFP", killed=Quantity(12)),
        report("c", publisher="Punch", killed=Quantity(10, Qualifier.AT_LEAST)),
        report("d", publisher="Blog One", killed=Quantity(20), text=text, published=dt.date(2024, 3, 9)),
        report("e", publisher="Blog Two", killed=Quantity(20), text=text + " ", published=dt.date(2024, 3, 11)),
        report("f", publisher="Blog Three", killed=Quantity(20), text=text + "  ", published=dt.date(2024, 3, 12)),
    )
    fuse(store)
    [event] = list_fused_events(store)
    assert event.killed is not None
    # three copies of one syndicated story count once: 12 (two outlets) beats 20 (one report reposted)
    assert (event.killed.low, event.killed.best, event.killed.high) == (10, 12, 20)
    assert event.independent_sources == 4


# -- reposts -------------------------------------------------------------------------


REPOST_TEXT = (
    "Gunmen on motorcycles attacked a village market near Djibo in northern Burkina Faso on Friday, killing at "
    "least 12 traders and wounding nine others, local officials said. No group has claimed the attack, but militants "
    "linked to al-Qaeda have been active in the area for several years, and residents said the attackers set fire "
    "to shops before fleeing towards the border with Mali."
)
DJIBO = PlaceRef(name="Djibo", admin1="Sahel", country="BF", lat=14.1, lon=-1.63, precision=1)


def test_reposts_marked_earliest_canonical_and_counted_once(store: Store) -> None:
    late = report(
        "copy",
        text="Home | News\n" + REPOST_TEXT + "\nShare this.",
        publisher="Aggregator Site",
        published=dt.date(2024, 3, 12),
        place=DJIBO,
        group=None,
        day=dt.date(2024, 3, 8),
    )
    original = report(
        "orig",
        text=REPOST_TEXT,
        publisher="Reuters",
        published=dt.date(2024, 3, 9),
        place=DJIBO,
        group=None,
        day=dt.date(2024, 3, 8),
    )
    write(store, late, original)  # the repost arrives first
    result = fuse(store)
    assert result.reposts_marked == 1
    docs = {d.id: d for d in store.list_documents()}
    assert docs["copy"].repost_of == "orig" and docs["orig"].repost_of is None
    assert docs["copy"].cluster_id == docs["orig"].cluster_id == "orig"
    [event] = list_fused_events(store)
    assert sorted(event.documents) == ["copy", "orig"]
    assert event.independent_sources == 1 and event.credibility == 3  # one report, not two sources
    assert any(m.repost_of == "orig" for m in event.members)


def test_different_reports_are_not_reposts(store: Store) -> None:
    write(
        store,
        report("a", text=REPOST_TEXT, place=DJIBO),
        report("b", text="Security forces arrested four suspects in Mombasa on Tuesday, police said.", place=None),
    )
    assert fuse(store).reposts_marked == 0
    assert all(d.repost_of is None for d in store.list_documents())


def test_many_copies_over_two_runs_form_one_group_with_one_canonical(store: Store) -> None:
    """Forty copies of one story, fused in two runs: one cluster, the earliest published canonical."""
    copies = [
        report(f"copy-{n:02d}", text=REPOST_TEXT, place=DJIBO, published=dt.date(2024, 3, 9) + dt.timedelta(days=n))
        for n in range(40)
    ]
    write(store, *copies[20:])
    assert fuse(store).reposts_marked == 19
    write(store, *copies[:20], report("other", text="Security forces arrested four suspects in Mombasa.", place=None))
    # every copy but the new canonical now reposts copy-00: 20 new ones, the old canonical and its 19 re-pointed
    assert fuse(store).reposts_marked == 39
    docs = {d.id: d for d in store.list_documents()}
    assert {d.cluster_id for i, d in docs.items() if i != "other"} == {"copy-00"}
    assert sum(d.repost_of == "copy-00" for d in docs.values()) == 39
    assert docs["other"].repost_of is None and docs["other"].cluster_id is None


def test_near_duplicate_groups_compare_a_band_group_by_group() -> None:
    """k identical signatures sharing every band join in about k comparisons per band, not k * k."""
    from watchfloor.store.fusion_repo import _NearDuplicateGroups

    signatures = {f"d{n:03d}": tuple(range(128)) for n in range(60)}
    signatures["odd"] = tuple(range(1000, 1128))
    groups = _NearDuplicateGroups(signatures)
    calls = 0
    similar = groups.similar

    def counting(a: str, b: str) -> bool:
        nonlocal calls
        calls += 1
        return similar(a, b)

    groups.similar = counting  # type: ignore[method-assign]
    members = sorted(signatures)
    for _band in range(32):
        groups.link_band(members, members)
    assert groups.touched == set(signatures) - {"odd"}
    assert calls <= 32 * 2 * len(members)


# -- determinism, increments, undo -------------------------------------------------------


def _reports() -> list[Extraction]:
    return [
        report("a", killed=Quantity(12)),
        report("b", publisher="AFP", killed=Quantity(14)),
        report("c", day=dt.date(2024, 3, 9), publisher="BBC"),
        report("d", day=dt.date(2024, 3, 20), place=KONDUGA),
        report("e", day=dt.date(2024, 3, 21), place=KONDUGA, publisher="AP"),
        report("f", day=dt.date(2024, 3, 20), place=KANO),
    ]


def test_fusion_is_idempotent_and_order_independent(template: Path, tmp_path: Path) -> None:
    partitions = []
    for name, order in (("forward", _reports()), ("backward", _reports()[::-1])):
        with Store.open(fresh_url(template, tmp_path, name)) as store:
            write(store, *order)
            fuse(store)
            again = fuse(store)
            assert again.candidates == 0 and again.documents_checked == 0
            before = groups(store)
            fuse(store, rebuild=True)
            assert groups(store) == before
            partitions.append(before)
    assert partitions[0] == partitions[1]
    assert partitions[0] == {frozenset("abc"), frozenset("de"), frozenset("f")}


def test_new_reports_join_existing_fused_events(store: Store) -> None:
    first = _reports()
    write(store, *first[:2])
    fuse(store)
    [event] = list_fused_events(store)
    write(store, first[2])
    result = fuse(store)
    assert result.joined == 1 and result.created == 0
    assert fused_event_of(store, 3) == event.id
    assert sorted(get_fused_event(store, event.id).documents) == ["a", "b", "c"]


def test_undo_splits_and_cannot_link_survives_reruns(store: Store) -> None:
    write(store, *_reports()[:3])
    fuse(store)
    join = next(m for m in list_fusion_merges(store) if m.document == "c")
    new_id = undo_member(store, join.id)
    assert get_fused_event(store, new_id).documents == ["c"]
    assert fusion_counts(store)["cannot_links"] == 2
    fuse(store)
    fuse(store, rebuild=True)
    assert frozenset({"c"}) in groups(store) and frozenset({"a", "b"}) in groups(store)


def test_undo_of_a_lone_event_is_refused(store: Store) -> None:
    from watchfloor.errors import ConfigError, NotFoundError

    write(store, report("a"))
    fuse(store)
    with pytest.raises(ConfigError):
        undo_member(store, 1)
    with pytest.raises(NotFoundError):
        undo_member(store, 99)


# -- CLI ---------------------------------------------------------------------------------


def test_merges_cli_list_show_undo(template: Path, tmp_path: Path) -> None:
    from watchfloor.cli.merges import merges_app

    url = fresh_url(template, tmp_path, "cli")
    with Store.open(url) as store:
        write(store, *_reports()[:3])
    runner = CliRunner()
    fused = runner.invoke(merges_app, ["fuse", "--db", url])
    assert fused.exit_code == 0 and "3 events placed" in fused.output
    listed = runner.invoke(merges_app, ["list", "--db", url])
    assert listed.exit_code == 0 and "2 joins" in listed.output
    shown = runner.invoke(merges_app, ["show", "1", "--db", url])
    assert shown.exit_code == 0 and "grade B1" in shown.output and "low 12 / best" in shown.output
    undone = runner.invoke(merges_app, ["undo", "2", "--db", url])
    assert undone.exit_code == 0 and "undone" in undone.output
    missing = runner.invoke(merges_app, ["show", "99", "--db", url])
    assert missing.exit_code != 0 and "not in" in str(missing.exception)


# -- the full pipeline on the fusion test set (slow) -------------------------------------------


@pytest.mark.slow
def test_fusion_set_precision_and_recall(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location("bench_fusion", REPO / "scripts" / "bench_fusion.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    sys.modules["bench_fusion"] = bench
    spec.loader.exec_module(bench)
    from watchfloor.pipeline import ingest
    from watchfloor.settings import Settings

    url = f"sqlite:///{tmp_path / 'set.db'}"
    with Store.open(url) as store:
        ingest([bench.DEFAULT_SET], settings=Settings(database_url=url), store=store)
    score, _wrong = bench.score_store(url, bench.gold_labels(bench.DEFAULT_SET))
    assert score.precision >= 0.95
    assert score.recall >= 0.90


@pytest.mark.slow
def test_pipeline_marks_a_repost_and_keeps_one_event(template: Path, tmp_path: Path) -> None:
    import json

    from watchfloor.pipeline import ingest
    from watchfloor.settings import Settings

    story = (
        "Suspected al-Shabaab militants attacked a police post in Mandera, Kenya, on Friday, killing at least seven "
        "officers, police said. The attackers fled towards the Somali border after a two-hour gun battle, and "
        "residents said a second post nearby was also fired on before reinforcements arrived in the evening."
    )
    batch = tmp_path / "batch.jsonl"
    lines = [
        {
            "title": "Copy",
            "published": "2024-05-13",
            "publisher": "Aggregator",
            "text": story + "\nRepublished with permission.",
        },
        {"title": "Attack", "published": "2024-05-11", "publisher": "Reuters", "text": story},
    ]
    batch.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    url = fresh_url(template, tmp_path, "pipe")
    with Store.open(url) as store:
        report = ingest([batch], settings=Settings(database_url=url), store=store)
        assert report.fusion is not None and report.fusion.reposts_marked == 1
        docs = {d.publisher: d for d in store.list_documents()}
        assert docs["Aggregator"].repost_of == docs["Reuters"].id  # earliest published is canonical
        events = list_fused_events(store)
        assert len(store.list_events()) >= 2
        assert len(events) == len(store.list_events()) // 2  # each event of the repost joined its original
        assert all(e.independent_sources == 1 for e in events)


def test_tied_figures_reconcile_to_their_median(store: Store) -> None:
    write(
        store,
        report("a", publisher="Blog A", killed=Quantity(2)),
        report("b", publisher="Blog B", killed=Quantity(11)),
        report("c", publisher="Blog C", killed=Quantity(9)),
    )
    fuse(store)
    [event] = list_fused_events(store)
    assert event.killed is not None
    assert (event.killed.low, event.killed.best, event.killed.high) == (2, 9, 11)
