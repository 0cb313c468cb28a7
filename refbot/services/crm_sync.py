"""CRM sync: users, reference accounts, their contacts, opportunities and deal teams, incrementally.

Each object keeps a cursor (the CRM's SystemModstamp of the last change applied). Every page the connector
returns is applied in ONE transaction together with the cursor moving past it, so a failure (CRM down,
401, REQUEST_LIMIT_EXCEEDED, a timeout mid-page) leaves the database at the end of the last whole page and
the next run resumes there. Re-reading a page is harmless: applying is an upsert by CRM id.

What the sync overwrites is CRM-owned: account name, industry, size, revenue, country (and region), owner;
contact name, title, email, phone, account; every deal field. What the program manager sets is never
touched: products, use cases, status and notes of accounts; willingness (activity types), topics,
per-contact limits, opt-out and pause of contacts.

A record that can't be mapped (unknown country, an owner with no Slack account) is skipped and reported
with its CRM id; the rest of the page applies.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from slack_sdk import WebClient
from sqlalchemy.orm import Session

from refbot.clock import Clock
from refbot.config import CoreSettings
from refbot.crm import CRM, CRMError, CRMObject, CRMRecord, Mapping
from refbot.crm.base import SYNC_ORDER
from refbot.db import Database
from refbot.domain import AccountStatus, ContactStatus, OpportunityOutcome, seniority_from_title
from refbot.geo import region_of, resolve_country
from refbot.models import Account, Contact, CrmCursor, CrmTeamMember, CrmUser, Opportunity
from refbot.services import outcomes
from refbot.services.users import resolve_email

log = logging.getLogger(__name__)

MAX_ISSUES = 200  # kept per object (the last run's); the count is always complete


@dataclass
class ObjectResult:
    obj: CRMObject
    pages: int = 0
    applied: int = 0
    skipped: int = 0
    issues: list[str] = field(default_factory=list)
    closed: list[str] = field(default_factory=list)  # deals recorded won/lost from the CRM


@dataclass
class SyncResult:
    full: bool
    objects: list[ObjectResult] = field(default_factory=list)
    error: CRMError | None = None
    failed_object: CRMObject | None = None
    writeback: Any = None  # crm_writeback.WritebackResult when write-back is on

    @property
    def ok(self) -> bool:
        return self.error is None

    def summary(self) -> str:
        parts = [f"{r.obj.value} {r.applied}" + (f" ({r.skipped} skipped)" if r.skipped else "") for r in self.objects]
        text = ", ".join(parts) or "nothing read"
        closed = sum(len(r.closed) for r in self.objects)
        if closed:
            text += f"; {closed} deal{'s' if closed != 1 else ''} closed"
        if self.error is not None:
            where = self.failed_object.value if self.failed_object else "sign-in"
            text += f"; stopped at {where}: {self.error.message}"
        if self.writeback is not None:
            text += f"; {self.writeback.summary()}"
        return text


Progress = Callable[[ObjectResult], None]


def sync(*, db: Database, crm: CRM, mapping: Mapping, slack: WebClient | None, clock: Clock,
         tz_name: str | None = None, full: bool = False, progress: Progress | None = None,
         objects: Iterable[CRMObject] = SYNC_ORDER) -> SyncResult:
    result = SyncResult(full=full)
    for obj in objects:
        current = ObjectResult(obj)
        result.objects.append(current)
        with db.unit_of_work() as session:
            state = _state(session, obj)
            state.last_attempt_at = clock.now()
            since = None if full else state.cursor
            after_id = None if full else state.cursor_id
        try:
            for page in crm.changed(obj, since=since, after_id=after_id, today=clock.today()):
                with db.unit_of_work() as session:
                    applier = _Applier(session=session, mapping=mapping, slack=slack, now=clock.now(),
                                       tz_name=tz_name, result=current)
                    applier.apply(obj, page)
                    state = _state(session, obj)
                    if page:  # pages come ordered by (modstamp, id): the last record is where to resume
                        state.cursor, state.cursor_id = page[-1].modstamp, page[-1].id
                    state.records += current.applied - applier.applied_before
                current.pages += 1
                if progress is not None:
                    progress(current)
        except CRMError as exc:
            result.error, result.failed_object = exc, obj
            log.warning("crm sync stopped at %s: %s", obj.value, exc.message)
            with db.unit_of_work() as session:
                state = _state(session, obj)
                state.last_error, state.last_error_at = exc.message, clock.now()
                state.issues = current.issues[:MAX_ISSUES]
            return result
        with db.unit_of_work() as session:
            state = _state(session, obj)
            state.last_success_at, state.last_error = clock.now(), None
            state.issues = current.issues[:MAX_ISSUES]
    return result


def _state(session: Session, obj: CRMObject) -> CrmCursor:
    state = session.get(CrmCursor, obj.value)
    if state is None:
        state = CrmCursor(object=obj.value, records=0, issues=[])
        session.add(state)
        session.flush()
    return state


@dataclass
class SyncStatus:
    obj: str
    cursor: dt.datetime | None
    last_success_at: dt.datetime | None
    last_attempt_at: dt.datetime | None
    last_error: str | None
    last_error_at: dt.datetime | None
    records: int
    issues: list[str]


def status(*, session: Session) -> list[SyncStatus]:
    rows = {r.object: r for r in session.scalars(sa.select(CrmCursor))}
    out = []
    for obj in SYNC_ORDER:
        r = rows.get(obj.value)
        out.append(SyncStatus(obj.value, r.cursor if r else None, r.last_success_at if r else None,
                              r.last_attempt_at if r else None, r.last_error if r else None,
                              r.last_error_at if r else None, r.records if r else 0, list(r.issues or []) if r else []))
    return out


# ------------------------------------------------------------------ applying a page


def _text(value: Any, limit: int) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text[:limit] or None


def _whole(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(round(float(value)))
    except (TypeError, ValueError):
        return None
    return number if number >= 0 else None


def _date(value: Any) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


class _Applier:
    def __init__(self, *, session: Session, mapping: Mapping, slack: WebClient | None, now: dt.datetime,
                 tz_name: str | None, result: ObjectResult) -> None:
        self.session, self.mapping, self.slack, self.now, self.tz_name = session, mapping, slack, now, tz_name
        self.result = result
        self.applied_before = result.applied

    def skip(self, label: str, record: CRMRecord, why: str) -> None:
        self.result.skipped += 1
        if len(self.result.issues) < MAX_ISSUES:
            self.result.issues.append(f"{label} {record.id}: {why}")

    def apply(self, obj: CRMObject, page: list[CRMRecord]) -> None:
        if not page:
            return
        {CRMObject.users: self.users, CRMObject.accounts: self.accounts, CRMObject.contacts: self.contacts,
         CRMObject.opportunities: self.opportunities, CRMObject.team: self.team}[obj](page)
        self.session.flush()

    def _owners(self, ids: Iterable[Any]) -> dict[str, str | None]:
        wanted = {str(i) for i in ids if i}
        if not wanted:
            return {}
        return dict(self.session.execute(
            sa.select(CrmUser.crm_id, CrmUser.slack_id).where(CrmUser.crm_id.in_(wanted))).tuples().all())

    def users(self, page: list[CRMRecord]) -> None:
        existing = {u.crm_id: u for u in self.session.scalars(
            sa.select(CrmUser).where(CrmUser.crm_id.in_([r.id for r in page])))}
        for record in page:
            v = record.values
            email = (_text(v.get("email"), 320) or "").lower() or None
            user = existing.get(record.id)
            if user is None:
                user = CrmUser(crm_id=record.id)
                self.session.add(user)
                existing[record.id] = user
            if email != user.email or user.slack_id is None:
                user.slack_id = resolve_email(session=self.session, client=self.slack, email=email) if email else None
            user.email = email
            user.name = _text(v.get("name"), 200) or ""
            user.active = v.get("active") is not False
            self.result.applied += 1

    def _upsert(self, model: Any, existing: dict[str, Any], crm_id: str, values: dict[str, Any],
                new_rows: list[dict[str, Any]], defaults: dict[str, Any]) -> Any:
        """Update the existing row (only what differs) or queue a new one for one multi-row INSERT."""
        current = existing.get(crm_id)
        if current is None:
            new_rows.append({**defaults, "external_id": crm_id, "crm_id": crm_id, **values,
                             "created_at": self.now, "updated_at": self.now})
            return None
        for key, value in values.items():
            if getattr(current, key) != value:
                setattr(current, key, value)
        return current

    def _insert(self, model: Any, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(sa.insert(model), rows)

    def _checked(self, label: str, record: CRMRecord, name: str | None, owners: dict[str, str | None], *,
                 nameless: str) -> tuple[str | None, str | None, str | None] | None:
        """(country, owner Slack id, owner CRM id), or None when the record is skipped and reported: it has no
        name (`nameless` says so), an unknown country or an owner with no Slack account."""
        if not name:
            self.skip(label, record, nameless)
            return None
        v = record.values
        country_text = _text(v.get("country"), 100)
        country = resolve_country(country_text) if country_text else None
        if country_text and country is None:
            self.skip(label, record, f"{name}: unknown country '{country_text}'")
            return None
        owner_crm = _text(v.get("owner"), 18)
        owner = owners.get(owner_crm or "")
        if owner is None:
            self.skip(label, record, f"{name}: its owner {owner_crm or '(none)'} has no Slack account with the "
                      "same email")
            return None
        return country, owner, owner_crm

    def accounts(self, page: list[CRMRecord]) -> None:
        ids = [r.id for r in page]
        existing = {a.crm_id or a.external_id: a for a in self.session.scalars(
            sa.select(Account).where(sa.or_(Account.crm_id.in_(ids), Account.external_id.in_(ids))))}
        owners = self._owners(r.values.get("owner") for r in page)
        new_rows: list[dict[str, Any]] = []
        for record in page:
            v = record.values
            name = _text(v.get("name"), 200)
            checked = self._checked("Account", record, name, owners, nameless="no name")
            if checked is None:
                continue
            country, owner, _ = checked
            values = {"crm_id": record.id, "name": name, "industry": _text(v.get("industry"), 100),
                      "employees": _whole(v.get("employees")), "annual_revenue": _whole(v.get("annual_revenue")),
                      "country": country, "owner_id": owner}
            current = existing.get(record.id)
            if current is None or current.country != country or current.region is None:
                values["region"] = region_of(country)
            self._upsert(Account, existing, record.id, values, new_rows,
                         {"status": AccountStatus.active, "products": [], "use_cases": [], "notes": ""})
            self.result.applied += 1
        self._insert(Account, new_rows)

    def contacts(self, page: list[CRMRecord]) -> None:
        ids = [r.id for r in page]
        existing = {c.crm_id or c.external_id: c for c in self.session.scalars(
            sa.select(Contact).where(sa.or_(Contact.crm_id.in_(ids), Contact.external_id.in_(ids))))}
        account_ids = {str(r.values.get("account")) for r in page if r.values.get("account")}
        accounts = dict(self.session.execute(
            sa.select(Account.crm_id, Account.id).where(Account.crm_id.in_(account_ids))).tuples().all())
        new_rows: list[dict[str, Any]] = []
        for record in page:
            v = record.values
            account_id = accounts.get(str(v.get("account") or ""))
            if account_id is None:
                self.result.skipped += 1  # not a reference account: expected, not an issue
                continue
            name = _text(v.get("name"), 200)
            if not name:
                self.skip("Contact", record, "no name")
                continue
            title = _text(v.get("title"), 200) or ""
            email = _text(v.get("email"), 320)
            values: dict[str, Any] = {"crm_id": record.id, "account_id": account_id, "name": name, "title": title,
                                      "email": email.lower() if email else None, "phone": _text(v.get("phone"), 64)}
            current = existing.get(record.id)
            if current is None or current.title != title or current.seniority is None:
                values["seniority"] = seniority_from_title(title)
            self._upsert(Contact, existing, record.id, values, new_rows,
                         {"status": ContactStatus.active, "topics": [], "activities": [], "languages": []})
            self.result.applied += 1
        self._insert(Contact, new_rows)

    def opportunities(self, page: list[CRMRecord]) -> None:
        ids = [r.id for r in page]
        existing = {o.crm_id: o for o in self.session.scalars(sa.select(Opportunity).where(Opportunity.crm_id.in_(ids)))}
        owners = self._owners(r.values.get("owner") for r in page)
        closing: list[tuple[Opportunity, OpportunityOutcome]] = []
        new_rows: list[dict[str, Any]] = []
        for record in page:
            v = record.values
            name = _text(v.get("name"), 200)
            prospect = _text(v.get("prospect"), 200) or name
            checked = self._checked("Opportunity", record, prospect, owners, nameless="no name and no account")
            if checked is None:
                continue
            country, owner, owner_crm = checked
            crm_stage = _text(v.get("stage"), 100)
            values = {"name": name, "prospect_company": prospect, "industry": _text(v.get("industry"), 100),
                      "employees": _whole(v.get("employees")), "country": country, "crm_stage": crm_stage,
                      "stage": self.mapping.stage_for(crm_stage), "amount": _whole(v.get("amount")),
                      "expected_close_date": _date(v.get("close_date")), "owner_id": owner,
                      "crm_owner_id": owner_crm, "crm_synced_at": self.now}
            closed = None
            if v.get("is_closed") is True:
                closed = OpportunityOutcome.won if v.get("is_won") is True else OpportunityOutcome.lost
            opp = existing.get(record.id)
            if opp is None:  # new to RefBot: no reference helped it yet, so its outcome is just a fact
                new_rows.append({**values, "crm_id": record.id, "outcome": closed or OpportunityOutcome.open,
                                 "outcome_at": self.now if closed else None, "created_at": self.now,
                                 "updated_at": self.now})
            else:
                for key, value in values.items():
                    if getattr(opp, key) != value:
                        setattr(opp, key, value)
                if closed is not None and opp.outcome is OpportunityOutcome.open:
                    closing.append((opp, closed))
            self.result.applied += 1
        self._insert(Opportunity, new_rows)
        self.session.flush()
        for opp, outcome in closing:
            if not outcomes.helped_requests(session=self.session, opportunity_id=opp.id):
                opp.outcome, opp.outcome_at = outcome, self.now  # no reference helped: nobody to credit or tell
                continue
            done = outcomes.record_outcome(
                session=self.session, opportunity_id=opp.id, outcome=outcome, user_id=opp.owner_id or "crm",
                is_admin=True, amount=opp.amount, now=self.now, tz_name=self.tz_name, from_crm=True)
            if done.recorded:
                self.result.closed.append(f"{opp.prospect_company} {outcome.value}")

    def team(self, page: list[CRMRecord]) -> None:
        keys = {(str(r.values.get("opportunity") or ""), str(r.values.get("user") or "")) for r in page}
        keys = {k for k in keys if all(k)}
        existing = set(self.session.execute(
            sa.select(CrmTeamMember.opportunity_crm_id, CrmTeamMember.user_crm_id).where(
                CrmTeamMember.opportunity_crm_id.in_({o for o, _ in keys}))).tuples().all())
        for opp_id, user_id in sorted(keys - existing):
            self.session.add(CrmTeamMember(opportunity_crm_id=opp_id, user_crm_id=user_id))
        self.result.applied += len(keys)


def sync_configured(*, db: Database, settings: CoreSettings, slack: WebClient | None, clock: Clock,
                    full: bool = False, progress: Progress | None = None) -> SyncResult:
    """Sync the CRM the settings configure, with the mapping stored in the database."""
    from refbot.crm import connect
    from refbot.services.crm_mapping import load_mapping

    with db.unit_of_work() as session:
        mapping = load_mapping(session=session, settings=settings)
    crm = connect(settings, mapping=mapping)
    if crm is None:
        raise CRMError("bad_request", "No CRM is configured: set SALESFORCE_INSTANCE_URL and its credentials "
                       "(see README, Connect Salesforce).")
    result = sync(db=db, crm=crm, mapping=mapping, slack=slack, clock=clock, tz_name=settings.refbot_timezone,
                  full=full, progress=progress)
    if settings.salesforce_write_back and result.ok:
        from refbot.services.crm_writeback import write_back

        result.writeback = write_back(db=db, crm=crm, clock=clock)
    return result
