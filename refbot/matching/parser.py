"""Free text -> search criteria: `healthcare 5k employees germny VP integration`. Pure.

Reads, in this order: soft wishes ("ideally in Europe" is read on its own and weighs less), company lists
("Fortune 500"), numbers and bounds (employees, revenue: "2,000+", "under 500 people"), languages
("German-speaking"), the competitor replaced ("replaced Oracle"), fixed words (seniority and ranges,
persona, activity, places and groups of places, size words, industries and families of the taxonomy),
the program's own vocabulary (industries, products, use cases, topics, competitors, account names, and
their glossary spellings: "KYC" -> Customer onboarding), nationalities ("German bank" -> Germany), then
typos (rapidfuzz). What is left becomes keywords, matched fuzzily by the engine against account names,
use cases and notes; the engine reports the ones that match nothing as not used.

Typo tolerance never applies to short or common words: "need", "with", "call", "for", "the" never turn
into a country or an industry. What the parser knows lives in data (see refbot.matching.vocabulary).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from refbot.domain import ActivityType, Persona, Region, Seniority
from refbot.geo import (
    PlaceGroup,
    all_countries,
    country_lookup_keys,
    country_name,
    nationalities,
    place_groups,
    region_of,
)
from refbot.matching.criteria import Criteria
from refbot.matching.numbers import (
    apply_size_word,
    read_numbers,
    read_size_lists,
)
from refbot.matching.text import fold, language_names
from refbot.matching.tokens import State, Tok, note, wordset
from refbot.matching.vocabulary import (
    KIND_ORDER,
    Entry,
    VocabIndex,
    Vocabulary,
    seniority_words,
    soft_words,
    stem,
    taxonomy,
)

__all__ = ["ParsedQuery", "Vocabulary", "parse_query"]

_FUZZY_MIN_LEN = 5  # shorter words must match exactly
_FUZZY_WORD = 85  # rapidfuzz ratio for one typo'd word (competitor names after "replaced")
_FUZZY_PHRASE = 88  # ... for a typo'd phrase of several words
_PARTIAL_SCORE = 80  # a word that names exactly one multi-word entry ("fraud" -> "Fraud detection")



STOPWORDS = wordset(
    """
    a an the and or but nor with without for from of to in on at by as into onto per via than then so if
    is are was were be been being am do does did doing done have has had having get gets got getting
    can could would should will shall may might must need needs needed needing want wants wanted wanting
    i me my mine we us our ours you your yours he him his she her hers they them their theirs it its
    this that these those there here who whom whose which what when where why how
    any anyone anybody some someone somebody something anything everyone all both each either every
    please pls plz thanks thank thx ty hi hello hey team folks guys everybody
    asap urgent urgently quickly quick soon today tomorrow tonight week weeks month months year years
    next last before after until till eod eow
    monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun
    reference references ref refs referenceable customer customers client clients account accounts
    company companies org orgs organization organisation organizations organisations
    prospect prospects deal deals opportunity opportunities opp opps
    similar like same size sized about around approximately approx roughly over under more less least most
    also too very really good great happy best ideally ideal preferably prefer preferred kind sort type
    based located headquartered hq using uses use used know knows knew find finding found look looking
    seek seeking searching search help speak talk talking contact contacts person someone ideally
    one two three four five few several many much lot lots just only still even either
    sized
    employees employee staff people headcount revenue revenues turnover speaking language languages
    """
)

# ----------------------------------------------------------------------------------------- fixed words

_T = TypeVar("_T")


def _phrase_table(*pairs: tuple[_T, str]) -> dict[str, _T]:
    """{phrase: value} from (value, "phrase, phrase, ...") pairs; a later pair wins a phrase."""
    return {phrase.strip(): value for value, phrases in pairs for phrase in phrases.split(",")}


_SENIORITY = seniority_words().levels
_SENIORITY_RANGES = seniority_words().ranges
_OR_HIGHER = seniority_words().or_higher

# Titles that say the focus too.
_TITLE_PERSONA: dict[str, Persona] = {
    "cio": Persona.technical, "cto": Persona.technical, "ciso": Persona.technical, "cdo": Persona.technical,
    "ceo": Persona.business, "cfo": Persona.business, "coo": Persona.business, "cmo": Persona.business,
    "cro": Persona.business, "cpo": Persona.business,
}

_PERSONA_STRONG: dict[str, Persona] = _phrase_table(
    (
        Persona.technical,
        "technical, technically, techie, engineering, engineer, engineers, developer, developers, dev, devs, "
        "devops, architect, architects, architecture, technologist, infosec, it team, it department, "
        "it leader, it leadership, technical evaluator, technical buyer",
    ),
    (
        Persona.business,
        "business, business side, line of business, lob, economic buyer, business buyer, business user, "
        "business users, non technical",
    ),
)

# Weaker persona words: only when the program's vocabulary does not use them (e.g. as an industry).
_PERSONA_WEAK: dict[str, Persona] = {
    "security": Persona.technical, "it": Persona.technical, "data": Persona.technical,
    "finance": Persona.business, "financial": Persona.business, "marketing": Persona.business,
    "sales": Persona.business, "operations": Persona.business, "ops": Persona.business,
    "procurement": Persona.business, "purchasing": Persona.business, "hr": Persona.business,
}

_ACTIVITY: dict[str, ActivityType] = _phrase_table(
    (ActivityType.site_visit, "site visit, site visits, onsite visit, on site visit, onsite, on site, visit, visits, site tour, tour"),
    (ActivityType.case_study, "case study, case studies, casestudy, success story, success stories, written case study"),
    (ActivityType.video, "video, videos, video testimonial, testimonial, testimonials, recorded testimonial"),
    (ActivityType.press, "press, press release, press releases, journalist, journalists, media interview, press interview"),
    (ActivityType.analyst, "analyst, analysts, analyst briefing, analyst call, analyst relations, gartner, forrester, idc"),
    (ActivityType.event, "event, events, conference, conferences, keynote, panel, panelist, webinar, speaking slot, summit, user group"),
    (ActivityType.call, "call, calls, phone call, reference call, ref call, chat, zoom, phone"),
)

_DEMONYMS = nationalities()
_SOFT_MARKER_WORDS = wordset(
    "ideally ideal preferably preferable prefer bonus optionally optional possible hopefully nice plus"
)
_GROUPS = {w: g for g in place_groups() for w in g.words}
_GROUP_CODES = {c: g for g in place_groups() for c in g.codes}
_TAXONOMY = taxonomy()

_COMPETITOR_TRIGGERS: tuple[tuple[str, ...], ...] = (
    ("replaced",), ("replacing",), ("replace",), ("displaced",), ("displacing",), ("displace",),
    ("switched", "from"), ("switching", "from"), ("moved", "off"), ("moved", "from"), ("moving", "from"),
    ("migrated", "from"), ("migrating", "from"), ("migrated", "off"), ("coming", "from"), ("came", "from"),
    ("competing", "with"), ("instead", "of"), ("vs",), ("versus",), ("against",), ("from",), ("off",),
)
_CONSUMED_TRIGGER_WORDS = frozenset(
    {"replaced", "replacing", "replace", "displaced", "displacing", "displace", "switched", "switching",
     "moved", "moving", "migrated", "migrating", "coming", "came", "competing", "instead", "vs", "versus",
     "against", "from", "off", "with", "of"}
)
_LANGUAGE_BEFORE = ("speaks", "speaking", "speak", "speaker", "in", "language", "fluent")
_LANGUAGE_AFTER = ("speaking", "speaker", "speakers", "speaks", "language", "native")

_TOKEN = re.compile(r"[$€£]?\d+(?:[.,]\d+)*[a-zA-Z]*\+?|[^\W\d_][\w'&]*")
_HYPHEN = re.compile(r"(?<=[^\W\d_])[-/](?=[^\W\d_])")
_US_DOTS = re.compile(r"\bu\.\s?s\.(?:\s?a\.?)?", re.I)


# --------------------------------------------------------------------------------------------- model


@dataclass
class ParsedQuery:
    criteria: Criteria
    unparsed: list[str] = field(default_factory=list)  # words not understood as a criterion (kept as keywords)
    notes: list[str] = field(default_factory=list)  # interpretations worth showing: "germny -> Germany"


# ---------------------------------------------------------------------------------------------- parse



def parse_query(text: str, vocab: Vocabulary) -> ParsedQuery:
    """Read a free-text search into criteria, with what was not understood and what was interpreted.

    Soft wishes ("ideally in Europe", "site visit if possible") are read on their own; what they add to
    the criteria is listed in `Criteria.soft` (it weighs less and never excludes)."""
    text = (text or "").strip()
    index = vocab.index()
    hard_text, soft_text = _split_soft(text)
    hard = _read(hard_text, index)
    if not soft_text.strip():
        return _finish(hard, soft=None)
    return _finish(hard, soft=_read(soft_text, index))


_CLAUSE_END = re.compile(r"[,.;!?\n()]|\bbut\b|\band\b(?= (?:a|an|the|with|who|that|in)\b)")


def _split_soft(text: str) -> tuple[str, str]:
    """(hard, soft): the text with soft clauses blanked, and only the soft clauses (offsets kept)."""
    words = soft_words()
    low = fold(text) if len(fold(text)) == len(text) else text.lower()
    marks = [False] * len(text)
    found = False
    for phrase in words.before:
        for m in re.finditer(r"(?<![\w])" + re.escape(phrase).replace(r"\ ", r"[\s\-]+") + r"(?![\w])", low):
            end = _CLAUSE_END.search(low, m.end())
            stop = end.start() if end else len(text)
            if not any(ch.isalnum() for ch in low[m.end() : stop]):
                continue  # nothing after it: an "after" word ("site visit if possible")
            for k in range(m.start(), stop):
                marks[k] = True
            found = True
    for phrase in words.after:
        for m in re.finditer(r"(?<![\w])" + re.escape(phrase).replace(r"\ ", r"[\s\-]+") + r"(?![\w])", low):
            if any(marks[m.start() : m.end()]):
                continue
            starts = [c.end() for c in _CLAUSE_END.finditer(low, 0, m.start())]
            start = starts[-1] if starts else 0
            for k in range(start, m.end()):
                marks[k] = True
            found = True
    if not found:
        return text, ""
    hard = "".join(" " if marks[k] else ch for k, ch in enumerate(text))
    soft = "".join(ch if marks[k] else " " for k, ch in enumerate(text))
    return hard, soft


def _read(text: str, index: VocabIndex) -> State:
    # Both rewrites keep every offset, so spans point into what the user typed.
    prepared = _HYPHEN.sub(" ", _US_DOTS.sub(lambda m: "USA".ljust(len(m.group(0))), text))
    toks = [Tok(m.group(0), fold(m.group(0)), m.start(), m.end()) for m in _TOKEN.finditer(prepared)]
    letters = [ch for ch in prepared if ch.isalpha()]
    shouting = len(letters) >= 8 and sum(ch.isupper() for ch in letters) / len(letters) > 0.6
    st = State(toks=toks, text=prepared, shouting=shouting, index=index, original=text)
    for tok in toks:  # soft-wish words themselves mean nothing for the search
        if tok.low in _SOFT_MARKER_WORDS:
            tok.used = True

    read_size_lists(st)
    read_numbers(st)
    _read_languages(st)
    _read_competitor(st, index)
    for n in (4, 3, 2):
        _read_fixed_phrases(st, n)
        _read_vocab_phrases(st, index, n)
    for i in range(len(st.toks)):
        if not st.toks[i].used:
            _read_word(st, index, i)
    return st


def _data(st: State) -> dict[str, Any]:
    data = dict(st.data)
    if st.seniorities:
        data["seniority"] = max(st.seniorities, key=lambda s: s.rank)
        if st.or_higher:
            data["seniority_or_higher"] = True
    if "persona" not in data and st.implied_persona is not None:
        data["persona"] = st.implied_persona
    if st.activities:
        data["activity"] = next((a for a in st.activities if a is not ActivityType.call), st.activities[0])
    if len(st.countries) > 1 or st.places:
        data["countries"] = st.countries
        if st.places:
            data["place"] = " or ".join(st.places)
        regions = {_region(c) for c in st.countries}
        if len(regions) == 1 and None not in regions:
            data.setdefault("region", regions.pop())
    data["products"] = st.products
    data["topics"] = st.topics
    data["keywords"] = st.keywords
    return data


# Which criterion a criteria field feeds (a soft wish marks the criterion, not the field).
_SOFT_OF_FIELD = {
    "industry": "industry", "industry_family": "industry", "industry_label": "industry",
    "employees": "employees", "employees_min": "employees", "employees_max": "employees",
    "annual_revenue": "revenue", "revenue_min": "revenue", "revenue_max": "revenue",
    "country": "geo", "countries": "geo", "place": "geo", "region": "geo",
    "seniority": "seniority", "seniority_or_higher": "seniority", "persona": "persona", "language": "language",
    "topics": "topics", "products": "products", "use_case": "use_case", "competitor": "competitor",
    "keywords": "keywords", "activity": "activity",
}


def _finish(hard: State, *, soft: State | None) -> ParsedQuery:
    data = _data(hard)
    notes, unparsed = list(hard.notes), list(hard.unparsed)
    if soft is not None:
        wished = _data(soft)
        soft_names: set[str] = set()
        for name, value in wished.items():
            if value in (None, [], "", False):
                continue
            criterion = _SOFT_OF_FIELD.get(name)
            if criterion is None:
                continue
            taken = any(data.get(f) not in (None, [], "", False) for f, c in _SOFT_OF_FIELD.items() if c == criterion)
            if taken and criterion not in soft_names:
                continue  # asked firmly already: the wish adds nothing
            if isinstance(value, list):
                data[name] = [*data.get(name, []), *value]
            else:
                data[name] = value
            soft_names.add(criterion)
        data["soft"] = sorted(soft_names)
        notes += [n for n in soft.notes if n not in notes]
        unparsed += soft.unparsed
    return ParsedQuery(criteria=Criteria.model_validate(data), unparsed=unparsed, notes=notes)


def _region(iso: str) -> Region | None:
    return region_of(iso)


# ---------------------------------------------------------------------------------------------- phrases

_LANGUAGE_NAMES = language_names()


def _read_languages(st: State) -> None:
    toks = st.toks
    for i, tok in enumerate(toks):
        if tok.used or tok.low not in _LANGUAGE_NAMES:
            continue
        before = toks[i - 1] if i > 0 else None
        after = toks[i + 1] if i + 1 < len(toks) else None
        if after is not None and not after.used and after.low in _LANGUAGE_AFTER:
            span = (i, 2)
        elif before is not None and not before.used and before.low in _LANGUAGE_BEFORE:
            span = (i - 1, 2)
        else:
            continue
        if "language" not in st.data:
            st.data["language"] = _LANGUAGE_NAMES[tok.low]
            st.use(*span)


def _read_competitor(st: State, index: VocabIndex) -> None:
    toks = st.toks
    competitors = index.competitors
    for i in range(len(toks)):
        if "competitor" in st.data:
            return
        for trigger in _COMPETITOR_TRIGGERS:
            n = len(trigger)
            if st.phrase(i, n) != " ".join(trigger):
                continue
            start = i + n
            found = None
            for m in (2, 1):
                phrase = st.phrase(start, m)
                if phrase is None:
                    continue
                best = _best_fuzzy(phrase, competitors, _FUZZY_WORD if m == 1 else _FUZZY_PHRASE)
                if best is not None:
                    found = (m, best[0].value)
                    break
            bare = trigger in (("from",), ("off",), ("against",))
            if found is None and not bare:
                nxt = toks[start] if start < len(toks) else None
                if nxt is not None and not nxt.used and nxt.low not in STOPWORDS and nxt.text[:1].isalpha():
                    value = nxt.text if not nxt.text.islower() else nxt.text.capitalize()
                    found = (1, value)
            if found is None:
                continue
            m, value = found
            st.data["competitor"] = value
            note(st, st.typed(start, m), value)
            st.use(start, m)
            for k in range(i, start):
                if toks[k].low in _CONSUMED_TRIGGER_WORDS:
                    toks[k].used = True
            break


def _country_keys() -> tuple[dict[str, str], dict[str, str], list[str]]:
    """(names and safe aliases -> ISO2, codes -> ISO2, names for typo matching)."""
    names: dict[str, str] = {}
    codes: dict[str, str] = {}
    for k, iso in country_lookup_keys().items():
        k = fold(k)
        if "." in k:
            continue
        if len(k) <= 3 and k not in ("uk", "usa", "uae", "ksa", "prc"):
            codes[k] = iso
        else:
            names[k] = iso
    fuzzy = sorted({fold(name) for _, name, _ in all_countries()} | {k for k in names if len(k) >= _FUZZY_MIN_LEN})
    return names, codes, fuzzy


_COUNTRY_NAMES, _COUNTRY_CODES, _COUNTRY_FUZZY = _country_keys()
# Capitalised codes that are more often something else: IT (persona), PR (press), HR, ID, IN, IS, ...
_AMBIGUOUS_CODES = wordset(
    "IT PR HR ID IN IS AT BE NO ME MY TO AS ON AM DO CO MA AR OR SO GO UP CAN ARE PER FIN PAN NOR DOM POL MAR"
)


def _set_country(st: State, iso: str, typed: str, *, guessed: bool = False) -> bool:
    """Add a country (a list of countries reads as "any of"); note the reading when it was a guess
    (typo, nationality)."""
    if iso not in st.countries:
        st.countries.append(iso)
    st.data.setdefault("country", iso)
    if guessed:
        note(st, typed, country_name(iso))
    return True


def _set_group(st: State, group: PlaceGroup) -> bool:
    """A named place: its countries join the ones asked ("DACH", "the Nordics"); a region stays a region."""
    if group.name in ("EMEA", "APAC", "Latin America") or not group.countries:
        if group.region is not None:
            st.data.setdefault("region", group.region)
        return True
    if group.name not in st.places:
        st.places.append(group.name)
    for iso in sorted(group.countries):
        if iso not in st.countries:
            st.countries.append(iso)
    return True


def _set_seniority(st: State, i: int, n: int, level: Seniority, *, or_higher: bool = False) -> None:
    """A seniority, and "or higher" when the words after it (or a "+") say so: "VP or higher", "director+"."""
    st.seniorities.append(level)
    last = i + n - 1
    if or_higher or "+" in st.after(last)[:1]:
        st.or_higher = True
        return
    for m in (3, 2, 1):
        phrase = st.phrase(last + 1, m)
        if phrase is not None and phrase in _OR_HIGHER:
            st.or_higher = True
            st.use(last + 1, m)
            return


def _read_fixed_phrases(st: State, n: int) -> None:
    for i in range(len(st.toks) - n + 1):
        phrase = st.phrase(i, n)
        if phrase is None:
            continue
        if _apply_fixed(st, phrase, st.typed(i, n), span=(i, n)):
            st.use(i, n)


def _apply_fixed(st: State, phrase: str, typed: str, *, span: tuple[int, int]) -> bool:
    """Seniority, persona, activity, place, size, industry or nationality words; True when understood."""
    if phrase in _SENIORITY:
        st.use(*span)
        _set_seniority(st, *span, _SENIORITY[phrase])
        if phrase in _TITLE_PERSONA and st.implied_persona is None:
            st.implied_persona = _TITLE_PERSONA[phrase]
        return True
    if phrase in _SENIORITY_RANGES:
        st.use(*span)
        _set_seniority(st, *span, _SENIORITY_RANGES[phrase], or_higher=True)
        return True
    if phrase in _PERSONA_STRONG:
        st.data.setdefault("persona", _PERSONA_STRONG[phrase])
        return True
    if phrase in _ACTIVITY:
        st.activities.append(_ACTIVITY[phrase])
        return True
    if phrase in _GROUPS:
        return _set_group(st, _GROUPS[phrase])
    if phrase in _COUNTRY_NAMES:
        return _set_country(st, _COUNTRY_NAMES[phrase], typed)
    if " " in phrase and phrase in _DEMONYMS:
        return _set_country(st, _DEMONYMS[phrase], typed, guessed=True)
    if " " in phrase and apply_size_word(st, phrase, typed):
        return True
    if " " in phrase and st.index is not None and st.index.lookup(phrase) is None:
        return _apply_hint(st, st.index, phrase, typed)
    return False


def _apply_hint(st: State, index: VocabIndex, phrase: str, typed: str) -> bool:
    """An industry word of the taxonomy ("bank", "hospital", "e-commerce", "FSI") -> the program's own
    industry name; an industry the program lacks, or a whole family, -> its family."""
    family = _TAXONOMY.family_word(phrase)
    canon = None if family else _TAXONOMY.canonical(phrase)
    if family is None and canon is None:
        return False
    if "industry" in st.data or "industry_family" in st.data:
        return True  # one industry per search: the first one named
    if canon is not None:
        value = index.industry_value(canon)
        if value is not None:
            st.data["industry"] = value
            note(st, typed, value)
            return True
        st.data["industry_label"] = canon
        family = _TAXONOMY.family(canon)
        note(st, typed, canon)
    if family is not None:
        st.data["industry_family"] = family
        if canon is None:
            note(st, typed, f"{family} (any)")
    return True


def _best_fuzzy(phrase: str, entries: Sequence[Entry], cutoff: int) -> tuple[Entry, float] | None:
    best: tuple[Entry, float] | None = None
    compact = phrase.replace(" ", "")
    for e in entries:
        s = 100.0 if compact == e.key else fuzz.ratio(phrase, " ".join(e.words))
        if s >= cutoff and (best is None or s > best[1]):
            best = (e, s)
    return best


def _read_vocab_phrases(st: State, index: VocabIndex, n: int) -> None:
    """Multi-word vocabulary entries ("financial services", "fraud detection", an account name)."""
    for i in range(len(st.toks) - n + 1):
        phrase = st.phrase(i, n)
        if phrase is None:
            continue
        typed = st.typed(i, n)
        entries = index.lookup(phrase)
        if entries:
            _assign(st, entries, typed, exact=not index.by_glossary(phrase))
            st.use(i, n)
            continue
        if any(w in STOPWORDS for w in phrase.split()):
            continue
        multi = [e for e in index.fuzzy_multi if len(e.words) == n]
        best = _best_fuzzy(phrase, multi, _FUZZY_PHRASE)
        if best is not None:
            ties = [e for e in multi if fuzz.ratio(phrase, " ".join(e.words)) == best[1]]
            _assign(st, ties, typed, exact=False)
            st.use(i, n)


def _assign(st: State, entries: Sequence[Entry], typed: str, *, exact: bool) -> None:
    """Put a vocabulary match into every category it belongs to (e.g. a use case that is also a topic)."""
    kinds = sorted({e.kind for e in entries}, key=KIND_ORDER.index)
    if kinds == ["account"] or ("account" in kinds and len(kinds) == 1):
        st.keywords.append(entries[0].value)
        return
    for kind in kinds:
        if kind == "account":
            continue
        value = next(e.value for e in entries if e.kind == kind)
        if kind == "industry":
            if "industry" in st.data:
                st.keywords.append(typed)
                continue
            st.data["industry"] = value
        elif kind == "use_case":
            st.data.setdefault("use_case", value)
        elif kind == "competitor":
            st.data.setdefault("competitor", value)
        elif kind == "product":
            st.products.append(value)
        elif kind == "topic":
            st.topics.append(value)
        if not exact:
            note(st, typed, value)


# ---------------------------------------------------------------------------------------------- words


def _read_word(st: State, index: VocabIndex, i: int) -> None:
    tok = st.toks[i]
    low, typed = tok.low, tok.text
    if tok.text.isupper() and len(tok.text) >= 2 and not st.shouting:
        if tok.text == "IT":
            st.data.setdefault("persona", Persona.technical)
            tok.used = True
            return
        if tok.text == "PR":
            st.activities.append(ActivityType.press)
            tok.used = True
            return
        if tok.text in _GROUP_CODES:
            _set_group(st, _GROUP_CODES[tok.text])
            tok.used = True
            return
        if low in _COUNTRY_CODES and tok.text not in _AMBIGUOUS_CODES:
            _set_country(st, _COUNTRY_CODES[low], country_name(_COUNTRY_CODES[low]))
            tok.used = True
            return
    if low == "it" and _next_to_seniority(st, i):  # "IT director", "head of IT"
        st.data.setdefault("persona", Persona.technical)
        tok.used = True
        return
    entries = index.lookup(low)
    if not entries and apply_size_word(st, low, typed):
        tok.used = True
        return
    if low in STOPWORDS and low not in _ACTIVITY:
        tok.used = True
        return
    if _apply_fixed(st, low, typed, span=(i, 1)):
        tok.used = True
        return
    if entries:
        _assign(st, entries, typed, exact=not index.by_glossary(low))
        tok.used = True
        return
    if low in _PERSONA_WEAK:
        st.data.setdefault("persona", _PERSONA_WEAK[low])
        tok.used = True
        return
    if _apply_hint(st, index, low, typed):
        tok.used = True
        return
    if low in _DEMONYMS and _set_country(st, _DEMONYMS[low], typed, guessed=True):
        tok.used = True
        return
    if len(low) >= 4 and low.isalpha() and _read_partial(st, index, i):
        tok.used = True
        return
    known_word = any((kind, low) in index.word_owners for kind in KIND_ORDER)
    if not known_word and len(low) >= _FUZZY_MIN_LEN and low.isalpha() and _read_typo(st, index, i):
        tok.used = True
        return
    tok.used = True
    st.unparsed.append(typed)
    if any(ch.isalpha() for ch in low) and len(low) >= 3:
        st.keywords.append(typed)


def _next_to_seniority(st: State, i: int) -> bool:
    toks = st.toks
    after = toks[i + 1].low if i + 1 < len(toks) else ""
    before = toks[i - 1].low if i > 0 else ""
    before2 = " ".join(t.low for t in toks[max(0, i - 2) : i])
    return after in _SENIORITY or before in _SENIORITY or before2 in _SENIORITY or (
        before == "of" and i >= 2 and toks[i - 2].low in _SENIORITY
    )


# English words one edit away from a country or a common industry name.
_NOT_TYPOS = wordset("child chili chilly walls whales sprain backing indie malts cypress koran media medic")


def _keyboard_neighbours() -> frozenset[tuple[str, str]]:
    rows = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
    pairs: set[tuple[str, str]] = set()
    for r, row in enumerate(rows):
        for c, ch in enumerate(row):
            near = [row[c - 1] if c > 0 else "", row[c + 1] if c + 1 < len(row) else ""]
            for other in (r - 1, r + 1):
                if 0 <= other < len(rows):
                    near += [rows[other][k] for k in (c - 1, c, c + 1) if 0 <= k < len(rows[other])]
            pairs.update((ch, n) for n in near if n)
    return frozenset(pairs)


_NEIGHBOURS = _keyboard_neighbours()


def _typo_distance(typed: str, word: str) -> int | None:
    """Edits between a typed word and a known one when it is plausibly a typo of it, else None.

    Typos keep the first letter; one edit up to 7 letters (a transposition, a missing or extra letter, or
    a neighbouring key), two from 8: "germny" -> germany, "itlay" -> italy, "helthcare" -> healthcare;
    but "portal" is not "portugal" and "retain" is not "retail".
    """
    if typed[:1] != word[:1] or abs(len(typed) - len(word)) > 2 or typed in _NOT_TYPOS:
        return None
    allowed = 1 if min(len(typed), len(word)) <= 7 else 2
    d = OSA.distance(typed, word, score_cutoff=allowed)
    if d > allowed:
        return None
    if d == 1 and allowed == 1 and len(typed) == len(word):
        diff = [k for k in range(len(word)) if typed[k] != word[k]]
        if len(diff) == 1 and (typed[diff[0]], word[diff[0]]) not in _NEIGHBOURS:
            return None  # one different letter that is not a slip of the finger: another word
    return d


def _read_typo(st: State, index: VocabIndex, i: int) -> bool:
    """A typo'd country or vocabulary word ("germny", "helthcare")."""
    tok = st.toks[i]
    low = tok.low
    best: tuple[int, int, str, object] | None = None  # (distance, priority, kind, target)
    for name in _COUNTRY_FUZZY:
        d = _typo_distance(low, name)
        if d is not None and (best is None or (d, 1) < best[:2]):
            best = (d, 1, "country", name)
    for e in index.fuzzy_single:
        d = _typo_distance(low, e.words[0])
        if d is not None and (best is None or (d, 0) < best[:2]):
            best = (d, 0, "vocab", e)
    if best is None:
        return False
    if best[2] == "country":
        name = str(best[3])
        iso = _COUNTRY_NAMES.get(name) or next(iso for iso, n, _ in all_countries() if fold(n) == name)
        return _set_country(st, iso, tok.text, guessed=True)
    word = best[3].words[0]  # type: ignore[attr-defined]
    ties = [e for e in index.fuzzy_single if e.words[0] == word]
    _assign(st, ties, tok.text, exact=False)
    return True


def _read_partial(st: State, index: VocabIndex, i: int) -> bool:
    """A word naming exactly one multi-word entry of a kind: "fraud" -> "Fraud detection"."""
    low = st.toks[i].low
    if low in STOPWORDS:
        return False
    found: list[Entry] = []
    for kind in KIND_ORDER[:-1]:
        owners = index.word_owners.get((kind, low)) or index.word_owners.get((kind, stem(low)))
        if owners and len(owners) == 1:
            found.append(owners[0])
    if not found:
        return False
    _assign(st, found, st.toks[i].text, exact=False)
    return True
