"""Countries and regions. Pure: country names and ISO 3166 alpha-2/alpha-3 codes -> ISO2 -> region."""

from __future__ import annotations

import re
import unicodedata

from refbot.domain import Region

# ISO2, ISO3, English name, region, extra aliases
_COUNTRIES: tuple[tuple[str, str, str, Region, tuple[str, ...]], ...] = (
    # North America
    ("US", "USA", "United States", Region.NA, ("united states of america", "america", "u.s.", "u.s.a.", "us of a")),
    ("CA", "CAN", "Canada", Region.NA, ()),
    # Latin America
    ("MX", "MEX", "Mexico", Region.LATAM, ("méxico",)),
    ("BR", "BRA", "Brazil", Region.LATAM, ("brasil",)),
    ("AR", "ARG", "Argentina", Region.LATAM, ()),
    ("CL", "CHL", "Chile", Region.LATAM, ()),
    ("CO", "COL", "Colombia", Region.LATAM, ()),
    ("PE", "PER", "Peru", Region.LATAM, ("perú",)),
    ("UY", "URY", "Uruguay", Region.LATAM, ()),
    ("EC", "ECU", "Ecuador", Region.LATAM, ()),
    ("CR", "CRI", "Costa Rica", Region.LATAM, ()),
    ("PA", "PAN", "Panama", Region.LATAM, ()),
    ("DO", "DOM", "Dominican Republic", Region.LATAM, ()),
    ("GT", "GTM", "Guatemala", Region.LATAM, ()),
    ("VE", "VEN", "Venezuela", Region.LATAM, ()),
    ("PR", "PRI", "Puerto Rico", Region.LATAM, ()),
    # Europe
    ("GB", "GBR", "United Kingdom", Region.EMEA, ("uk", "u.k.", "great britain", "britain", "england", "scotland", "wales")),
    ("IE", "IRL", "Ireland", Region.EMEA, ()),
    ("DE", "DEU", "Germany", Region.EMEA, ("deutschland",)),
    ("FR", "FRA", "France", Region.EMEA, ()),
    ("ES", "ESP", "Spain", Region.EMEA, ("españa",)),
    ("PT", "PRT", "Portugal", Region.EMEA, ()),
    ("IT", "ITA", "Italy", Region.EMEA, ("italia",)),
    ("NL", "NLD", "Netherlands", Region.EMEA, ("the netherlands", "holland")),
    ("BE", "BEL", "Belgium", Region.EMEA, ()),
    ("LU", "LUX", "Luxembourg", Region.EMEA, ()),
    ("CH", "CHE", "Switzerland", Region.EMEA, ("schweiz", "suisse")),
    ("AT", "AUT", "Austria", Region.EMEA, ("österreich",)),
    ("SE", "SWE", "Sweden", Region.EMEA, ()),
    ("NO", "NOR", "Norway", Region.EMEA, ()),
    ("DK", "DNK", "Denmark", Region.EMEA, ()),
    ("FI", "FIN", "Finland", Region.EMEA, ()),
    ("IS", "ISL", "Iceland", Region.EMEA, ()),
    ("PL", "POL", "Poland", Region.EMEA, ()),
    ("CZ", "CZE", "Czechia", Region.EMEA, ("czech republic",)),
    ("SK", "SVK", "Slovakia", Region.EMEA, ()),
    ("HU", "HUN", "Hungary", Region.EMEA, ()),
    ("RO", "ROU", "Romania", Region.EMEA, ()),
    ("BG", "BGR", "Bulgaria", Region.EMEA, ()),
    ("GR", "GRC", "Greece", Region.EMEA, ()),
    ("HR", "HRV", "Croatia", Region.EMEA, ()),
    ("SI", "SVN", "Slovenia", Region.EMEA, ()),
    ("RS", "SRB", "Serbia", Region.EMEA, ()),
    ("EE", "EST", "Estonia", Region.EMEA, ()),
    ("LV", "LVA", "Latvia", Region.EMEA, ()),
    ("LT", "LTU", "Lithuania", Region.EMEA, ()),
    ("UA", "UKR", "Ukraine", Region.EMEA, ()),
    ("TR", "TUR", "Turkey", Region.EMEA, ("türkiye", "turkiye")),
    ("CY", "CYP", "Cyprus", Region.EMEA, ()),
    ("MT", "MLT", "Malta", Region.EMEA, ()),
    # Middle East and Africa
    ("IL", "ISR", "Israel", Region.EMEA, ()),
    ("AE", "ARE", "United Arab Emirates", Region.EMEA, ("uae", "emirates", "dubai")),
    ("SA", "SAU", "Saudi Arabia", Region.EMEA, ("ksa",)),
    ("QA", "QAT", "Qatar", Region.EMEA, ()),
    ("KW", "KWT", "Kuwait", Region.EMEA, ()),
    ("BH", "BHR", "Bahrain", Region.EMEA, ()),
    ("OM", "OMN", "Oman", Region.EMEA, ()),
    ("JO", "JOR", "Jordan", Region.EMEA, ()),
    ("EG", "EGY", "Egypt", Region.EMEA, ()),
    ("MA", "MAR", "Morocco", Region.EMEA, ()),
    ("ZA", "ZAF", "South Africa", Region.EMEA, ()),
    ("NG", "NGA", "Nigeria", Region.EMEA, ()),
    ("KE", "KEN", "Kenya", Region.EMEA, ()),
    ("GH", "GHA", "Ghana", Region.EMEA, ()),
    # Asia Pacific
    ("JP", "JPN", "Japan", Region.APAC, ()),
    ("CN", "CHN", "China", Region.APAC, ("prc",)),
    ("HK", "HKG", "Hong Kong", Region.APAC, ()),
    ("TW", "TWN", "Taiwan", Region.APAC, ()),
    ("KR", "KOR", "South Korea", Region.APAC, ("korea", "republic of korea")),
    ("IN", "IND", "India", Region.APAC, ()),
    ("SG", "SGP", "Singapore", Region.APAC, ()),
    ("MY", "MYS", "Malaysia", Region.APAC, ()),
    ("TH", "THA", "Thailand", Region.APAC, ()),
    ("VN", "VNM", "Vietnam", Region.APAC, ("viet nam",)),
    ("ID", "IDN", "Indonesia", Region.APAC, ()),
    ("PH", "PHL", "Philippines", Region.APAC, ()),
    ("AU", "AUS", "Australia", Region.APAC, ()),
    ("NZ", "NZL", "New Zealand", Region.APAC, ()),
    ("PK", "PAK", "Pakistan", Region.APAC, ()),
    ("BD", "BGD", "Bangladesh", Region.APAC, ()),
    ("LK", "LKA", "Sri Lanka", Region.APAC, ()),
)

