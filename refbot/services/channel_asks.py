"""Black-market reference asks seen in channels: record every one, answer some — politely, rarely."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.db import add_unique
from refbot.models import ChannelAsk, ChannelPref
from refbot.services.policy import load_policy
from refbot.services.search import SearchOutcome, search_text


@dataclass
class AskDecision:
    ask_id: int | None
    reply: bool
    why_not: str | None = None
    outcome: SearchOutcome | None = None
    thread_ts: str | None = None


def record_ask(
    *,
    session: Session,
    team_id: str | None,
    channel_id: str,
    message_ts: str,
    thread_ts: str | None,
    user_id: str | None,
    query: str,
    now: dt.datetime,
    ext_shared: bool,
    today: dt.date,
) -> AskDecision:
    """Count the ask (once per message, whatever Slack redelivers) and decide whether to answer it.

    No reply: in channels shared with other organisations, where nudges are off, during the channel's
    cooldown, or in a thread that already got one.
    """
    existing = session.scalar(
        sa.select(ChannelAsk).where(ChannelAsk.channel_id == channel_id, ChannelAsk.message_ts == message_ts)
    )
    if existing is not None:
        return AskDecision(ask_id=existing.id, reply=False, why_not="already seen")
    root = thread_ts or message_ts
    ask = ChannelAsk(
        team_id=team_id,
        channel_id=channel_id,
        message_ts=message_ts,
        thread_ts=root,
        user_id=user_id,
        query=query[:2000],
        created_at=now,
    )
    if not add_unique(session, ask):  # a redelivery racing this one
        return AskDecision(ask_id=None, reply=False, why_not="already seen")

    if ext_shared:
        return AskDecision(ask_id=ask.id, reply=False, why_not="shared channel")
    pref = session.get(ChannelPref, channel_id)
    if pref is not None and not pref.nudges_enabled:
        return AskDecision(ask_id=ask.id, reply=False, why_not="nudges off")
    answered = session.scalar(
        sa.select(sa.func.count())
        .select_from(ChannelAsk)
        .where(ChannelAsk.channel_id == channel_id, ChannelAsk.thread_ts == root, ChannelAsk.replied.is_(True))
    )
    if answered:
        return AskDecision(ask_id=ask.id, reply=False, why_not="thread already answered")
    cooldown = dt.timedelta(minutes=load_policy(session=session).nudge_cooldown_minutes)
    if pref is not None and pref.last_nudge_at is not None and now - pref.last_nudge_at < cooldown:
        return AskDecision(ask_id=ask.id, reply=False, why_not="cooldown")
    # Claim the channel's cooldown slot in this transaction (a conditional write, safe across instances).
    if pref is None:
        if not add_unique(session, ChannelPref(channel_id=channel_id, nudges_enabled=True, last_nudge_at=now)):
            return AskDecision(ask_id=ask.id, reply=False, why_not="cooldown")
    else:
        claimed = session.execute(
            sa.update(ChannelPref)
            .where(
                ChannelPref.channel_id == channel_id,
                sa.or_(ChannelPref.last_nudge_at.is_(None), ChannelPref.last_nudge_at == pref.last_nudge_at),
            )
            .values(last_nudge_at=now)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            return AskDecision(ask_id=ask.id, reply=False, why_not="cooldown")
    ask.replied = True
    outcome = search_text(session=session, text=query, today=today, limit=3, user_id=user_id, source="channel", now=now)
    ask.criteria = outcome.criteria.model_dump(mode="json", exclude_defaults=True)
    session.flush()
    return AskDecision(ask_id=ask.id, reply=True, outcome=outcome, thread_ts=root)


def nudges_enabled(*, session: Session, channel_id: str) -> bool:
    """False when a program manager switched RefBot's replies off in this channel (default on)."""
    pref = session.get(ChannelPref, channel_id)
    return pref is None or bool(pref.nudges_enabled)


def set_nudges(*, session: Session, channel_id: str, enabled: bool, by: str, now: dt.datetime) -> None:
    pref = session.get(ChannelPref, channel_id)
    if pref is None:
        pref = ChannelPref(channel_id=channel_id)
        session.add(pref)
    pref.nudges_enabled = enabled
    pref.updated_by = by
    pref.updated_at = now
    session.flush()


def ask_counts(*, session: Session, since: dt.datetime) -> tuple[int, int]:
    """(asks detected, asks answered) since `since`: the black-market trend."""
    total, replied = session.execute(
        sa.select(sa.func.count(), sa.func.coalesce(sa.func.sum(sa.case((ChannelAsk.replied, 1), else_=0)), 0)).where(
            ChannelAsk.created_at >= since
        )
    ).one()
    return int(total), int(replied)
