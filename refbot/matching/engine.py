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
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from rapidfuzz import fuzz, process

from refbot.domain import ActivityType, Persona, Region, Seniority
from refbot.geo import country_name, region_of
from refbot.matching.candidates import Availability, Candidate, FatiguePolicy, availability
from refbot.matching.criteria import Criteria
from refbot.matching.explain import Explainer
from refbot.matching.scoring import (
    _GEO_SAME_REGION,
    _GEO_SAME_REGION_RELAXED,
    _KEYWORD_CUTOFF,
    _KEYWORD_PREFIX_SCORE,
    _KEYWORD_STOPWORDS,
    _NO_USAGE,
    _UNKNOWN,
    GOOD_MATCH_SCORE,
    SOFT_SHARE,
    WEIGHTS,
    Match,
    SearchResult,
    _bucket,
    _confidence,
    _good,
    _hits,
    _Interner,
    _is_available,
    _mean_best,
    _persona_sim,
    _points,
    _Query,
    _Ranked,
    _regions_text,
    _seniority_sim,
    _size_table,
    _sum_lists,
    _Term,
)
from refbot.matching.text import (
    key,
    language_key,
    words,
)
from refbot.matching.vocabulary import industry_family

__all__ = ["COMPARABLE_FIT", "GOOD_MATCH_SCORE", "SHOW_FLOOR", "Match", "MatchingEngine", "SearchResult"]

MIN_GOOD_MATCHES = 3  # fewer good matches than this triggers relaxation
COMPARABLE_FIT = 15  # an unavailable contact never outranks an available one at most this much worse
UNAVAILABLE_PENALTY = COMPARABLE_FIT + 0.5
RECENCY_BONUS = 3.0  # ranking points for a contact not used for a year (or never)
SAME_ACCOUNT_PENALTY = 8.0  # ranking points for each contact of the same account listed before
RELAX_FLOOR = 0.75  # a candidate failing a relaxed criterion keeps this share of its weight
RELAX_KEEP = 50.0  # relax only while criteria worth at least this many points stay strict
SHOW_FLOOR = 50  # one row per account (what sellers see): nothing scoring below this pads the list

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


def _rested(cands: Sequence[Candidate]) -> list[bool]:
    """Per contact: never used recently and not busy, so always available (full bonus)."""
    return [not c.recent_activity_dates and c.open_requests <= 0 for c in cands]