REGION_NAMES: dict[Region, str] = {
    Region.NA: "North America",
    Region.LATAM: "Latin America",
    Region.EMEA: "EMEA",
    Region.APAC: "APAC",
}

# Words people use for regions, including sub-regions that map onto the four program regions.
REGION_ALIASES: dict[str, Region] = {
    "na": Region.NA,
    "north america": Region.NA,
    "amer": Region.NA,
    "americas": Region.NA,
    "latam": Region.LATAM,
    "latin america": Region.LATAM,
    "south america": Region.LATAM,
    "emea": Region.EMEA,
    "europe": Region.EMEA,
    "eu": Region.EMEA,
    "dach": Region.EMEA,
    "benelux": Region.EMEA,
    "nordics": Region.EMEA,
    "uki": Region.EMEA,
    "middle east": Region.EMEA,
    "africa": Region.EMEA,
    "mea": Region.EMEA,
    "apac": Region.APAC,
    "asia": Region.APAC,
    "asia pacific": Region.APAC,
    "anz": Region.APAC,
    "apj": Region.APAC,
}

_BY_ISO2: dict[str, tuple[str, str, str, Region, tuple[str, ...]]] = {c[0]: c for c in _COUNTRIES}
_LOOKUP: dict[str, str] = {}
for _iso2, _iso3, _name, _region, _aliases in _COUNTRIES:
    for _key in (_iso2, _iso3, _name, *_aliases):
        _LOOKUP[_key.lower()] = _iso2


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"\s+", " ", text.strip().lower())


for _key in list(_LOOKUP):
    _LOOKUP.setdefault(_fold(_key), _LOOKUP[_key])


def resolve_country(text: str | None) -> str | None:
    """Return the ISO 3166 alpha-2 code for a country name or code ("Germany", "DE", "DEU"), else None."""
    if not text or not text.strip():
        return None
    key = text.strip().lower()
    return _LOOKUP.get(key) or _LOOKUP.get(_fold(key))


def country_name(iso2: str | None) -> str:
    """English name for an ISO2 code; the code itself when unknown; '' for None."""
    if not iso2:
        return ""
    entry = _BY_ISO2.get(iso2.upper())
    return entry[2] if entry else iso2


def region_of(iso2: str | None) -> Region | None:
    if not iso2:
        return None
    entry = _BY_ISO2.get(iso2.upper())
    return entry[3] if entry else None


def resolve_region(text: str | None) -> Region | None:
    """Parse a region name or alias ("EMEA", "Europe", "DACH", "apac")."""
    if not text or not text.strip():
        return None
    key = _fold(text)
    if key.upper() in Region.__members__:
        return Region(key.upper())
    return REGION_ALIASES.get(key)


def region_name(region: Region | str | None) -> str:
    if not region:
        return ""
    return REGION_NAMES.get(Region(region), str(region))


def all_countries() -> list[tuple[str, str, Region]]:
    """(iso2, name, region) for every known country, for vocabularies and demo data."""
    return [(c[0], c[2], c[3]) for c in _COUNTRIES]


def country_lookup_keys() -> dict[str, str]:
    """Every lower-case name, alias and code -> ISO2 (for fuzzy matching in free text)."""
    return dict(_LOOKUP)
