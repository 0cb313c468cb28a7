"""After the call: the debrief prompt's buttons and modals, the thank-you prompt, deal outcomes
(follow-up buttons and `/reference outcome`) and `/reference stats`.

Thin: reads payloads (refbot.handlers.payload), calls refbot.services.debriefs / outcomes / reports, renders
with refbot.blocks. Before ack() only the database and cached profiles are used; modals open right after it.
Listeners are module-level functions taking the AppContext first; `register` binds and registers them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from refbot.blocks import debriefs as blocks
from refbot.blocks.kit import escape
from refbot.blocks.reports import report_message
from refbot.context import AppContext
from refbot.domain import MetNeeds, OpportunityOutcome, parse_quantity
from refbot.errors import ValidationFailed
from refbot.handlers import payload
from refbot.handlers.home_tab import refresh_home
from refbot.handlers.payload import Values
from refbot.handlers.reply import privately, register_listeners, tell_user, zone
from refbot.handlers.router import CommandRequest, CommandRouter
from refbot.periods import since_day
from refbot.services import debriefs, outcomes, reports
from refbot.services.policy import load_policy
from refbot.services.users import admin_ids, get_user, is_admin, user_tz

log = logging.getLogger(__name__)

STATS_USAGE = "/reference stats [YYYY-MM-DD | 30d]"
OUT_OF_DATE = "That button is out of date. Run `/reference my` to see your requests."
DEFAULT_TIME = dt.time(10, 0)  # a new call time without a time of day


# ------------------------------------------------------------------ payload helpers


def _button_id(body: dict[str, Any]) -> int:
    return payload.action_id_value(body, OUT_OF_DATE)


def _quick_admin(ctx: AppContext, session: Any, user_id: str) -> bool:
    """Admin check from settings and cached profiles only (safe before opening a modal)."""
    return is_admin(settings=ctx.settings, session=session, client=None, slack_id=user_id)


def _tz(ctx: AppContext, session: Any, user_id: str, client: WebClient | None = None) -> str:
    """The user's timezone: cached (a day), else one users.info call when `client` is given."""
    return user_tz(session=session, client=client, slack_id=user_id, default=ctx.settings.refbot_timezone)


def _new_time(ctx: AppContext, body: dict[str, Any]) -> dt.datetime | None:
    """The new call time of a reschedule form, in the seller's timezone (the form's metadata), or None."""
    values = Values(body)
    day = values.date("date")
    if day is None:
        return None
    return dt.datetime.combine(day, values.time("time") or DEFAULT_TIME, tzinfo=zone(payload.meta_str(body, "tz"), ctx))


def _as_seller(ctx: AppContext, session: Any, client: WebClient, body: dict[str, Any]) -> dict[str, Any]:
    """What every after-the-call service takes about the submitted form and who submitted it."""
    user_id = payload.user_id(body)
    return {"session": session, "request_id": payload.required(payload.meta_int(body, "request_id")),
            "user_id": user_id, "now": ctx.clock.now(), "tz_name": ctx.settings.refbot_timezone,
            "is_admin": is_admin(settings=ctx.settings, session=session, client=client, slack_id=user_id)}


def _checked_time(ctx: AppContext, ack: Ack, new_time: dt.datetime | None) -> bool:
    """False (the form shows the error) when a new call time is too far in the past."""
    if new_time is None:
        return True
    try:
        debriefs.check_new_time(new_time, ctx.clock.now())
    except ValidationFailed as exc:
        ack(response_action="errors", errors=exc.field_errors)
        return False
    return True


# ------------------------------------------------------------------ commands


