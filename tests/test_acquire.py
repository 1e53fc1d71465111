"""Tests of the acquire stage: expanding files, folders and glob patterns into RawInput records, JSONL
records and their hints, the folder documentation files (README/LICENSE/CHANGELOG) skipped in folder walks,
and the InputError yielded (not raised) for each bad input: missing path, empty, binary, oversize, unreadable
and unsupported files, malformed JSONL lines and records without a body."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from watchfloor.acquire import SUPPORTED_SUFFIXES, is_folder_doc, iter_inputs
from watchfloor.clean import clean
from watchfloor.errors import InputError
from watchfloor.models import Origin, RawInput
from watchfloor.settings import Settings

TEXT = "Gunmen attacked a checkpoint on Sunday, killing four officers, officials said.\n"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A folder tree with text, Markdown, HTML (upper-case suffix), JSONL and an unsupported Word file."""
    root = tmp_path / "corpus"
    (root / "sub").mkdir(parents=True)
    (root / "b.txt").write_text(TEXT, encoding="utf-8")
    (root / "a.md").write_text("# Title here\n\n" + TEXT, encoding="utf-8")
    (root / "sub" / "c.HTML").write_text(f"<html><body><p>{TEXT}</p></body></html>", encoding="utf-8")
    (root / "sub" / "skip.docx").write_bytes(b"PK\x03\x04 junk")
    (root / ".hidden.txt").write_text(TEXT, encoding="utf-8")
    lines = [
        json.dumps({"text": TEXT, "url": "http://e.x/1", "title": "One", "published": "2020-01-02", "publisher": "W"}),
        "{not json",
        "",
        json.dumps({"html": f"<html><body><p>{TEXT}</p></body></html>"}),
        json.dumps({"url": "http://e.x/3"}),
        json.dumps(["a", "list"]),
    ]
    (root / "sub" / "feed.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def _split(items: list[RawInput | InputError]) -> tuple[list[RawInput], list[InputError]]:
    good = [i for i in items if isinstance(i, RawInput)]
    bad = [i for i in items if isinstance(i, InputError)]
    return good, bad


def test_supported_suffixes() -> None:
    assert {".txt", ".text", ".md", ".html", ".htm", ".jsonl", ".pdf", ".xml", ".rss", ".atom"} == set(
        SUPPORTED_SUFFIXES
    )


def test_folder_is_walked_recursively_sorted_and_skips_other_suffixes(corpus: Path, settings: Settings) -> None:
    good, bad = _split(list(iter_inputs([corpus], settings=settings)))
    names = [g.file_name for g in good]
    assert names == ["a.md", "b.txt", "c.HTML", "feed.jsonl#1", "feed.jsonl#4"]
    media = {g.file_name: g.media_type for g in good}
    assert media["a.md"] == "text/markdown" and media["c.HTML"] == "text/html" and media["feed.jsonl#4"] == "text/html"
    assert sorted(e.source for e in bad) == [f"{corpus / 'sub' / 'feed.jsonl'}:{n}" for n in (2, 5, 6)]
    assert all("skip.docx" not in e.source for e in bad)
    again, _ = _split(list(iter_inputs([corpus], settings=settings)))
    assert [g.source for g in again] == [g.source for g in good]  # deterministic


def test_jsonl_records_carry_hints(corpus: Path, settings: Settings) -> None:
    items = list(iter_inputs([corpus / "sub" / "feed.jsonl"], settings=settings))
    first = items[0]
    assert isinstance(first, RawInput)
    assert first.origin is Origin.JSONL and first.source.endswith("feed.jsonl:1")
    assert (first.url, first.title, first.published, first.publisher) == ("http://e.x/1", "One", "2020-01-02", "W")
    assert first.data == TEXT.encode()
    bad = [i for i in items if isinstance(i, InputError)]
    assert "malformed JSON" in bad[0].problem
    assert "text" in bad[1].problem and "html" in bad[1].problem
    doc = clean(first)
    assert doc.title == "One" and str(doc.published) == "2020-01-02"


def test_glob_pattern_and_duplicates(corpus: Path, settings: Settings) -> None:
    items = list(iter_inputs([str(corpus / "**" / "*.txt"), corpus / "b.txt"], settings=settings))
    good, bad = _split(items)
    assert [g.file_name for g in good] == ["b.txt"] and not bad
    (none,) = list(iter_inputs([str(corpus / "*.nothing")], settings=settings))
    assert isinstance(none, InputError) and "pattern" in none.problem


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("README.md", True),
        ("readme.txt", True),
        ("README.fr.md", True),
        ("LICENSE", True),
        ("Licence.txt", True),
        ("LICENSE-MIT.md", True),
        ("CHANGELOG.md", True),
        ("changelog_2024.txt", True),
        ("licensed_arms_dealers.txt", False),
        ("readmeeting_notes.txt", False),
        ("report_readme.txt", False),
    ],
)
def test_is_folder_doc(name: str, expected: bool) -> None:
    assert is_folder_doc(Path(name)) is expected


