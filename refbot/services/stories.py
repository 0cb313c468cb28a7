"""Success stories (issue 21): after a deal won with references, its seller turns the debrief into a short
internal story — what the prospect needed, who helped, the result — that a program manager approves.
Approved stories appear in the weekly leaderboard post and the monthly digest.

Internal only: a story is shown in RefBot's own messages to colleagues and never sent to customers; it
never quotes contact details — the draft names customers and their people's roles, never an email or a
phone number, and a story whose text holds one (typed by the seller) is refused with a clear message.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.blocks import stories as blocks
from refbot.blocks.format import escape, money
from refbot.domain import MetNeeds, OpportunityOutcome
from refbot.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from refbot.models import Contact, Debrief, Opportunity, ReferenceRequest, StoryStatus, SuccessStory
from refbot.services.outbox import enqueue
from refbot.services.outcomes import can_record, helped_requests, seller_of

FIELD_MAX = 500
FIELDS = ("need", "helped", "result")
_EMAIL = re.compile(r"[^\s@<>]+@[^\s@<>]+\.[A-Za-z]{2,}")
_PHONE = re.compile(r"(?<![\w.])\+?\d[\d\s().\-/]{6,}\d")


@dataclass(frozen=True)
class StoryInput:
    need: str
    helped: str
    result: str


def contact_details_in(text: str, *, known: tuple[str, ...] = ()) -> bool:
    """Does `text` hold an email, a phone number, or one of the `known` contact emails/phones?"""
    if _EMAIL.search(text) or _PHONE.search(text):
        return True
    low = text.lower()
    return any(k and k.lower() in low for k in known)


def _won_with_references(session: Session, opportunity_id: int) -> tuple[Opportunity, list[ReferenceRequest]]:
    opp = session.get(Opportunity, opportunity_id)
    if opp is None:
        raise NotFound("That deal doesn't exist (anymore).")
    helped = helped_requests(session=session, opportunity_id=opp.id)
    if opp.outcome is not OpportunityOutcome.won or not helped:
        raise InvalidTransition(f"A story is for a deal won with references; {escape(opp.prospect_company)} isn't one (yet).")
    return opp, helped


def _known_details(session: Session, helped: list[ReferenceRequest]) -> tuple[str, ...]:
    rows = session.execute(sa.select(Contact.email, Contact.phone)
                           .where(Contact.id.in_([r.contact_id for r in helped]))).all()
    return tuple(v for row in rows for v in row if v and len(v) >= 5)


def draft(*, session: Session, opportunity_id: int, user_id: str, is_admin: bool) -> tuple[int, str, StoryInput]:
    """(opportunity id, prospect, the form's starting text) from the deal, its references and their
    debriefs: roles and companies, never names' contact details."""
    opp, helped = _won_with_references(session, opportunity_id)
    if not can_record(session=session, opportunity=opp, user_id=user_id, is_admin=is_admin):
        raise NotAllowed(f"Only the seller of {escape(opp.prospect_company)} can write its story.")
    existing = session.scalar(sa.select(SuccessStory).where(SuccessStory.opportunity_id == opp.id))
    if existing is not None:
        return opp.id, opp.prospect_company, StoryInput(existing.need, existing.helped, existing.result)
    debriefs = list(session.scalars(sa.select(Debrief).where(Debrief.request_id.in_([r.id for r in helped]))
                                    .order_by(Debrief.id)))
    insights = [d.insights.strip() for d in debriefs if d.insights and d.insights.strip()]
    notes = [r.note.strip() for r in helped if r.note and r.note.strip()]
    need = (insights or notes or [f"{opp.prospect_company} wanted to hear from a customer like them"])[0]
    people = []
    for r in helped:
        who = f"{r.contact.title} at {r.account.name}" if r.contact.title else f"a customer at {r.account.name}"
        if who not in people:
            people.append(who)
    met = any(d.met_needs is MetNeeds.yes for d in debriefs)
    result = f"{opp.prospect_company} signed" + (f" ({money(opp.amount)})" if opp.amount else "")
    result += "; the reference call answered their questions." if met else "."
    known = _known_details(session, helped)
    text = StoryInput(need=_scrub(need, known)[:FIELD_MAX], helped=", ".join(people)[:FIELD_MAX],
                      result=result[:FIELD_MAX])
    return opp.id, opp.prospect_company, text


def _scrub(text: str, known: tuple[str, ...]) -> str:
    out = _PHONE.sub("[phone removed]", _EMAIL.sub("[email removed]", text))
    for k in known:
        out = re.sub(re.escape(k), "[removed]", out, flags=re.IGNORECASE)
    return out


def validate(*, session: Session, opportunity_id: int, story: StoryInput) -> dict[str, str]:
    """The story's fields, tidied; ValidationFailed (with one message per field) when one is empty, too long
    or quotes contact details. Reads only: a form can check it before answering Slack."""
    opp, helped = _won_with_references(session, opportunity_id)
    values = {f: " ".join(getattr(story, f).split()) for f in FIELDS}
    known = _known_details(session, helped)
    errors: dict[str, str] = {}
    for field in FIELDS:
        if not values[field]:
            errors[field] = "Say it in a sentence or two."
        elif len(values[field]) > FIELD_MAX:
            errors[field] = f"Keep it under {FIELD_MAX} characters."
        elif contact_details_in(values[field], known=known):
            errors[field] = ("Leave out emails and phone numbers: stories are shared with colleagues, and "
                             "customers' contact details stay in RefBot.")
    if errors:
        raise ValidationFailed(next(iter(errors.values())), errors)
    return values


def submit(
    *, session: Session, opportunity_id: int, user_id: str, is_admin: bool, story: StoryInput, now: dt.datetime,
    reviewers: list[str],
) -> SuccessStory:
    """Save the seller's story for review (a resubmission of a pending or rejected one replaces it) and ask
    the program managers to approve it."""
    opp, _helped = _won_with_references(session, opportunity_id)
    if not can_record(session=session, opportunity=opp, user_id=user_id, is_admin=is_admin):
        raise NotAllowed(f"Only the seller of {escape(opp.prospect_company)} can write its story.")
    values = validate(session=session, opportunity_id=opportunity_id, story=story)
    row = session.scalar(sa.select(SuccessStory).where(SuccessStory.opportunity_id == opp.id).with_for_update())
    if row is not None and row.status is StoryStatus.approved:
        raise InvalidTransition(f"The story of {escape(opp.prospect_company)} is already approved.")
    if row is None:
        row = SuccessStory(opportunity_id=opp.id, author_id=user_id, **values)
        session.add(row)
    else:
        row.need, row.helped, row.result, row.author_id = values["need"], values["helped"], values["result"], user_id
        row.status, row.reject_reason, row.reviewed_by, row.reviewed_at = StoryStatus.pending, None, None, None
        row.updated_at = now
    session.flush()
    card = card_of(row, opp)
    version = int(row.updated_at.timestamp()) if row.updated_at else 0
    for admin in reviewers:
        text, blks = blocks.review_dm(card)
        enqueue(session=session, key=f"story:{row.id}:review:{version}:{admin}", channel=admin, text=text, blocks=blks)
    return row


def card_of(row: SuccessStory, opp: Opportunity) -> blocks.StoryCard:
    return blocks.StoryCard(story_id=row.id, opportunity_id=opp.id, prospect=opp.prospect_company, amount=opp.amount, author_id=row.author_id,
                            need=row.need, helped=row.helped, result=row.result, status=row.status.value)


def review(
    *, session: Session, story_id: int, actor_id: str, approve: bool, reason: str = "", now: dt.datetime,
) -> blocks.StoryCard:
    """Approve or reject a pending story once (a conditional UPDATE: a double click decides once); the author
    is told either way."""
    row = session.get(SuccessStory, story_id)
    if row is None:
        raise NotFound("That story doesn't exist (anymore).")
    status = StoryStatus.approved if approve else StoryStatus.rejected
    if not approve and not reason.strip():
        raise ValidationFailed("Say why, briefly: the seller sees it.", {"reason": "Say why, briefly: the seller sees it."})
    done = session.execute(
        sa.update(SuccessStory)
        .where(SuccessStory.id == row.id, SuccessStory.status == StoryStatus.pending)
        .values(status=status, reviewed_by=actor_id, reviewed_at=now, updated_at=now,
                reject_reason=None if approve else reason.strip())
        .execution_options(synchronize_session=False)
    )
    session.refresh(row)
    opp = session.get(Opportunity, row.opportunity_id)
    assert opp is not None
    card = card_of(row, opp)
    if getattr(done, "rowcount", 0) != 1:
        raise InvalidTransition(f"That story was already {row.status.value}.")
    text, blks = blocks.author_told(card, reason=row.reject_reason)
    enqueue(session=session, key=f"story:{row.id}:{status.value}:{int(now.timestamp())}", channel=row.author_id,
            text=text, blocks=blks)
    return card


INVITE_DELAY = dt.timedelta(hours=1)


def invite(*, session: Session, opportunity_id: int, now: dt.datetime) -> bool:
    """After a win with references: ask the seller, once per deal, to turn it into a story — an hour later
    (the outbox sends it then), so it comes after the congratulations rather than on top of them."""
    opp = session.get(Opportunity, opportunity_id)
    if opp is None or opp.outcome is not OpportunityOutcome.won:
        return False
    if not helped_requests(session=session, opportunity_id=opp.id):
        return False
    seller = seller_of(session=session, opportunity=opp)
    if not seller:
        return False
    text, blks = blocks.invite_dm(opp.id, opp.prospect_company)
    return enqueue(session=session, key=f"story:invite:{opp.id}", channel=seller, text=text, blocks=blks,
                   not_before=now + INVITE_DELAY) is not None


def approved(*, session: Session, since: dt.datetime, until: dt.datetime, limit: int = 3) -> list[dict[str, str]]:
    """Stories approved in [since, until), newest first, as the leaderboard and the digest show them."""
    rows = session.execute(
        sa.select(SuccessStory, Opportunity)
        .join(Opportunity, Opportunity.id == SuccessStory.opportunity_id)
        .where(SuccessStory.status == StoryStatus.approved, SuccessStory.reviewed_at >= since,
               SuccessStory.reviewed_at < until)
        .order_by(SuccessStory.reviewed_at.desc(), SuccessStory.id.desc())
        .limit(limit)
    ).all()
    return [blocks.story_summary(card_of(row, opp)) for row, opp in rows]


def prospect_of(*, session: Session, story_id: int) -> str:
    row = session.get(SuccessStory, story_id)
    if row is None:
        raise NotFound("That story doesn't exist (anymore).")
    if row.status is not StoryStatus.pending:
        raise InvalidTransition(f"That story was already {row.status.value}.")
    opp = session.get(Opportunity, row.opportunity_id)
    return opp.prospect_company if opp is not None else "the deal"
