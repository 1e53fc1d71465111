"""Small pieces the exporters share: result counts, country names and codes, ACLED regions."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ExportResult:
    """What one export wrote."""

    format: str
    path: str
    records: int = 0  # rows, features, lines, STIX objects, graph nodes
    events: int = 0
    skipped: int = 0  # events the format cannot hold (e.g. non-violent events in GTD)


#: ISO 3166-1 alpha-2 codes by ACLED region (geographical groupings as ACLED publishes them).
_REGIONS: dict[str, str] = {
    "Western Africa": "BJ BF CV CI GM GH GN GW LR ML MR NE NG SN SL TG SH",
    "Middle Africa": "AO CM CF TD CG CD GQ GA ST",
    "Eastern Africa": "BI KM DJ ER ET KE MG MW MU YT MZ RE RW SC SO SS SD TZ UG ZM ZW IO TF",
    "Southern Africa": "BW SZ LS NA ZA",
    "Northern Africa": "DZ EG LY MA TN EH",
    "South Asia": "AF BD BT IN MV NP PK LK",
    "Southeast Asia": "BN KH ID LA MY MM PH SG TH TL VN",
    "East Asia": "CN HK MO JP KP KR MN TW",
    "Middle East": "BH CY IR IQ IL JO KW LB OM PS QA SA SY TR AE YE",
    "Caucasus and Central Asia": "AM AZ GE KZ KG TJ TM UZ",
    "Europe": (
        "AL AD AT BY BE BA BG HR CZ DK EE FO FI FR DE GI GR GG HU IS IE IM IT JE XK LV LI LT LU MT MD MC ME NL "
        "MK NO PL PT RO RU SM RS SK SI ES SJ SE CH UA GB VA AX"
    ),
    "North America": "CA US GL PM BM",
    "Central America": "BZ CR SV GT HN MX NI PA",
    "Caribbean": ("AI AG AW BS BB BQ VG KY CU CW DM DO GD GP HT JM MQ MS PR BL KN LC MF VC SX TT TC VI"),
    "South America": "AR BO BR CL CO EC FK GF GY PY PE SR UY VE GS",
    "Oceania": "AS AU CK FJ PF GU KI MH FM NR NC NZ NU NF MP PW PG PN WS SB TK TO TV UM VU WF",
    "Antarctica": "AQ BV HM",
}


@functools.cache
def _region_index() -> dict[str, str]:
    return {code: region for region, codes in _REGIONS.items() for code in codes.split()}


def acled_region(iso2: str | None) -> str:
    """ACLED region of a country ('' when unknown)."""
    return _region_index().get((iso2 or "").upper(), "")


def country_name(iso2: str | None) -> str:
    """English short name of a country; the code itself when pycountry does not know it; '' for None."""
    if not iso2:
        return ""
    import pycountry

    if iso2.upper() == "XK":
        return "Kosovo"
    found = pycountry.countries.get(alpha_2=iso2.upper())
    if found is None:
        return iso2.upper()
    return str(getattr(found, "common_name", None) or found.name)


def country_numeric(iso2: str | None) -> str:
    """ISO 3166-1 numeric code without leading zeros, as ACLED's ``iso`` column ('' when unknown)."""
    if not iso2:
        return ""
    import pycountry

    found = pycountry.countries.get(alpha_2=iso2.upper())
    return str(int(found.numeric)) if found is not None else ""


def country_code(*, name: str | None = None, numeric: str | None = None) -> str | None:
    """ISO alpha-2 code from an ACLED ``iso`` number or a country name (or a bare alpha-2 code)."""
    import pycountry

    if numeric and numeric.strip().isdigit():
        found = pycountry.countries.get(numeric=f"{int(numeric.strip()):03d}")
        if found is not None:
            return str(found.alpha_2)
    if not name or not name.strip():
        return None
    text = name.strip()
    if len(text) == 2 and text.isalpha():
        return text.upper()
    if text.casefold() == "kosovo":
        return "XK"
    try:
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        for country in pycountry.countries:
            if str(getattr(country, "common_name", "")).casefold() == text.casefold():
                return str(country.alpha_2)
    return None
