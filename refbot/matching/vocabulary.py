"""What the search understands: the built-in vocabulary (data files under matching/data) and the
program's own words, in one `Vocabulary` object. Pure.

Data files: places.json (read by refbot.geo), industries.json (taxonomy with families and the words
sellers use), sizes.json (size words, company lists as revenue bands, bound words), seniority.json
(levels and ranges), soft.json (soft-wish words) and glossary.json (acronyms and synonyms). The program
adds its own glossary entries in the database (`refbot vocabulary add`); the search service passes them
to `Vocabulary.from_candidates`.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refbot.domain import Seniority
from refbot.matching.candidates import Candidate
from refbot.matching.text import clean_list, fold, key

DATA_DIR = Path(__file__).parent / "data"


@functools.cache
def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    return data


def _phrase(text: str) -> str:
    """Folded words joined by single spaces: "E-Commerce" -> "e commerce", "P&C" -> "p&c"."""
    return " ".join(w for w in re.split(r"[^0-9a-z&]+", fold(text)) if w)


# ------------------------------------------------------------------------------------------ industries


@dataclass(frozen=True)
class Taxonomy:
    """Industries in families, and the words that name each (industries.json)."""

    industry_by_phrase: dict[str, str]  # "bank" -> "Banking"
    family_by_phrase: dict[str, str]  # "fsi" -> "Financial Services" (the whole family)
    family_of: dict[str, str]  # key(industry) -> family
    members: dict[str, tuple[str, ...]]  # family -> its industries

    def canonical(self, text: str) -> str | None:
        """The industry a phrase names ("banks", "credit union" -> "Banking"), None when none."""
        return self.industry_by_phrase.get(_phrase(text))

    def family_word(self, text: str) -> str | None:
        """The family a phrase names as a whole ("FSI", "HLS"), None when none."""
        return self.family_by_phrase.get(_phrase(text))

    def family(self, industry: str | None) -> str | None:
        """The family of any industry name ("Retail Banking" -> "Financial Services"), None when unknown.

        The whole name wins; otherwise the longest known phrase in it, the last one on a tie (English puts
        the head noun last: "Retail Banking" is financial, "Banking Software" is technology)."""
        if not industry:
            return None
        hit = self.family_of.get(key(industry))
        if hit:
            return hit
        ws = _phrase(industry).split()
        whole = " ".join(ws)
        if whole in self.industry_by_phrase:
            return self.family_of[key(self.industry_by_phrase[whole])]
        if whole in self.family_by_phrase:
            return self.family_by_phrase[whole]
        for n in (3, 2, 1):
            best: str | None = None
            for start in range(len(ws) - n + 1):
                canon = self.industry_by_phrase.get(" ".join(ws[start : start + n]))
                if canon is not None:
                    best = self.family_of[key(canon)]
            if best is not None:
                return best
        return None


@functools.cache
def taxonomy() -> Taxonomy:
    industry_by_phrase: dict[str, str] = {}
    family_by_phrase: dict[str, str] = {}
    family_of: dict[str, str] = {}
    members: dict[str, tuple[str, ...]] = {}
    for fam in _load("industries.json")["families"]:
        name = fam["name"]
        members[name] = tuple(fam["industries"])
        family_by_phrase.setdefault(_phrase(name), name)
        for w in fam["words"]:
            family_by_phrase.setdefault(_phrase(w), name)
        for industry, phrases in fam["industries"].items():
            family_of[key(industry)] = name
            for p in (industry, *phrases):
                industry_by_phrase.setdefault(_phrase(p), industry)
    # An industry named like its family ("Financial Services") names the industry, not the family.
    for p in list(family_by_phrase):
        if p in industry_by_phrase:
            del family_by_phrase[p]
    return Taxonomy(industry_by_phrase, family_by_phrase, family_of, members)


def industry_family(industry: str | None) -> str | None:
    """The family of an industry name (see Taxonomy.family)."""
    return taxonomy().family(industry)


# ------------------------------------------------------------------------------------------ sizes, people


@dataclass(frozen=True)
class SizeWords:
    employees: dict[str, tuple[int | None, int | None]]  # "mid market" -> (1000, 4999)
    revenue_lists: dict[str, tuple[int | None, int | None]]  # "fortune 500" -> (7e9, None)
    at_least: frozenset[str]
    at_most: frozenset[str]
    about: frozenset[str]


@functools.cache
def size_words() -> SizeWords:
    d = _load("sizes.json")

    def bands(raw: dict[str, list[int | None]]) -> dict[str, tuple[int | None, int | None]]:
        return {_phrase(k): (v[0], v[1]) for k, v in raw.items()}

    return SizeWords(
        employees=bands(d["employee_words"]),
        revenue_lists=bands(d["revenue_lists"]),
        at_least=frozenset(_phrase(w) or w for w in d["at_least"]),
        at_most=frozenset(_phrase(w) or w for w in d["at_most"]),
        about=frozenset(_phrase(w) or w for w in d["about"]),
    )


@dataclass(frozen=True)
class SeniorityWords:
    levels: dict[str, Seniority]  # "vice president" -> vp
    ranges: dict[str, Seniority]  # "exec sponsor" -> c_level and above; "leadership" -> director and above
    or_higher: frozenset[str]


@functools.cache
def seniority_words() -> SeniorityWords:
    d = _load("seniority.json")
    levels = {_phrase(p): Seniority(level) for level, phrases in d["levels"].items() for p in phrases}
    ranges = {_phrase(p): Seniority(level) for p, level in d["ranges"].items()}
    return SeniorityWords(levels=levels, ranges=ranges, or_higher=frozenset(_phrase(p) for p in d["or_higher"]))


@dataclass(frozen=True)
class SoftWords:
    before: tuple[str, ...]  # longest first
    after: tuple[str, ...]


@functools.cache
def soft_words() -> SoftWords:
    d = _load("soft.json")

    def longest_first(values: list[str]) -> tuple[str, ...]:
        return tuple(sorted({_phrase(v) for v in values}, key=lambda p: (-len(p.split()), p)))

    return SoftWords(before=longest_first(d["before"]), after=longest_first(d["after"]))


@functools.cache
def builtin_glossary() -> tuple[tuple[str, ...], ...]:
    """Groups of spellings that mean the same (glossary.json), as typed."""
    return tuple(tuple(g) for g in _load("glossary.json")["groups"])


def glossary_groups(extra: Iterable[tuple[str, str]] = ()) -> list[frozenset[str]]:
    """The built-in groups with the program's own (term, meaning) pairs merged in, as folded phrases."""
    groups: list[set[str]] = [{_phrase(x) for x in g if _phrase(x)} for g in builtin_glossary()]
    for term, meaning in extra:
        pair = {_phrase(term), _phrase(meaning)} - {""}
        if len(pair) < 2:
            continue
        hit = next((g for g in groups if g & pair), None)
        if hit is None:
            groups.append(set(pair))
        else:
            hit.update(pair)
    return [frozenset(g) for g in groups]


