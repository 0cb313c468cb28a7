"""Coverage gaps: where sellers look for references (demand) against the references that could take the
call today (supply), by segment (industry family x place x size band x seniority), biggest gaps first.

Demand is what sellers asked for since a date: searches (and which of them found no good match), reference
asks seen in channels, and requests (the prospect's facts and the seniority of the contact asked for). Each
is counted once, in the segment its own criteria name (a search for "bank in Germany" counts for Financial
services · Germany, not for every VP-level bank segment inside it). Supply is the active contacts at active
accounts that fit the segment and are available after fatigue (`refbot.matching.candidates.fatigue_window`,
the same rule the engine and the request checks use); the contacts resting now are counted beside them.

A gap also lists recruiting candidates: customer accounts RefBot knows (imported or synced from the CRM)
that fit the segment but have no active reference contact yet, with whether their owner was already asked
to nominate one (once per account).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pydantic import ValidationError
from sqlalchemy.orm import Session

from refbot.blocks.coverage import nominate_request_dm
from refbot.domain import AccountStatus, ContactStatus, Region, Seniority
from refbot.errors import NotAllowed, NotFound
from refbot.geo import country_name, place_groups, region_name, region_of
from refbot.matching.candidates import Candidate, fatigue_window
from refbot.matching.criteria import Criteria
from refbot.matching.engine import MIN_GOOD_MATCHES
from refbot.matching.text import EMPLOYEE_BANDS, band
from refbot.matching.vocabulary import industry_family
from refbot.models import (
    Account,
    ChannelAsk,
    Contact,
    Opportunity,
    OutboxMessage,
    ReferenceRequest,
    SearchLog,
)
from refbot.services.outbox import enqueue
from refbot.services.policy import load_policy
from refbot.services.search import load_candidates

DEFAULT_DAYS = 90
MAX_EXAMPLES = 3
MAX_RECRUITS = 3
_REGIONS = frozenset(r.value for r in Region)
ENOUGH = MIN_GOOD_MATCHES  # a segment with fewer available references than the engine wants is short

def size_label(size: tuple[int | None, int | None]) -> str:
    lo, hi = size
    if lo and hi:
        return f"{lo:,}–{hi:,} employees"
    if lo:
        return f"{lo:,}+ employees"
    return f"under {(hi or 0) + 1:,} employees"


def size_of_band(i: int) -> tuple[int | None, int | None]:
    """EMPLOYEE_BANDS[i] as (at least, at most): a single typed headcount counts in its band."""
    lo = EMPLOYEE_BANDS[i] or None
    hi = EMPLOYEE_BANDS[i + 1] - 1 if i + 1 < len(EMPLOYEE_BANDS) else None
    return lo, hi


def industry_key(industry: str | None) -> str | None:
    """The industry's family ("Financial Services", refbot/matching/data/industries.json), or "=<industry>"
    for one no family knows."""
    if not industry or not industry.strip():
        return None
    return industry_family(industry) or "=" + " ".join(industry.split()).title()


@functools.cache
def _groups() -> dict[str, frozenset[str]]:
    return {g.name: g.countries for g in place_groups() if g.countries}


@dataclass(frozen=True, slots=True)
class Segment:
    family: str | None = None  # an industry family, or "=<industry>" for one outside every family
    place: str | None = None  # an ISO2 country, a named group of countries (DACH), or a region code (EMEA)
    size: tuple[int | None, int | None] | None = None  # employees (at least, at most)
    seniority: Seniority | None = None
    or_higher: bool = False  # seniority or higher ("VP+")

    @property
    def empty(self) -> bool:
        return self.family is None and self.place is None and self.size is None and self.seniority is None

    @property
    def key(self) -> str:
        """Stable text form ("Financial Services|DE|1000-4999|vp+"), small enough for a button value."""
        size = "" if self.size is None else f"{self.size[0] or ''}-{self.size[1] or ''}"
        sen = (self.seniority.value + ("+" if self.or_higher else "")) if self.seniority else ""
        return "|".join([self.family or "", self.place or "", size, sen])

    @classmethod
    def from_key(cls, key: str) -> Segment:
        family, place, size, sen = (key.split("|") + ["", "", "", ""])[:4]
        bounds: tuple[int | None, int | None] | None = None
        lo, dash, hi = size.partition("-")
        if dash and (lo.isdigit() or hi.isdigit()) and (not lo or lo.isdigit()) and (not hi or hi.isdigit()):
            bounds = (int(lo) if lo else None, int(hi) if hi else None)
        level = sen.rstrip("+")
        seniority = Seniority(level) if level in {x.value for x in Seniority} else None
        return cls(family or None, place or None, bounds, seniority, bool(seniority and sen.endswith("+")))

    @property
    def label(self) -> str:
        """"Financial Services · Germany · 1,000–4,999 employees · VP"."""
        parts: list[str] = []
        if self.family:
            parts.append(self.family.removeprefix("="))
        if self.place:
            parts.append(region_name(self.place) if self.place in _REGIONS
                         else self.place if self.place in _groups() else country_name(self.place))
        if self.size is not None:
            parts.append(size_label(self.size))
        if self.seniority:
            parts.append(self.seniority.label + (" or higher" if self.or_higher else ""))
        return " · ".join(parts) or "Any reference"

    def place_size_fit(self, *, country: str | None, region: Region | str | None, employees: int | None) -> bool:
        if self.place is not None:
            if self.place in _REGIONS:
                have = region or region_of(country)
                if (have.value if isinstance(have, Region) else have) != self.place:
                    return False
            elif self.place in _groups():
                if country not in _groups()[self.place]:
                    return False
            elif country != self.place:
                return False
        if self.size is None:
            return True
        lo, hi = self.size
        return employees is not None and (lo is None or employees >= lo) and (hi is None or employees <= hi)

    def account_fits(self, *, industry: str | None, country: str | None, region: Region | str | None,
                     employees: int | None) -> bool:
        if self.family is not None and industry_key(industry) != self.family:
            return False
        return self.place_size_fit(country=country, region=region, employees=employees)

    def seniority_fits(self, have: Seniority | None) -> bool:
        if self.seniority is None:
            return True
        if have is None:
            return False
        return have.rank >= self.seniority.rank if self.or_higher else have == self.seniority

    def fits(self, c: Candidate) -> bool:
        return self.seniority_fits(c.seniority) and self.account_fits(
            industry=c.industry, country=c.country, region=c.region, employees=c.employees)


def segment_of(criteria: Criteria) -> Segment:
    """A search's segment: its industry's family (or the family it named: "FSI", "bank"), its place (a country,
    a named group, a region), its size and its seniority."""
    family = (industry_key(criteria.industry) or criteria.industry_family or industry_key(criteria.industry_label)
              or next((f for f in map(industry_family, criteria.keywords) if f), None))
    if len(criteria.countries) > 1 and criteria.place in _groups():
        place: str | None = criteria.place
    else:
        place = criteria.country or (criteria.region.value if criteria.region else None)
    size: tuple[int | None, int | None] | None = None
    if criteria.employees_min or criteria.employees_max:
        size = (criteria.employees_min, criteria.employees_max)
    elif criteria.employees:
        size = size_of_band(band(criteria.employees, EMPLOYEE_BANDS))
    return Segment(family, place, size, criteria.seniority, bool(criteria.seniority and criteria.seniority_or_higher))


def _criteria(raw: dict[str, Any] | None) -> Criteria | None:
    try:
        return Criteria.model_validate(raw or {})
    except ValidationError:
        return None  # an older row the current criteria no longer read: not counted


@dataclass(frozen=True)
class Recruit:
    account_id: int
    name: str
    owner_id: str | None
    asked: bool  # its owner was already asked to nominate a contact


@dataclass(frozen=True)
class Gap:
    segment: Segment
    searches: int = 0
    unmatched: int = 0
    asks: int = 0
    requests: int = 0
    available: int = 0
    resting: int = 0  # fit, but resting (fatigue) or busy today
    examples: tuple[str, ...] = ()
    recruits: tuple[Recruit, ...] = ()

    @property
    def label(self) -> str:
        return self.segment.label

    @property
    def demand(self) -> int:
        return self.searches + self.asks + self.requests

    @property
    def shortfall(self) -> float:
        """Demand per available reference (+1, so an empty segment ranks by its demand)."""
        return self.demand / (self.available + 1)


@dataclass(frozen=True)
class Coverage:
    since: dt.datetime
    gaps: tuple[Gap, ...] = ()
    total: int = 0  # segments short of references (gaps shows the first of them)
    demand: int = 0  # searches + asks + requests read (with a segment)


@dataclass
class _Tally:
    searches: int = 0
    unmatched: int = 0
    asks: int = 0
    requests: int = 0
    examples: list[tuple[dt.datetime, str]] = field(default_factory=list)

    def example(self, when: dt.datetime, text: str) -> None:
        clean = " ".join(text.split())
        if clean:
            self.examples.append((when, clean))

    def recent_examples(self) -> tuple[str, ...]:
        seen: dict[str, str] = {}
        for _, text in sorted(self.examples, key=lambda e: e[0], reverse=True):
            seen.setdefault(text.casefold(), text)
            if len(seen) >= MAX_EXAMPLES:
                break
        return tuple(seen.values())


def _demand(session: Session, since: dt.datetime) -> dict[Segment, _Tally]:
    tallies: dict[Segment, _Tally] = defaultdict(_Tally)
    for raw, query, unmatched, created in session.execute(
        sa.select(SearchLog.criteria, SearchLog.query, SearchLog.unmatched, SearchLog.created_at)
        .where(SearchLog.created_at >= since)
    ):
        crit = _criteria(raw)
        seg = segment_of(crit) if crit else Segment()
        if seg.empty:
            continue
        t = tallies[seg]
        t.searches += 1
        t.unmatched += int(bool(unmatched))
        t.example(created, query or "")
    for raw, query, created in session.execute(
        sa.select(ChannelAsk.criteria, ChannelAsk.query, ChannelAsk.created_at).where(ChannelAsk.created_at >= since)
    ):
        crit = _criteria(raw)
        seg = segment_of(crit) if crit else Segment()
        if seg.empty:
            continue
        tallies[seg].asks += 1
        tallies[seg].example(created, query or "")
    for industry, employees, country, seniority in session.execute(
        sa.select(Opportunity.industry, Opportunity.employees, Opportunity.country, Contact.seniority)
        .select_from(ReferenceRequest)
        .join(Opportunity, Opportunity.id == ReferenceRequest.opportunity_id)
        .join(Contact, Contact.id == ReferenceRequest.contact_id)
        .where(ReferenceRequest.created_at >= since)
    ):
        seg = Segment(family=industry_key(industry), place=country or None,
                      size=size_of_band(band(employees, EMPLOYEE_BANDS)) if employees else None,
                      seniority=Seniority(seniority) if seniority else None)
        if not seg.empty:
            tallies[seg].requests += 1
    return tallies


def _supply(candidates: Iterable[Candidate], segments: Iterable[Segment], *, today: dt.date,
            session: Session) -> dict[Segment, tuple[int, int]]:
    """segment -> (available today, resting or busy today), over usable contacts."""
    policy = load_policy(session=session).fatigue()
    # Contacts sharing every fact a segment reads are counted together: a few hundred groups, not 10k rows.
    groups: Counter[tuple[Any, ...]] = Counter()
    for c in candidates:
        if not c.usable:
            continue
        w = fatigue_window(activity_dates=c.recent_activity_dates, today=today, policy=policy,
                           contact_limit=c.max_per_quarter, open_requests=c.open_requests)
        groups[(industry_key(c.industry), c.country, c.region.value if c.region else None, c.employees,
                c.seniority, w.available)] += 1
    out: dict[Segment, tuple[int, int]] = {}
    for seg in segments:
        available = resting = 0
        for (fam, country, region, employees, seniority, free), n in groups.items():
            if not seg.seniority_fits(seniority):
                continue
            if seg.family is not None and fam != seg.family:
                continue
            if not seg.place_size_fit(country=country, region=region, employees=employees):
                continue
            if free:
                available += n
            else:
                resting += n
        out[seg] = (available, resting)
    return out


def _not_yet_references(session: Session) -> list[Any]:
    """Customer accounts (not retired) without one active contact at an active account: not references yet."""
    has_active = (
        sa.select(Contact.id)
        .where(Contact.account_id == Account.id, Contact.status == ContactStatus.active,
               Account.status == AccountStatus.active)
        .exists()
    )
    return list(session.execute(
        sa.select(Account.id, Account.name, Account.owner_id, Account.industry, Account.country, Account.region,
                  Account.employees)
        .where(Account.status != AccountStatus.retired, ~has_active)
        .order_by(Account.employees.desc().nulls_last(), Account.name, Account.id)
    ))


NOMINATE_PREFIX = "coverage:nominate:"


def nominate_key(account_id: int) -> str:
    """The outbox key of the one "would they be a reference?" DM to an account's owner."""
    return f"{NOMINATE_PREFIX}{account_id}"


