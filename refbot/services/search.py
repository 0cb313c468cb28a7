"""Search use case: load candidates from the database (cached), run the pure engine, log the search."""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.domain import (
    OPEN_REQUEST_STATUSES,
    AccountStatus,
    ActivityType,
    ContactStatus,
    Persona,
    Region,
    Seniority,
)
from refbot.matching.candidates import Candidate, FatiguePolicy
from refbot.matching.criteria import Criteria
from refbot.matching.engine import MatchingEngine, SearchResult
from refbot.matching.parser import ParsedQuery, Vocabulary, parse_query
from refbot.models import Account, Activity, Contact, ReferenceRequest, RequestEvent, SearchLog
from refbot.services.policy import load_policy

HISTORY_DAYS = 400  # activity history loaded for fatigue and "least recently used"


@dataclass
class _Cached:
    signature: tuple[Any, ...]
    engine: MatchingEngine
    vocabulary: Vocabulary
    candidates: dict[int, Candidate]


_cache: dict[str, _Cached] = {}
_cache_lock = threading.Lock()


def _signature(session: Session, policy: FatiguePolicy) -> tuple[Any, ...]:
    """Cheap fingerprint of everything candidates are built from; a change rebuilds the engine."""
    contacts = session.execute(sa.select(sa.func.count(Contact.id), sa.func.max(Contact.updated_at))).one()
    accounts = session.execute(sa.select(sa.func.count(Account.id), sa.func.max(Account.updated_at))).one()
    activities = session.execute(sa.select(sa.func.count(Activity.id), sa.func.max(Activity.id))).one()
    requests = (
        session.scalar(sa.select(sa.func.count(ReferenceRequest.id))),
        session.scalar(sa.select(sa.func.max(RequestEvent.id))),
    )
    return (tuple(contacts), tuple(accounts), tuple(activities), tuple(requests), policy)


def fatigue_policy(*, session: Session) -> FatiguePolicy:
    p = load_policy(session=session)
    return FatiguePolicy(max_per_window=p.max_per_quarter, window_days=p.window_days, min_gap_days=p.min_gap_days)


def load_candidates(*, session: Session, today: dt.date) -> list[Candidate]:
    """Every contact with its account, recent activity dates and open-request count."""
    since = today - dt.timedelta(days=HISTORY_DAYS)
    dates: dict[int, list[dt.date]] = {}
    for contact_id, occurred_on in session.execute(
        sa.select(Activity.contact_id, Activity.occurred_on).where(Activity.occurred_on >= since)
    ):
        dates.setdefault(contact_id, []).append(occurred_on)
    busy: dict[int, int] = dict(
        session.execute(
            sa.select(ReferenceRequest.contact_id, sa.func.count())
            .where(ReferenceRequest.status.in_(list(OPEN_REQUEST_STATUSES)))
            .group_by(ReferenceRequest.contact_id)
        ).all()
    )
    accounts = {a.id: a for a in session.scalars(sa.select(Account))}
    out: list[Candidate] = []
    for c in session.scalars(sa.select(Contact).order_by(Contact.id)):
        a = accounts.get(c.account_id)
        if a is None:
            continue
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
                recent_activity_dates=tuple(sorted(dates.get(c.id, ()))),
                open_requests=busy.get(c.id, 0),
            )
        )
    return out


def _activity_types(values: list[str] | None) -> list[ActivityType]:
    out = []
    for v in values or ():
        try:
            out.append(ActivityType(v))
        except ValueError:
            continue
    return out


_rebuild_lock = threading.Lock()


def _engine(*, session: Session, today: dt.date) -> _Cached:
    """The cached engine; rebuilt when the data changed. While one thread rebuilds, others keep
    serving the previous engine (a few seconds stale at most) instead of rebuilding it too."""
    # Read through a separate autocommit connection: on SQLite the caller's transaction would
    # otherwise hold the write lock (BEGIN IMMEDIATE) for the whole rebuild.
    bind = session.get_bind()
    with Session(bind.execution_options(isolation_level="AUTOCOMMIT")) as reader:
        return _engine_from(reader, key=str(bind.url), today=today)


def _engine_from(session: Session, *, key: str, today: dt.date) -> _Cached:
    policy = fatigue_policy(session=session)
    signature = _signature(session, policy)
    with _cache_lock:
        cached = _cache.get(key)
    if cached is not None and cached.signature == signature:
        return cached
    if not _rebuild_lock.acquire(blocking=cached is None):
        assert cached is not None
        return cached  # another thread is rebuilding: serve the previous engine meanwhile
    try:
        with _cache_lock:
            latest = _cache.get(key)
        if latest is not None and latest.signature == signature:
            return latest
        candidates = load_candidates(session=session, today=today)
        built = _Cached(
            signature=signature,
            engine=MatchingEngine(candidates, policy=policy),
            vocabulary=Vocabulary.from_candidates(candidates),
            candidates={c.contact_id: c for c in candidates},
        )
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
) -> SearchOutcome:
    """Rank references for `criteria`; record the search (unmatched searches are the recruiting signal)."""
    cached = _engine(session=session, today=today)
    result = cached.engine.search(criteria, today=today, limit=limit)
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
) -> SearchOutcome:
    text = text.replace("\x00", "")  # PostgreSQL text cannot hold NUL; Slack never means one
    parsed = parse_text(session=session, text=text, today=today)
    return run_search(
        session=session,
        criteria=parsed.criteria,
        today=today,
        limit=limit,
        user_id=user_id,
        source=source,
        query_text=text,
        parsed=parsed,
        now=now,
    )


def criteria_of_search(*, session: Session, search_id: int) -> Criteria | None:
    entry = session.get(SearchLog, search_id)
    if entry is None:
        return None
    return Criteria.model_validate(entry.criteria or {})

