"""Free text -> search criteria: `healthcare 5k employees germny VP integration`. Pure.

Reads, in this order: numbers (employees, revenue), languages ("German-speaking", "speaks Spanish"), the
competitor replaced ("replaced Oracle"), fixed words (seniority, persona, activity, regions, countries),
the program's own vocabulary (industries, products, use cases, topics, competitors, account names),
industry hints ("bank" -> Banking), nationalities ("German bank" -> Germany), then typos (rapidfuzz).
What is left becomes keywords, matched fuzzily by the engine against account names, use cases and notes.

Typo tolerance never applies to short or common words: "need", "with", "call", "for", "the" never turn
into a country or an industry.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from refbot.domain import ActivityType, Persona, Region, Seniority, parse_quantity
from refbot.geo import REGION_ALIASES, all_countries, country_lookup_keys, country_name
from refbot.matching.candidates import Candidate
from refbot.matching.criteria import Criteria
from refbot.matching.text import clean_list, employees_text, fold, key, language_names, money_text

_FUZZY_MIN_LEN = 5  # shorter words must match exactly
_FUZZY_WORD = 85  # rapidfuzz ratio for one typo'd word (competitor names after "replaced")
_FUZZY_PHRASE = 88  # ... for a typo'd phrase of several words
_PARTIAL_SCORE = 80  # a word that names exactly one multi-word entry ("fraud" -> "Fraud detection")



def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOPWORDS = _wordset(
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
    small smaller large larger big bigger huge tiny mid midsize medium sized
    employees employee staff people headcount revenue revenues turnover speaking language languages
    """
)

# ----------------------------------------------------------------------------------------- fixed words


_T = TypeVar("_T")


def _phrase_table(*pairs: tuple[_T, str]) -> dict[str, _T]:
    """{phrase: value} from (value, "phrase, phrase, ...") pairs; a later pair wins a phrase."""
    return {phrase.strip(): value for value, phrases in pairs for phrase in phrases.split(",")}


_SENIORITY: dict[str, Seniority] = _phrase_table(
    (
        Seniority.c_level,
        "c level, c suite, c levels, cxo, cxos, exec, execs, executive, executives, chief, ceo, cfo, cio, cto, "
        "coo, cmo, cro, ciso, cdo, cpo, cso, cco, cio level, president, founder, cofounder, co founder, board "
        "member, managing director, general manager, gm",
    ),
    (Seniority.vp, "vp, vps, svp, evp, avp, rvp, vice president, vice presidents, head of, head"),
    (Seniority.director, "director, directors, dir, sr director, senior director"),
    (Seniority.manager, "manager, managers, mgr, mgrs, team lead, supervisor, line manager"),
    (Seniority.individual, "individual contributor, individual contributors, practitioner, practitioners, end user, end users, hands on"),
)

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

_REGION_WORDS: dict[str, Region] = {k: v for k, v in REGION_ALIASES.items() if k not in ("na", "eu")}
_REGION_WORDS.update({"european": Region.EMEA, "nordic": Region.EMEA, "asian": Region.APAC,
                      "latin american": Region.LATAM, "north american": Region.NA, "middle eastern": Region.EMEA})
_REGION_CODES = {"NA": Region.NA, "EU": Region.EMEA}  # only in capitals ("na", "eu" are words elsewhere)

_DEMONYMS: dict[str, str] = {
    "german": "DE", "french": "FR", "spanish": "ES", "british": "GB", "english": "GB", "scottish": "GB",
    "welsh": "GB", "irish": "IE", "dutch": "NL", "belgian": "BE", "swiss": "CH", "austrian": "AT",
    "italian": "IT", "portuguese": "PT", "swedish": "SE", "norwegian": "NO", "danish": "DK",
    "finnish": "FI", "polish": "PL", "czech": "CZ", "hungarian": "HU", "romanian": "RO", "greek": "GR",
    "turkish": "TR", "israeli": "IL", "emirati": "AE", "saudi": "SA", "egyptian": "EG", "moroccan": "MA",
    "nigerian": "NG", "kenyan": "KE", "south african": "ZA", "japanese": "JP", "chinese": "CN",
    "korean": "KR", "indian": "IN", "singaporean": "SG", "malaysian": "MY", "thai": "TH",
    "vietnamese": "VN", "indonesian": "ID", "filipino": "PH", "taiwanese": "TW", "australian": "AU",
    "aussie": "AU", "kiwi": "NZ", "canadian": "CA", "american": "US", "mexican": "MX", "brazilian": "BR",
    "argentinian": "AR", "argentine": "AR", "chilean": "CL", "colombian": "CO", "peruvian": "PE",
}

