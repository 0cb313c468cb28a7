"""The matching engine: criteria + candidates -> the few best-fit references, with reasons. Pure.

Scoring. Each criterion that was given has a weight and a similarity in [0, 1] for every candidate; the
score is the weighted mean in points (0-100), so a search on industry alone can still reach 100 and
criteria not given count for nothing. Product and use case together outweigh the industry; size is
compared on a log scale (a 300-person company does not relate to a 100,000-person one); geography is
same country > same region > elsewhere; the person taking the call wants a peer or someone more senior,
and a technical evaluator wants a technical contact.

Availability. Opted-out, paused and retired contacts, contacts of inactive accounts, and contacts who did
not agree to the activity asked for are never offered. A fatigued or busy contact ranks after every
available contact whose score is at most COMPARABLE_FIT points lower (and before the others), and
carries why and when it is free again. Among near-equal matches the least recently used comes first (up to RECENCY_BONUS points),
and a second contact of an account already listed pays SAME_ACCOUNT_PENALTY, so the load spreads.

Relaxation. With fewer than MIN_GOOD_MATCHES good matches (available, scoring at least GOOD_MATCH_SCORE),
the least important criteria are relaxed one by one (a candidate failing a relaxed criterion keeps most of
its weight; the country widens to its region, then to anywhere) to choose and order alternatives, and the
result says what was relaxed. Criteria worth RELAX_KEEP points always stay strict, and when relaxing finds
no more good matches the strict ranking is kept. Scores, compromises, "good" and "comparable fit" are
always about the criteria as asked, so a relaxed alternative never looks better than it is.

Speed. Account facts are scored per distinct value (industry, country, product set, ...) and once per
account, contact facts per distinct (seniority, persona), topic set and language set. Accounts are then
walked from the best account score down and the walk stops as soon as no remaining account can beat the
pool; full reasons are written for the returned matches only.
"""

from __future__ import annotations

import bisect
import copy
import dataclasses
import datetime as dt
import heapq
import math
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from refbot.domain import ActivityType, Persona, Region, Seniority
from refbot.geo import country_name, region_name, region_of
from refbot.matching.candidates import Availability, Candidate, FatiguePolicy, availability
from refbot.matching.criteria import Criteria
from refbot.matching.text import (
    EMPLOYEE_BANDS,
    REVENUE_BANDS,
    band,
    fold,
    industry_family,
    key,
    language_key,
    money_text,
    words,
)

GOOD_MATCH_SCORE = 70  # a match scoring below this is not "good"
MIN_GOOD_MATCHES = 3  # fewer good matches than this triggers relaxation
COMPARABLE_FIT = 15  # an unavailable contact never outranks an available one at most this much worse
UNAVAILABLE_PENALTY = COMPARABLE_FIT + 0.5
RECENCY_BONUS = 3.0  # ranking points for a contact not used for a year (or never)
SAME_ACCOUNT_PENALTY = 8.0  # ranking points for each contact of the same account listed before
RELAX_FLOOR = 0.75  # a candidate failing a relaxed criterion keeps this share of its weight
RELAX_KEEP = 50.0  # relax only while criteria worth at least this many points stay strict

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
}

# Least important first. Industry, products and use case are what the reference is about: never relaxed.
RELAX_ORDER: tuple[str, ...] = (
    "keywords",
    "language",
    "topics",
    "competitor",
    "persona",
    "seniority",
    "revenue",
    "employees",
    "country",
    "region",
)

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
    score: int  # 0-100
    reasons: list[str]
    compromises: list[str]
    available: bool
    unavailable_reason: str | None
    available_from: dt.date | None
    last_used: dt.date | None


@dataclass
class SearchResult:
    matches: list[Match]
    relaxed: list[str] = field(default_factory=list)  # human text of the relaxed criteria
    good_count: int = 0  # how many of `matches` are good: available and scoring >= GOOD_MATCH_SCORE


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
    country: str | None = None
    region: Region | None = None
    country_has_references: bool = True
    keyword_words: list[str] = field(default_factory=list)
    keyword_hits: list[dict[int, tuple[int, str]]] = field(default_factory=list)  # account -> (score, token)


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


_Notes = list[tuple[float, str]]  # (weight, sentence): reasons or compromises, heaviest first


