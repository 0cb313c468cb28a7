""""Tell me when one joins": a seller follows a search that had no good match; the `follows` job runs each open
follow's search again and, the first time a good match is there (a reference joined by an accepted
nomination, an import or the CRM sync, or a resting one is available again), sends ONE DM with that match
and its Request button. The claim (open -> notified, a conditional UPDATE) and the DM's outbox row are one
transaction: a second run, a second instance or a redelivered click never sends it twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.blocks import follows as blocks
from refbot.errors import NotAllowed, NotFound, ValidationFailed
from refbot.matching.criteria import Criteria
from refbot.matching.engine import GOOD_MATCH_SCORE
from refbot.models import SearchFollow, SearchLog
from refbot.services.outbox import enqueue
from refbot.services.search import parse_text, run_search

FOLLOW_DAYS = 90  # a follow nobody could satisfy in a quarter expires quietly
MAX_OPEN = 20  # open follows per seller
OPEN, NOTIFIED, EXPIRED = "open", "notified", "expired"


@dataclass(frozen=True)
class Followed:
    follow_id: int
    summary: str
    query: str
    repeated: bool
    following: int  # the seller's open follows, this one included


def _open_count(session: Session, user_id: str) -> int:
    return int(session.scalar(sa.select(sa.func.count(SearchFollow.id))
                              .where(SearchFollow.user_id == user_id, SearchFollow.status == OPEN)) or 0)


def follow(*, session: Session, user_id: str, search_id: int, now: dt.datetime) -> Followed:
    """Follow the seller's own search (a second click is a no-op)."""
    search = session.get(SearchLog, search_id)
    if search is None:
        raise NotFound("That search has expired. Run `/reference search` again, then follow it.")
    if search.user_id != user_id:
        raise NotAllowed("You can only follow your own searches. Run the search yourself, then follow it.")
    summary = Criteria.model_validate(search.criteria or {}).summary()
    existing = session.scalar(sa.select(SearchFollow).where(SearchFollow.user_id == user_id,
                                                            SearchFollow.search_id == search_id))
    if existing is not None:
        return Followed(existing.id, summary, search.query, True, _open_count(session, user_id))
    if _open_count(session, user_id) >= MAX_OPEN:
        raise ValidationFailed(f"You follow {MAX_OPEN} searches already, the most RefBot keeps. You'll hear about "
                               "them as references join.")
    row = SearchFollow(user_id=user_id, search_id=search_id, query=search.query[:2000],
                       criteria=dict(search.criteria or {}), status=OPEN, created_at=now)
    session.add(row)
    session.flush()
    return Followed(row.id, summary, search.query, False, _open_count(session, user_id))


def _close(session: Session, follow_id: int, status: str, now: dt.datetime, contact_id: int | None = None) -> bool:
    """Claim an open follow (open -> `status`): of two runs at once, exactly one wins."""
    result = session.execute(
        sa.update(SearchFollow).where(SearchFollow.id == follow_id, SearchFollow.status == OPEN)
        .values(status=status, closed_at=now, contact_id=contact_id).execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def check(*, session: Session, now: dt.datetime, today: dt.date) -> tuple[int, int]:
    """Run every open follow's search; DM the seller the first good match, once. Returns (notified, expired)."""
    notified = expired = 0
    rows = session.execute(
        sa.select(SearchFollow.id, SearchFollow.user_id, SearchFollow.search_id, SearchFollow.query,
                  SearchFollow.criteria, SearchFollow.created_at)
        .where(SearchFollow.status == OPEN).order_by(SearchFollow.id)
    ).all()
    for row in rows:
        if row.created_at <= now - dt.timedelta(days=FOLLOW_DAYS):
            expired += int(_close(session, row.id, EXPIRED, now))
            continue
        # Typed words are read again with today's vocabulary: "banking" is an industry once a bank is in.
        criteria = (parse_text(session=session, text=row.query, today=today).criteria if row.query.strip()
                    else Criteria.model_validate(row.criteria or {}))
        result = run_search(session=session, criteria=criteria, today=today, log=False).result
        match = next((m for m in result.matches if m.available and m.score >= GOOD_MATCH_SCORE), None)
        if match is None or not _close(session, row.id, NOTIFIED, now, match.candidate.contact_id):
            continue
        text, blks = blocks.match_dm(match=match, search_id=row.search_id, summary=criteria.summary(),
                                     query=row.query, today=today)
        enqueue(session=session, key=f"follow:{row.id}:matched", channel=row.user_id, text=text, blocks=blks)
        notified += 1
    return notified, expired