# Industry words people use -> industry names a program may have (the first one present wins).
_INDUSTRY_HINTS: dict[str, tuple[str, ...]] = {}
for _words_, _targets in (
    ("bank, banks, banker, bankers, lender, lenders", "Banking, Banks, Financial Services, Finance"),
    ("fintech, fintechs", "Fintech, Financial Services, Banking"),
    ("insurer, insurers, insurance company, reinsurer", "Insurance, Financial Services"),
    ("hospital, hospitals, health, medical, clinic, clinics, health system, payer, provider",
     "Healthcare, Health Care, Hospitals, Life Sciences"),
    ("pharma, biotech, drug, drugs, pharmaceutical", "Pharmaceuticals, Pharma, Life Sciences, Biotech, Healthcare"),
    ("telco, telcos, telecom, carrier, carriers, mobile operator", "Telecommunications, Telecom, Technology"),
    ("retailer, retailers, shop, shops, store, stores, ecommerce, e commerce, webshop",
     "Retail, E-commerce, Ecommerce, Consumer Goods"),
    ("manufacturer, manufacturers, factory, factories, industrial, plant",
     "Manufacturing, Industrial, Industrials"),
    ("government, gov, govt, agency, agencies, public, municipality, city, federal, state government",
     "Public Sector, Government"),
    ("university, universities, school, schools, college, colleges, edu, higher ed", "Education, Higher Education"),
    ("utility, utilities, power, oil, gas, energy company", "Energy, Utilities, Oil & Gas"),
    ("airline, airlines, logistics, shipping, trucking, freight, carrier", "Transportation, Logistics"),
    ("software, saas, tech, tech company, startup", "Technology, Software"),
    ("automaker, automakers, auto, car maker, carmaker", "Automotive, Manufacturing"),
    ("publisher, publishers, broadcaster, broadcasters, studio", "Media, Media & Entertainment"),
):
    for _w in _words_.split(","):
        _INDUSTRY_HINTS[_w.strip()] = tuple(t.strip() for t in _targets.split(","))

_EMPLOYEE_UNITS = _wordset("employees employee emps emp staff people persons ftes fte headcount heads workers workforce")
_REVENUE_UNITS = _wordset("revenue revenues rev turnover sales arr usd dollars eur euros gbp")
_MULTIPLIER_WORDS = {"k": "k", "thousand": "k", "m": "m", "mm": "m", "mn": "m", "million": "m", "millions": "m",
                     "b": "b", "bn": "b", "billion": "b", "billions": "b"}
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
class Vocabulary:
    """Words of the program's own data, to read free text against."""

    industries: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    use_cases: list[str] = field(default_factory=list)
    competitors: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    account_names: list[str] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)  # ISO2 codes present in the data
    _index: _VocabIndex | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def from_candidates(cls, candidates: Iterable[Candidate]) -> Vocabulary:
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
        )

    def index(self) -> _VocabIndex:
        if self._index is None:
            self._index = _VocabIndex(self)
        return self._index


@dataclass
class ParsedQuery:
    criteria: Criteria
    unparsed: list[str] = field(default_factory=list)  # words not understood as a criterion (kept as keywords)
    notes: list[str] = field(default_factory=list)  # interpretations worth showing: "germny -> Germany"


@dataclass
class _Entry:
    kind: str  # industry, product, use_case, topic, competitor, account
    value: str
    key: str
    words: tuple[str, ...]
    stem: str


_KIND_ORDER = ("industry", "use_case", "product", "topic", "competitor", "account")


