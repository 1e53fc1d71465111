"""Typed readers for ``watchfloor-gold/1`` and ``watchfloor-json/1`` files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from watchfloor.errors import BenchmarkDataError


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow")


class Figure(_Loose):
    value: int | None = None
    qualifier: str | None = None


class Source(_Loose):
    outlet: str | None = None
    date: str | None = None


class Location(_Loose):
    name: str | None = None
    admin2: str | None = None
    admin1: str | None = None
    country: str | None = None


class Evidence(_Loose):
    document: str | None = None
    start: int | None = None
    end: int | None = None
    text: str | None = None


class _WithEvidence(_Loose):
    evidence: str | list[Evidence] | None = None

    def evidence_documents(self) -> set[str]:
        """Ids/files of the documents this record's evidence comes from."""
        if isinstance(self.evidence, list):
            return {e.document for e in self.evidence if e.document}
        return set()


class Actor(_Loose):
    id: str
    name: str
    kind: str | None = None
    aliases: list[str] = Field(default_factory=list)
    documents: list[str] = Field(default_factory=list)  # optional: where the actor was seen


class Event(_WithEvidence):
    id: str
    type: str
    subtype: str | None = None
    date: str | None = None
    date_precision: str | None = None
    location: Location = Field(default_factory=Location)
    actors: dict[str, list[str]] = Field(default_factory=dict)
    killed: Figure | None = None
    injured: Figure | None = None
    arrested: Figure | None = None
    count: Figure | None = None
    suicide: bool | None = None
    sources: list[Source] = Field(default_factory=list)


class Relation(_WithEvidence):
    id: str | None = None
    type: str
    source: str
    target: str
    status: str | None = None


class GoldDocumentMeta(_Loose):
    file: str
    title: str | None = None
    publisher: str | None = None
    published: str | None = None
    not_published: list[str] = Field(default_factory=list)
    boilerplate: list[str] = Field(default_factory=list)


class GoldFile(_Loose):
    document: GoldDocumentMeta
    actors: list[Actor] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)


class SystemDocument(_Loose):
    id: str
    file: str | None = None
    title: str | None = None
    published: str | None = None
    publisher: str | None = None
    text: str = ""


class SystemExport(_Loose):
    documents: list[SystemDocument] = Field(default_factory=list)
    actors: list[Actor] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    relations: list[Relation] = Field(default_factory=list)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BenchmarkDataError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    except json.JSONDecodeError as exc:
        raise BenchmarkDataError(f"{path}: malformed JSON at line {exc.lineno}: {exc.msg}") from exc


def load_gold(path: Path) -> list[GoldFile]:
    """Gold files from a ``watchfloor-gold/1`` file or a folder of them."""
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    if not files:
        raise BenchmarkDataError(f"{path}: no gold files (*.json) found")
    golds = []
    for file in files:
        try:
            golds.append(GoldFile.model_validate(_read_json(file)))
        except ValidationError as exc:
            raise BenchmarkDataError(f"{file}: not a watchfloor-gold/1 file: {exc.errors()[0]['msg']}") from exc
    return golds


def parse_export(data: Any, *, source: str = "export") -> SystemExport:
    try:
        return SystemExport.model_validate(data)
    except ValidationError as exc:
        raise BenchmarkDataError(f"{source}: not a watchfloor-json/1 export: {exc.errors()[0]['msg']}") from exc


def load_export(path: Path) -> SystemExport:
    return parse_export(_read_json(path), source=str(path))
