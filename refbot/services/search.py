"""Search use case: load candidates from the database (cached), run the pure engine, log the search."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.domain import (
    OPEN_REQUEST_STATUSES,
    AccountStatus,
    ActivityType,
    ContactStatus,
    OpportunityOutcome,
    Persona,
    Region,
    RequestStatus,
    Seniority,
)
from refbot.matching.candidates import Candidate, FatiguePolicy
from refbot.matching.criteria import Criteria
from refbot.matching.engine import MatchingEngine, SearchResult
from refbot.matching.parser import ParsedQuery, Vocabulary, parse_query
from refbot.models import (
    Account,
    Activity,
    Contact,
    Opportunity,
    ReferenceRequest,
    RequestEvent,
    SearchLog,
    VocabularyTerm,
)
from refbot.services.policy import load_policy
from refbot.services.vocabulary import list_terms

HISTORY_DAYS = 400  # activity history loaded for fatigue and "least recently used"


@dataclass
class _Cached:
    facts: tuple[Any, ...]  # fingerprint of contacts, accounts and the fatigue policy
    activities: tuple[Any, ...]  # fingerprint of activities and the day
    requests: tuple[Any, ...]  # fingerprint of requests and their transitions
    dates: dict[int, tuple[dt.date, ...]]
    busy: dict[int, int]
    engine: MatchingEngine
    vocabulary: Vocabulary
    built_at: float  # time.monotonic() of the engine's build
    usage_at: float  # ... and of the usage it was last reloaded with


USAGE_MAX_AGE = 30.0  # seconds
FACTS_MAX_AGE = 600.0

_cache: dict[str, _Cached] = {}
_cache_lock = threading.Lock()


def _fingerprints(
    session: Session, policy: FatiguePolicy, today: dt.date
) -> tuple[tuple[Any, ...], tuple[Any, ...], tuple[Any, ...]]:
    """(facts, activities, requests): cheap fingerprints, one round trip. A change in the facts rebuilds
    the engine; a new activity or request only refreshes that part of each contact's usage."""

    def count(model: Any) -> Any:
        return sa.select(sa.func.count()).select_from(model).scalar_subquery()

    def highest(column: Any) -> Any:
        return sa.select(sa.func.max(column)).scalar_subquery()

    row = session.execute(
        sa.select(
            count(Contact),
            highest(Contact.updated_at),
            count(Account),
            highest(Account.updated_at),
            count(Activity),
            highest(Activity.id),
            count(ReferenceRequest),
            highest(RequestEvent.id),
            count(VocabularyTerm),
            highest(VocabularyTerm.id),
        )
    ).one()
    return (*row[:4], *row[8:10], policy), (*row[4:6], today), tuple(row[6:8])


def fatigue_policy(*, session: Session) -> FatiguePolicy:
    return load_policy(session=session).fatigue()


Usage = dict[int, tuple[tuple[dt.date, ...], int]]


def load_activity_dates(*, session: Session, today: dt.date) -> dict[int, tuple[dt.date, ...]]:
    """contact id -> its activity dates of the last HISTORY_DAYS, sorted (used contacts only)."""
    since = today - dt.timedelta(days=HISTORY_DAYS)
    dates: dict[int, list[dt.date]] = {}
    for contact_id, occurred_on in session.execute(
        sa.select(Activity.contact_id, Activity.occurred_on).where(Activity.occurred_on >= since)
    ):
        dates.setdefault(contact_id, []).append(occurred_on)
    return {cid: tuple(sorted(days)) for cid, days in dates.items()}


def load_busy(*, session: Session) -> dict[int, int]:
    """contact id -> requests open for the contact (busy contacts only)."""
    return dict(
        session.execute(  # type: ignore[arg-type]
            sa.select(ReferenceRequest.contact_id, sa.func.count())
            .where(ReferenceRequest.status.in_(list(OPEN_REQUEST_STATUSES)))
            .group_by(ReferenceRequest.contact_id)
        ).all()
    )


def _usage(dates: dict[int, tuple[dt.date, ...]], busy: dict[int, int]) -> Usage:
    return {cid: (dates.get(cid, ()), busy.get(cid, 0)) for cid in dates.keys() | busy.keys()}


_CONTACT_COLUMNS = (
    Contact.id, Contact.external_id, Contact.name, Contact.title, Contact.seniority, Contact.persona,
    Contact.topics, Contact.activities, Contact.languages, Contact.status, Contact.max_per_quarter,
    Contact.account_id,
)
_ACCOUNT_COLUMNS = (
    Account.id, Account.external_id, Account.name, Account.industry, Account.employees, Account.annual_revenue,
    Account.country, Account.region, Account.products, Account.use_cases, Account.competitor_replaced,
    Account.status, Account.notes,
)


