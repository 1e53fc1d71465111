"""Which events an export takes: ``--since/--until``, ``--country``, ``--actor``, ``--type``.

``ExportFilter`` is the parsed form of those options.  ``--type`` accepts a
native type (``suicide_attack``) or a gold export type (``attack`` takes every
native type exported as ``attack``, ``attack`` itself included) or an ACLED ``event_type``
(``Battles``).  ``--actor`` accepts an actor id, a knowledge-base id or a
name or alias (matched on the normalised form, as actor identity does).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from watchfloor.errors import ConfigError
from watchfloor.store.repository import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ExportFilter:
    """Event filters of one export (all optional; events must pass every one given)."""

    since: dt.date | None = None
    until: dt.date | None = None
    country: str | None = None  # ISO 3166-1 alpha-2
    actor: str | None = None  # actor id, kb id, name or alias
    types: tuple[str, ...] = ()  # native type names (already expanded)
    actor_ids: tuple[int, ...] = field(default=())  # resolved from ``actor`` by ``resolve_actor``

    @property
    def is_empty(self) -> bool:
        return not (self.since or self.until or self.country or self.actor or self.types)

    def describe(self) -> str:
        """A stable one-line description (part of deterministic bundle ids)."""
        parts = [
            f"since={self.since.isoformat() if self.since else ''}",
            f"until={self.until.isoformat() if self.until else ''}",
            f"country={self.country or ''}",
            f"actor={self.actor or ''}",
            f"types={','.join(self.types)}",
        ]
        return ";".join(parts)


def parse_date(value: str | None, *, option: str) -> dt.date | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        if len(text) == 4:
            return dt.date(int(text), 1, 1)
        if len(text) == 7:
            return dt.date.fromisoformat(text + "-01")
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigError(f"{option} {value!r}: expected YYYY, YYYY-MM or YYYY-MM-DD") from None


def expand_types(value: str | None) -> tuple[str, ...]:
    """Native type names a ``--type`` value stands for (raises ``ConfigError`` when none)."""
    if value is None or not value.strip():
        return ()
    from watchfloor.extract.taxonomy import TAXONOMY

    wanted = value.strip()
    folded = wanted.casefold()
    names = tuple(
        name
        for name, t in TAXONOMY.items()
        if name == wanted or t.export_type == wanted or (t.acled_event_type or "").casefold() == folded
    )
    if not names:
        raise ConfigError(f"--type {value!r}: not a native, export or ACLED event type")
    return names


def make_filter(
    *,
    since: str | None = None,
    until: str | None = None,
    country: str | None = None,
    actor: str | None = None,
    type: str | None = None,
) -> ExportFilter:
    """Parse the CLI filter options (strings) into an ``ExportFilter``."""
    start = parse_date(since, option="--since")
    end = parse_date(until, option="--until")
    if until is not None and end is not None and len(until.strip()) < 10:
        end = _period_end(until.strip(), end)
    if start and end and start > end:
        raise ConfigError(f"--since {since} is after --until {until}")
    code = country.strip().upper() if country and country.strip() else None
    if code is not None and len(code) != 2:
        raise ConfigError(f"--country {country!r}: expected an ISO 3166-1 alpha-2 code such as AF")
    return ExportFilter(
        since=start, until=end, country=code, actor=actor.strip() if actor else None, types=expand_types(type)
    )


def _period_end(text: str, start: dt.date) -> dt.date:
    if len(text) == 4:
        return dt.date(start.year, 12, 31)
    nxt = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def resolve_actor(store: Store, flt: ExportFilter) -> ExportFilter:
    """The filter with ``actor`` resolved to global actor ids (``ConfigError`` when nothing matches)."""
    if flt.actor is None:
        return flt
    from watchfloor.resolve.actors import normalise_alias

    wanted = flt.actor
    norm = normalise_alias(wanted)
    ids: list[int] = []
    for actor in store.iter_actors():
        by_id = wanted.isdigit() and actor.id == int(wanted)
        by_kb = actor.kb_id is not None and actor.kb_id == wanted
        by_name = bool(norm) and any(normalise_alias(n) == norm for n in [actor.name, *actor.aliases])
        if by_id or by_kb or by_name:
            ids.append(actor.id)
    if not ids:
        raise ConfigError(f"--actor {wanted!r}: no such actor in the store")
    log.info("--actor %r -> actor ids %s", wanted, ids)
    return ExportFilter(
        since=flt.since, until=flt.until, country=flt.country, actor=flt.actor, types=flt.types, actor_ids=tuple(ids)
    )