def _outcome_command(req: CommandRequest) -> None:
    if not req.trigger_id:
        return
    with req.ctx.db.unit_of_work() as session:
        admin = _quick_admin(req.ctx, session, req.user_id)
        deals = outcomes.open_deals(session=session, user_id=req.user_id, is_admin=admin)
    if not deals:
        req.respond(response_type="ephemeral", text=(
            "You have no open deals that used references yet. A deal shows up here once one of its "
            "reference calls took place."))
        return
    fixed = len(deals) == 1
    meta = payload.dump(opportunity_id=deals[0].opportunity_id) if fixed else "{}"
    req.client.views_open(trigger_id=req.trigger_id, view=blocks.outcome_modal(deals, metadata=meta, fixed=fixed))


def parse_since(text: str, *, today: dt.date, tz: dt.tzinfo) -> dt.datetime | None:
    """'' -> None (all time); '2026-10-01' or '30d' -> the start of that day in the program's timezone
    (the same forms as `refbot report --since`, refbot/periods.py)."""
    try:
        day = since_day(text, today=today)
    except ValueError:
        shown = text.strip().lower().removeprefix("since ").strip()
        raise ValidationFailed(f"I can't read '{escape(shown[:40])}' as a date. Usage: `{STATS_USAGE}`") from None
    return None if day is None else dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)


def _stats_command(req: CommandRequest) -> None:
    ctx = req.ctx
    since = parse_since(req.text, today=ctx.clock.today(ctx.settings.tz), tz=ctx.settings.tz)
    with ctx.db.unit_of_work() as session:
        report = reports.build_report(session=session, now=ctx.clock.now(), since=since,
                                      tz_name=ctx.settings.refbot_timezone)
    text, blks = report_message(report)
    req.respond(response_type="ephemeral", text=text, blocks=blks)


# ------------------------------------------------------------------ the debrief prompt


# (ctx, session, client, the clicked button's id, the clicker) -> the modal that button opens
ModalFor = Callable[[AppContext, Any, WebClient, int, str], dict[str, Any]]


def _open_modal(ctx: AppContext, body: dict[str, Any], client: WebClient, respond: Respond,
                modal_for: ModalFor) -> None:
    """Open the modal a button asks for; a refusal (not theirs, out of date) is told to the clicker privately."""
    with privately(body, client, respond):
        with ctx.db.unit_of_work() as session:
            view = modal_for(ctx, session, client, _button_id(body), payload.user_id(body))
        client.views_open(trigger_id=payload.trigger_id(body), view=view)


def _debrief_modal(ctx: AppContext, session: Any, client: WebClient, request_id: int, user_id: str) -> dict[str, Any]:
    card = debriefs.start_debrief(session=session, request_id=request_id, user_id=user_id,
                                  is_admin=_quick_admin(ctx, session, user_id), now=ctx.clock.now())
    return blocks.debrief_modal(card, metadata=payload.dump(request_id=request_id), reader_tz=_tz(ctx, session, user_id))


def _answer_modal(build: Callable[..., dict[str, Any]]) -> ModalFor:
    """The "didn't happen" / "rescheduled" modal: its date and time inputs are in the seller's timezone."""
    def modal(ctx: AppContext, session: Any, client: WebClient, request_id: int, user_id: str) -> dict[str, Any]:
        card = debriefs.answerable(session=session, request_id=request_id, user_id=user_id,
                                   is_admin=_quick_admin(ctx, session, user_id))
        tz = _tz(ctx, session, user_id, client)
        return build(card, metadata=payload.dump(request_id=request_id, tz=tz), reader_tz=tz)
    return modal


