"""Transactional outbox: Slack messages are decided in the same transaction as the state change,
delivered right after commit, and retried by the `outbox` job until Slack accepts them.

Exactly once: each message has a dedupe key (enqueueing it twice is a no-op), and an instance must
claim a row (a conditional UPDATE) before sending it, so two instances never send the same row.
A post whose answer never came (a timeout, a dropped connection, a 5xx) may still have been posted:
each chat.postMessage carries its key as message metadata, and before posting again the deliverer
looks for it in the conversation (or the thread) and, when found, records that message instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.clock import Clock
from refbot.db import Database, add_unique
from refbot.domain import OutboxStatus
from refbot.models import OutboxMessage
from refbot.models.base import utcnow

if TYPE_CHECKING:  # slack_sdk is imported where messages are sent: `enqueue` (offline commands) doesn't need it
    from slack_sdk import WebClient
    from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

CLAIM_SECONDS = 60
MAX_BACKOFF_SECONDS = 300
# Slack errors that will not go away by retrying the same call.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "user_disabled",
        "account_inactive",
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "no_text",
        "cant_update_message",
        "message_not_found",
        "edit_window_closed",
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "missing_scope",
        "restricted_action",
        "cannot_dm_bot",
    }
)
MAX_ATTEMPTS = 50
OUTBOX_EVENT = "refbot_outbox"  # message metadata event type carrying the outbox key
UNCONFIRMED = "unconfirmed:"  # last_error prefix: the previous post got no answer, it may have landed


def enqueue(
    *,
    session: Session,
    key: str,
    channel: str | None,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    method: str = "chat.postMessage",
    update_of: str | None = None,
    extra: dict[str, Any] | None = None,
    not_before: dt.datetime | None = None,
) -> OutboxMessage | None:
    """Queue a Slack call in the caller's transaction. Returns None when `key` was already queued.

    - chat.postMessage: `channel` is a channel id or a user id (a user id posts to the bot's DM).
    - chat.update: `update_of` names the key of the message to edit; `channel` may be None.
    - chat.postEphemeral: `extra={"user": ...}`.
    """
    if session.scalar(sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)) is not None:
        return None
    payload: dict[str, Any] = {"text": text}
    if blocks is not None:
        payload["blocks"] = blocks
    if extra:
        payload.update(extra)
    if method == "chat.postMessage":
        # Lets a retry find this message if Slack posted it but its answer was lost (see _already_posted).
        payload.setdefault("metadata", {"event_type": OUTBOX_EVENT, "event_payload": {"key": key[:255]}})
    row = OutboxMessage(
        dedupe_key=key[:255],
        method=method,
        channel=channel,
        payload=payload,
        update_of=update_of,
    )
    # Due at once, by the clock the deliverer compares with (not the wall clock of the column default).
    clock = session.info.get("clock")
    row.next_attempt_at = not_before or (clock.now() if clock is not None else utcnow())
    return row if add_unique(session, row) else None  # None: a concurrent transaction queued the key first


@dataclass
class DeliveryStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    skipped: int = 0
    errors: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return f"sent {self.sent}, to retry {self.retried}, failed {self.failed}"


class OutboxDeliverer:
    """Sends due outbox rows. Safe to run from many threads and instances at once."""

    def __init__(self, *, db: Database, client: WebClient, clock: Clock | None = None, instance: str | None = None):
        self.db = db
        self.client = client
        self.clock = clock or Clock()
        self.instance = instance or f"{socket.gethostname()}:{os.getpid()}"

    # -- claiming ---------------------------------------------------------------

    def _due_ids(self, ids: set[int] | None, limit: int) -> list[int]:
        now = self.clock.now()
        stmt = (
            sa.select(OutboxMessage.id)
            .where(OutboxMessage.status == OutboxStatus.pending, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
        if ids is not None:
            stmt = stmt.where(OutboxMessage.id.in_(ids))
        with self.db.unit_of_work() as session:
            return list(session.scalars(stmt))

    def _claim(self, row_id: int) -> str | None:
        """Claim a due row for this instance: "new", or "taken over" when the previous claim expired
        unfinished (its instance died, perhaps in the middle of posting), or None when not claimable.
        Every finished attempt clears its claim, so an expired one is the only trace of a crash."""
        now = self.clock.now()
        claim = {"claimed_by": self.instance, "claimed_until": now + dt.timedelta(seconds=CLAIM_SECONDS)}
        due = (OutboxMessage.id == row_id, OutboxMessage.status == OutboxStatus.pending)
        for kind, free in (("new", OutboxMessage.claimed_until.is_(None)),
                           ("taken over", OutboxMessage.claimed_until < now)):
            with self.db.unit_of_work() as session:
                result = session.execute(
                    sa.update(OutboxMessage).where(*due, free).values(**claim)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    return kind
        return None

    def _finish(self, row_id: int, **values: Any) -> None:
        with self.db.unit_of_work() as session:
            session.execute(
                sa.update(OutboxMessage)
                .where(OutboxMessage.id == row_id, OutboxMessage.claimed_by == self.instance)
                .values(claimed_until=None, **values)
                .execution_options(synchronize_session=False)
            )

    # -- delivery ---------------------------------------------------------------

    def deliver(self, ids: set[int] | None = None, *, limit: int = 200) -> DeliveryStats:
        """Deliver due messages (only `ids` when given). Never raises for Slack errors."""
        stats = DeliveryStats()
        for row_id in self._due_ids(ids, limit):
            claim = self._claim(row_id)
            if claim is None:
                stats.skipped += 1
                continue
            self._deliver_one(row_id, stats, taken_over=claim == "taken over")
        return stats

    def _deliver_one(self, row_id: int, stats: DeliveryStats, *, taken_over: bool = False) -> None:
        from slack_sdk.errors import SlackApiError

        with self.db.unit_of_work() as session:
            row = session.get(OutboxMessage, row_id)
            assert row is not None
            method, channel, payload, update_of, attempts, key, last_error = (
                row.method,
                row.channel,
                dict(row.payload),
                row.update_of,
                row.attempts,
                row.dedupe_key,
                row.last_error or "",
            )
            target = None
            if update_of:
                target = session.scalar(sa.select(OutboxMessage).where(OutboxMessage.dedupe_key == update_of))
                target_state = (target.status, target.result_channel, target.result_ts) if target else None
        now = self.clock.now()
        if update_of:
            if target is None or target_state is None or target_state[0] == OutboxStatus.failed:
                self._finish(row_id, status=OutboxStatus.failed, last_error="message to update was never sent")
                stats.failed += 1
                return
            if target_state[0] != OutboxStatus.sent:
                # The original is still on its way: try again shortly, without counting an attempt.
                self._finish(row_id, next_attempt_at=now + dt.timedelta(seconds=5))
                stats.retried += 1
                return
            channel, payload["ts"] = target_state[1], target_state[2]
        # The last post got no answer, or its instance died while it may have been posting: look first.
        if method == "chat.postMessage" and (taken_over or last_error.startswith(UNCONFIRMED)) and channel:
            try:
                found = self._already_posted(channel, payload, key)
            except Exception as exc:  # Slack still unreachable: look again on the next attempt
                self._retry(row_id, attempts, f"{UNCONFIRMED} looking for it failed ({type(exc).__name__})", None, stats)
                return
            if found is not None:
                log.info("outbox message %s had been posted although Slack's answer was lost", row_id)
                self._sent(row_id, attempts, channel=found[0], ts=found[1], stats=stats)
                return
        try:
            response = self.client.api_call(method, json={"channel": channel, **payload})
        except SlackApiError as exc:
            self._on_error(row_id, attempts, exc, stats)
            return
        except Exception as exc:  # timeouts, connections dropped: Slack may or may not have acted
            self._retry(row_id, attempts, f"{UNCONFIRMED} {type(exc).__name__}: {exc}", None, stats)
            return
        data = response.data if isinstance(response.data, dict) else {}
        self._sent(
            row_id,
            attempts,
            channel=data.get("channel") or channel,
            ts=data.get("ts") or data.get("message_ts") or payload.get("ts"),
            stats=stats,
        )

    def _sent(self, row_id: int, attempts: int, *, channel: str | None, ts: str | None, stats: DeliveryStats) -> None:
        self._finish(
            row_id,
            status=OutboxStatus.sent,
            sent_at=self.clock.now(),
            attempts=attempts + 1,
            last_error=None,
            result_channel=channel,
            result_ts=ts,
        )
        stats.sent += 1

    def _already_posted(self, channel: str, payload: dict[str, Any], key: str) -> tuple[str, str] | None:
        """(channel id, ts) of this row's message if an earlier unanswered post did land, else None.
        Raises when Slack can't be asked now; a Slack refusal to answer (e.g. a missing scope) means we
        can't know, and the message is posted again (at least once beats never)."""
        from slack_sdk.errors import SlackApiError

        try:
            if channel[:1] in ("U", "W"):  # a DM given by user id: history needs the DM channel's id
                channel = self.client.conversations_open(users=channel)["channel"]["id"]
            if payload.get("thread_ts"):
                answer = self.client.conversations_replies(
                    channel=channel, ts=payload["thread_ts"], include_all_metadata=True, limit=200
                )
            else:
                answer = self.client.conversations_history(channel=channel, include_all_metadata=True, limit=100)
        except SlackApiError as exc:
            if exc.response.status_code == 429 or exc.response.status_code >= 500:
                raise
            log.warning("can't check whether outbox message %s was posted (%s); posting it again",
                        key, exc.response.get("error"))
            return None
        for message in answer.get("messages") or []:
            meta = message.get("metadata") or {}
            if meta.get("event_type") == OUTBOX_EVENT and (meta.get("event_payload") or {}).get("key") == key:
                return channel, str(message.get("ts"))
        return None

    def _on_error(self, row_id: int, attempts: int, exc: SlackApiError, stats: DeliveryStats) -> None:
        status = exc.response.status_code
        error = exc.response.get("error") if isinstance(exc.response.data, dict) else None
        if status == 429:
            retry_after = int(exc.response.headers.get("Retry-After", exc.response.headers.get("retry-after", 1)))
            self._retry(row_id, attempts, "ratelimited", max(1, retry_after), stats)
        elif error in PERMANENT_ERRORS:
            log.warning("outbox message %s failed permanently: %s", row_id, error)
            self._finish(row_id, status=OutboxStatus.failed, attempts=attempts + 1, last_error=str(error))
            stats.failed += 1
            stats.errors.append(str(error))
        elif status >= 500:  # Slack's side failed: the call may or may not have been carried out
            self._retry(row_id, attempts, f"{UNCONFIRMED} {error or f'HTTP {status}'}", None, stats)
        else:
            self._retry(row_id, attempts, str(error or f"HTTP {status}"), None, stats)

    def _retry(self, row_id: int, attempts: int, error: str, after: int | None, stats: DeliveryStats) -> None:
        attempts += 1
        if attempts >= MAX_ATTEMPTS:
            self._finish(row_id, status=OutboxStatus.failed, attempts=attempts, last_error=error)
            stats.failed += 1
            return
        delay = after if after is not None else min(MAX_BACKOFF_SECONDS, 2 ** min(attempts, 9))
        self._finish(
            row_id,
            attempts=attempts,
            last_error=error,
            next_attempt_at=self.clock.now() + dt.timedelta(seconds=delay),
        )
        stats.retried += 1
        stats.errors.append(error)


def pending_count(*, session: Session) -> int:
    return session.scalar(
        sa.select(sa.func.count()).select_from(OutboxMessage).where(OutboxMessage.status == OutboxStatus.pending)
    ) or 0