def load_candidates(*, session: Session, today: dt.date, usage: Usage | None = None) -> list[Candidate]:
    """Every contact with its account, recent activity dates and open-request count (plain rows, no ORM
    objects: 10k contacts load in a fraction of the time)."""
    if usage is None:
        usage = _usage(load_activity_dates(session=session, today=today), load_busy(session=session))
    accounts = {row.id: row for row in session.execute(sa.select(*_ACCOUNT_COLUMNS))}
    out: list[Candidate] = []
    for c in session.execute(sa.select(*_CONTACT_COLUMNS).order_by(Contact.id)):
        a = accounts.get(c.account_id)
        if a is None:
            continue
        dates, open_requests = usage.get(c.id, ((), 0))
        out.append(
            Candidate(
                contact_id=c.id,
                contact_external_id=c.external_id,
                contact_name=c.name,
                title=c.title or "",
                seniority=Seniority(c.seniority) if c.seniority else None,
                persona=Persona(c.persona) if c.persona else None,
                topics=tuple(c.topics or ()),
                activities=tuple(_activity_types(c.activities)),
                languages=tuple(c.languages or ()),
                contact_status=ContactStatus(c.status),
                max_per_quarter=c.max_per_quarter,
                account_id=a.id,
                account_external_id=a.external_id,
                account_name=a.name,
                industry=a.industry,
                employees=a.employees,
                annual_revenue=a.annual_revenue,
                country=a.country,
                region=Region(a.region) if a.region else None,
                products=tuple(a.products or ()),
                use_cases=tuple(a.use_cases or ()),
                competitor_replaced=a.competitor_replaced,
                account_status=AccountStatus(a.status),
                notes=a.notes or "",
                recent_activity_dates=dates,
                open_requests=open_requests,
            )
        )
    return out


_ACTIVITY_TYPES = {t.value: t for t in ActivityType}


def _activity_types(values: list[str] | None) -> list[ActivityType]:
    """The activity types a contact agreed to; unknown words (an older import) are left out."""
    return [t for t in map(_ACTIVITY_TYPES.get, values or ()) if t is not None]


_rebuild_lock = threading.Lock()


def _engine(*, session: Session, today: dt.date) -> _Cached:
    """The cached engine, brought up to date. While one thread rebuilds, others keep serving the
    previous engine (a few seconds stale at most) instead of rebuilding it too."""
    # Read through a separate autocommit connection: on SQLite the caller's transaction would
    # otherwise hold the write lock (BEGIN IMMEDIATE) for the whole rebuild.
    bind = session.get_bind()
    with Session(bind.execution_options(isolation_level="AUTOCOMMIT")) as reader:
        return _engine_from(reader, key=str(bind.engine.url), today=today)


def _engine_from(session: Session, *, key: str, today: dt.date) -> _Cached:
    policy = fatigue_policy(session=session)
    facts, activities, requests = _fingerprints(session, policy, today)
    now = time.monotonic()

    # Fingerprints can miss a change on PostgreSQL: a transaction that took an earlier id or timestamp
    # may commit after one that took a later one. So usage is reloaded at least every USAGE_MAX_AGE
    # seconds and the engine rebuilt at least every FACTS_MAX_AGE seconds, whatever the fingerprints say.
    def fresh_facts(c: _Cached) -> bool:
        return c.facts == facts and now - c.built_at < FACTS_MAX_AGE

    def fresh_usage(c: _Cached) -> bool:
        return now - c.usage_at < USAGE_MAX_AGE

    def current(c: _Cached | None) -> bool:
        return (c is not None and fresh_facts(c) and fresh_usage(c)
                and (c.activities, c.requests) == (activities, requests))

    with _cache_lock:
        cached = _cache.get(key)
    if current(cached):
        assert cached is not None
        return cached
    if not _rebuild_lock.acquire(blocking=cached is None):
        assert cached is not None
        return cached  # another thread is rebuilding: serve the previous engine meanwhile
    try:
        with _cache_lock:
            latest = _cache.get(key)
        if current(latest):
            assert latest is not None
            return latest
        reuse = latest if latest is not None and fresh_usage(latest) else None
        dates = reuse.dates if reuse is not None and reuse.activities == activities else None
        busy = reuse.busy if reuse is not None and reuse.requests == requests else None
        if dates is None:
            dates = load_activity_dates(session=session, today=today)
        if busy is None:
            busy = load_busy(session=session)
        usage_at = reuse.usage_at if reuse is not None else now
        if latest is not None and fresh_facts(latest):
            # Only usage changed (a request, an approval, an activity, a new day): no rebuild.
            engine, vocab, built_at = latest.engine.with_usage(_usage(dates, busy)), latest.vocabulary, latest.built_at
        else:
            candidates = load_candidates(session=session, today=today, usage=_usage(dates, busy))
            glossary = list_terms(session=session)
            engine = MatchingEngine(candidates, policy=policy)
            vocab = Vocabulary.from_candidates(candidates, glossary=glossary)
            built_at = now
        built = _Cached(facts=facts, activities=activities, requests=requests, dates=dates, busy=busy,
                        engine=engine, vocabulary=vocab, built_at=built_at, usage_at=usage_at)
        with _cache_lock:
            _cache[key] = built
        return built
    finally:
        _rebuild_lock.release()


