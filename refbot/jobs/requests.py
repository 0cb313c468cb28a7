"""The approval SLA job: remind the account owner after `approval_remind_hours`, escalate to the program
managers after `approval_escalate_hours`, expire requests not approved by their needed-by date, telling
the seller each time; and let owners' suggestions the seller didn't take in time lapse.

Each step happens once per request: reminders and escalations are claimed (ScheduledRun) in the same
transaction as their messages, expiry is a guarded transition, and every message has an outbox key.
"""

from __future__ import annotations

import logging

from refbot.context import AppContext
from refbot.errors import InvalidTransition, NotFound
from refbot.jobs import claim_run, job
from refbot.models import ReferenceRequest
from refbot.services import requests as svc
from refbot.services.policy import load_policy

log = logging.getLogger(__name__)

JOB_NAME = "approval_reminders"


@job(JOB_NAME)
def run(ctx: AppContext) -> str:
    env = svc.RequestEnv.from_ctx(ctx)
    with ctx.db.unit_of_work() as session:
        ids = svc.pending_request_ids(session=session)
    counts = {"remind": 0, "escalate": 0, "expire": 0}
    for request_id in ids:
        try:
            with ctx.db.unit_of_work() as session:
                request = session.get(ReferenceRequest, request_id)
                if request is None:
                    continue
                steps = svc.due_sla_steps(request=request, policy=load_policy(session=session), now=env.now,
                                          today=env.today(session))
                for step in steps:
                    if step == "expire":
                        svc.expire(session=session, env=env, request_id=request_id)
                    elif not claim_run(session=session, job_name=JOB_NAME, run_key=f"{step}:{request_id}",
                                       instance=ctx.instance):
                        continue
                    elif step == "remind":
                        svc.remind_approvers(session=session, env=env, request_id=request_id)
                    else:
                        svc.escalate(session=session, env=env, request_id=request_id)
                    counts[step] += 1
        except (InvalidTransition, NotFound):  # decided or removed meanwhile
            continue
        except Exception:  # one broken request must not stop the others
            log.exception("approval SLA failed for request %s; the next run retries", request_id)
    lapsed = _lapse_suggestions(ctx, env)
    return (f"reminded {counts['remind']}, escalated {counts['escalate']}, expired {counts['expire']}, "
            f"suggestions lapsed {lapsed}")


def _lapse_suggestions(ctx: AppContext, env: svc.RequestEnv) -> int:
    """Owners' suggestions the seller didn't take in time lapse, each once (a guarded transition)."""
    with ctx.db.unit_of_work(read_only=True) as session:
        ids = svc.lapsing_suggestion_ids(session=session, policy=load_policy(session=session),
                                         today=env.today(session), tz=ctx.settings.tz)
    lapsed = 0
    for request_id in ids:
        try:
            with ctx.db.unit_of_work() as session:
                svc.lapse_suggestion(session=session, env=env, request_id=request_id)
            lapsed += 1
        except (InvalidTransition, NotFound):  # taken, passed or cancelled meanwhile; or a re-run
            continue
        except Exception:
            log.exception("could not lapse the suggestion of request %s; the next run retries", request_id)
    return lapsed
