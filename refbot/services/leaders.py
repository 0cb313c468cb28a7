"""Sales leaders, the fourth role (issue 21): who leads which team, and what their team did with RefBot.

Teams come from REFBOT_SALES_LEADERS (`LEADER=MEMBER,MEMBER;…`): people by Slack id or email, whole teams
by Slack user group (usergroups.users.list). The CRM's role hierarchy can feed the same mapping later.
User groups are read at most every TEAM_TTL per process (usergroups.users.list is tier 2).

The team view's figures are `build_report(team=...)` — the program report over the team's rows — so
they agree with `refbot report` and the digest; the lists beside them are plain reads.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import Any

import sqlalchemy as sa
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from refbot.config import CoreSettings
from refbot.domain import OPEN_REQUEST_STATUSES, OpportunityOutcome
from refbot.models import Account, ChannelAsk, Contact, Opportunity, ReferenceRequest, SlackUser
from refbot.services.outcomes import HELPED_STATUSES
from refbot.services.reports import build_report
from refbot.services.users import resolve_email
from refbot.tz import zone

log = logging.getLogger(__name__)

TEAM_TTL = 600.0
LISTED = 8
DEALS_DAYS = 90
_groups: dict[str, tuple[float, tuple[str, ...]]] = {}
_groups_lock = threading.Lock()


def _group_members(client: WebClient | None, group_id: str) -> tuple[str, ...]:
    with _groups_lock:
        cached = _groups.get(group_id)
    if cached is not None and time.monotonic() - cached[0] < TEAM_TTL:
        return cached[1]
    if client is None:
        return cached[1] if cached else ()
    try:
        users = tuple(str(u) for u in client.usergroups_users_list(usergroup=group_id).get("users") or [])
    except SlackApiError as exc:
        log.warning("usergroups.users.list %s failed: %s", group_id, exc.response.get("error"))
        return cached[1] if cached else ()
    with _groups_lock:
        _groups[group_id] = (time.monotonic(), users)
    return users


def forget_groups() -> None:
    """Drop the cached user groups (tests; a changed team shows at once)."""
    with _groups_lock:
        _groups.clear()


def _person(session: Session, client: WebClient | None, who: str) -> str | None:
    return resolve_email(session=session, client=client, email=who) if "@" in who else who


def teams(*, settings: CoreSettings, session: Session, client: WebClient | None,
          lookup_emails: bool = True) -> dict[str, tuple[str, ...]]:
    """{leader's Slack id: their team's Slack ids (never the leader), sorted}; unknown emails are skipped.
    `client` reads user groups; with `lookup_emails=False` emails are resolved from cached profiles only
    (nothing is written: safe in a read-only unit of work)."""
    out: dict[str, tuple[str, ...]] = {}
    email_client = client if lookup_emails else None
    for leader, members in settings.refbot_sales_leaders.items():
        leader_id = _person(session, email_client, leader)
        if not leader_id:
            continue
        ids: set[str] = set(out.get(leader_id, ()))
        for m in members:
            if m.startswith("S") and "@" not in m:
                ids.update(_group_members(client, m))
            else:
                uid = _person(session, email_client, m)
                if uid:
                    ids.add(uid)
        ids.discard(leader_id)
        out[leader_id] = tuple(sorted(ids))
    return out


def team_of(*, settings: CoreSettings, session: Session, client: WebClient | None,
            user_id: str) -> tuple[str, ...] | None:
    """The team `user_id` leads, or None when they are not a sales leader (reads only: emails from cached
    profiles, user groups through `client`)."""
    if not settings.refbot_sales_leaders:
        return None
    return teams(settings=settings, session=session, client=client, lookup_emails=False).get(user_id)


def names(*, session: Session, ids: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Display names RefBot has cached for these Slack ids (for text a leader posts, where mentions of
    people who might not be in the channel are not wanted)."""
    if not ids:
        return {}
    return {uid: name for uid, name in session.execute(
        sa.select(SlackUser.slack_id, SlackUser.name).where(SlackUser.slack_id.in_(list(ids)))) if name}


def _month_start(now: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    day = now.astimezone(tz).date().replace(day=1)
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz).astimezone(dt.UTC)


def team_view(
    *, session: Session, team: tuple[str, ...], now: dt.datetime, tz_name: str,
    since: dt.datetime | None = None, until: dt.datetime | None = None, title: str | None = None,
) -> dict[str, Any]:
    """What a leader sees about their team: the period's figures (this month so far by default), open
    requests, recent deals with references and their outcomes, debriefs missing, asks made in channels."""
    tz = zone(tz_name)
    since = since or _month_start(now, tz)
    report = build_report(session=session, now=now, since=since, until=until, tz_name=tz_name, team=team)
    members = list(team)
    open_rows = session.execute(
        sa.select(ReferenceRequest.id, ReferenceRequest.requester_id, ReferenceRequest.status, Contact.name,
                  Account.name, Opportunity.prospect_company, ReferenceRequest.needed_by)
        .join(Contact, Contact.id == ReferenceRequest.contact_id)
        .join(Account, Account.id == ReferenceRequest.account_id)
        .join(Opportunity, Opportunity.id == ReferenceRequest.opportunity_id)
        .where(ReferenceRequest.requester_id.in_(members), ReferenceRequest.status.in_(list(OPEN_REQUEST_STATUSES)))
        .order_by(ReferenceRequest.needed_by, ReferenceRequest.id)
    ).all()
    recent = (until or now) - dt.timedelta(days=DEALS_DAYS)
    deal_rows = session.execute(
        sa.select(Opportunity, ReferenceRequest.requester_id, Account.name)
        .join(ReferenceRequest, ReferenceRequest.opportunity_id == Opportunity.id)
        .join(Account, Account.id == ReferenceRequest.account_id)
        .where(ReferenceRequest.requester_id.in_(members), ReferenceRequest.status.in_(list(HELPED_STATUSES)),
               sa.func.coalesce(Opportunity.outcome_at, ReferenceRequest.created_at) >= recent)
        .order_by(sa.func.coalesce(Opportunity.outcome_at, ReferenceRequest.created_at).desc(), ReferenceRequest.id)
    ).all()
    deals: dict[int, dict[str, Any]] = {}
    for opp, requester, account in deal_rows:
        d = deals.setdefault(opp.id, {"prospect": opp.prospect_company, "amount": opp.amount,
                                      "outcome": OpportunityOutcome(opp.outcome).value, "seller": requester,
                                      "references": []})
        if account not in d["references"]:
            d["references"].append(account)
    asks = session.execute(
        sa.select(ChannelAsk.user_id, ChannelAsk.channel_id, ChannelAsk.query, ChannelAsk.created_at)
        .where(ChannelAsk.user_id.in_(members), ChannelAsk.created_at >= since,
               ChannelAsk.created_at < (until or now + dt.timedelta(seconds=1)))
        .order_by(ChannelAsk.created_at.desc(), ChannelAsk.id.desc())
    ).all()
    local_since = since.astimezone(tz)
    return {
        "title": title or f"{local_since:%B %Y} so far",
        "team": members,
        "report": report,
        "open": [{"request_id": rid, "requester_id": who, "status": status.label, "contact": contact,
                  "account": account, "prospect": prospect, "needed_by": needed.isoformat()}
                 for rid, who, status, contact, account, prospect, needed in open_rows],
        "deals": list(deals.values()),
        "asks": [{"user_id": who, "channel_id": channel, "query": query, "at": at.astimezone(dt.UTC).isoformat()}
                 for who, channel, query, at in asks],
        "names": names(session=session, ids=members),
    }