def vocabulary(*, session: Session, today: dt.date) -> Vocabulary:
    return _engine(session=session, today=today).vocabulary


def parse_text(*, session: Session, text: str, today: dt.date) -> ParsedQuery:
    return parse_query(text, _engine(session=session, today=today).vocabulary)


@dataclass
class SearchOutcome:
    search_id: int | None
    criteria: Criteria
    result: SearchResult
    parsed: ParsedQuery | None = None

    @property
    def unmatched(self) -> bool:
        return self.result.good_count == 0


def declined_contacts(*, session: Session, user_id: str | None, opportunity_id: int | None = None) -> frozenset[int]:
    """Contacts declined for this seller's deal: for `opportunity_id` when known, else for any of the
    seller's deals still open. They are never offered to this seller again for that deal."""
    if not user_id:
        return frozenset()
    stmt = sa.select(ReferenceRequest.contact_id).where(
        ReferenceRequest.requester_id == user_id, ReferenceRequest.status == RequestStatus.declined
    )
    if opportunity_id is not None:
        stmt = stmt.where(ReferenceRequest.opportunity_id == opportunity_id)
    else:
        stmt = stmt.join(Opportunity, Opportunity.id == ReferenceRequest.opportunity_id).where(
            Opportunity.outcome == OpportunityOutcome.open
        )
    return frozenset(session.scalars(stmt))


def run_search(
    *,
    session: Session,
    criteria: Criteria,
    today: dt.date,
    limit: int = 5,
    user_id: str | None = None,
    source: str = "slack",
    query_text: str = "",
    parsed: ParsedQuery | None = None,
    log: bool = True,
    now: dt.datetime | None = None,
    opportunity_id: int | None = None,
    one_per_account: bool = True,
) -> SearchOutcome:
    """Rank references for `criteria` as sellers see them (one row per account, none declined for this
    seller's deal); record the search (unmatched searches are the recruiting signal)."""
    return _run(
        session=session, engine=_engine(session=session, today=today).engine, criteria=criteria, today=today,
        limit=limit, user_id=user_id, source=source, query_text=query_text, parsed=parsed, log=log, now=now,
        opportunity_id=opportunity_id, one_per_account=one_per_account,
    )


def _run(
    *,
    session: Session,
    engine: MatchingEngine,
    criteria: Criteria,
    today: dt.date,
    limit: int,
    user_id: str | None,
    source: str,
    query_text: str,
    parsed: ParsedQuery | None,
    log: bool,
    now: dt.datetime | None,
    opportunity_id: int | None = None,
    one_per_account: bool = True,
) -> SearchOutcome:
    exclude = declined_contacts(session=session, user_id=user_id, opportunity_id=opportunity_id)
    result = engine.search(criteria, today=today, limit=limit, one_per_account=one_per_account, exclude=exclude)
    search_id = None
    if log:
        entry = SearchLog(
            user_id=user_id,
            source=source,
            query=query_text[:2000],
            criteria=criteria.model_dump(mode="json", exclude_defaults=True),
            result_count=len(result.matches),
            best_score=result.matches[0].score if result.matches else None,
            unmatched=result.good_count == 0,
        )
        if now is not None:
            entry.created_at = now
        session.add(entry)
        session.flush()
        search_id = entry.id
    return SearchOutcome(search_id=search_id, criteria=criteria, result=result, parsed=parsed)


def search_text(
    *,
    session: Session,
    text: str,
    today: dt.date,
    limit: int = 5,
    user_id: str | None = None,
    source: str = "slack",
    now: dt.datetime | None = None,
    one_per_account: bool = True,
) -> SearchOutcome:
    """Parse a seller's text and rank references for it (see run_search)."""
    text = text.replace("\x00", "")  # PostgreSQL text cannot hold NUL; Slack never means one
    cached = _engine(session=session, today=today)  # once: parsing and ranking share one snapshot
    parsed = parse_query(text, cached.vocabulary)
    return _run(
        session=session,
        engine=cached.engine,
        criteria=parsed.criteria,
        today=today,
        limit=limit,
        user_id=user_id,
        source=source,
        query_text=text,
        parsed=parsed,
        log=True,
        now=now,
        one_per_account=one_per_account,
    )


def criteria_of_search(*, session: Session, search_id: int) -> Criteria | None:
    entry = session.get(SearchLog, search_id)
    if entry is None:
        return None
    return Criteria.model_validate(entry.criteria or {})

