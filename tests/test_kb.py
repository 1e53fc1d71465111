"""Actor knowledge base: bundled data, validation errors (file/line/field), lookup variants, search, patterns."""

from __future__ import annotations

from pathlib import Path

import pytest

from watchfloor.errors import KnowledgeBaseError
from watchfloor.models import ActorKind
from watchfloor.resolve.kb import ActorKB, is_acronym, load_actor_kb, normalise


@pytest.fixture(scope="module")
def kb() -> ActorKB:
    """The bundled actor KB (validated, cached)."""
    return load_actor_kb()


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_kb_is_large_and_covers_kinds_and_regions(kb: ActorKB) -> None:
    assert len(kb) >= 300
    kinds = {a.kind for a in kb}
    assert {
        ActorKind.ARMED_GROUP,
        ActorKind.STATE,
        ActorKind.MEDIA,
        ActorKind.POLITICAL_PARTY,
        ActorKind.PERSON,
        ActorKind.ORGANISATION,
    } <= kinds
    regions = {a.region for a in kb}
    assert {"middle_east", "south_central_asia", "africa", "latin_america", "southeast_asia"} <= regions
    for actor in kb:
        for aff, target in kb.affiliations_of(actor.id):
            assert target.id == aff.target


@pytest.mark.parametrize(
    ("surface", "expected"),
    [
        ("ISK-P", "islamic-state-khorasan-province"),
        ("ISKP", "islamic-state-khorasan-province"),
        ("the ISK-P’s", "islamic-state-khorasan-province"),
        ("IS-K", "islamic-state-khorasan-province"),
        ("Wilayat Khorasan", "islamic-state-khorasan-province"),
        ("Daesh", "islamic-state"),
        ("الدولة الإسلامية", "islamic-state"),
        ("Lashkar e Islam", "lashkar-e-islam"),
        ("Lashkar-e-Islam", "lashkar-e-islam"),
        ("Pakistani Taliban", "tehrik-i-taliban-pakistan"),
        ("Tehreek-e-Taliban Pakistan", "tehrik-i-taliban-pakistan"),
        ("Afghan Taliban", "taliban"),
        ("the Haqqani group", "haqqani-network"),
        ("Seleka", "seleka"),
        ("Séléka", "seleka"),
        ("Kata'ib Hezbollah", "kataib-hezbollah"),
        ("Kataib Hezbollah", "kataib-hezbollah"),
        ("al-Shabab", "al-shabaab"),
        ("Nigerian troops", "nigerian-army"),
        ("Syrian regime", "syria"),
        ("Afghan government", "afghanistan"),
        ("Malian authorities", "mali"),
        ("US forces", "us-forces"),
        ("CENTCOM", "us-central-command"),
        ("Amaq", "amaq-news-agency"),
        ("al-Zallaqa", "al-zallaqa"),
    ],
)
def test_lookup_tolerates_spelling_variants(kb: ActorKB, surface: str, expected: str) -> None:
    actor = kb.lookup(surface)
    assert actor is not None, surface
    assert actor.id == expected


def test_acronyms_keep_their_capitalisation(kb: ActorKB) -> None:
    assert kb.lookup("IS") is not None
    assert kb.lookup("is") is None
    assert kb.lookup("Isis") is None
    assert kb.lookup("LeI") is not None and kb.lookup("lei") is None
    assert is_acronym("ISK-P") and is_acronym("LeI") and not is_acronym("Taliban") and not is_acronym("IS Khorasan")


def test_normalise() -> None:
    assert normalise("the ISK-P’s") == "isk p"
    assert normalise("Lashkar-e Islam") == normalise("Lashkar e-Islam")


def test_search_is_fuzzy(kb: ActorKB) -> None:
    assert kb.search("Islamic State Khorasn", 3)[0].id == "islamic-state-khorasan-province"
    assert kb.search("boko", 3)[0].id == "boko-haram"
    assert len(kb.search("Hezbolah", 5)) <= 5


def test_get_and_affiliations(kb: ActorKB) -> None:
    iskp = kb.get("islamic-state-khorasan-province")
    assert iskp is not None and iskp.country == "AF"
    links = {(aff.type, target.id) for aff, target in kb.affiliations_of(iskp.id)}
    assert ("affiliate_of", "islamic-state") in links
    assert kb.get("no-such-actor") is None
    assert kb.affiliations_of("no-such-actor") == []
    assert kb.demonym_country("Pakistani") == "PK"


