"""Text helpers shared by the criteria, the engine and the parser: keys, languages, industry families,
human formatting of sizes. Pure.
"""

from __future__ import annotations

import functools
import re
import unicodedata

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Lower case, accents removed, whitespace collapsed: "  Société  Générale " -> "societe generale"."""
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().split())


@functools.lru_cache(maxsize=8192)
def key(text: str | None) -> str:
    """Comparison key ignoring case, accents, spaces and punctuation: "Health-care" == "healthcare"."""
    if not text:
        return ""
    return _NON_ALNUM.sub("", fold(text))


def words(text: str | None) -> list[str]:
    """Folded alphanumeric words of a text ("Anti-fraud (cards)" -> ["anti", "fraud", "cards"])."""
    if not text:
        return []
    return [w for w in _NON_ALNUM.split(fold(text)) if w]


def clean_list(values: object) -> list[str]:
    """Strip, drop empties and case-insensitive duplicates, keep the first spelling and the order."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    seen: set[str] = set()
    for v in values:  # type: ignore[attr-defined]
        text = _SPACES.sub(" ", str(v).strip())
        k = key(text)
        if text and k not in seen:
            seen.add(k)
            out.append(text)
    return out


# ---------------------------------------------------------------------------------------------------
# Languages: canonical English name -> other ways people and CRMs write it (ISO 639-1/2 codes, native
# names). Contacts' languages and the searched language are both normalised to the canonical name.
_LANGUAGES: dict[str, tuple[str, ...]] = {
    "English": ("en", "eng"),
    "German": ("de", "deu", "ger", "deutsch"),
    "French": ("fr", "fra", "fre", "francais", "français"),
    "Spanish": ("es", "spa", "espanol", "español", "castellano", "castilian"),
    "Portuguese": ("pt", "por", "portugues", "português", "brazilian portuguese"),
    "Italian": ("it", "ita", "italiano"),
    "Dutch": ("nl", "nld", "dut", "nederlands", "flemish"),
    "Swedish": ("sv", "swe", "svenska"),
    "Norwegian": ("no", "nb", "nn", "nor", "norsk"),
    "Danish": ("da", "dan", "dansk"),
    "Finnish": ("fi", "fin", "suomi"),
    "Polish": ("pl", "pol", "polski"),
    "Czech": ("cs", "ces", "cze", "cestina", "čeština"),
    "Hungarian": ("hu", "hun", "magyar"),
    "Romanian": ("ro", "ron", "rum", "romana", "română"),
    "Greek": ("el", "ell", "gre"),
    "Turkish": ("tr", "tur", "turkce", "türkçe"),
    "Russian": ("ru", "rus"),
    "Ukrainian": ("uk", "ukr"),
    "Arabic": ("ar", "ara"),
    "Hebrew": ("he", "heb"),
    "Hindi": ("hi", "hin"),
    "Japanese": ("ja", "jpn"),
    "Chinese": ("zh", "zho", "chi", "mandarin"),
    "Cantonese": ("yue",),
    "Korean": ("ko", "kor"),
    "Thai": ("th", "tha"),
    "Vietnamese": ("vi", "vie"),
    "Indonesian": ("id", "ind", "bahasa", "bahasa indonesia"),
    "Malay": ("ms", "msa", "bahasa melayu"),
    "Catalan": ("ca", "cat", "catala", "català"),
    "Afrikaans": ("af", "afr"),
    "Filipino": ("fil", "tagalog", "tl"),
}

_LANGUAGE_LOOKUP: dict[str, str] = {}
for _name, _aliases in _LANGUAGES.items():
    for _alias in (_name, *_aliases):
        _LANGUAGE_LOOKUP[fold(_alias)] = _name


def normalize_language(text: str | None) -> str | None:
    """Canonical English name of a language ("de", "Deutsch", "german" -> "German"); None when unknown."""
    if not text or not text.strip():
        return None
    return _LANGUAGE_LOOKUP.get(fold(text))


def language_key(text: str) -> str:
    """The canonical name when known, else the text itself in title case (so unknown ones still compare)."""
    return normalize_language(text) or _SPACES.sub(" ", text.strip()).title()


def language_names() -> dict[str, str]:
    """Folded full names (not codes) -> canonical name, for reading languages in free text."""
    out: dict[str, str] = {}
    for name, aliases in _LANGUAGES.items():
        out[fold(name)] = name
        for alias in aliases:
            if len(alias) > 3:
                out[fold(alias)] = name
    return out


# ---------------------------------------------------------------------------------------------------
# Sizes


def employees_text(n: int) -> str:
    return "1 employee" if n == 1 else f"{n:,} employees"


def money_text(amount: int | float) -> str:
    """$950, $12K, $1.2M, $3B."""
    a = float(amount)
    for limit, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(a) >= limit:
            value = a / limit
            text = f"{value:.1f}".rstrip("0").rstrip(".") if value < 100 else f"{value:.0f}"
            return f"${text}{suffix}"
    return f"${a:,.0f}"


# Size bands (lower bounds). "One size band smaller" reads better to a seller than a ratio.
EMPLOYEE_BANDS: tuple[int, ...] = (0, 100, 1_000, 5_000, 20_000, 100_000)
REVENUE_BANDS: tuple[int, ...] = (0, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000, 100_000_000_000)


def band(value: int, bands: tuple[int, ...]) -> int:
    i = 0
    for j, lower in enumerate(bands):
        if value >= lower:
            i = j
    return i