def test_folder_walk_skips_readme_license_changelog(
    tmp_path: Path, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    for name in ("README.md", "LICENSE.txt", "sub/CHANGELOG.md", "sub/readme.html", "report.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(TEXT, encoding="utf-8")
    with caplog.at_level(logging.DEBUG, logger="watchfloor.acquire"):
        good, bad = _split(list(iter_inputs([tmp_path], settings=settings)))
    assert [g.file_name for g in good] == ["report.txt"] and not bad
    assert sum("documents the folder" in r.getMessage() for r in caplog.records) == 4
    named, _ = _split(list(iter_inputs([tmp_path / "README.md"], settings=settings)))
    assert [g.file_name for g in named] == ["README.md"]


def test_missing_path(tmp_path: Path, settings: Settings) -> None:
    (err,) = list(iter_inputs([tmp_path / "nope.txt"], settings=settings))
    assert isinstance(err, InputError) and err.source.endswith("nope.txt") and "no such" in err.problem


def test_named_unsupported_file(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "report.docx"
    path.write_bytes(b"PK\x03\x04")
    (err,) = list(iter_inputs([path], settings=settings))
    assert isinstance(err, InputError) and "unsupported" in err.problem


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", "empty"),
        (b"   \n\n  ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
    ],
)
def test_empty_and_binary_files(tmp_path: Path, settings: Settings, content: bytes, problem: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    (err,) = list(iter_inputs([path], settings=settings))
    assert isinstance(err, InputError) and problem in err.problem and err.source == str(path)


def test_oversize_file_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "big.txt"
    path.write_text(TEXT * 10, encoding="utf-8")
    small = Settings(max_input_bytes=100)

    def no_open(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("oversize file must not be opened")

    monkeypatch.setattr(Path, "open", no_open)
    (err,) = list(iter_inputs([path], settings=small))
    assert isinstance(err, InputError) and "over the limit" in err.problem


def test_legacy_encoded_files_are_acquired_and_cleaned(tmp_path: Path, settings: Settings) -> None:
    (tmp_path / "cp.txt").write_bytes("The \u201cgroup\u201d said \u2014 again \u2014 it acted.".encode("cp1252"))
    latin = "Le caf\u00e9 a \u00e9t\u00e9 d\u00e9truit par les combattants."
    (tmp_path / "l1.txt").write_bytes(latin.encode("latin-1"))
    good, bad = _split(list(iter_inputs([tmp_path], settings=settings)))
    assert not bad
    texts = [clean(g).text for g in good]
    assert texts == ["The \u201cgroup\u201d said \u2014 again \u2014 it acted.", latin]


def test_unreadable_file_in_folder(tmp_path: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "ok.txt").write_text(TEXT, encoding="utf-8")
    locked = tmp_path / "locked.txt"
    locked.write_text(TEXT, encoding="utf-8")
    locked.chmod(0)
    real_open: Any = Path.open

    def guarded_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded_open)  # root ignores chmod 000
    try:
        good, bad = _split(list(iter_inputs([tmp_path], settings=settings)))
    finally:
        locked.chmod(0o644)
    assert [g.file_name for g in good] == ["ok.txt"]
    assert len(bad) == 1 and bad[0].source == str(locked) and "permission denied" in bad[0].problem


def test_jsonl_not_utf8(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"text": "caf\xe9"}\n')
    (err,) = list(iter_inputs([path], settings=settings))
    assert isinstance(err, InputError) and "UTF-8" in err.problem


def test_lone_path_string_is_accepted(corpus: Path, settings: Settings) -> None:
    items = list(iter_inputs(str(corpus / "b.txt"), settings=settings))
    assert [i.file_name for i in items if isinstance(i, RawInput)] == ["b.txt"]


def test_seed_folder_end_to_end(settings: Settings) -> None:
    seeds = settings.seeds_dir
    if not seeds.is_dir():
        pytest.skip(f"no seed folder at {seeds}")
    good, bad = _split(list(iter_inputs([seeds], settings=settings)))
    assert not bad and len(good) >= 2
    docs = [clean(g) for g in good]
    assert [d.file_name for d in docs] == sorted(d.file_name for d in docs)
    assert all(d.published is not None and d.title for d in docs)


def test_jsonl_streams_past_the_file_limit_and_limits_each_line(tmp_path: Path, settings: Settings) -> None:
    """A JSONL file larger than the input limit is read line by line; only the oversize line is refused."""
    small = settings.model_copy(update={"max_input_bytes": 200})
    path = tmp_path / "backfill.jsonl"
    record = json.dumps({"text": "Gunmen attacked a checkpoint near the border."})
    huge = json.dumps({"text": "x" * 500})
    path.write_text("\n".join([record] * 5 + [huge] + [record] * 5) + "\n", encoding="utf-8")
    assert path.stat().st_size > small.max_input_bytes
    good, bad = _split(list(iter_inputs([path], settings=small)))
    assert len(good) == 10
    assert [e.source for e in bad] == [f"{path}:6"] and "over the limit" in bad[0].problem


def test_jsonl_binary_or_blank_file_is_one_error(tmp_path: Path, settings: Settings) -> None:
    junk, blank = tmp_path / "junk.jsonl", tmp_path / "blank.jsonl"
    junk.write_bytes(b"\x00\x01\x02" * 100)
    blank.write_text("\n  \n", encoding="utf-8")
    good, bad = _split(list(iter_inputs([junk, blank], settings=settings)))
    assert not good
    assert [(e.source, e.problem) for e in bad] == [
        (str(junk), "binary data, not text"),
        (str(blank), "empty file (whitespace only)"),
    ]
