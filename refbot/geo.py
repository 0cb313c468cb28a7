"""Countries, regions and named groups of countries. Pure.

Every ISO 3166 country comes from pycountry (alpha-2, alpha-3, name, common and official names); the data
file `matching/data/places.json` adds the four program regions, readable display names, other names
(native, short, old), nationalities and the named groups sellers use (DACH, Nordics, ANZ, GCC, ...).
Lookups are built once, on first use.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pycountry

from refbot.domain import Region

_DATA = Path(__file__).parent / "matching" / "data" / "places.json"

REGION_NAMES: dict[Region, str] = {
    Region.NA: "North America",
    Region.LATAM: "Latin America",
    Region.EMEA: "EMEA",
    Region.APAC: "APAC",
}


@dataclass(frozen=True)
class PlaceGroup:
    """A named place: a set of countries (DACH), or a whole program region (EMEA)."""

    name: str
    words: tuple[str, ...]  # folded, read in any case
    codes: tuple[str, ...]  # read in capitals only ("SEA", "EU")
    countries: frozenset[str]
    region: Region | None  # the program region it lies in (or is), None when it spans several


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", text.strip().lower())


@dataclass(frozen=True)
class _Places:
    names: dict[str, str]  # iso2 -> display name
    with_the: frozenset[str]  # display names that take "the" in a sentence ("in the United Kingdom")
    regions: dict[str, Region]  # iso2 -> program region
    lookup: dict[str, str]  # lower-case and folded names, aliases and codes -> iso2
    nationalities: dict[str, str]
    groups: tuple[PlaceGroup, ...]


def _display(country: Any, overrides: dict[str, str]) -> str:
    iso = str(country.alpha_2)
    if iso in overrides:
        return overrides[iso]
    name = getattr(country, "common_name", None) or str(country.name)
    return name.split(",")[0] if "," in name else name


@functools.cache
def _places() -> _Places:
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    overrides: dict[str, str] = data["display_names"]
    by_region: dict[str, Region] = {}
    for region, members in data["regions"].items():
        if isinstance(members, list):
            for iso in members:
                by_region[iso] = Region(region)
    names: dict[str, str] = {}
    regions: dict[str, Region] = {}
    lookup: dict[str, str] = {}

    def add(key: str, iso: str) -> None:
        for k in (key.strip().lower(), _fold(key)):
            if k:
                lookup.setdefault(k, iso)

    countries = sorted(pycountry.countries, key=lambda c: c.alpha_2)
    for c in countries:  # display and common names first: they win over official names
        iso = c.alpha_2
        names[iso] = _display(c, overrides)
        regions[iso] = by_region.get(iso, Region.EMEA)
        add(names[iso], iso)
        add(iso, iso)
        add(c.alpha_3, iso)
    for c in countries:
        for attr in ("common_name", "name", "official_name"):
            value = getattr(c, attr, None)
            if value:
                add(value, c.alpha_2)
                if "," in value:  # "Korea, Republic of" -> "republic of korea"
                    head, _, tail = value.partition(",")
                    add(f"{tail.strip()} {head.strip()}", c.alpha_2)
    for iso, aliases in data["other_names"].items():
        for alias in aliases:
            lookup[alias.lower()] = iso
            lookup[_fold(alias)] = iso
    groups: list[PlaceGroup] = []
    for g in data["groups"]:
        members = frozenset(g.get("countries", ()))
        within: Region | None
        if "region" in g:
            within = Region(g["region"])
            members = frozenset(iso for iso, r in regions.items() if r == within)
        else:
            spanned = {regions.get(iso, Region.EMEA) for iso in members}
            within = spanned.pop() if len(spanned) == 1 else None
        groups.append(
            PlaceGroup(
                name=g["name"],
                words=tuple(_fold(w) for w in g["words"]),
                codes=tuple(g.get("codes", ())),
                countries=members,
                region=within,
            )
        )
    with_the = frozenset(names[iso] for iso in data["with_the"])
    return _Places(
        names=names, with_the=with_the, regions=regions, lookup=lookup, nationalities=dict(data["nationalities"]), groups=tuple(groups)
    )


def resolve_country(text: str | None) -> str | None:
    """Return the ISO 3166 alpha-2 code for a country name or code ("Germany", "DE", "DEU"), else None."""
    if not text or not text.strip():
        return None
    lookup = _places().lookup
    key = text.strip().lower()
    return lookup.get(key) or lookup.get(_fold(key))


def country_name(iso2: str | None) -> str:
    """English name for an ISO2 code; the code itself when unknown; '' for None."""
    if not iso2:
        return ""
    return _places().names.get(iso2.upper(), iso2)


def in_sentence(place: str) -> str:
    """A place as it reads inside a sentence: "United Kingdom" -> "the United Kingdom", "Germany" as is.
    Each part of "X or Y" on its own; group names carry their own article ("the Nordics")."""
    with_the = _places().with_the
    return " or ".join(f"the {part}" if part in with_the else part for part in place.split(" or "))


def region_of(iso2: str | None) -> Region | None:
    if not iso2:
        return None
    return _places().regions.get(iso2.upper())


def place_groups() -> tuple[PlaceGroup, ...]:
    """The named groups of countries and regions, as in places.json."""
    return _places().groups


def nationalities() -> dict[str, str]:
    """Folded nationality words ("german", "south african") -> ISO2."""
    return dict(_places().nationalities)


@functools.cache
def _region_aliases() -> dict[str, Region]:
    out: dict[str, Region] = {"na": Region.NA}
    for g in place_groups():
        if g.region is not None:
            for w in g.words:
                out.setdefault(w, g.region)
    return out


def resolve_region(text: str | None) -> Region | None:
    """Parse a region name or alias ("EMEA", "Europe", "DACH", "apac") into its program region."""
    if not text or not text.strip():
        return None
    key = _fold(text)
    if key.upper() in Region.__members__:
        return Region(key.upper())
    if key == "latin america":
        return Region.LATAM
    return _region_aliases().get(key)


def region_name(region: Region | str | None) -> str:
    if not region:
        return ""
    return REGION_NAMES.get(Region(region), str(region))


def all_countries() -> list[tuple[str, str, Region]]:
    """(iso2, name, region) for every ISO 3166 country, for vocabularies and demo data."""
    p = _places()
    return [(iso, p.names[iso], p.regions[iso]) for iso in sorted(p.names)]


def country_lookup_keys() -> dict[str, str]:
    """Every lower-case name, alias and code -> ISO2 (for reading countries in free text)."""
    return dict(_places().lookup)


def region_aliases() -> dict[str, Region]:
    """Words people use for regions, including groups of countries that lie in one program region."""
    return dict(_region_aliases())
