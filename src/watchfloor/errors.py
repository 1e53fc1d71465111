"""The few named exceptions the library raises.

The CLI turns each into a one-line message and an exit code
(see ``watchfloor.cli``).  Library code never prints.
"""

from __future__ import annotations


class WatchfloorError(Exception):
    """Base class of every error watchfloor raises on purpose."""

    exit_code = 1


class InputError(WatchfloorError):
    """One input (file, JSONL line, URL, feed item) cannot be read or cleaned."""

    exit_code = 2

    def __init__(self, source: str, problem: str) -> None:
        super().__init__(f"{source}: {problem}")
        self.source = source
        self.problem = problem

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str]]:
        return (type(self), (self.source, self.problem))


class ConfigError(WatchfloorError):
    """A setting, option or API parameter is invalid."""

    exit_code = 3


class KnowledgeBaseError(WatchfloorError):
    """A reference-data file (actor KB, gazetteer supplement) is malformed."""

    exit_code = 4

    def __init__(self, path: str, problem: str, *, line: int | None = None, field: str | None = None) -> None:
        where = path if line is None else f"{path}:{line}"
        if field:
            where = f"{where} [{field}]"
        super().__init__(f"{where}: {problem}")
        self.path = path
        self.line = line
        self.field = field
        self.problem = problem

    def __reduce__(self) -> tuple[object, ...]:
        return (_rebuild_kb_error, (self.path, self.problem, self.line, self.field))


def _rebuild_kb_error(path: str, problem: str, line: int | None, field: str | None) -> KnowledgeBaseError:
    return KnowledgeBaseError(path, problem, line=line, field=field)


class StoreError(WatchfloorError):
    """The store cannot be opened, is locked, or has a newer schema."""

    exit_code = 5


class NotFoundError(WatchfloorError):
    """A requested record does not exist."""

    exit_code = 6


class BenchmarkDataError(WatchfloorError):
    """Benchmark or gold data is missing or malformed."""

    exit_code = 7