def on_happened(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    _open_modal(ctx, body, client, respond, _debrief_modal)


def on_not_happened(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    _open_modal(ctx, body, client, respond, _answer_modal(blocks.not_happened_modal))


def on_rescheduled(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    _open_modal(ctx, body, client, respond, _answer_modal(blocks.reschedule_modal))


def _debrief_answers(values: Values) -> tuple[debriefs.DebriefAnswers | None, dict[str, str]]:
    """The debrief form's answers, or the inline errors by block id."""
    met, rating = values.option("met_needs"), values.option("rating")
    errors = {}
    if met not in {m.value for m in MetNeeds}:
        errors["met_needs"] = "Choose yes, partly or no."
    if rating not in ("1", "2", "3", "4", "5"):  # not isdigit(): "²" is a digit that int() refuses
        errors["rating"] = "Pick 1 to 5."
    if errors or met is None or rating is None:
        return None, errors
    answers = debriefs.DebriefAnswers(
        met_needs=MetNeeds(met), rating=int(rating), insights=values.text("insights"),
        concerns=values.text("concerns"), redo_needed="yes" in values.options("redo"), notes=values.text("notes"),
    )
    try:
        return answers.validated(), {}
    except ValidationFailed as exc:
        return None, exc.field_errors


def on_debrief_submit(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    answers, errors = _debrief_answers(Values(body))
    if answers is None:
        ack(response_action="errors", errors=errors)
        return
    ack()
    with privately(body, client, respond):
        with ctx.db.unit_of_work() as session:
            debriefs.file_debrief(
                **_as_seller(ctx, session, client, body), answers=answers, policy=load_policy(session=session),
                fallback_owner_ids=admin_ids(settings=ctx.settings, session=session, client=client),
            )
        refresh_home(ctx, client, payload.user_id(body))


def on_not_happened_submit(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient,
                           respond: Respond) -> None:
    choice = Values(body).option("choice") or blocks.CHOICE_RESCHEDULE
    new_time = _new_time(ctx, body) if choice == blocks.CHOICE_RESCHEDULE else None
    if not _checked_time(ctx, ack, new_time):
        return
    ack()
    with privately(body, client, respond), ctx.db.unit_of_work() as session:
        debriefs.not_happened(**_as_seller(ctx, session, client, body), choice=choice, new_time=new_time,
                              reason=Values(body).text("reason"))


def on_reschedule_submit(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient,
                         respond: Respond) -> None:
    new_time = _new_time(ctx, body)
    if new_time is None:
        ack(response_action="errors", errors={"date": "Pick the new date."})
        return
    if not _checked_time(ctx, ack, new_time):
        return
    ack()
    with privately(body, client, respond), ctx.db.unit_of_work() as session:
        debriefs.reschedule(**_as_seller(ctx, session, client, body), new_time=new_time)


# ------------------------------------------------------------------ thank-you


def on_thank_you_open(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        request_id, user_id = _button_id(body), payload.user_id(body)
        with ctx.db.unit_of_work() as session:
            me = get_user(session=session, client=client, slack_id=user_id)  # cached a day: usually no call
            draft = debriefs.thank_you_draft(
                session=session, request_id=request_id, user_id=user_id, is_admin=_quick_admin(ctx, session, user_id),
                sender_name=me.name, tz_name=ctx.settings.refbot_timezone,
            )
        if draft.sent is not None:
            by = f"<@{draft.sent.thanked_by}>" if draft.sent.thanked_by else "someone"
            tell_user(body, client, respond,
                      f"The thank-you to {escape(draft.card.contact_name)} was already marked sent by {by}.")
            return
        view = blocks.thank_you_modal(draft.card, draft=draft.note, metadata=payload.dump(request_id=request_id),
                                      email=draft.email)
        client.views_open(trigger_id=payload.trigger_id(body), view=view)


def on_open_email(ack: Ack) -> None:
    """The Open email button is a link (Slack opens the mailto: url); its click only needs an answer."""
    ack()


def on_thank_you_submit(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient,
                        respond: Respond) -> None:
    note = Values(body).text("note")
    if not note:
        ack(response_action="errors", errors={"note": "Write a short note first."})
        return
    ack()
    with privately(body, client, respond):
        with ctx.db.unit_of_work() as session:
            debriefs.mark_thank_you_sent(**_as_seller(ctx, session, client, body), note=note)
        refresh_home(ctx, client, payload.user_id(body))


# ------------------------------------------------------------------ deal outcome


def _won_modal(ctx: AppContext, session: Any, client: WebClient, opportunity_id: int, user_id: str) -> dict[str, Any]:
    deal = outcomes.open_deal(session=session, opportunity_id=opportunity_id, user_id=user_id,
                              is_admin=_quick_admin(ctx, session, user_id))
    return blocks.outcome_modal([deal], metadata=payload.dump(opportunity_id=opportunity_id),
                                outcome=OpportunityOutcome.won, fixed=True)


def on_won(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    _open_modal(ctx, body, client, respond, _won_modal)


def _record(ctx: AppContext, body: dict[str, Any], client: WebClient, respond: Respond, *, opportunity_id: int,
            outcome: OpportunityOutcome, amount: int | None) -> None:
    user_id = payload.user_id(body)
    with ctx.db.unit_of_work() as session:
        result = outcomes.record_outcome(
            session=session, opportunity_id=opportunity_id, outcome=outcome, user_id=user_id,
            is_admin=is_admin(settings=ctx.settings, session=session, client=client, slack_id=user_id),
            amount=amount, now=ctx.clock.now(), tz_name=ctx.settings.refbot_timezone,
        )
    if not result.recorded and result.deal.outcome is not outcome:
        by = f" by <@{result.deal.outcome_by}>" if result.deal.outcome_by else ""
        tell_user(body, client, respond, f"{escape(result.deal.prospect_company)} was already recorded as "
                                         f"{result.deal.outcome.value}{by}.")
    elif result.recorded:
        refresh_home(ctx, client, user_id)


def on_lost(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        _record(ctx, body, client, respond, opportunity_id=_button_id(body), outcome=OpportunityOutcome.lost,
                amount=None)


def _outcome_answers(body: dict[str, Any]) -> tuple[int | None, str | None, int | None, dict[str, str]]:
    """(deal id, outcome, amount, inline errors) of the outcome form."""
    values = Values(body)
    deal = payload.meta_int(body, "opportunity_id") or payload.to_int(values.option("deal"))
    outcome, errors, amount = values.option("outcome"), {}, None
    if not deal:
        errors["deal"] = "Pick a deal."
    if outcome not in (OpportunityOutcome.won.value, OpportunityOutcome.lost.value):
        errors["outcome"] = "Choose won or lost."
    raw_amount = values.text("amount")
    if raw_amount and outcome == OpportunityOutcome.won.value:
        try:
            amount = parse_quantity(raw_amount)
        except ValueError as exc:
            errors["amount"] = str(exc)
    return deal, outcome, amount, errors


def on_outcome_submit(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    deal, outcome, amount, errors = _outcome_answers(body)
    if errors or deal is None or outcome is None:
        ack(response_action="errors", errors=errors)
        return
    ack()
    with privately(body, client, respond):
        _record(ctx, body, client, respond, opportunity_id=deal, outcome=OpportunityOutcome(outcome), amount=amount)


# ------------------------------------------------------------------ register


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    commands.add("outcome", _outcome_command, opens_modal=True, summary="Record whether a deal that used references was won or lost",
                 usage="/reference outcome")
    commands.add("stats", _stats_command, summary="Program report: requests, approvals, debriefs, influenced revenue",
                 usage=STATS_USAGE, admin_only=True)
    register_listeners(
        app, ctx,
        actions={blocks.HAPPENED_ACTION: on_happened, blocks.NOT_HAPPENED_ACTION: on_not_happened,
                 blocks.RESCHEDULED_ACTION: on_rescheduled, blocks.THANK_YOU_ACTION: on_thank_you_open,
                 blocks.WON_ACTION: on_won, blocks.LOST_ACTION: on_lost},
        views={blocks.DEBRIEF_MODAL: on_debrief_submit, blocks.NOT_HAPPENED_MODAL: on_not_happened_submit,
               blocks.RESCHEDULE_MODAL: on_reschedule_submit, blocks.THANK_YOU_MODAL: on_thank_you_submit,
               blocks.OUTCOME_MODAL: on_outcome_submit},
    )
    app.action(blocks.THANK_YOU_EMAIL_ACTION)(on_open_email)
