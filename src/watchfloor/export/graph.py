"""GraphML of actors and their relations (through networkx), for Gephi, Cytoscape, yEd.

Nodes are global actors: ``name``, ``kind``, ``country``, ``kb_id``,
``aliases`` (joined with ``; ``) and ``event_count`` (events it takes part
in, any role).  Edges are directed, one per (source, target, relation type,
status): ``type``, ``status``, ``evidence_count`` (claims stating it) and
``documents`` (documents stating it).  Actors and relations are held in
memory; events are only counted, in SQL.  With an event filter, only actors
taking part in a matching event (and relations between them) are written.
"""

from __future__ import annotations

import logging
from pathlib import Path

from watchfloor.export.common import ExportResult
from watchfloor.export.filters import ExportFilter
from watchfloor.export.stream import (
    actor_event_counts,
    actor_key,
    atomic_output,
    iter_export_events,
    load_actors,
    load_relations,
)
from watchfloor.store.repository import Store

log = logging.getLogger(__name__)


def build_graph(store: Store, *, flt: ExportFilter | None = None) -> object:
    """The actor network as a ``networkx.MultiDiGraph`` (node ids: stable actor keys)."""
    import networkx as nx

    flt = flt or ExportFilter()
    actors = load_actors(store)
    counts = actor_event_counts(store)
    wanted = set(actors)
    if not flt.is_empty:
        wanted = set()
        for ev in iter_export_events(store, flt):
            wanted.update(a for ids in ev.view.actors.values() for a in ids if a in actors)
    graph = nx.MultiDiGraph(name="watchfloor actors")
    for actor_id in sorted(wanted, key=lambda a: actor_key(actors[a])):
        actor = actors[actor_id]
        graph.add_node(
            actor_key(actor),
            name=actor.name,
            kind=actor.kind,
            country=actor.country or "",
            kb_id=actor.kb_id or "",
            aliases="; ".join(actor.aliases),
            event_count=counts.get(actor_id, 0),
        )
    edges: dict[tuple[str, str, str, str], tuple[int, set[str]]] = {}
    for relation in load_relations(store):
        if relation.source not in wanted or relation.target not in wanted:
            continue
        key = (
            actor_key(actors[relation.source]),
            actor_key(actors[relation.target]),
            relation.type,
            relation.status or "",
        )
        evidence, documents = edges.get(key, (0, set()))
        documents.add(relation.document)
        edges[key] = (evidence + len(relation.evidence), documents)
    for (source, target, kind, status), (evidence, documents) in sorted(edges.items()):
        graph.add_edge(
            source,
            target,
            key=f"{kind}|{status}",
            type=kind,
            status=status,
            evidence_count=evidence,
            documents=len(documents),
        )
    return graph


def write_graphml(store: Store, path: Path, *, flt: ExportFilter | None = None) -> ExportResult:
    """Write the actor network as GraphML."""
    import networkx as nx

    graph = build_graph(store, flt=flt)
    assert isinstance(graph, nx.MultiDiGraph)
    result = ExportResult(format="graphml", path=str(path), records=graph.number_of_nodes())
    with atomic_output(path) as out:
        for line in nx.generate_graphml(graph, encoding="utf-8", prettyprint=True):
            out.write(line + "\n")
    log.info("wrote %s: %d actors, %d relations", path, graph.number_of_nodes(), graph.number_of_edges())
    return result