def _stem(word: str) -> str:
    for suffix in ("ings", "ing", "ers", "er", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


class _VocabIndex:
    """Vocabulary entries by key, stem and word count, for exact, plural and typo-tolerant reading."""

    def __init__(self, vocab: Vocabulary) -> None:
        self.by_key: dict[str, list[_Entry]] = {}
        self.by_stem: dict[str, list[_Entry]] = {}
        self.fuzzy_single: list[_Entry] = []
        self.fuzzy_multi: list[_Entry] = []
        self.word_owners: dict[tuple[str, str], list[_Entry]] = {}  # (kind, word) -> multi-word entries
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
                e = _Entry(kind=kind, value=value, key=key(value), words=ws, stem=" ".join(_stem(w) for w in ws))
                self.by_key.setdefault(e.key, []).append(e)
                if kind == "account":
                    continue  # names are matched exactly; the engine matches keywords fuzzily
                self.by_stem.setdefault(e.stem, []).append(e)
                (self.fuzzy_single if len(ws) == 1 else self.fuzzy_multi).append(e)
                if len(ws) > 1:
                    for w in set(ws):
                        self.word_owners.setdefault((kind, w), []).append(e)
        self.industry_keys = {key(v): v for v in vocab.industries}
        self.industries = list(vocab.industries)


# ---------------------------------------------------------------------------------------------- parse


@dataclass
class _Tok:
    text: str  # as typed
    low: str  # folded
    start: int
    end: int
    used: bool = False


@dataclass
class _State:
    toks: list[_Tok]
    text: str
    shouting: bool
    index: _VocabIndex | None = None
    original: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    products: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    seniorities: list[Seniority] = field(default_factory=list)
    implied_persona: Persona | None = None
    activities: list[ActivityType] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    unparsed: list[str] = field(default_factory=list)

    def phrase(self, start: int, n: int) -> str | None:
        """Folded text of n unused tokens from `start`, or None when one is used or out of range."""
        if start + n > len(self.toks):
            return None
        part = self.toks[start : start + n]
        if any(t.used for t in part):
            return None
        return " ".join(t.low for t in part)

    def typed(self, start: int, n: int) -> str:
        """The words as the user typed them (hyphens included)."""
        return self.original[self.toks[start].start : self.toks[start + n - 1].end]

    def use(self, start: int, n: int) -> None:
        for t in self.toks[start : start + n]:
            t.used = True


def parse_query(text: str, vocab: Vocabulary) -> ParsedQuery:
    """Read a free-text search into criteria, with what was not understood and what was interpreted."""
    text = (text or "").strip()
    # Both rewrites keep every offset, so spans point into what the user typed.
    prepared = _HYPHEN.sub(" ", _US_DOTS.sub(lambda m: "USA".ljust(len(m.group(0))), text))
    toks = [_Tok(m.group(0), fold(m.group(0)), m.start(), m.end()) for m in _TOKEN.finditer(prepared)]
    letters = [ch for ch in prepared if ch.isalpha()]
    shouting = len(letters) >= 8 and sum(ch.isupper() for ch in letters) / len(letters) > 0.6
    index = vocab.index()
    st = _State(toks=toks, text=prepared, shouting=shouting, index=index, original=text)

    _read_numbers(st)
    _read_languages(st)
    _read_competitor(st, index)
    for n in (4, 3, 2):
        _read_fixed_phrases(st, n)
        _read_vocab_phrases(st, index, n)
    for i in range(len(st.toks)):
        if not st.toks[i].used:
            _read_word(st, index, i)

    data = st.data
    if st.seniorities:
        data["seniority"] = max(st.seniorities, key=lambda s: s.rank)
    if "persona" not in data and st.implied_persona is not None:
        data["persona"] = st.implied_persona
    if st.activities:
        data["activity"] = next((a for a in st.activities if a is not ActivityType.call), st.activities[0])
    data["products"] = st.products
    data["topics"] = st.topics
    data["keywords"] = st.keywords
    return ParsedQuery(criteria=Criteria.model_validate(data), unparsed=st.unparsed, notes=st.notes)


def _note(st: _State, typed: str, meant: str) -> None:
    if fold(typed) != fold(meant):
        text = f"{typed} -> {meant}"
        if text not in st.notes:
            st.notes.append(text)


# ---------------------------------------------------------------------------------------------- numbers


def _quantity(tok: _Tok, nxt: _Tok | None) -> tuple[float, str, bool, int] | None:
    """(value, multiplier letter, has currency, tokens used) for a number token, else None."""
    raw = tok.text.rstrip("+")
    currency = raw[:1] in "$€£"
    body = raw.lstrip("$€£")
    m = re.fullmatch(r"(\d+(?:[.,]\d+)*)([a-zA-Z]*)", body)
    if not m:
        return None
    digits, suffix = m.group(1), m.group(2).lower()
    used = 1
    if not suffix and nxt is not None and not nxt.used and nxt.low in _MULTIPLIER_WORDS:
        suffix, used = nxt.low, 2
    if suffix and suffix not in _MULTIPLIER_WORDS:
        return None
    mult = _MULTIPLIER_WORDS.get(suffix, "")
    try:
        value = parse_quantity(digits + mult) if mult else parse_quantity(digits)
    except ValueError:
        return None
    return float(value), mult, currency, used


def _read_numbers(st: _State) -> None:
    toks = st.toks
    i = 0
    while i < len(toks):
        tok = toks[i]
        if tok.used or not (tok.text[:1].isdigit() or tok.text[:1] in "$€£"):
            i += 1
            continue
        q = _quantity(tok, toks[i + 1] if i + 1 < len(toks) else None)
        if q is None:
            i += 1
            continue
        value, mult, currency, used = q
        first, last = i, i + used - 1
        ranged = False
        # A range: "1k-5k", "1,000 to 5,000", "1-5k" -> the geometric middle.
        j = last + 1
        gap = st.text[toks[last].end : toks[j].start] if j < len(toks) else ""
        if j < len(toks) and gap.strip() in ("-", "–") and toks[j].text[:1].isdigit() or (
            j + 1 < len(toks) and toks[j].low == "to" and toks[j + 1].text[:1].isdigit()
        ):
            k = j if toks[j].low != "to" else j + 1
            q2 = _quantity(toks[k], toks[k + 1] if k + 1 < len(toks) else None)
            scaled = value
            if q2 is not None and not mult and q2[1]:  # "1-5k": the first number takes the second's multiplier
                try:
                    scaled = float(parse_quantity(f"{int(value) if value == int(value) else value}{q2[1]}"))
                except ValueError:  # "999999999999-5b" would be out of range: not a range
                    q2 = None
            if q2 is not None:
                value2, mult2, currency2, used2 = q2
                if not mult and mult2:
                    value, mult = scaled, mult2
                if value2 > 0 and value > 0:
                    value = math.sqrt(value * value2)
                    value = float(round(value, -max(0, int(math.log10(value)) - 1)))
                currency = currency or currency2
                last = k + used2 - 1
                ranged = True
        unit = _unit_around(st, first, last)
        kind = unit
        if kind is None:
            if currency or mult in ("b", "m"):
                kind = "revenue"
            elif mult == "k" or (value >= 10 and not (1900 <= value <= 2100 and "," not in tok.text)):
                kind = "employees"
        typed = st.original[toks[first].start : toks[last].end]
        field_name = {"employees": "employees", "revenue": "annual_revenue"}.get(kind or "")
        if field_name is None or field_name in st.data or value < 1:
            st.unparsed.append(typed)
            st.use(first, last - first + 1)
            i = last + 1
            continue
        st.data[field_name] = int(value)
        st.use(first, last - first + 1)
        if unit is None or ranged:
            meant = employees_text(int(value)) if kind == "employees" else f"{money_text(value)} revenue"
            _note(st, typed, ("about " if ranged else "") + meant)
        i = last + 1


def _unit_around(st: _State, first: int, last: int) -> str | None:
    """"employees" or "revenue" from the words right after (or before) a number; those words are used."""
    toks = st.toks
    j = last + 1
    if j < len(toks) and toks[j].low in ("in", "of") and j + 1 < len(toks) and toks[j + 1].low in _REVENUE_UNITS:
        toks[j].used = toks[j + 1].used = True
        return "revenue"
    if j < len(toks) and not toks[j].used:
        if toks[j].low in _EMPLOYEE_UNITS:
            toks[j].used = True
            return "employees"
        if toks[j].low in _REVENUE_UNITS:
            toks[j].used = True
            return "revenue"
    k = first - 1
    if k >= 0 and toks[k].low in ("of", "is", "about", "around", "approx", "approximately", "over", "under"):
        k -= 1
    if k >= 0 and not toks[k].used:
        if toks[k].low in _REVENUE_UNITS:
            st.use(k, first - k)
            return "revenue"
        if toks[k].low in _EMPLOYEE_UNITS:
            st.use(k, first - k)
            return "employees"
    return None


# ---------------------------------------------------------------------------------------------- phrases

_LANGUAGE_NAMES = language_names()


def _read_languages(st: _State) -> None:
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


def _read_competitor(st: _State, index: _VocabIndex) -> None:
    toks = st.toks
    competitors = [e for es in index.by_key.values() for e in es if e.kind == "competitor"]
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
            _note(st, st.typed(start, m), value)
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
_AMBIGUOUS_CODES = _wordset(
    "IT PR HR ID IN IS AT BE NO ME MY TO AS ON AM DO CO MA AR OR SO GO UP CAN ARE PER FIN PAN NOR DOM POL MAR"
)


def _set_country(st: _State, iso: str, typed: str, *, note: bool = False) -> bool:
    """Set the country (the first one wins); note the reading when it was a guess (typo, nationality)."""
    if "country" in st.data:
        return bool(st.data["country"] == iso)
    st.data["country"] = iso
    if note:
        _note(st, typed, country_name(iso))
    return True


def _read_fixed_phrases(st: _State, n: int) -> None:
    for i in range(len(st.toks) - n + 1):
        phrase = st.phrase(i, n)
        if phrase is None:
            continue
        if _apply_fixed(st, phrase, st.typed(i, n)):
            st.use(i, n)


def _apply_fixed(st: _State, phrase: str, typed: str) -> bool:
    """Seniority, persona, activity, region, country or nationality words; True when understood."""
    if phrase in _SENIORITY:
        st.seniorities.append(_SENIORITY[phrase])
        if phrase in _TITLE_PERSONA and st.implied_persona is None:
            st.implied_persona = _TITLE_PERSONA[phrase]
        return True
    if phrase in _PERSONA_STRONG:
        st.data.setdefault("persona", _PERSONA_STRONG[phrase])
        return True
    if phrase in _ACTIVITY:
        st.activities.append(_ACTIVITY[phrase])
        return True
    if phrase in _REGION_WORDS:
        st.data.setdefault("region", _REGION_WORDS[phrase])
        return True
    if phrase in _COUNTRY_NAMES:
        return _set_country(st, _COUNTRY_NAMES[phrase], typed)
    if " " in phrase and phrase in _DEMONYMS:
        return _set_country(st, _DEMONYMS[phrase], typed, note=True)
    if " " in phrase and phrase in _INDUSTRY_HINTS and st.index is not None:
        return _apply_hint(st, st.index, phrase, typed)
    return False


def _apply_hint(st: _State, index: _VocabIndex, phrase: str, typed: str) -> bool:
    """An industry word ("bank", "hospital", "e-commerce") -> the program's own industry name."""
    if "industry" in st.data:
        return False
    for target in _INDUSTRY_HINTS.get(phrase, ()):
        value = index.industry_keys.get(key(target))
        if value is not None:
            st.data["industry"] = value
            _note(st, typed, value)
            return True
    return False


def _best_fuzzy(phrase: str, entries: Sequence[_Entry], cutoff: int) -> tuple[_Entry, float] | None:
    best: tuple[_Entry, float] | None = None
    compact = phrase.replace(" ", "")
    for e in entries:
        s = 100.0 if compact == e.key else fuzz.ratio(phrase, " ".join(e.words))
        if s >= cutoff and (best is None or s > best[1]):
            best = (e, s)
    return best


def _read_vocab_phrases(st: _State, index: _VocabIndex, n: int) -> None:
    """Multi-word vocabulary entries ("financial services", "fraud detection", an account name)."""
    for i in range(len(st.toks) - n + 1):
        phrase = st.phrase(i, n)
        if phrase is None:
            continue
        typed = st.typed(i, n)
        entries = index.by_key.get(key(phrase)) or index.by_stem.get(" ".join(_stem(w) for w in phrase.split()))
        if entries:
            _assign(st, entries, typed, exact=True)
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


def _assign(st: _State, entries: Sequence[_Entry], typed: str, *, exact: bool) -> None:
    """Put a vocabulary match into every category it belongs to (e.g. a use case that is also a topic)."""
    kinds = sorted({e.kind for e in entries}, key=_KIND_ORDER.index)
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
            _note(st, typed, value)


# ---------------------------------------------------------------------------------------------- words


def _read_word(st: _State, index: _VocabIndex, i: int) -> None:
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
        if tok.text in _REGION_CODES:
            st.data.setdefault("region", _REGION_CODES[tok.text])
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
    if low in STOPWORDS and low not in _ACTIVITY:
        tok.used = True
        return
    if _apply_fixed(st, low, typed):
        tok.used = True
        return
    entries = index.by_key.get(key(low)) or index.by_stem.get(_stem(low))
    if entries:
        _assign(st, entries, typed, exact=True)
        tok.used = True
        return
    if low in _PERSONA_WEAK:
        st.data.setdefault("persona", _PERSONA_WEAK[low])
        tok.used = True
        return
    if low in _INDUSTRY_HINTS and _apply_hint(st, index, low, typed):
        tok.used = True
        return
    if low in _DEMONYMS and _set_country(st, _DEMONYMS[low], typed, note=True):
        tok.used = True
        return
    if len(low) >= 4 and low.isalpha() and _read_partial(st, index, i):
        tok.used = True
        return
    known_word = any((kind, low) in index.word_owners for kind in _KIND_ORDER)
    if not known_word and len(low) >= _FUZZY_MIN_LEN and low.isalpha() and _read_typo(st, index, i):
        tok.used = True
        return
    tok.used = True
    st.unparsed.append(typed)
    if any(ch.isalpha() for ch in low) and len(low) >= 2:
        st.keywords.append(typed)


def _next_to_seniority(st: _State, i: int) -> bool:
    toks = st.toks
    after = toks[i + 1].low if i + 1 < len(toks) else ""
    before = toks[i - 1].low if i > 0 else ""
    before2 = " ".join(t.low for t in toks[max(0, i - 2) : i])
    return after in _SENIORITY or before in _SENIORITY or before2 in _SENIORITY or (
        before == "of" and i >= 2 and toks[i - 2].low in _SENIORITY
    )


# English words one edit away from a country or a common industry name.
_NOT_TYPOS = _wordset("child chili chilly walls whales sprain backing indie malts cypress koran media medic")


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


def _read_typo(st: _State, index: _VocabIndex, i: int) -> bool:
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
        return _set_country(st, iso, tok.text, note=True)
    word = best[3].words[0]  # type: ignore[attr-defined]
    ties = [e for e in index.fuzzy_single if e.words[0] == word]
    _assign(st, ties, tok.text, exact=False)
    return True


def _read_partial(st: _State, index: _VocabIndex, i: int) -> bool:
    """A word naming exactly one multi-word entry of a kind: "fraud" -> "Fraud detection"."""
    low = st.toks[i].low
    if low in STOPWORDS:
        return False
    found: list[_Entry] = []
    for kind in _KIND_ORDER[:-1]:
        owners = index.word_owners.get((kind, low)) or index.word_owners.get((kind, _stem(low)))
        if owners and len(owners) == 1:
            found.append(owners[0])
    if not found:
        return False
    _assign(st, found, st.toks[i].text, exact=False)
    return True
