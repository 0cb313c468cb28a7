"""Scoring pieces of the matching engine: result types, per-value similarities, size and seniority
similarity, and the fit shown. Pure."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from refbot.domain import ActivityType, Persona, Region, Seniority
from refbot.geo import region_name
from refbot.matching.candidates import Availability, Candidate
from refbot.matching.criteria import Criteria
from refbot.matching.text import fold, key

GOOD_MATCH_SCORE = 70  # a match scoring below this is not "good"
SOFT_SHARE = 0.4  # a soft wish ("ideally in Europe") weighs this share of a firm criterion
FULL_ASK = 45.0  # criteria worth this many weight points make a fit percentage fully informed
FIT_BASE = 0.6  # ... a search asking (almost) nothing shows at most this share of its score as fit

# Relative importance of each criterion (normalised over the criteria given).
WEIGHTS: dict[str, float] = {
    "industry": 25,
    "products": 20,
    "use_case": 20,
    "geo": 15,
    "keywords": 15,
    "employees": 12,
    "seniority": 15,
    "competitor": 10,
    "persona": 10,
    "revenue": 8,
    "topics": 6,
    "language": 6,
    "activity": 10,  # only as a soft wish ("site visit if possible"); asked firmly it filters
}

_SIZE_SPAN = 1.5  # log10 distance at which size similarity reaches 0 (about 30x)
_SIMILAR_SIZE = math.log10(2) + 1e-9  # within 2x reads as "similar size"
_GEO_SAME_REGION = 0.5
_GEO_SAME_REGION_RELAXED = 0.9
_UNKNOWN = {"industry": 0.0, "size": 0.25, "geo": 0.2, "seniority": 0.3, "persona": 0.4, "language": 0.3}
_FUZZY_SAME = 90  # rapidfuzz ratio at or above which two values are the same (typos)
_FUZZY_CONTAINS = 90  # token_set_ratio at or above which one value contains the other
_CONTAINS_SIM = 0.8
_KEYWORD_CUTOFF = 85
_KEYWORD_PREFIX_SCORE = 90
_KEYWORD_STOPWORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is", "it", "its",
        "of", "on", "or", "our", "the", "their", "to", "was", "we", "were", "with",
    }
)


@dataclass
class Match:
    candidate: Candidate
    score: int  # 0-100: how well the criteria given are met
    reasons: list[str]
    compromises: list[str]
    available: bool
    unavailable_reason: str | None
    available_from: dt.date | None
    last_used: dt.date | None
    fit: int = -1  # what is shown: the score, lowered when little was asked (an empty search is no "100%")
    more_at_account: int = 0  # other contacts of this account who could take it (one row per account)

    def __post_init__(self) -> None:
        if self.fit < 0:
            self.fit = self.score


@dataclass
class SearchResult:
    matches: list[Match]
    relaxed: list[str] = field(default_factory=list)  # human text of the relaxed criteria
    good_count: int = 0  # how many of `matches` are good: available and scoring >= GOOD_MATCH_SCORE
    unused: list[str] = field(default_factory=list)  # keywords that match nothing in the program
    reordered: bool = False  # a fit shown below a higher one: least-recently-used rotation or a resting contact


class _Interner:
    """Distinct values -> small ints, so each distinct value is scored once per search."""

    def __init__(self) -> None:
        self.ids: dict[object, int] = {}
        self.values: list[object] = []

    def __call__(self, value: object) -> int:
        i = self.ids.get(value)
        if i is None:
            i = self.ids[value] = len(self.values)
            self.values.append(value)
        return i


@dataclass
class _Term:
    """One criterion of one search: similarity per distinct value (original and current, possibly relaxed),
    and the value id of each account (account-level criteria) or of each contact."""

    name: str
    weight: float  # points; the weights of a search's terms sum to 100
    account_level: bool
    ids: list[int]
    base: list[float]
    table: list[float]
    relaxed: bool = False


@dataclass
class _Query:
    criteria: Criteria
    activity: ActivityType
    industry_sims: list[float] | None = None
    product_hits: list[dict[int, float]] = field(default_factory=list)  # per asked product: product id -> sim
    use_case_hits: dict[int, float] = field(default_factory=dict)
    competitor_hits: dict[int, float] = field(default_factory=dict)
    topic_hits: list[dict[int, float]] = field(default_factory=list)
    countries: frozenset[str] = frozenset()  # any of these is "same place"
    place: str = ""  # how to name them: "Germany", "DACH", "Germany or Austria"
    regions: frozenset[Region] = frozenset()
    country_has_references: bool = True
    keyword_words: list[str] = field(default_factory=list)
    keyword_hits: list[dict[int, tuple[int, str]]] = field(default_factory=list)  # account -> (score, token)
    unused: list[str] = field(default_factory=list)
    industry_family: str | None = None
    whole_family: bool = False


@dataclass
class _Ranked:
    index: int
    score: int  # under the current (possibly relaxed) criteria: orders the alternatives
    fit: int  # under the criteria as asked: what is shown, what "good" and "comparable fit" mean
    adjust: float
    avail: Availability | None


def _value_sim(q_key: str, q_text: str, v_key: str, v_text: str) -> float:
    """1.0 for the same value (or a typo of it), 0.8 when one contains the other's words, else 0."""
    if not v_key:
        return 0.0
    if q_key == v_key:
        return 1.0
    if min(len(q_key), len(v_key)) >= 5 and fuzz.ratio(q_key, v_key) >= _FUZZY_SAME:
        return 1.0
    if fuzz.token_set_ratio(fold(q_text), fold(v_text)) >= _FUZZY_CONTAINS:
        return _CONTAINS_SIM
    return 0.0