def _recruits(session: Session, rows: list[Any], seg: Segment) -> tuple[Recruit, ...]:
    picked = [r for r in rows if seg.account_fits(industry=r.industry, country=r.country, region=r.region,
                                                  employees=r.employees)][:MAX_RECRUITS]
    if not picked:
        return ()
    asked = set(session.scalars(sa.select(OutboxMessage.dedupe_key).where(
        OutboxMessage.dedupe_key.in_([nominate_key(r.id) for r in picked]))))
    return tuple(Recruit(r.id, r.name, r.owner_id, nominate_key(r.id) in asked) for r in picked)


def coverage_gaps(*, session: Session, now: dt.datetime, tz: dt.tzinfo, since: dt.datetime | None = None,
                  limit: int = 10) -> Coverage:
    """The segments short of references since `since` (default: the last 90 days), biggest gaps first:
    most demand per available reference, then most unmatched searches, then most demand."""
    since = since or now - dt.timedelta(days=DEFAULT_DAYS)
    today = now.astimezone(tz).date()
    tallies = _demand(session, since)
    supply = _supply(load_candidates(session=session, today=today), tallies, today=today, session=session)
    short: list[Gap] = []
    for seg, t in tallies.items():
        available, resting = supply.get(seg, (0, 0))
        if available >= ENOUGH and not t.unmatched and not t.asks:
            continue  # enough references and nobody came away empty-handed
        short.append(Gap(seg, t.searches, t.unmatched, t.asks, t.requests, available, resting,
                         t.recent_examples()))
    short.sort(key=lambda g: (-g.shortfall, -g.unmatched, -g.demand, g.label))
    rows = _not_yet_references(session) if short else []
    shown = tuple(
        Gap(g.segment, g.searches, g.unmatched, g.asks, g.requests, g.available, g.resting, g.examples,
            _recruits(session, rows, g.segment))
        for g in short[:limit]
    )
    return Coverage(since=since, gaps=shown, total=len(short), demand=sum(t.searches + t.asks + t.requests
                                                                          for t in tallies.values()))


