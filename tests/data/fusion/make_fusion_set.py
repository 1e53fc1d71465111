"""Write ``reports.jsonl``: invented short reports for the event-fusion test set (run once; output committed).

30 events are each told by 2-5 reports in different words: figures vary
("at least 12", "15", "more than ten"), dates are relative to each report's
own publication date ("on Friday", "two days ago", "yesterday") or explicit,
names and places are spelled differently, and outlets differ.  30 more
*look-alike* events share a group and a town with one of those events but
happen on other days.  Every line carries ``event`` (the gold grouping).

Everything here is invented; run ``python tests/data/fusion/make_fusion_set.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path

OUT = Path(__file__).with_name("reports.jsonl")

OUTLETS = [
    "Reuters",
    "AFP",
    "Associated Press",
    "BBC News",
    "Al Jazeera",
    "Voice of America",
    "Daily Trust",
    "The Punch",
    "Premium Times",
    "Garowe Online",
    "Hiiraan Online",
    "Dawn",
    "TOLOnews",
    "Kurdistan 24",
    "Le Faso",
    "Radio Okapi",
    "Club of Mozambique",
    "El Tiempo",
    "Rappler",
    "Anadolu Agency",
]


@dataclass(frozen=True)
class Spec:
    group: tuple[str, ...]  # spelling variants
    town: tuple[str, ...]
    region: str
    kind: str  # bombing | raid | kidnap | clash | suicide
    target: tuple[str, ...]


SPECS = [
    Spec(
        ("Boko Haram", "Boko Haram insurgents", "the Boko Haram group"),
        ("Maiduguri", "Maidugiri"),
        "Borno State",
        "bombing",
        ("a crowded market", "the main market"),
    ),
    Spec(
        ("al-Shabaab", "Al Shabab", "al-Shabab militants"),
        ("Mogadishu", "Muqdisho"),
        "Banadir",
        "suicide",
        ("a hotel", "a seaside hotel"),
    ),
    Spec(
        ("ISKP", "Islamic State Khorasan Province", "IS-K"),
        ("Jalalabad", "Jalalabad city"),
        "Nangarhar province",
        "bombing",
        ("a mosque", "a Friday prayer hall"),
    ),
    Spec(
        ("ISWAP", "Islamic State West Africa Province", "IS West Africa"),
        ("Monguno", "Mongunu"),
        "Borno State",
        "raid",
        ("a military base", "an army base"),
    ),
    Spec(
        ("JNIM", "Jama'at Nusrat al-Islam wal-Muslimin", "the al-Qaeda-linked JNIM"),
        ("Djibo", "Djibo town"),
        "Sahel region",
        "raid",
        ("a gendarmerie post", "a police post"),
    ),
    Spec(
        ("ADF", "Allied Democratic Forces", "ADF rebels"),
        ("Beni", "Beni territory"),
        "North Kivu",
        "raid",
        ("a village", "a farming village"),
    ),
    Spec(
        ("the ELN", "National Liberation Army (ELN)", "ELN guerrillas"),
        ("Arauca", "Arauca city"),
        "Arauca department",
        "bombing",
        ("a police station", "a police post"),
    ),
    Spec(
        ("Abu Sayyaf", "the Abu Sayyaf group", "Abu Sayaf"),
        ("Jolo", "Jolo town"),
        "Sulu province",
        "kidnap",
        ("fishermen", "local fishermen"),
    ),
    Spec(
        ("Islamic State", "ISIS", "Daesh"),
        ("Kirkuk", "Kerkuk"),
        "Kirkuk province",
        "raid",
        ("an army checkpoint", "a checkpoint"),
    ),
    Spec(
        ("al-Shabaab", "Al-Shabab", "Shabaab fighters"),
        ("Mandera", "Mandera town"),
        "Mandera County",
        "bombing",
        ("a police vehicle", "a police convoy"),
    ),
    Spec(
        ("Ansar al-Sunna", "al-Sunna wa Jama'a", "ASWJ insurgents"),
        ("Macomia", "Macomia district"),
        "Cabo Delgado",
        "raid",
        ("a village", "Chai village"),
    ),
    Spec(
        ("the Pakistani Taliban", "TTP", "Tehreek-e-Taliban Pakistan"),
        ("Peshawar", "Peshawar city"),
        "Khyber Pakhtunkhwa",
        "suicide",
        ("a police headquarters", "a police compound"),
    ),
    Spec(
        ("Boko Haram", "JAS", "Boko Haram fighters"),
        ("Gwoza", "Gwoza town"),
        "Borno State",
        "kidnap",
        ("women collecting firewood", "women and girls"),
    ),
    Spec(
        ("ISGS", "Islamic State in the Greater Sahara", "IS Sahel"),
        ("Menaka", "Ménaka"),
        "Menaka region",
        "raid",
        ("a camp for displaced people", "a displacement camp"),
    ),
    Spec(
        ("the Houthis", "Ansar Allah", "Houthi rebels"),
        ("Marib", "Ma'rib"),
        "Marib governorate",
        "clash",
        ("government positions", "army positions"),
    ),
    Spec(
        ("al-Shabaab", "Al Shabaab", "al-Shabab insurgents"),
        ("Baidoa", "Baydhabo"),
        "Bay region",
        "bombing",
        ("a restaurant", "a busy restaurant"),
    ),
    Spec(
        ("the Baloch Liberation Army", "BLA", "Baloch separatists"),
        ("Quetta", "Quetta city"),
        "Balochistan",
        "bombing",
        ("a railway station", "a train station"),
    ),
    Spec(
        ("the CODECO militia", "CODECO", "CODECO fighters"),
        ("Bunia", "Bunia town"),
        "Ituri province",
        "raid",
        ("a displacement camp", "a camp for displaced families"),
    ),
    Spec(
        ("the Maute group", "Dawlah Islamiyah", "Maute militants"),
        ("Marawi", "Marawi City"),
        "Lanao del Sur",
        "bombing",
        ("a university gym", "a gymnasium"),
    ),
    Spec(
        ("Ansaroul Islam", "Ansarul Islam", "Ansaroul Islam fighters"),
        ("Dori", "Dori town"),
        "Sahel region",
        "clash",
        ("army volunteers", "VDP auxiliaries"),
    ),
    Spec(
        ("Boko Haram", "Boko Haram jihadists", "the jihadist group Boko Haram"),
        ("Diffa", "Diffa town"),
        "Diffa region",
        "raid",
        ("a military post", "an army post"),
    ),
    Spec(
        ("FARC dissidents", "the Central General Staff", "FARC dissident fighters"),
        ("Cucuta", "Cúcuta"),
        "Norte de Santander",
        "bombing",
        ("an army brigade base", "a military base"),
    ),
    Spec(
        ("Hayat Tahrir al-Sham", "HTS", "HTS fighters"),
        ("Idlib", "Idleb"),
        "Idlib governorate",
        "clash",
        ("army positions", "government lines"),
    ),
    Spec(
        ("al-Shabaab", "Al-Shabaab", "Shabab militants"),
        ("Garissa", "Garissa town"),
        "Garissa County",
        "raid",
        ("a bus", "a passenger bus"),
    ),
    Spec(
        ("ISKP", "Islamic State-Khorasan", "ISIS-K"),
        ("Kabul", "Kabul city"),
        "Kabul province",
        "suicide",
        ("a school", "an education centre"),
    ),
    Spec(
        ("ISWAP", "Islamic State West Africa", "ISWAP fighters"),
        ("Damboa", "Damboa town"),
        "Borno State",
        "raid",
        ("an army base", "troops"),
    ),
    Spec(
        ("JNIM", "JNIM militants", "al-Qaeda affiliate JNIM"),
        ("Mopti", "Mopti region"),
        "Mopti region",
        "kidnap",
        ("travellers", "bus passengers"),
    ),
    Spec(
        ("the Lakurawa group", "Lakurawa", "Lakurawa militants"),
        ("Tillaberi", "Tillabéri"),
        "Tillaberi region",
        "raid",
        ("a village", "a farming community"),
    ),
    Spec(
        ("the Islamic State", "IS", "ISIS"),
        ("Mosul", "Mosul city"),
        "Nineveh province",
        "bombing",
        ("a market", "a vegetable market"),
    ),
    Spec(
        ("the New People's Army", "NPA", "NPA rebels"),
        ("Cotabato", "Cotabato province"),
        "Mindanao",
        "clash",
        ("soldiers", "an army patrol"),
    ),
]

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def when(event_day: dt.date, published: dt.date, rng: random.Random) -> str:
    """A date phrase for ``event_day`` as written on ``published``."""
    gap = (published - event_day).days
    options = [f"on {event_day.day} {event_day:%B}", f"on {event_day:%B} {event_day.day}"]
    if gap == 1:
        options += ["yesterday", "on " + WEEKDAYS[event_day.weekday()]]
    elif gap == 2:
        options += ["two days ago", "on " + WEEKDAYS[event_day.weekday()]]
    elif 3 <= gap <= 6:
        options += ["on " + WEEKDAYS[event_day.weekday()], "last " + WEEKDAYS[event_day.weekday()]]
    elif gap == 0:
        options += ["on " + WEEKDAYS[event_day.weekday()] + " morning", "earlier today"]
    return rng.choice(options)


def figure(base: int, rng: random.Random) -> tuple[str, int]:
    value = max(2, base + rng.choice([-2, -1, 0, 0, 1, 3]))
    word = rng.choice(["at least {v}", "{v}", "{v}", "more than {v}", "about {v}", "some {v}"])
    return word.format(v=value), value


def sentences(
    spec: Spec,
    variant: int,
    *,
    group: str,
    town: str,
    target: str,
    date: str,
    killed: str,
    injured: int,
    rng: random.Random,
) -> list[str]:
    said = rng.choice(
        [
            "police said",
            "officials said",
            "a local official said",
            "security sources said",
            "residents said",
            "the army said",
        ]
    )
    region = spec.region
    if spec.kind in ("bombing", "suicide"):
        device = "suicide bomber" if spec.kind == "suicide" else rng.choice(["bomb", "car bomb", "roadside bomb"])
        first = [
            f"A {device} struck {target} in {town}, {region}, {date}, killing {killed} people "
            f"and wounding {injured}, {said}.",
            f"{killed.capitalize()} people were killed and {injured} injured when a {device} hit {target} "
            f"in {town} {date}, {said}.",
            f"An explosion at {target} in {town} {date} left {killed} dead and {injured} wounded, {said}.",
            f"At {target} in the town of {town} {date}, a {device} killed {killed} civilians and injured {injured}.",
            f"A deadly blast tore through {target} in {town} in {region} {date}; {killed} people died, {said}.",
        ][variant % 5]
        second = rng.choice(
            [
                f"{group} claimed responsibility for the attack.",
                f"Officials blamed {group}.",
                f"No one has claimed the bombing, but {group} is active in the area.",
                f"{group} said in a statement that it carried out the attack.",
            ]
        )
    elif spec.kind == "kidnap":
        first = [
            f"Gunmen from {group} abducted {killed} {target} near {town}, {region}, {date}, {said}.",
            f"{group} kidnapped {killed} {target} in {town} {date}, {said}.",
            f"{killed.capitalize()} {target} were seized by {group} militants outside {town} {date}.",
            f"Suspected {group} fighters kidnapped {killed} {target} close to {town} {date}, {said}.",
            f"{killed.capitalize()} {target} were abducted by {group} in {town}, {region}, {date}.",
        ][variant % 5]
        second = rng.choice(
            [
                "A search operation is under way.",
                "Relatives appealed for their release.",
                "Security forces launched a rescue mission.",
                "No ransom demand has been made.",
            ]
        )
    elif spec.kind == "clash":
        first = [
            f"Fighting between troops and {group} near {town}, {region}, {date} killed {killed} people, {said}.",
            f"{group} fighters clashed with {target} outside {town} {date}, leaving {killed} dead, {said}.",
            f"Clashes erupted {date} near {town} when {group} attacked {target}; {killed} were killed.",
            f"Soldiers fought {group} militants close to {town} in {region} {date}, and {killed} combatants died.",
            f"{killed.capitalize()} people died in heavy fighting with {group} around {town} {date}, {said}.",
        ][variant % 5]
        second = rng.choice(
            [
                f"{injured} others were wounded.",
                "The army said it repelled the assault.",
                "Both sides reported losses.",
                "Reinforcements were sent to the area.",
            ]
        )
    else:
        first = [
            f"{group} militants attacked {target} in {town}, {region}, {date}, killing {killed} people, {said}.",
            f"Gunmen from {group} stormed {target} near {town} {date} and killed {killed}, {said}.",
            f"{killed.capitalize()} people were killed when {group} fighters raided {target} in {town} {date}.",
            f"Suspected {group} insurgents killed {killed} people in an attack on {target} in {town} {date}, {said}.",
            f"An assault by {group} on {target} outside {town} in {region} {date} left {killed} dead.",
        ][variant % 5]
        second = rng.choice(
            [
                f"{injured} others were wounded.",
                "The attackers burned homes before fleeing.",
                f"{group} later claimed the raid.",
                "Survivors fled to nearby towns.",
            ]
        )
    return [first, second]


def _tidy(sentence: str) -> str:
    """Collapse a repeated word ("fighters fighters") and capitalise the first letter."""
    sentence = re.sub(r"\b(\w+) \1\b", r"\1", sentence)
    return sentence[0].upper() + sentence[1:]


def report(
    spec: Spec, *, event: str, day: dt.date, variant: int, base: int, rng: random.Random, outlet: str
) -> dict[str, str]:
    published = day + dt.timedelta(days=rng.choice([0, 1, 1, 2, 3]))
    group = rng.choice(spec.group)
    town = spec.town[variant % len(spec.town)]
    killed_text, _value = figure(base, rng)
    parts = sentences(
        spec,
        variant,
        group=group,
        town=town,
        target=rng.choice(spec.target),
        date=when(day, published, rng),
        killed=killed_text,
        injured=max(1, base // 2 + rng.randint(-1, 3)),
        rng=rng,
    )
    text = " ".join(_tidy(p) for p in parts)
    title = f"{spec.kind.capitalize()} in {town}"
    return {"event": event, "title": title, "published": published.isoformat(), "publisher": outlet, "text": text}


def main() -> None:
    rng = random.Random(20261126)
    rows: list[dict[str, str]] = []
    start = dt.date(2024, 1, 8)
    for number, spec in enumerate(SPECS, 1):
        day = start + dt.timedelta(days=rng.randint(0, 300))
        base = rng.randint(5, 40)
        outlets = rng.sample(OUTLETS, 5)
        n_reports = rng.choice([2, 3, 3, 4, 5])
        for i in range(n_reports):
            rows.append(
                report(spec, event=f"E{number:02d}", day=day, variant=i + number, base=base, rng=rng, outlet=outlets[i])
            )
        # A look-alike: same group, same town, another day (3 to 20 days before or after).
        shift = rng.choice([-1, 1]) * rng.randint(3, 20)
        other = day + dt.timedelta(days=shift)
        rows.append(
            report(
                spec,
                event=f"L{number:02d}",
                day=other,
                variant=number + 2,
                base=rng.randint(3, 30),
                rng=rng,
                outlet=rng.choice(OUTLETS),
            )
        )
    rng.shuffle(rows)
    with OUT.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