def _hits(query: str, values: list[object]) -> dict[int, float]:
    """Distinct value id -> similarity to `query`, for the values that match at all."""
    q_key = key(query)
    out: dict[int, float] = {}
    for i, v in enumerate(values):
        if isinstance(v, str):
            s = _value_sim(q_key, query, key(v), v)
            if s > 0:
                out[i] = s
    return out


def _article(label: str) -> str:
    return ("an " if label[:1].lower() in "aeiou" else "a ") + label


_NO_USAGE: tuple[tuple[dt.date, ...], int] = ((), 0)


def _regions_text(regions: frozenset[Region]) -> str:
    return " or ".join(region_name(r) for r in sorted(regions))


def _confidence(terms: list[_Term], criteria: Criteria) -> float:
    """How informed a fit percentage is: FIT_BASE when nothing was asked, 1.0 from FULL_ASK points on."""
    soft = set(criteria.soft)
    asked = sum(WEIGHTS[t.name] * (SOFT_SHARE if t.name in soft else 1.0) for t in terms)
    return FIT_BASE + (1.0 - FIT_BASE) * min(1.0, asked / FULL_ASK)


_BUCKET = 0.005  # log10 resolution of sizes (about 1%)


def _bucket(value: int | None) -> int | None:
    return round(math.log10(value) / _BUCKET) if value and value > 0 else None


def _size_table(buckets: list[int | None], asked: int | None, lo: int | None, hi: int | None) -> list[float]:
    """Size similarity per bucket: 1 at the size asked (or inside the bounds asked), falling linearly
    with the log distance."""
    unknown = _UNKNOWN["size"]
    return [unknown if b is None else max(0.0, 1.0 - _size_distance(b * _BUCKET, asked, lo, hi) / _SIZE_SPAN)
            for b in buckets]


def _size_distance(log_value: float, asked: int | None, lo: int | None, hi: int | None) -> float:
    """log10 distance of a size from what was asked: a point, or bounds (0 inside them)."""
    if lo or hi:
        if lo and log_value < math.log10(lo) - 1e-9:
            return math.log10(lo) - log_value
        if hi and log_value > math.log10(hi) + 1e-9:
            return log_value - math.log10(hi)
        return 0.0
    return abs(log_value - math.log10(asked or 1))


def _mean_best(hits: list[dict[int, float]], sets: list[tuple[int, ...]]) -> list[float]:
    """Per set of values (an account's products, a contact's topics): the mean over the asked values of
    the best similarity any of the set's values has to it."""
    n = len(hits)
    return [sum(max((h.get(v, 0.0) for v in ids), default=0.0) for h in hits) / n for ids in sets]


def _sum_lists(lists: list[list[float]], n: int) -> list[float]:
    if not lists:
        return [0.0] * n
    if len(lists) == 1:
        return list(lists[0])
    return list(map(sum, zip(*lists, strict=True)))


def _seniority_sim(have: Seniority | None, want: Seniority, *, or_higher: bool = False) -> float:
    """Peer or more senior is right for the audience ("VP or higher": any of them fully); one level below
    is a stretch, two is wrong."""
    if have is None:
        return _UNKNOWN["seniority"]
    diff = Seniority(have).rank - want.rank
    if diff >= 0:
        return 1.0 if diff <= 1 or or_higher else 0.9
    return 0.4 if diff == -1 else 0.0


def _persona_sim(have: Persona | None, want: Persona) -> float:
    if have is None:
        return _UNKNOWN["persona"]
    return 1.0 if have == want else 0.0


def _is_available(r: _Ranked) -> bool:
    return r.avail is None or r.avail.available


def _good(pool: list[_Ranked]) -> int:
    """Good matches under the current (possibly relaxed) criteria: what relaxation looks for."""
    return sum(1 for r in pool if _is_available(r) and r.score >= GOOD_MATCH_SCORE)


def _points(value: float) -> int:
    return max(0, min(100, round(value)))

