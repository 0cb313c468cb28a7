"""The monthly executive digest (issue 21).

`digest` runs every few minutes. Once the first Monday of a month, 09:00 program time, has passed, it posts
the previous month's digest to REFBOT_DIGEST_CHANNEL and as a DM to each of REFBOT_DIGEST_RECIPIENTS: the
claim (`claim_run`, keyed by the month) and the outbox rows are written in one transaction, so a second run,
a restarted app or a second instance never posts it again, and an app that was down on that Monday posts it
late on its first run. A month in which nothing happened is claimed but not posted.

The charts follow each message once Slack has accepted it: one `digest-charts` row per destination, taken
with a lease by one instance, uploaded with files.getUploadURLExternal / the upload URL /
files.completeUploadExternal, and retried on the next run when Slack fails (for up to CHARTS_GIVE_UP).
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from typing import Any
from urllib.error import URLError

import sqlalchemy as sa
from slack_sdk.errors import SlackApiError, SlackClientError
from sqlalchemy.orm import Session

from refbot.blocks.digest import digest_message
from refbot.context import AppContext
from refbot.domain import OutboxStatus
from refbot.jobs import claim_run, job, update_run
from refbot.models import OutboxMessage, ScheduledRun
from refbot.services import digest as svc
from refbot.services.outbox import enqueue
from refbot.services.reports import is_empty
from refbot.services.users import resolve_email

log = logging.getLogger(__name__)

DIGEST_JOB = "digest"
CHARTS_JOB = "digest-charts"
CHARTS_LEASE = dt.timedelta(minutes=10)
CHARTS_GIVE_UP = dt.timedelta(days=3)
WHY_CHANNEL = ("Posted on the first Monday of every month: what the customer reference program did for sales "
               "last month.")
WHY_DM = ("You get this monthly because you are on RefBot's executive digest list: what the customer "
          "reference program did for sales last month.")


def message_key(month: str, target: str) -> str:
    return f"digest:{month}:{target}"


def destinations(ctx: AppContext, session: Session) -> list[str]:
    """The digest channel, then each executive's Slack id (emails resolved through users.lookupByEmail)."""
    out = [ctx.settings.refbot_digest_channel] if ctx.settings.refbot_digest_channel else []
    for who in ctx.settings.refbot_digest_recipients:
        uid = resolve_email(session=session, client=ctx.client, email=who) if "@" in who else who
        if uid and uid not in out:
            out.append(uid)
        elif not uid:
            log.warning("digest: no Slack user has the email of a digest recipient; skipped")
    return out


@job(DIGEST_JOB)
def post_digest(ctx: AppContext) -> str:
    now = ctx.clock.now()
    tz = ctx.settings.tz
    month, _slot = svc.due_month(now=now, tz=tz)
    key = svc.month_key(month)
    if not (ctx.settings.refbot_digest_channel or ctx.settings.refbot_digest_recipients):
        return "no digest destination: set REFBOT_DIGEST_CHANNEL or REFBOT_DIGEST_RECIPIENTS"
    if ctx.settings.refbot_digest_channel and _shared_outside(ctx, ctx.settings.refbot_digest_channel):
        return (f"{ctx.settings.refbot_digest_channel} is shared with other organisations: the digest names "
                "customers, deals and people, so it is not posted there; set REFBOT_DIGEST_CHANNEL to an internal channel")
    with ctx.db.unit_of_work() as session:
        if not claim_run(session=session, job_name=DIGEST_JOB, run_key=key, instance=ctx.instance):
            result = None
        else:
            digest = svc.build_digest(session=session, month=month, now=now, tz_name=ctx.settings.refbot_timezone)
            targets = destinations(ctx, session)
            if digest["empty"]:
                result = f"nothing happened in {digest['title']}: not posted"
            elif not targets:
                result = "no digest recipient could be found in Slack: not posted"
            else:
                for target in targets:
                    why = WHY_DM if re.match(r"^[UW]", target) else WHY_CHANNEL
                    text, blocks = digest_message(digest, why=why)
                    enqueue(session=session, key=message_key(key, target), channel=target, text=text, blocks=blocks)
                    session.add(ScheduledRun(job=CHARTS_JOB, run_key=f"{key}:{target}", instance=None,
                                             started_at=now))
                result = f"posted to {', '.join(targets)}"
            update_run(session, DIGEST_JOB, key, finished_at=now, result=result)
    charts = upload_pending_charts(ctx)
    summary = f"{key}: {result}" if result else f"{key} already done"
    log.info("digest %s", summary)
    return summary + (f"; {charts}" if charts else "")


def _shared_outside(ctx: AppContext, channel: str) -> bool:
    """Is the channel visible outside the company (Slack Connect)? Unknown (Slack unreachable) counts as no:
    the post itself will then fail and be retried by the outbox."""
    try:
        info = ctx.client.conversations_info(channel=channel).get("channel") or {}
    except (SlackApiError, SlackClientError, URLError, OSError):
        return False
    return bool(info.get("is_ext_shared"))