def test_alias_patterns_work_in_an_entity_ruler(kb: ActorKB) -> None:
    import spacy

    patterns = list(kb.alias_patterns())
    assert all({"label", "pattern", "id"} <= set(p) for p in patterns)
    assert not any(p["id"] == "iran" and p["pattern"] == [{"LOWER": "iran"}] for p in patterns)
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns(list(kb.alias_patterns(nlp=nlp)))  # type: ignore[attr-defined]
    doc = nlp("Fighters of ISK-P and Lashkar-e-Jhangvi met Mullah Omar; is this IS?")
    found = {(e.text, e.label_, e.ent_id_) for e in doc.ents}
    assert ("ISK-P", "ORG", "islamic-state-khorasan-province") in found
    assert ("Lashkar-e-Jhangvi", "ORG", "lashkar-e-jhangvi") in found
    assert ("Mullah Omar", "PERSON", "mullah-omar") in found
    assert ("IS", "ORG", "islamic-state") in found
    assert not any(e.text == "is" for e in doc.ents)


def test_user_file_adds_actors(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "mine.yaml",
        """
region: sahel
actors:
  - id: example-brigade
    name: Example Brigade
    kind: armed_group
    country: ML
    aliases: [EXB, Example Bde]
    affiliations:
      - {type: allegiance_to, target: jnim, start: 2021-03, status: alleged}
""",
    )
    kb = load_actor_kb(extra_files=[path])
    actor = kb.lookup("Example Bde")
    assert actor is not None and actor.id == "example-brigade" and actor.region == "sahel"
    assert kb.affiliations_of("example-brigade")[0][0].start == "2021-03"
    assert load_actor_kb().get("example-brigade") is None


@pytest.mark.parametrize(
    ("text", "line", "field", "words"),
    [
        ("actors:\n  - id: a-group\n    name: A\n    kind: militia\n", 2, "kind", "a-group"),
        ("actors:\n  - id: Bad Id\n    name: A\n    kind: armed_group\n", 2, "id", "slug"),
        (
            "actors:\n  - id: a-group\n    name: A\n    kind: armed_group\n    affiliations:\n"
            "      - {type: affiliate_of, target: islamic-state, start: 20155}\n",
            6,
            "affiliations.0.start",
            "YYYY",
        ),
        ("actors:\n  - id: a-group\n    name: A\n    kind: armed_group\n    colour: red\n", 2, "colour", "Extra"),
        (
            "actors:\n  - id: a-group\n    name: A\n    kind: armed_group\n    affiliations:\n"
            "      - {type: affiliate_of, target: nobody-here}\n",
            6,
            "affiliations.target",
            "nobody-here",
        ),
        ("actors:\n  - id: islamic-state\n    name: Copy\n    kind: armed_group\n", 2, "id", "duplicate"),
        (
            "actors:\n  - id: a-group\n    name: A\n    kind: armed_group\n    aliases: [ISK-P]\n",
            2,
            "aliases",
            "clashes",
        ),
    ],
)
def test_validation_errors_name_file_line_and_field(
    tmp_path: Path, text: str, line: int, field: str, words: str
) -> None:
    path = _write(tmp_path, "bad.yaml", text)
    with pytest.raises(KnowledgeBaseError) as info:
        load_actor_kb(extra_files=[path])
    err = info.value
    assert err.path == str(path.resolve())
    assert err.line == line
    assert err.field == field
    assert words in str(err)


def test_invalid_yaml_and_missing_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "broken.yaml", "actors:\n  - id: x\n    aliases: [unclosed\n")
    with pytest.raises(KnowledgeBaseError) as info:
        load_actor_kb(extra_files=[path])
    assert info.value.line is not None
    with pytest.raises(KnowledgeBaseError):
        load_actor_kb(extra_files=[tmp_path / "absent.yaml"])


def test_nothing_half_loaded(tmp_path: Path) -> None:
    good = _write(tmp_path, "good.yaml", "actors:\n  - {id: fine-group, name: Fine Group, kind: armed_group}\n")
    bad = _write(tmp_path, "bad.yaml", "actors:\n  - {id: other-group, name: Other, kind: nonsense}\n")
    with pytest.raises(KnowledgeBaseError):
        load_actor_kb(extra_files=[good, bad])
    assert load_actor_kb().get("fine-group") is None
    assert load_actor_kb(extra_files=[good]).get("fine-group") is not None


def test_cli_list_search_show() -> None:
    from typer.testing import CliRunner

    from watchfloor.cli.actors import app
    from watchfloor.errors import NotFoundError

    runner = CliRunner()
    result = runner.invoke(app, ["list", "--kind", "media", "--limit", "5"])
    assert result.exit_code == 0, result.output
    assert "5 of" in result.output
    result = runner.invoke(app, ["list", "--region", "sahel"])
    assert result.exit_code == 0 and "jnim" in result.output
    result = runner.invoke(app, ["search", "Boko Haram"])
    assert result.exit_code == 0 and "boko-haram" in result.output
    result = runner.invoke(app, ["show", "ISK-P"])
    assert result.exit_code == 0 and "affiliate_of" in result.output and "Islamic State Khorasan" in result.output
    result = runner.invoke(app, ["show", "no-such-group-anywhere"])
    assert isinstance(result.exception, NotFoundError)
