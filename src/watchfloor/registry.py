"""Component registries with versioned names, as spaCy does.

>>> extractors = Registry("extractor")
>>> @extractors.register("rules.v1")
... def make_rules() -> object: ...

``extractors.get("rules.v1")`` returns the factory; unknown names raise
``ConfigError`` listing what is registered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from watchfloor.errors import ConfigError

F = TypeVar("F", bound=Callable[..., object])


class Registry(Generic[F]):
    """A named table of factories, keyed by versioned names like ``rules.v1``."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._items: dict[str, F] = {}

    def register(self, name: str) -> Callable[[F], F]:
        def decorator(func: F) -> F:
            if name in self._items and self._items[name] is not func:
                raise ConfigError(f"{self.kind} {name!r} is registered twice")
            self._items[name] = func
            return func

        return decorator

    def get(self, name: str) -> F:
        try:
            return self._items[name]
        except KeyError:
            known = ", ".join(sorted(self._items)) or "none"
            raise ConfigError(f"unknown {self.kind} {name!r} (registered: {known})") from None

    def names(self) -> list[str]:
        return sorted(self._items)