def _take(ctx: AppContext, run_id: int, now: dt.datetime) -> bool:
    """Lease a charts row to this instance (a conditional UPDATE: one instance wins)."""
    with ctx.db.unit_of_work() as session:
        taken = session.execute(
            sa.update(ScheduledRun)
            .where(ScheduledRun.id == run_id, ScheduledRun.finished_at.is_(None),
                   sa.or_(ScheduledRun.instance.is_(None), ScheduledRun.started_at < now - CHARTS_LEASE))
            .values(instance=ctx.instance, started_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(taken, "rowcount", 0))


def upload_pending_charts(ctx: AppContext) -> str:
    """Upload the charts of every digest message Slack has accepted and whose charts are not shared yet."""
    now = ctx.clock.now()
    with ctx.db.unit_of_work(read_only=True) as session:
        pending = session.execute(
            sa.select(ScheduledRun.id, ScheduledRun.run_key)
            .where(ScheduledRun.job == CHARTS_JOB, ScheduledRun.finished_at.is_(None))
            .order_by(ScheduledRun.id)
        ).all()
    done: list[str] = []
    drawn: dict[dt.date, tuple[dict[str, Any], list[Any]]] = {}  # charts drawn once per month and run
    for run_id, run_key in pending:
        month_text, _, target = run_key.partition(":")
        with ctx.db.unit_of_work(read_only=True) as session:
            sent = session.execute(
                sa.select(OutboxMessage.status, OutboxMessage.result_channel)
                .where(OutboxMessage.dedupe_key == message_key(month_text, target))
            ).first()
        month = svc.parse_month(month_text)
        give_up = now > svc.first_monday_slot(svc.add_months(month, 1), ctx.settings.tz) + CHARTS_GIVE_UP
        if sent is None or sent.status is OutboxStatus.failed or (sent.status is not OutboxStatus.sent and give_up):
            with ctx.db.unit_of_work() as session:
                update_run(session, CHARTS_JOB, run_key, finished_at=now, result="the digest was not delivered: no charts")
            continue
        if sent.status is not OutboxStatus.sent or not _take(ctx, run_id, now):
            continue  # the message isn't in Slack yet, or another instance is uploading
        if month not in drawn:
            drawn[month] = _draw(ctx, month, now)
        digest, charts = drawn[month]
        done.append(_upload(ctx, run_key=run_key, digest=digest, charts=charts,
                            channel=sent.result_channel or target, now=now, give_up=give_up))
    return "; ".join(done)


def _draw(ctx: AppContext, month: dt.date, now: dt.datetime) -> tuple[dict[str, Any], list[Any]]:
    from refbot.services.digest_charts import render_charts

    with ctx.db.unit_of_work(read_only=True) as session:
        digest = svc.build_digest(session=session, month=month, now=now, tz_name=ctx.settings.refbot_timezone)
    return digest, render_charts(digest)


def _upload(ctx: AppContext, *, run_key: str, digest: dict[str, Any], charts: list[Any], channel: str,
            now: dt.datetime, give_up: bool) -> str:
    try:
        ctx.client.files_upload_v2(
            channel=channel,
            initial_comment=f"Charts for the {digest['title']} digest.",
            file_uploads=[{"content": c.png, "filename": c.filename(digest["month"]), "title": c.title,
                           "alt_txt": c.alt} for c in charts],
        )
    except (SlackApiError, SlackClientError, URLError, OSError) as exc:
        error = exc.response.get("error") if isinstance(exc, SlackApiError) else type(exc).__name__
        with ctx.db.unit_of_work() as session:
            if give_up:
                update_run(session, CHARTS_JOB, run_key, finished_at=now, result=f"gave up: {error}")
            else:
                update_run(session, CHARTS_JOB, run_key, instance=None, result=f"upload failed, will retry: {error}")
        log.warning("digest charts %s: upload failed (%s)", run_key, error)
        return f"charts for {run_key} failed ({error})"
    with ctx.db.unit_of_work() as session:
        update_run(session, CHARTS_JOB, run_key, finished_at=now, result=f"uploaded {len(charts)} charts")
    return f"{len(charts)} charts uploaded to {channel}"


LEADERS_JOB = "leader-digest"


@job(LEADERS_JOB)
def post_leader_digests(ctx: AppContext) -> str:
    """Same schedule and rules as the digest, one claim per (month, leader): a leader whose team did
    nothing that month gets nothing."""
    from refbot.blocks.leaders import leader_dm
    from refbot.services import leaders

    if not ctx.settings.refbot_sales_leaders:
        return "no sales leaders configured"
    now = ctx.clock.now()
    month, _slot = svc.due_month(now=now, tz=ctx.settings.tz)
    key = svc.month_key(month)
    since, until = svc.month_window(month, ctx.settings.tz)
    sent, quiet, done = [], 0, 0
    with ctx.db.unit_of_work() as session:
        for leader_id, team in leaders.teams(settings=ctx.settings, session=session, client=ctx.client).items():
            run_key = f"{key}:{leader_id}"
            if not claim_run(session=session, job_name=LEADERS_JOB, run_key=run_key, instance=ctx.instance):
                done += 1
                continue
            view = leaders.team_view(session=session, team=team, now=now, tz_name=ctx.settings.refbot_timezone,
                                     since=since, until=until, title=f"{month:%B %Y}")
            if not team or is_empty(view["report"]):
                quiet += 1
                update_run(session, LEADERS_JOB, run_key, finished_at=now, result="nothing happened: not sent")
                continue
            text, blocks = leader_dm(view, month=key)
            enqueue(session=session, key=f"leader-digest:{run_key}", channel=leader_id, text=text, blocks=blocks)
            update_run(session, LEADERS_JOB, run_key, finished_at=now, result="sent")
            sent.append(leader_id)
    return f"{key}: sent to {len(sent)}, nothing to send to {quiet}, already done for {done}"