# ------------------------------------------------------------------------------------------ vocabulary


@dataclass
class Vocabulary:
    """Words of the program's own data to read free text against, and the program's glossary additions
    (term, meaning); the built-in data files are read through the module functions above."""

    industries: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    use_cases: list[str] = field(default_factory=list)
    competitors: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    account_names: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # ISO2 codes present in the data
    glossary: list[tuple[str, str]] = field(default_factory=list)  # the program's own: ("SSO", "single sign-on")
    _index: VocabIndex | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def from_candidates(
        cls, candidates: Iterable[Candidate], *, glossary: Iterable[tuple[str, str]] = ()
    ) -> Vocabulary:
        industries: list[str] = []
        products: list[str] = []
        use_cases: list[str] = []
        competitors: list[str] = []
        topics: list[str] = []
        names: list[str] = []
        languages: list[str] = []
        countries: list[str] = []
        seen_accounts: set[int] = set()
        for c in candidates:
            topics.extend(c.topics)
            languages.extend(c.languages)
            if c.account_id in seen_accounts:
                continue
            seen_accounts.add(c.account_id)
            if c.industry:
                industries.append(c.industry)
            products.extend(c.products)
            use_cases.extend(c.use_cases)
            if c.competitor_replaced:
                competitors.append(c.competitor_replaced)
            names.append(c.account_name)
            if c.country:
                countries.append(c.country.upper())

        def distinct(values: list[str]) -> list[str]:
            return sorted(clean_list(values), key=str.lower)

        return cls(
            industries=distinct(industries),
            products=distinct(products),
            use_cases=distinct(use_cases),
            competitors=distinct(competitors),
            topics=distinct(topics),
            account_names=distinct(names),
            languages=distinct(languages),
            countries=sorted(set(countries)),
            glossary=[(t, m) for t, m in glossary],
        )

    def index(self) -> VocabIndex:
        if self._index is None:
            self._index = VocabIndex(self)
        return self._index