class MatchingEngine(Explainer):
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
        self._c_acc: list[int] = []
        for i, c in enumerate(self._cands):
            a = account_index.setdefault(c.account_id, len(self._acc))
            if a == len(self._acc):
                self._acc.append(c)
                self._acc_members.append([])
            self._acc_members[a].append(i)
            self._c_acc.append(a)

        accs, cands = self._acc, self._cands
        isos = [c.country.upper() if c.country else None for c in accs]
        countries_with_refs = {iso for iso in isos if iso}
        self._acc_industry = [industries(distinct("industry", c.industry)) for c in accs]
        self._acc_place = [places((iso, Region(c.region) if c.region else region_of(iso)))
                           for c, iso in zip(accs, isos, strict=True)]
        self._acc_emp = [emp_buckets(_bucket(c.employees)) for c in accs]
        self._acc_rev = [rev_buckets(_bucket(c.annual_revenue)) for c in accs]
        self._acc_products = [product_sets(ids_of(products, "product", c.products)) for c in accs]
        self._acc_use_cases = [use_case_sets(ids_of(use_cases, "use_case", c.use_cases)) for c in accs]
        self._acc_competitor = [competitors(distinct("competitor", c.competitor_replaced)) for c in accs]
        self._c_people = [people((c.seniority, c.persona)) for c in cands]
        self._c_topics = [topic_sets(ids_of(topics, "topic", c.topics)) for c in cands]
        self._c_langs = [language_sets(frozenset(language_key(x) for x in c.languages if x.strip())) for c in cands]
        self._c_acts = [activity_sets(frozenset(c.activities)) for c in cands]
        self._c_rested = _rested(cands)

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
        self._position = {c.contact_id: i for i, c in enumerate(self._cands)}

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
        clone._c_rested = _rested(cands)
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

    def search(
        self,
        criteria: Criteria,
        *,
        today: dt.date,
        limit: int = 5,
        one_per_account: bool = False,
        exclude: Collection[int] = (),
    ) -> SearchResult:
        """The best `limit` references for `criteria` on `today`, best first.

        `one_per_account` is what sellers see: the best contact of each account only (the others counted
        in `more_at_account`), and nothing scoring below SHOW_FLOOR. `exclude` are contact ids never
        offered (e.g. declined for this deal)."""
        if limit <= 0 or not self._cands:
            return SearchResult(matches=[], relaxed=[], good_count=0)
        q = self._resolve(criteria)
        terms = self._terms(q)
        activity = ActivityType.call if "activity" in criteria.soft else q.activity
        eligible = [activity in acts if acts else activity == ActivityType.call for acts in self._activity_sets]
        pool_size = limit * 8 + 10 if one_per_account else limit * 4 + 10
        cache = self._day_cache(today)
        excluded = frozenset(i for i in map(self._position.get, exclude) if i is not None)

        weighted = {t.name: self._weighted(t) for t in terms if t.account_level}
        acc_score = _sum_lists(list(weighted.values()), len(self._acc))
        pool = pool0 = self._rank(acc_score, terms, eligible, pool_size, today, cache, excluded)
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
                pool = self._rank(acc_score, terms, eligible, pool_size, today, cache, excluded)
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
        ordered = self._order(best_pool, today)
        more: dict[int, int] = {}
        if one_per_account:
            ordered = self._one_per_account(ordered, eligible, excluded, more)
        ordered = ordered[:limit]
        confidence = _confidence(terms, criteria)
        matches = [self._match(r, q, terms) for r in ordered]
        for m, r in zip(matches, ordered, strict=True):
            m.fit = _points(m.score * confidence)
            m.more_at_account = more.get(r.index, 0)
        good_count = sum(1 for m in matches if m.available and m.score >= GOOD_MATCH_SCORE)
        fits = [m.fit for m in matches]
        reordered = any(later > earlier for k, earlier in enumerate(fits) for later in fits[k + 1 :])
        return SearchResult(
            matches=matches, relaxed=best_relaxed, good_count=good_count, unused=q.unused, reordered=reordered
        )

    def _one_per_account(
        self, ordered: list[_Ranked], eligible: list[bool], excluded: frozenset[int], more: dict[int, int]
    ) -> list[_Ranked]:
        """The first contact of each account in `ordered`, nothing below SHOW_FLOOR; `more[index]` = the
        account's other contacts who could take this activity."""
        out: list[_Ranked] = []
        seen: set[int] = set()
        for r in ordered:
            a = self._c_acc[r.index]
            if a in seen or r.fit < SHOW_FLOOR:
                continue
            seen.add(a)
            out.append(r)
            more[r.index] = sum(
                1 for i in self._acc_members[a]
                if i != r.index and eligible[self._c_acts[i]] and i not in excluded
            )
        return out

    # ------------------------------------------------------------------------------------------ query

    def _resolve(self, criteria: Criteria) -> _Query:
        q = _Query(criteria=criteria, activity=criteria.activity or ActivityType.call)
        if criteria.industry or criteria.industry_family:
            hits = _hits(criteria.industry, self._industries) if criteria.industry else {}
            family = industry_family(criteria.industry) if criteria.industry else criteria.industry_family
            if family is None and not any(s == 1.0 for s in hits.values()):
                # An industry the program does not know: take the family of the closest known one.
                best = max(hits.items(), key=lambda kv: kv[1], default=None)
                if best is not None:
                    family = self._industry_families[best[0]]
            # "FSI", "HLS": every industry of the family is the industry asked.
            q.whole_family = not criteria.industry and not criteria.industry_label
            q.industry_family = family
            # A prospect named by its family's own name ("Financial Services") is close to every member.
            named_family = bool(criteria.industry and family and key(criteria.industry) == key(family))
            related = 1.0 if q.whole_family else (0.8 if named_family else 0.5)
            sims = []
            for i, fam in enumerate(self._industry_families):
                s = hits.get(i, 0.0)
                if s < 1.0 and family is not None and fam == family:
                    s = max(s, related)
                sims.append(s if self._industries[i] is not None else _UNKNOWN["industry"])
            q.industry_sims = sims
        q.product_hits = [_hits(p, self._products) for p in criteria.products]
        if criteria.use_case:
            q.use_case_hits = _hits(criteria.use_case, self._use_cases)
        if criteria.competitor:
            q.competitor_hits = _hits(criteria.competitor, self._competitors)
        q.topic_hits = [_hits(t, self._topics) for t in criteria.topics]
        countries = [c.upper() for c in (criteria.countries or ([criteria.country] if criteria.country else []))]
        q.countries = frozenset(countries)
        q.place = criteria.place or " or ".join(country_name(c) for c in countries)
        if criteria.region:
            q.regions = frozenset({criteria.region})
        else:
            q.regions = frozenset(r for r in map(region_of, countries) if r is not None)
        if q.countries:
            q.country_has_references = bool(q.countries & self._countries_with_refs)
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
                if not hits:
                    if w not in q.unused:
                        q.unused.append(w)  # shown once ("didn't use: ..."), never a compromise per result
                    continue
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
        if q.countries or q.regions:
            raw.append(("geo", True, self._acc_place, self._geo_table(q, relaxed_to_region=False)))
        if c.employees or c.employees_min or c.employees_max:
            table = _size_table(self._emp_buckets, c.employees, c.employees_min, c.employees_max)
            raw.append(("employees", True, self._acc_emp, table))
        if c.annual_revenue or c.revenue_min or c.revenue_max:
            table = _size_table(self._rev_buckets, c.annual_revenue, c.revenue_min, c.revenue_max)
            raw.append(("revenue", True, self._acc_rev, table))
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
            table = [_seniority_sim(s, c.seniority, or_higher=c.seniority_or_higher) for s, _ in self._people]
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
        if not raw and q.unused:
            # Only words that match nothing were asked: nothing is a good match (scores 0), not everything.
            raw.append(("keywords", True, self._acc_identity, [0.0] * len(self._acc)))
        if c.activity and "activity" in c.soft:
            raw.append(("activity", False, self._c_acts, [1.0 if c.activity in acts else 0.0 for acts in self._activity_sets]))
        soft = set(c.soft)

        def weight(name: str) -> float:
            return WEIGHTS[name] * (SOFT_SHARE if name in soft else 1.0)

        total_weight = sum(weight(name) for name, _, _, _ in raw)
        return [
            _Term(
                name=name,
                weight=100.0 * weight(name) / total_weight,
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
            if iso in q.countries:
                out.append(1.0)
            elif region in q.regions:
                out.append(1.0 if not q.countries else same_region)
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
            if not q.countries or not q.regions or target.table is not target.base:
                return None
            target.table = self._geo_table(q, relaxed_to_region=True)
            return target, f"{q.place} widened to {_regions_text(q.regions)}"
        target.table = [RELAX_FLOOR + (1.0 - RELAX_FLOOR) * s for s in target.table]
        target.relaxed = True
        if step == "region":
            return target, f"{_regions_text(q.regions) or q.place} widened to anywhere"
        labels: dict[str, Callable[[], str]] = {
            "keywords": lambda: "keywords (" + ", ".join(c.keywords) + ")",
            "language": lambda: f"language ({c.language})",
            "topics": lambda: "topics (" + ", ".join(c.topics) + ")",
            "competitor": lambda: f"competitor ({c.competitor})",
            "persona": lambda: f"persona ({c.persona.value if c.persona else ''})",
            "seniority": lambda: f"seniority ({c.seniority.label if c.seniority else ''})",
            "revenue": lambda: f"revenue ({c.revenue_text()})",
            "employees": lambda: f"size ({c.employees_text()})",
            "activity": lambda: f"activity ({c.activity.label.lower() if c.activity else ''})",
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
        excluded: frozenset[int] = frozenset(),
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
                    if not eligible[c_acts[i]] or (excluded and i in excluded):
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
        # The best value first (earliest in tiebreak order on a tie), each listed contact of an account
        # lowering the rest of that account: a heap whose stale entries are re-valued when they surface.
        heap = [(-(r.score + r.adjust), k, 0) for k, r in enumerate(remaining)]
        heapq.heapify(heap)
        while heap:
            _, k, seen = heapq.heappop(heap)
            r = remaining[k]
            a = self._c_acc[r.index]
            now = listed.get(a, 0)
            if seen != now:
                heapq.heappush(heap, (-(r.score + r.adjust - SAME_ACCOUNT_PENALTY * now), k, now))
                continue
            ordered.append(r)
            listed[a] = now + 1
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
