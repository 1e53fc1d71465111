"""``watchfloor actors``: browse the actor knowledge base (list, search, show)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

from watchfloor.errors import ConfigError, NotFoundError
from watchfloor.models import ActorKind
from watchfloor.resolve.kb import ActorKB, KBActor, load_actor_kb
from watchfloor.settings import Settings

app = typer.Typer(name="actors", help="Browse the actor knowledge base.", no_args_is_help=True)
console = Console()


def _kb() -> ActorKB:
    return load_actor_kb(extra_files=tuple(Settings().actor_kb_files))


def _table(actors: list[KBActor]) -> Table:
    table = Table("id", "name", "kind", "country", "region", "aliases")
    for actor in actors:
        aliases = ", ".join(actor.aliases[:4]) + (" …" if len(actor.aliases) > 4 else "")
        table.add_row(actor.id, actor.name, actor.kind.value, actor.country or "", actor.region or "", aliases)
    return table


@app.command("list")
def list_actors(
    kind: str | None = typer.Option(None, "--kind", help="Only this kind (armed_group, state, person, media, ...)."),
    region: str | None = typer.Option(None, "--region", help="Only this region (e.g. sahel, middle_east)."),
    limit: int = typer.Option(50, "--limit", min=1, help="At most this many rows."),
) -> None:
    """List KB actors, optionally filtered by kind and region."""
    if kind is not None and kind not in {k.value for k in ActorKind}:
        raise ConfigError(f"--kind {kind!r}: expected one of {', '.join(k.value for k in ActorKind)}")
    actors = [
        a for a in _kb()
        if (kind is None or a.kind.value == kind) and (region is None or a.region == region)
    ]
    actors.sort(key=lambda a: a.id)
    console.print(_table(actors[:limit]))
    console.print(f"{min(limit, len(actors))} of {len(actors)} actors")


@app.command("search")
def search(
    query: str = typer.Argument(..., help="A name, alias or acronym (fuzzy)."),
    limit: int = typer.Option(10, "--limit", min=1),
) -> None:
    """Find actors by (fuzzy) name or alias."""
    console.print(_table(_kb().search(query, limit)))


@app.command("show")
def show(actor_id: str = typer.Argument(..., metavar="ID", help="KB id, or any alias.")) -> None:
    """Show one actor: aliases and affiliations."""
    kb = _kb()
    actor = kb.get(actor_id) or kb.lookup(actor_id)
    if actor is None:
        raise NotFoundError(f"actor {actor_id!r} is not in the knowledge base (try `watchfloor actors search`)")
    console.print(f"[bold]{actor.name}[/bold]  ({actor.id})")
    console.print(f"kind: {actor.kind.value}   country: {actor.country or '-'}   region: {actor.region or '-'}")
    console.print(f"source: {actor.source}:{actor.line}")
    console.print("aliases: " + (", ".join(actor.aliases) or "-"), markup=False)
    affiliations = kb.affiliations_of(actor.id)
    if affiliations:
        table = Table("type", "target", "start", "end", "status")
        for aff, target in affiliations:
            table.add_row(aff.type, f"{target.name} ({target.id})", aff.start or "", aff.end or "", aff.status)
        console.print(table)
    incoming = [(a, aff) for a in kb for aff in a.affiliations if aff.target == actor.id]
    if incoming:
        table = Table("actor", "type", "start", "end", "status", title="linked to this actor")
        for other, aff in sorted(incoming, key=lambda p: p[0].id):
            table.add_row(f"{other.name} ({other.id})", aff.type, aff.start or "", aff.end or "", aff.status)
        console.print(table)