@dataclass
class Entry:
    kind: str  # industry, product, use_case, topic, competitor, account
    value: str
    key: str
    words: tuple[str, ...]
    stem: str


KIND_ORDER = ("industry", "use_case", "product", "topic", "competitor", "account")


def stem(word: str) -> str:
    for suffix in ("ings", "ing", "ers", "er", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _aliases(ws: Sequence[str], groups: list[frozenset[str]]) -> set[str]:
    """Other spellings of a phrase by the glossary: the whole phrase, or one part of it, swapped."""
    phrase = " ".join(ws)
    out: set[str] = set()
    for g in groups:
        if phrase in g:
            out.update(g)
            continue
        for member in g:
            if " " + member + " " in " " + phrase + " ":
                for other in g:
                    if other != member:
                        out.add((" " + phrase + " ").replace(" " + member + " ", " " + other + " ", 1).strip())
    out.discard(phrase)
    return out


class VocabIndex:
    """Vocabulary entries by key, stem and word count, for exact, plural, typo-tolerant and glossary reading."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.by_key: dict[str, list[Entry]] = {}
        self.by_stem: dict[str, list[Entry]] = {}
        self.fuzzy_single: list[Entry] = []
        self.fuzzy_multi: list[Entry] = []
        self.word_owners: dict[tuple[str, str], list[Entry]] = {}  # (kind, word) -> multi-word entries
        groups = glossary_groups(vocab.glossary)
        alias_keys: dict[str, list[Entry]] = {}
        self.alias_lengths: set[int] = set()
        for kind, values in (
            ("industry", vocab.industries),
            ("use_case", vocab.use_cases),
            ("product", vocab.products),
            ("topic", vocab.topics),
            ("competitor", vocab.competitors),
            ("account", vocab.account_names),
        ):
            for value in values:
                ws = tuple(w for w in re.split(r"[^0-9a-z]+", fold(value)) if w)
                if not ws:
                    continue
                e = Entry(kind=kind, value=value, key=key(value), words=ws, stem=" ".join(stem(w) for w in ws))
                self.by_key.setdefault(e.key, []).append(e)
                if kind == "account":
                    continue  # names are matched exactly; the engine matches keywords fuzzily
                self.by_stem.setdefault(e.stem, []).append(e)
                (self.fuzzy_single if len(ws) == 1 else self.fuzzy_multi).append(e)
                if len(ws) > 1:
                    for w in set(ws):
                        self.word_owners.setdefault((kind, w), []).append(e)
                if kind in ("use_case", "product", "topic"):
                    for alias in _aliases(ws, groups):
                        alias_keys.setdefault(key(alias), []).append(e)
                        self.alias_lengths.add(len(alias.split()))
        self.competitors = [e for es in self.by_key.values() for e in es if e.kind == "competitor"]
        # Glossary spellings never shadow a real value ("claims" stays the product Claims).
        self.aliases = {k: es for k, es in alias_keys.items() if k and k not in self.by_key}
        tax = taxonomy()
        self.industry_keys = {key(v): v for v in vocab.industries}
        self.industries = list(vocab.industries)
        # The program's industry for each taxonomy industry ("Banks" in the data serves "Banking").
        self.industry_for_canonical: dict[str, str] = {}
        for v in vocab.industries:
            canon = tax.canonical(v) or v
            self.industry_for_canonical.setdefault(key(canon), v)

    def lookup(self, phrase: str) -> list[Entry] | None:
        """Entries a folded phrase names: exactly, as a plural, or by a glossary spelling."""
        k = key(phrase)
        return self.by_key.get(k) or self.by_stem.get(" ".join(stem(w) for w in phrase.split())) or self.aliases.get(k)

    def by_glossary(self, phrase: str) -> bool:
        """True when a phrase names entries only through a glossary spelling (worth a note: "KYC -> ...")."""
        k = key(phrase)
        return k not in self.by_key and " ".join(stem(w) for w in phrase.split()) not in self.by_stem

    def industry_value(self, canonical: str) -> str | None:
        """The program's own industry name for a taxonomy industry, None when the program has none."""
        return self.industry_keys.get(key(canonical)) or self.industry_for_canonical.get(key(canonical))