# ------------------------------------------------------------------ recruiting


@dataclass(frozen=True)
class NominateAsk:
    account_name: str
    owner_id: str | None
    queued: bool  # False: asked before (once per account), or no owner to ask


def ask_owner_to_nominate(*, session: Session, account_id: int, segment_key: str, actor_id: str, is_admin: bool,
                          now: dt.datetime) -> NominateAsk:
    """DM the account's owner, once per account: sellers keep looking for references like this customer;
    would one of its people be a reference? The DM carries the Nominate button."""
    if not is_admin:
        raise NotAllowed("Only program managers can ask account owners to nominate.")
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("That account doesn't exist any more.")
    if not account.owner_id:
        return NominateAsk(account.name, None, False)
    seg = Segment.from_key(segment_key)
    text, blocks = nominate_request_dm(account_name=account.name, segment=seg.label, asked_by=actor_id)
    queued = enqueue(session=session, key=nominate_key(account.id), channel=account.owner_id, text=text,
                     blocks=blocks) is not None
    return NominateAsk(account.name, account.owner_id, queued)


def coverage_json(coverage: Coverage) -> dict[str, Any]:
    """The CLI's --json shape (stable keys)."""
    return {
        "since": coverage.since.isoformat(),
        "demand": coverage.demand,
        "gaps_total": coverage.total,
        "gaps": [
            {"segment": g.label, "key": g.segment.key, "searches": g.searches, "unmatched": g.unmatched,
             "channel_asks": g.asks, "requests": g.requests, "available": g.available, "resting": g.resting,
             "examples": list(g.examples),
             "recruits": [{"account": r.name, "owner": r.owner_id, "asked": r.asked} for r in g.recruits]}
            for g in coverage.gaps
        ],
    }

