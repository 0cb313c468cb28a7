"""Jobs that close the loop after a call (issue 5).

- debrief_prompts: the seller's "How did it go?" DM `debrief_delay_hours` after the call (at once for a
  call recorded after it took place), one reminder `debrief_reminder_days` later, and — when the reminder
  is ignored for as long again — one DM to the program managers listing the debriefs still missing.
- outcome_followups: "won or lost?" to the seller once a deal that used references passes its expected
  close date.

Each message is keyed by the request and its call time (or the deal and its close date), and each
escalation is claimed with `claim_run`, so running a job twice, late, or on two instances sends once.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy.orm import Session

from refbot.blocks.format import plural
from refbot.context import AppContext
from refbot.jobs import claim_run, job
from refbot.services import debriefs, outcomes
from refbot.services.policy import load_policy
from refbot.services.users import admin_ids

log = logging.getLogger(__name__)

DEBRIEF_JOB = "debrief_prompts"
OUTCOME_JOB = "outcome_followups"


def _each(ctx: AppContext, ids: list[int], send: Callable[[Session, int], bool], what: str) -> int:
    """Run `send` for each id in its own unit of work: one bad row never blocks the others."""
    done = 0
    for item_id in ids:
        try:
            with ctx.db.unit_of_work() as session:
                done += 1 if send(session, item_id) else 0
        except Exception:
            log.exception("%s for #%s failed; the next run tries again", what, item_id)
    return done


@job(DEBRIEF_JOB)
def debrief_prompts(ctx: AppContext) -> str:
    now = ctx.clock.now()
    tz_name = ctx.settings.refbot_timezone
    with ctx.db.unit_of_work() as session:
        policy = load_policy(session=session)
        prompt_ids = debriefs.due_prompts(session=session, now=now, policy=policy)
        reminder_ids = debriefs.due_reminders(session=session, now=now, policy=policy)

    prompted = _each(ctx, prompt_ids, lambda s, rid: debriefs.send_prompt(
        session=s, request_id=rid, now=now, policy=policy, tz_name=tz_name), "debrief prompt")
    reminded = _each(ctx, reminder_ids, lambda s, rid: debriefs.send_reminder(
        session=s, request_id=rid, now=now, policy=policy, tz_name=tz_name), "debrief reminder")

    escalated = 0
    with ctx.db.unit_of_work() as session:
        due = debriefs.due_escalations(session=session, now=now, policy=policy)
        recipients = admin_ids(settings=ctx.settings, session=session, client=ctx.client) if due else []
        if recipients:
            claimed = [
                item for item in due
                if claim_run(session=session, job_name=DEBRIEF_JOB, run_key=f"escalate:{item.request_id}:{item.call_ts}",
                             instance=ctx.instance)
            ]
            escalated = debriefs.escalate(session=session, items=claimed, recipients=recipients, now=now,
                                          tz_name=tz_name)
        elif due:
            log.warning("%s missing, but no program manager is configured (REFBOT_ADMINS)",
                        plural(len(due), "debrief"))
    return (f"prompted {plural(prompted, 'seller')}, reminded {reminded}, "
            f"escalated {plural(escalated, 'missing debrief')}")


@job(OUTCOME_JOB)
def outcome_followups(ctx: AppContext) -> str:
    today = ctx.clock.today(ctx.settings.tz)
    with ctx.db.unit_of_work() as session:
        ids = outcomes.due_followups(session=session, today=today)
    asked = _each(ctx, ids, lambda s, oid: outcomes.send_followup(session=s, opportunity_id=oid, today=today),
                  "outcome follow-up")
    return f"asked about {plural(asked, 'deal')}"
