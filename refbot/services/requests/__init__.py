"""Reference requests, one module per use case: create (with policy checks and the opportunity upsert), approve, decline,
suggest another contact, cancel, mark scheduled, and the approval SLA (remind, escalate, expire).

    env        RequestEnv (settings, Slack client, now), field limits, get_request
    validate   the form against the policies (lead time, stage, fatigue, limits)
    form       what the request modal shows and prefills
    create     the opportunity upsert and the new request
    approvals  who decides (never the requester) and the DMs with decision buttons
    decide     approve, decline, cancel
    suggest    decline in favour of another contact
    schedule   when the call happens
    sla        remind, escalate, expire; an owner's suggestion the seller doesn't take lapses
    cards      what messages and lists show about a request

Every state change goes through `lifecycle.transition` (one guarded UPDATE + an audit event) and the
Slack messages it causes are queued in the same transaction (outbox), with these keys:

    request:{id}:created:seller            seller's confirmation
    request:{id}:approval_dm[:...]         every DM with decision buttons (owner, admins, reminders,
                                           escalations); all are updated in place after the decision
                                           with key "<that key>:update:<status>"
    request:{id}:flagged:{pm}              resting/busy contact, to each program manager
    request:{id}:approved:seller           contact details (the first time they are shown)
    request:{id}:declined:seller / :suggested:seller / :expired:seller / :reminded:seller / :escalated:seller
    request:{id}:lapsed:seller             an owner's suggestion the seller didn't take in time
    request:{id}:cancelled:owner           the approver learns the seller cancelled
    request:{id}:scheduled:{epoch}:owner   the approver learns when the call is

So a double click, a redelivered payload or two people clicking at once change the request once and
send each message once.
"""

from refbot.services.policy import load_policy
from refbot.services.requests.approvals import (
    approvers,
    can_decide,
    follow_owner_changes,
    require_decider,
    require_pending,
)
from refbot.services.requests.cards import (
    alternative_contacts,
    card_of,
    contact_choices,
    contact_details,
    contact_options,
    my_requests,
)
from refbot.services.requests.create import CreateResult, create_request, find_by_token, upsert_opportunity
from refbot.services.requests.deals import my_open_deals, picked_deal
from refbot.services.requests.decide import approve, cancel, decline
from refbot.services.requests.env import (
    LIMITS,
    MAX_TOPICS,
    SCHEDULE_PAST_LIMIT,
    SUGGESTED_REASON,
    RequestEnv,
    get_request,
)
from refbot.services.requests.form import prefill_from_input, prefill_from_search, request_form
from refbot.services.requests.schedule import can_schedule, check_schedule_time, mark_scheduled
from refbot.services.requests.sla import (
    due_sla_steps,
    escalate,
    expire,
    lapse_suggestion,
    lapsing_suggestion_ids,
    pending_request_ids,
    remind_approvers,
    suggestion_answer_by,
)
from refbot.services.requests.suggest import answer_suggestion, suggest
from refbot.services.requests.validate import (
    RequestInput,
    ValidRequest,
    add_business_days,
    business_days_between,
    parse_topics,
    requestable_contact,
    validate_request,
)

__all__ = [
    "LIMITS", "MAX_TOPICS", "SCHEDULE_PAST_LIMIT", "SUGGESTED_REASON", "CreateResult", "RequestEnv",
    "RequestInput", "ValidRequest", "add_business_days", "answer_suggestion", "my_open_deals", "picked_deal",
    "alternative_contacts", "approve", "approvers",
    "business_days_between", "can_decide", "can_schedule", "cancel", "card_of", "check_schedule_time",
    "contact_choices", "contact_options", "contact_details", "create_request", "decline", "due_sla_steps", "escalate", "expire",
    "find_by_token", "follow_owner_changes", "lapse_suggestion", "lapsing_suggestion_ids",
    "suggestion_answer_by", "get_request", "load_policy", "mark_scheduled", "my_requests", "parse_topics",
    "pending_request_ids", "prefill_from_input", "prefill_from_search", "remind_approvers", "request_form",
    "require_decider", "require_pending", "requestable_contact", "suggest", "upsert_opportunity",
    "validate_request",
]