class MatchingEngine:
    """Ranks reference contacts for search criteria. Build once per program snapshot; search many times."""

    def __init__(self, candidates: Sequence[Candidate], *, policy: FatiguePolicy = FatiguePolicy()) -> None:
        self.policy = policy
        self._cands: list[Candidate] = [c for c in candidates if c.usable]

        industries, products, product_sets = _Interner(), _Interner(), _Interner()
        use_cases, use_case_sets, competitors = _Interner(), _Interner(), _Interner()
        topics, topic_sets, language_sets = _Interner(), _Interner(), _Interner()
        people, activity_sets, places = _Interner(), _Interner(), _Interner()
        emp_buckets, rev_buckets = _Interner(), _Interner()
        spelling: dict[tuple[str, str], str | None] = {}  # (kind, raw) -> first spelling of its key
        first_by_key: dict[tuple[str, str], str] = {}

        def distinct(kind: str, value: str | None) -> str | None:
            if not value:
                return None
            hit = spelling.get((kind, value), "")
            if hit != "":
                return hit
            k = key(value)
            out = first_by_key.setdefault((kind, k), value.strip()) if k else None
            spelling[(kind, value)] = out
            return out

        def ids_of(interner: _Interner, kind: str, values: Iterable[str]) -> tuple[int, ...]:
            return tuple(sorted({interner(v) for v in (distinct(kind, x) for x in values) if v is not None}))

        account_index: dict[int, int] = {}
        self._acc: list[Candidate] = []  # one candidate per account, for the account's facts
        self._acc_members: list[list[int]] = []
        self._acc_industry: list[int] = []
        self._acc_place: list[int] = []
        self._acc_emp: list[int] = []
        self._acc_rev: list[int] = []
        self._acc_products: list[int] = []
        self._acc_use_cases: list[int] = []
        self._acc_competitor: list[int] = []
        self._c_acc: list[int] = []
        self._c_people: list[int] = []
        self._c_topics: list[int] = []
        self._c_langs: list[int] = []
        self._c_acts: list[int] = []
        self._c_rested: list[bool] = []  # never used recently and not busy: always available, full bonus
        countries_with_refs: set[str] = set()

        for i, c in enumerate(self._cands):
            a = account_index.get(c.account_id)
            if a is None:
                a = account_index[c.account_id] = len(self._acc)
                self._acc.append(c)
                self._acc_members.append([])
                self._acc_industry.append(industries(distinct("industry", c.industry)))
                iso = c.country.upper() if c.country else None
                if iso:
                    countries_with_refs.add(iso)
                self._acc_place.append(places((iso, Region(c.region) if c.region else region_of(iso))))
                self._acc_emp.append(emp_buckets(_bucket(c.employees)))
                self._acc_rev.append(rev_buckets(_bucket(c.annual_revenue)))
                self._acc_products.append(product_sets(ids_of(products, "product", c.products)))
                self._acc_use_cases.append(use_case_sets(ids_of(use_cases, "use_case", c.use_cases)))
                self._acc_competitor.append(competitors(distinct("competitor", c.competitor_replaced)))
            self._acc_members[a].append(i)
            self._c_acc.append(a)
            self._c_people.append(people((c.seniority, c.persona)))
            self._c_topics.append(topic_sets(ids_of(topics, "topic", c.topics)))
            self._c_langs.append(language_sets(frozenset(language_key(x) for x in c.languages if x.strip())))
            self._c_acts.append(activity_sets(frozenset(c.activities)))
            self._c_rested.append(not c.recent_activity_dates and c.open_requests <= 0)

        self._industries = industries.values
        self._industry_families = [industry_family(v) if isinstance(v, str) else None for v in industries.values]
        self._products = products.values
        self._product_sets: list[tuple[int, ...]] = product_sets.values  # type: ignore[assignment]
        self._use_cases = use_cases.values
        self._use_case_sets: list[tuple[int, ...]] = use_case_sets.values  # type: ignore[assignment]
        self._competitors = competitors.values
        self._topics = topics.values
        self._topic_sets: list[tuple[int, ...]] = topic_sets.values  # type: ignore[assignment]
        self._language_sets: list[frozenset[str]] = language_sets.values  # type: ignore[assignment]
        self._people: list[tuple[Seniority | None, Persona | None]] = people.values  # type: ignore[assignment]
        self._activity_sets: list[frozenset[ActivityType]] = activity_sets.values  # type: ignore[assignment]
        self._places: list[tuple[str | None, Region | None]] = places.values  # type: ignore[assignment]
        self._emp_buckets: list[int | None] = emp_buckets.values  # type: ignore[assignment]
        self._rev_buckets: list[int | None] = rev_buckets.values  # type: ignore[assignment]
        self._acc_identity = list(range(len(self._acc)))
        self._countries_with_refs = countries_with_refs
        self._build_keyword_index()
        self._availability_cache: dict[dt.date, dict[int, tuple[float, Availability | None]]] = {}

    def __len__(self) -> int:
        return len(self._cands)

    def with_usage(self, usage: Mapping[int, tuple[tuple[dt.date, ...], int]]) -> MatchingEngine:
        """The same program with every contact's usage replaced: `usage[contact_id]` is (activity dates,
        open requests); a contact not in it has neither. Shares every precomputed fact table, so a new
        request or activity costs a pass over the contacts, not a rebuild."""
        clone = copy.copy(self)
        cands: list[Candidate] = []
        for c in self._cands:
            dates, open_requests = usage.get(c.contact_id, _NO_USAGE)
            if dates != c.recent_activity_dates or open_requests != c.open_requests:
                c = dataclasses.replace(c, recent_activity_dates=dates, open_requests=open_requests)
            cands.append(c)
        clone._cands = cands
        clone._c_rested = [not c.recent_activity_dates and c.open_requests <= 0 for c in cands]
        clone._availability_cache = {}
        return clone

    # ------------------------------------------------------------------------------------------ build

    def _build_keyword_index(self) -> None:
        """Inverted index word -> accounts over account names, industries, products, use cases, notes."""
        postings: dict[str, list[int]] = {}
        self._acc_name_words: list[frozenset[str]] = []
        for a, c in enumerate(self._acc):
            name_words = frozenset(words(c.account_name))
            self._acc_name_words.append(name_words)
            bag = set(name_words)
            for text in (c.industry, c.competitor_replaced, c.notes, *c.products, *c.use_cases):
                bag.update(words(text))
            for w in bag:
                if len(w) >= 2 and w not in _KEYWORD_STOPWORDS:
                    postings.setdefault(w, []).append(a)
        self._postings = postings
        self._vocabulary = sorted(postings)

    # ------------------------------------------------------------------------------------------ search

    def search(self, criteria: Criteria, *, today: dt.date, limit: int = 5) -> SearchResult:
        """The best `limit` references for `criteria` on `today`, best first."""
        if limit <= 0 or not self._cands:
            return SearchResult(matches=[], relaxed=[], good_count=0)
        q = self._resolve(criteria)
        terms = self._terms(q)
        eligible = [q.activity in acts if acts else q.activity == ActivityType.call for acts in self._activity_sets]
        pool_size = limit * 4 + 10
        cache = self._day_cache(today)

        weighted = {t.name: self._weighted(t) for t in terms if t.account_level}
        acc_score = _sum_lists(list(weighted.values()), len(self._acc))
        pool = pool0 = self._rank(acc_score, terms, eligible, pool_size, today, cache)
        best_pool, best_good, best_relaxed = pool, _good(pool), []
        best_state = [(t.table, t.relaxed) for t in terms]
        relaxed_steps: list[str] = []
        if best_good < MIN_GOOD_MATCHES:
            for step in RELAX_ORDER:
                changed = self._relax(step, terms, q)
                if changed is None:
                    continue
                term, text = changed
                relaxed_steps.append(text)
                if term.account_level:
                    old, new = weighted[term.name], self._weighted(term)
                    weighted[term.name] = new
                    acc_score = [s - o + n for s, o, n in zip(acc_score, old, new, strict=True)]
                pool = self._rank(acc_score, terms, eligible, pool_size, today, cache)
                good = _good(pool)
                if good > best_good:
                    best_pool, best_good, best_relaxed = pool, good, list(relaxed_steps)
                    best_state = [(t.table, t.relaxed) for t in terms]
                if good >= MIN_GOOD_MATCHES:
                    break
            for t, (table, relaxed) in zip(terms, best_state, strict=True):
                t.table, t.relaxed = table, relaxed

        if best_relaxed:
            # Keep the strict ranking's best too (a resting perfect fit must not vanish behind alternatives).
            seen = {r.index for r in best_pool}
            extra = [self._rescore(r.index, terms, today, cache) for r in pool0 if r.index not in seen]
            best_pool = best_pool + extra
        ordered = self._order(best_pool, today)[:limit]
        matches = [self._match(r, q, terms) for r in ordered]
        good_count = sum(1 for m in matches if m.available and m.score >= GOOD_MATCH_SCORE)
        return SearchResult(matches=matches, relaxed=best_relaxed, good_count=good_count)

    # ------------------------------------------------------------------------------------------ query

    def _resolve(self, criteria: Criteria) -> _Query:
        q = _Query(criteria=criteria, activity=criteria.activity or ActivityType.call)
        if criteria.industry:
            hits = _hits(criteria.industry, self._industries)
            family = industry_family(criteria.industry)
            if family is None and not any(s == 1.0 for s in hits.values()):
                # An industry the program does not know: take the family of the closest known one.
                best = max(hits.items(), key=lambda kv: kv[1], default=None)
                if best is not None:
                    family = self._industry_families[best[0]]
            sims = []
            for i, fam in enumerate(self._industry_families):
                s = hits.get(i, 0.0)
                if s < 1.0 and family is not None and fam == family:
                    s = max(s, 0.5)
                sims.append(s if self._industries[i] is not None else _UNKNOWN["industry"])
            q.industry_sims = sims
        q.product_hits = [_hits(p, self._products) for p in criteria.products]
        if criteria.use_case:
            q.use_case_hits = _hits(criteria.use_case, self._use_cases)
        if criteria.competitor:
            q.competitor_hits = _hits(criteria.competitor, self._competitors)
        q.topic_hits = [_hits(t, self._topics) for t in criteria.topics]
        q.country = criteria.country.upper() if criteria.country else None
        q.region = criteria.region or region_of(q.country)
        if q.country:
            q.country_has_references = q.country in self._countries_with_refs
        if criteria.keywords:
            self._resolve_keywords(q)
        return q

    def _resolve_keywords(self, q: _Query) -> None:
        """For each keyword word: accounts mentioning it (exactly, with a typo, or as a word prefix)."""
        seen: set[str] = set()
        for phrase in q.criteria.keywords:
            for w in words(phrase):
                if w in seen or w in _KEYWORD_STOPWORDS:
                    continue
                seen.add(w)
                matched: dict[str, int] = {}
                if w in self._postings:
                    matched[w] = 100
                if len(w) >= 4:
                    for token, score, _ in process.extract(
                        w, self._vocabulary, scorer=fuzz.ratio, score_cutoff=_KEYWORD_CUTOFF, limit=50
                    ):
                        matched.setdefault(token, int(score))
                    start = bisect.bisect_left(self._vocabulary, w)
                    for token in self._vocabulary[start : start + 200]:
                        if not token.startswith(w):
                            break
                        matched.setdefault(token, _KEYWORD_PREFIX_SCORE)
                hits: dict[int, tuple[int, str]] = {}
                for token, score in matched.items():
                    for a in self._postings[token]:
                        prev = hits.get(a)
                        if prev is None or score > prev[0]:
                            hits[a] = (score, token)
                q.keyword_words.append(w)
                q.keyword_hits.append(hits)

    def _terms(self, q: _Query) -> list[_Term]:
        """The weighted terms of a search: a similarity per distinct value, and value ids per account or
        per contact."""
        c = q.criteria
        raw: list[tuple[str, bool, list[int], list[float]]] = []
        if q.industry_sims is not None:
            raw.append(("industry", True, self._acc_industry, q.industry_sims))
        if q.product_hits:
            raw.append(("products", True, self._acc_products, _mean_best(q.product_hits, self._product_sets)))
        if c.use_case:
            table = [max((q.use_case_hits.get(u, 0.0) for u in ids), default=0.0) for ids in self._use_case_sets]
            raw.append(("use_case", True, self._acc_use_cases, table))
        if q.country or q.region:
            raw.append(("geo", True, self._acc_place, self._geo_table(q, relaxed_to_region=False)))
        if c.employees:
            raw.append(("employees", True, self._acc_emp, _size_table(self._emp_buckets, c.employees)))
        if c.annual_revenue:
            raw.append(("revenue", True, self._acc_rev, _size_table(self._rev_buckets, c.annual_revenue)))
        if c.competitor:
            table = [q.competitor_hits.get(i, 0.0) for i in range(len(self._competitors))]
            raw.append(("competitor", True, self._acc_competitor, table))
        if q.keyword_words:
            table = [0.0] * len(self._acc)
            n = len(q.keyword_words)
            for hits in q.keyword_hits:
                for a, (score, _) in hits.items():
                    table[a] += score / 100.0 / n
            raw.append(("keywords", True, self._acc_identity, table))
        if c.seniority:
            table = [_seniority_sim(s, c.seniority) for s, _ in self._people]
            raw.append(("seniority", False, self._c_people, table))
        if c.persona:
            table = [_persona_sim(p, c.persona) for _, p in self._people]
            raw.append(("persona", False, self._c_people, table))
        if q.topic_hits:
            raw.append(("topics", False, self._c_topics, _mean_best(q.topic_hits, self._topic_sets)))
        if c.language:
            want = language_key(c.language)
            unknown = _UNKNOWN["language"]
            table = [1.0 if want in langs else (0.0 if langs else unknown) for langs in self._language_sets]
            raw.append(("language", False, self._c_langs, table))
        total_weight = sum(WEIGHTS[name] for name, _, _, _ in raw)
        return [
            _Term(
                name=name,
                weight=100.0 * WEIGHTS[name] / total_weight,
                account_level=account_level,
                ids=ids,
                base=table,
                table=table,
            )
            for name, account_level, ids, table in raw
        ]

    def _geo_table(self, q: _Query, *, relaxed_to_region: bool) -> list[float]:
        same_region = _GEO_SAME_REGION_RELAXED if relaxed_to_region else _GEO_SAME_REGION
        out = []
        for iso, region in self._places:
            if q.country and iso == q.country:
                out.append(1.0)
            elif q.region and region == q.region:
                out.append(1.0 if not q.country else same_region)
            elif iso is None and region is None:
                out.append(_UNKNOWN["geo"])
            else:
                out.append(0.0)
        return out

    def _relax(self, step: str, terms: list[_Term], q: _Query) -> tuple[_Term, str] | None:
        """Relax one criterion in place: (its term, human text), or None when not asked, already relaxed,
        or when it would leave less than RELAX_KEEP points of strict criteria."""
        by_name = {t.name: t for t in terms}
        c = q.criteria
        target = by_name.get("geo" if step in ("country", "region") else step)
        if target is None or target.relaxed:
            return None
        if step != "country" and sum(t.weight for t in terms if not t.relaxed and t is not target) < RELAX_KEEP:
            return None  # relaxing would leave too little of what was asked: everything would look "good"
        if step == "country":
            if not q.country or q.region is None or target.table is not target.base:
                return None
            target.table = self._geo_table(q, relaxed_to_region=True)
            return target, f"{country_name(q.country)} widened to {region_name(q.region)}"
        target.table = [RELAX_FLOOR + (1.0 - RELAX_FLOOR) * s for s in target.table]
        target.relaxed = True
        if step == "region":
            return target, f"{region_name(q.region)} widened to anywhere"
        labels: dict[str, Callable[[], str]] = {
            "keywords": lambda: "keywords (" + ", ".join(c.keywords) + ")",
            "language": lambda: f"language ({c.language})",
            "topics": lambda: "topics (" + ", ".join(c.topics) + ")",
            "competitor": lambda: f"competitor ({c.competitor})",
            "persona": lambda: f"persona ({c.persona.value if c.persona else ''})",
            "seniority": lambda: f"seniority ({c.seniority.label if c.seniority else ''})",
            "revenue": lambda: f"revenue ({money_text(c.annual_revenue or 0)})",
            "employees": lambda: f"size ({c.employees or 0:,} employees)",
        }
        return target, labels[step]()

    # ------------------------------------------------------------------------------------------ ranking

    @staticmethod
    def _weighted(t: _Term) -> list[float]:
        """Points of an account-level term, per account."""
        w = t.weight
        table = [w * s for s in t.table]
        return [table[x] for x in t.ids]

    def _day_cache(self, today: dt.date) -> dict[int, tuple[float, Availability | None]]:
        cache = self._availability_cache.get(today)
        if cache is None:
            if len(self._availability_cache) > 2:
                self._availability_cache.clear()
            cache = self._availability_cache[today] = {}
        return cache

    def _adjust(
        self, i: int, today: dt.date, cache: dict[int, tuple[float, Availability | None]]
    ) -> tuple[float, Availability | None]:
        """(ranking adjustment in points, availability) of candidate i on `today`."""
        if self._c_rested[i]:
            return RECENCY_BONUS, None
        hit = cache.get(i)
        if hit is None:
            avail = availability(self._cands[i], today=today, policy=self.policy)
            if not avail.available:
                adj = -UNAVAILABLE_PENALTY
            elif avail.last_used is None:
                adj = RECENCY_BONUS
            else:
                adj = RECENCY_BONUS * min(1.0, (today - avail.last_used).days / 365.0)
            hit = cache[i] = (adj, avail)
        return hit

    def _rank(
        self,
        acc_score: list[float],
        terms: list[_Term],
        eligible: list[bool],
        pool_size: int,
        today: dt.date,
        cache: dict[int, tuple[float, Availability | None]],
    ) -> list[_Ranked]:
        """The `pool_size` best eligible candidates by ranking value (score + availability adjustment)."""
        # Contact-level terms: one table of points per id array (seniority and persona share theirs).
        contact_tables: list[tuple[list[int], list[float]]] = []
        cmax = 0.0
        groups: dict[int, list[_Term]] = {}
        for t in terms:
            if not t.account_level:
                groups.setdefault(id(t.ids), []).append(t)
        for parts in groups.values():
            table = [sum(t.weight * t.table[v] for t in parts) for v in range(len(parts[0].table))]
            contact_tables.append((parts[0].ids, table))
            cmax += max(table, default=0.0)

        c_acts, members, rested = self._c_acts, self._acc_members, self._c_rested
        heap: list[tuple[float, int]] = []
        bound_extra = cmax + RECENCY_BONUS
        push, pushpop = heapq.heappush, heapq.heappushpop
        # Walk accounts from the best account score down, in bands (a full sort is rarely needed), and
        # stop when no account left can reach the pool. Ties start at a daily offset to spread the load.
        lowest, upper, threshold = min(acc_score), math.inf, max(acc_score) - 20.0
        offset = today.toordinal() * 7919
        done = False
        while not done:
            if threshold <= lowest:
                threshold = -math.inf
            band = [a for a, v in enumerate(acc_score) if threshold <= v < upper]
            if band:
                k = offset % len(band)
                band = band[k:] + band[:k]
                band.sort(key=acc_score.__getitem__, reverse=True)
            for a in band:
                av = acc_score[a]
                if len(heap) >= pool_size and av + bound_extra <= heap[0][0]:
                    done = True
                    break
                for i in members[a]:
                    if not eligible[c_acts[i]]:
                        continue
                    v = av
                    for ids, table in contact_tables:
                        v += table[ids[i]]
                    item = (v + (RECENCY_BONUS if rested[i] else self._adjust(i, today, cache)[0]), -i)
                    if len(heap) < pool_size:
                        push(heap, item)
                    elif item > heap[0]:
                        pushpop(heap, item)
            if threshold == -math.inf:
                break
            upper, threshold = threshold, threshold - 40.0

        return [self._rescore(-neg_i, terms, today, cache) for _, neg_i in heap]

    def _rescore(
        self, i: int, terms: list[_Term], today: dt.date, cache: dict[int, tuple[float, Availability | None]]
    ) -> _Ranked:
        """Exact current and as-asked scores of candidate i."""
        a = self._c_acc[i]
        base = 0.0 if terms else 100.0
        current = base + sum(t.weight * t.table[t.ids[a if t.account_level else i]] for t in terms)
        asked = base + sum(t.weight * t.base[t.ids[a if t.account_level else i]] for t in terms)
        adj, avail = self._adjust(i, today, cache)
        return _Ranked(index=i, score=_points(current), fit=_points(asked), adjust=adj, avail=avail)

    def _order(self, pool: list[_Ranked], today: dt.date) -> list[_Ranked]:
        """Final order. Available contacts by score, least recently used first among near-equals, with a
        penalty per contact of an account already listed. Each resting contact then goes right after the
        last available contact of comparable fit (at most COMPARABLE_FIT points worse, as asked), so it
        never outranks one, but still comes before clearly worse alternatives. Exact ties go to the less
        used contact, then rotate daily."""

        def tiebreak(r: _Ranked) -> tuple[float, int, int, int]:
            c = self._cands[r.index]
            rotation = zlib.crc32(f"{c.contact_id}:{today.toordinal()}".encode())
            return (-(r.score + r.adjust), -r.fit, len(c.recent_activity_dates), rotation)

        remaining = sorted((r for r in pool if _is_available(r)), key=tiebreak)
        ordered: list[_Ranked] = []
        listed: dict[int, int] = {}
        while remaining:
            best_k, best_value = 0, -math.inf
            for k, r in enumerate(remaining):
                value = r.score + r.adjust - SAME_ACCOUNT_PENALTY * listed.get(self._c_acc[r.index], 0)
                if value > best_value:
                    best_k, best_value = k, value
            r = remaining.pop(best_k)
            ordered.append(r)
            a = self._c_acc[r.index]
            listed[a] = listed.get(a, 0) + 1
        floor = 0
        for u in sorted((r for r in pool if not _is_available(r)), key=lambda r: (-r.fit, *tiebreak(r))):
            pos = floor
            for k in range(floor, len(ordered)):
                o = ordered[k]
                if _is_available(o) and o.fit >= u.fit - COMPARABLE_FIT:
                    pos = k + 1
            ordered.insert(pos, u)
            floor = pos + 1
        return ordered

    # ------------------------------------------------------------------------------------------ explain

    def _match(self, r: _Ranked, q: _Query, terms: list[_Term]) -> Match:
        c = self._cands[r.index]
        reasons, compromises = self._explain(r.index, q, terms)
        avail = r.avail
        return Match(
            candidate=c,
            score=r.fit,
            reasons=reasons,
            compromises=compromises,
            available=avail is None or avail.available,
            unavailable_reason=None if avail is None or avail.available else avail.reason,
            available_from=None if avail is None or avail.available else avail.available_from,
            last_used=avail.last_used if avail is not None else None,
        )

    def _explain(self, i: int, q: _Query, terms: list[_Term]) -> tuple[list[str], list[str]]:
        """Reasons (criteria met) and compromises (criteria missed) against the original criteria, the
        most important first."""
        c = self._cands[i]
        a = self._c_acc[i]
        crit = q.criteria
        weight = {t.name: t.weight for t in terms}
        reasons: list[tuple[float, str]] = []
        compromises: list[tuple[float, str]] = []

        def say(name: str, sim: float, ok: str | None, bad: str | None, *, met: float = 0.999) -> None:
            w = weight.get(name, 0.0)
            if sim >= met and ok:
                reasons.append((w, ok))
            elif bad:
                compromises.append((w * (1.0 - sim), bad))

        if q.industry_sims is not None:
            sim = q.industry_sims[self._acc_industry[a]]
            if not c.industry:
                say("industry", sim, None, "industry unknown")
            elif sim >= 1.0:
                say("industry", sim, f"same industry: {c.industry}", None)
            elif sim > 0:
                say("industry", sim, None, f"related industry: {c.industry}")
            else:
                say("industry", sim, None, f"different industry: {c.industry}")

        if q.product_hits:
            have = [self._products[p] for p in self._product_sets[self._acc_products[a]]]
            used, missing = [], []
            for asked, hits in zip(crit.products, q.product_hits, strict=True):
                best = max(((hits.get(p, 0.0), p) for p in self._product_sets[self._acc_products[a]]), default=(0.0, -1))
                if best[0] > 0:
                    used.append(str(self._products[best[1]]))
                else:
                    missing.append(asked)
            share = len(used) / len(crit.products)
            if used:
                reasons.append((weight["products"] * share, "uses " + ", ".join(used)))
            if missing:
                compromises.append(
                    (weight["products"] * (1 - share), "doesn't use " + ", ".join(missing) if have else "products unknown")
                )

        if crit.use_case:
            best = max(
                ((q.use_case_hits.get(u, 0.0), u) for u in self._use_case_sets[self._acc_use_cases[a]]),
                default=(0.0, -1),
            )
            if best[0] >= 1.0:
                reasons.append((weight["use_case"], f"same use case: {self._use_cases[best[1]]}"))
            elif best[0] > 0:
                reasons.append((weight["use_case"] * best[0], f"similar use case: {self._use_cases[best[1]]}"))
            else:
                compromises.append((weight["use_case"], f"no {crit.use_case} use case"))

        if q.country or q.region:
            self._explain_geo(c, q, weight["geo"], reasons, compromises)

        if crit.employees:
            self._explain_size(c.employees, crit.employees, weight["employees"], "employees", reasons, compromises)
        if crit.annual_revenue:
            self._explain_size(
                c.annual_revenue, crit.annual_revenue, weight["revenue"], "revenue", reasons, compromises
            )

        if crit.competitor:
            sim = q.competitor_hits.get(self._acc_competitor[a], 0.0)
            say("competitor", sim, f"replaced {c.competitor_replaced}", f"didn't replace {crit.competitor}", met=0.8)

        if crit.seniority:
            sim = _seniority_sim(c.seniority, crit.seniority)
            audience = _article(crit.seniority.label)
            if c.seniority is None:
                say("seniority", sim, None, "seniority unknown")
            elif c.seniority == crit.seniority:
                say("seniority", sim, f"{c.seniority.label} to {crit.seniority.label}", None, met=0.0)
            elif c.seniority.rank > crit.seniority.rank:
                say("seniority", sim, f"{c.seniority.label} for {audience} audience", None, met=0.0)
            else:
                say("seniority", sim, None, f"{c.seniority.label} for {audience} audience")

        if crit.persona:
            sim = _persona_sim(c.persona, crit.persona)
            if c.persona is None:
                say("persona", sim, None, f"focus unknown ({crit.persona.value} asked)")
            else:
                say("persona", sim, f"{c.persona.value} contact",
                    f"{c.persona.value} contact for {_article(crit.persona.value)} audience")

        if q.topic_hits:
            ids = self._topic_sets[self._c_topics[i]]
            covered, missing = [], []
            for asked, hits in zip(crit.topics, q.topic_hits, strict=True):
                best = max(((hits.get(t, 0.0), t) for t in ids), default=(0.0, -1))
                if best[0] > 0:
                    covered.append(str(self._topics[best[1]]))
                else:
                    missing.append(asked)
            share = len(covered) / len(crit.topics)
            if covered:
                reasons.append((weight["topics"] * share, "can speak to " + ", ".join(covered)))
            if missing:
                compromises.append((weight["topics"] * (1 - share), "doesn't list " + ", ".join(missing)))

        if crit.language:
            want = language_key(crit.language)
            langs = self._language_sets[self._c_langs[i]]
            if want in langs:
                reasons.append((weight["language"], f"speaks {want}"))
            else:
                compromises.append(
                    (weight["language"], f"doesn't list {want}" if langs else f"languages unknown ({want} asked)")
                )

        if q.keyword_words:
            found = []
            missed = []
            for w, word_hits in zip(q.keyword_words, q.keyword_hits, strict=True):
                hit = word_hits.get(a)
                if hit is not None:
                    where = "name" if hit[1] in self._acc_name_words[a] else "mentions"
                    found.append((where, hit[1]))
                else:
                    missed.append(w)
            if missed:
                compromises.append(
                    (weight["keywords"] * len(missed) / len(q.keyword_words),
                     "no mention of " + ", ".join(f'"{w}"' for w in missed))
                )
            names = [w for where, w in found if where == "name"]
            mentions = [w for where, w in found if where == "mentions"]
            share = len(found) / len(q.keyword_words)
            if names:
                reasons.append((weight["keywords"] * share, "name matches " + ", ".join(f'"{w}"' for w in names)))
            if mentions:
                reasons.append((weight["keywords"] * share, "mentions " + ", ".join(f'"{w}"' for w in mentions)))

        reasons.sort(key=lambda x: -x[0])
        compromises.sort(key=lambda x: -x[0])
        return [t for _, t in reasons], [t for _, t in compromises]

    def _explain_geo(self, c: Candidate, q: _Query, w: float, reasons: _Notes, compromises: _Notes) -> None:
        iso = c.country.upper() if c.country else None
        region = Region(c.region) if c.region else region_of(iso)
        where = country_name(iso) if iso else (region_name(region) if region else "")
        if q.country:
            asked = country_name(q.country)
            if iso == q.country:
                reasons.append((w, f"same country: {asked}"))
            elif not where:
                compromises.append((w * 0.8, "country unknown"))
            elif q.region and region == q.region:
                if not q.country_has_references:
                    compromises.append((w * 0.5, f"no reference in {asked}: showing {region_name(q.region)}"))
                else:
                    compromises.append((w * 0.5, f"in {where}, not {asked}"))
            else:
                compromises.append((w, f"in {where}, outside {region_name(q.region)}" if q.region else f"in {where}"))
        elif q.region:
            if region == q.region:
                reasons.append((w, f"in {region_name(q.region)}: {where}"))
            elif not where:
                compromises.append((w * 0.8, "country unknown"))
            else:
                compromises.append((w, f"outside {region_name(q.region)}: {where}"))

    @staticmethod
    def _explain_size(
        value: int | None, asked: int, w: float, kind: str, reasons: _Notes, compromises: _Notes
    ) -> None:
        fmt: Callable[[int], str]
        if kind == "employees":
            def fmt(n: int) -> str:
                return f"{n:,}"
            unit, bands, label = " employees", EMPLOYEE_BANDS, "size"
        else:
            fmt, unit, bands, label = money_text, " revenue", REVENUE_BANDS, "revenue"
        if not value:
            compromises.append((w * 0.75, f"{label} unknown"))
            return
        pair = f"{fmt(value)} vs {fmt(asked)}{unit}"
        d = math.log10(value) - math.log10(asked)
        if abs(d) <= _SIMILAR_SIZE:
            reasons.append((w, f"similar {label}: {pair}"))
            return
        direction = "smaller" if d < 0 else "larger"
        steps = abs(band(value, bands) - band(asked, bands))
        lost = w * (1.0 - max(0.0, 1.0 - abs(d) / _SIZE_SPAN))
        noun = "size" if kind == "employees" else "revenue"
        if steps == 0:
            compromises.append((lost, f"{direction}: {pair}"))
        elif steps == 1:
            compromises.append((lost, f"one {noun} band {direction}: {pair}"))
        else:
            compromises.append((lost, f"much {direction}: {pair}"))


_BUCKET = 0.005  # log10 resolution of sizes (about 1%)


def _bucket(value: int | None) -> int | None:
    return round(math.log10(value) / _BUCKET) if value and value > 0 else None


def _size_table(buckets: list[int | None], asked: int) -> list[float]:
    """Size similarity per bucket: 1 at the same size, falling linearly with the log distance."""
    q = math.log10(asked)
    unknown = _UNKNOWN["size"]
    return [unknown if b is None else max(0.0, 1.0 - abs(b * _BUCKET - q) / _SIZE_SPAN) for b in buckets]


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


def _seniority_sim(have: Seniority | None, want: Seniority) -> float:
    """Peer or more senior is right for the audience; one level below is a stretch, two is wrong."""
    if have is None:
        return _UNKNOWN["seniority"]
    diff = Seniority(have).rank - want.rank
    if diff >= 0:
        return 1.0 if diff <= 1 else 0.9
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
