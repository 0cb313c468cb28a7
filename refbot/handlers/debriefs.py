"""After the call: the debrief prompt's buttons and modals, the thank-you prompt, deal outcomes
(follow-up buttons and `/reference outcome`) and `/reference stats`.

Thin: reads payloads, calls refbot.services.debriefs / outcomes / reports, renders with refbot.blocks.
Before ack() only the database and cached profiles are used; modals open right after it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from refbot.blocks import debriefs as blocks
from refbot.blocks.reports import report_message
from refbot.context import AppContext
from refbot.domain import MetNeeds, OpportunityOutcome, parse_quantity
from refbot.errors import NotFound, RefBotError, ValidationFailed
from refbot.handlers.errors import tell_user
from refbot.handlers.router import CommandRequest, CommandRouter
from refbot.services import debriefs, outcomes, reports
from refbot.services.policy import load_policy
from refbot.services.users import admin_ids, get_user, is_admin, user_tz

log = logging.getLogger(__name__)

STATS_USAGE = "/reference stats [YYYY-MM-DD | 30d]"


# ------------------------------------------------------------------ payload helpers


def field(values: dict[str, Any], block_id: str) -> Any:
    """The value of a modal input (all inputs here use action id "value")."""
    v = (values.get(block_id) or {}).get(blocks.VALUE) or {}
    kind = v.get("type")
    if kind in ("static_select", "radio_buttons"):
        opt = v.get("selected_option")
        return opt["value"] if opt else None
    if kind == "checkboxes":
        return [o["value"] for o in v.get("selected_options") or []]
    if kind == "datepicker":
        try:
            return dt.date.fromisoformat(v.get("selected_date") or "")
        except (TypeError, ValueError):  # no date (or not one: Slack sends YYYY-MM-DD) -> "pick a date"
            return None
    if kind == "timepicker":
        return v.get("selected_time")
    return (v.get("value") or "").replace("\x00", "").strip()  # PostgreSQL can't store NUL characters


def _meta(body: dict[str, Any]) -> dict[str, Any]:
    try:
        meta = json.loads(body["view"].get("private_metadata") or "{}")
    except (KeyError, json.JSONDecodeError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _user(body: dict[str, Any]) -> str:
    return (body.get("user") or {}).get("id") or body.get("user_id") or ""


def _button_id(body: dict[str, Any]) -> int:
    try:
        return int(str((body.get("actions") or [{}])[0].get("value") or ""))
    except ValueError:
        raise NotFound("That button is out of date. Run `/reference my` to see your requests.") from None


@contextmanager
def _privately(body: dict[str, Any], client: WebClient, respond: Any) -> Iterator[None]:
    """Expected refusals (not yours, already done, out of date) are answered privately to whoever clicked;
    the listener still ends normally (unexpected errors go to the app-wide handler)."""
    try:
        yield
    except RefBotError as exc:
        log.info("refused: %s", exc.message)
        tell_user(body, client, respond, exc.message)


def _quick_admin(ctx: AppContext, session: Any, user_id: str) -> bool:
    """Admin check from settings and cached profiles only (safe before opening a modal)."""
    return is_admin(settings=ctx.settings, session=session, client=None, slack_id=user_id)


def _tz(ctx: AppContext, session: Any, user_id: str, client: WebClient | None = None) -> str:
    """The user's timezone: cached (a day), else one users.info call when `client` is given."""
    return user_tz(session=session, client=client, slack_id=user_id, default=ctx.settings.refbot_timezone)


def _zone(name: str | None, ctx: AppContext) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or ctx.settings.refbot_timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return ctx.settings.tz


def _new_time(values: dict[str, Any], tz: zoneinfo.ZoneInfo) -> dt.datetime | None:
    day, time = field(values, "date"), field(values, "time")
    if day is None:
        return None
    hour, _, minute = str(time or "10:00").partition(":")
    return dt.datetime.combine(day, dt.time(int(hour), int(minute or 0)), tzinfo=tz)


def _refresh_home(ctx: AppContext, client: WebClient, user_id: str) -> None:
    """Best effort: the user's Home tab shows their points (issue 6 owns it)."""
    try:
        from refbot.handlers.home import publish_home
    except ImportError:
        return
    try:
        publish_home(ctx, client, user_id)
    except Exception:
        log.info("could not refresh the Home tab of %s", user_id, exc_info=True)


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
    meta = json.dumps({"opportunity_id": deals[0].opportunity_id} if fixed else {})
    req.client.views_open(trigger_id=req.trigger_id, view=blocks.outcome_modal(deals, metadata=meta, fixed=fixed))


def parse_since(text: str, *, today: dt.date, tz: dt.tzinfo) -> dt.datetime | None:
    """'' -> None (all time); '2026-10-01' or '30d' -> the start of that day in the program's timezone."""
    text = text.strip().lower()
    if text.startswith("since "):
        text = text[6:].strip()
    if not text:
        return None
    m = re.fullmatch(r"(\d{1,4})\s*d(ays?)?", text)
    if m:
        day = today - dt.timedelta(days=int(m.group(1)))
    else:
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            raise ValidationFailed(f"I can't read '{text[:40]}' as a date. Usage: `{STATS_USAGE}`") from None
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=tz)


def _stats_command(req: CommandRequest) -> None:
    ctx = req.ctx
    since = parse_since(req.text, today=ctx.clock.today(ctx.settings.tz), tz=ctx.settings.tz)
    with ctx.db.unit_of_work() as session:
        report = reports.build_report(session=session, now=ctx.clock.now(), since=since,
                                      tz_name=ctx.settings.refbot_timezone)
    text, blks = report_message(report)
    req.respond(response_type="ephemeral", text=text, blocks=blks)


# ------------------------------------------------------------------ register


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    commands.add("outcome", _outcome_command, opens_modal=True, summary="Record whether a deal that used references was won or lost",
                 usage="/reference outcome")
    commands.add("stats", _stats_command, summary="Program report: requests, approvals, debriefs, influenced revenue",
                 usage=STATS_USAGE, admin_only=True)

    def now() -> dt.datetime:
        return ctx.clock.now()

    def admin(session: Any, client: WebClient, user_id: str) -> bool:
        return is_admin(settings=ctx.settings, session=session, client=client, slack_id=user_id)

    # -- the debrief prompt

    @app.action(blocks.HAPPENED_ACTION)
    def on_happened(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        with _privately(body, client, respond):
            request_id, user_id = _button_id(body), _user(body)
            with ctx.db.unit_of_work() as session:
                card = debriefs.start_debrief(session=session, request_id=request_id, user_id=user_id,
                                              is_admin=_quick_admin(ctx, session, user_id), now=now())
                tz = _tz(ctx, session, user_id)
            view = blocks.debrief_modal(card, metadata=json.dumps({"request_id": request_id}), reader_tz=tz)
            client.views_open(trigger_id=body["trigger_id"], view=view)

    def _open_answer_modal(body: dict[str, Any], client: WebClient, respond: Respond, build: Any) -> None:
        with _privately(body, client, respond):
            request_id, user_id = _button_id(body), _user(body)
            with ctx.db.unit_of_work() as session:
                card = debriefs.answerable(session=session, request_id=request_id, user_id=user_id,
                                           is_admin=_quick_admin(ctx, session, user_id))
                tz = _tz(ctx, session, user_id, client)  # the date and time inputs are in the seller's timezone
            view = build(card, metadata=json.dumps({"request_id": request_id, "tz": tz}), reader_tz=tz)
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.action(blocks.NOT_HAPPENED_ACTION)
    def on_not_happened(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        _open_answer_modal(body, client, respond, blocks.not_happened_modal)

    @app.action(blocks.RESCHEDULED_ACTION)
    def on_rescheduled(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        _open_answer_modal(body, client, respond, blocks.reschedule_modal)

    @app.view(blocks.DEBRIEF_MODAL)
    def on_debrief_submit(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        values = body["view"]["state"]["values"]
        met, rating = field(values, "met_needs"), field(values, "rating")
        errors = {}
        if met not in {m.value for m in MetNeeds}:
            errors["met_needs"] = "Choose yes, partly or no."
        if rating not in ("1", "2", "3", "4", "5"):  # not isdigit(): "²" is a digit that int() refuses
            errors["rating"] = "Pick 1 to 5."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        answers = debriefs.DebriefAnswers(
            met_needs=MetNeeds(met), rating=int(rating), insights=field(values, "insights") or "",
            concerns=field(values, "concerns") or "", redo_needed="yes" in (field(values, "redo") or []),
            notes=field(values, "notes") or "",
        )
        try:
            answers = answers.validated()
        except ValidationFailed as exc:
            ack(response_action="errors", errors=exc.field_errors)
            return
        ack()
        user_id = _user(body)
        with _privately(body, client, respond):
            with ctx.db.unit_of_work() as session:
                debriefs.file_debrief(
                    session=session, request_id=int(_meta(body).get("request_id") or 0), user_id=user_id,
                    is_admin=admin(session, client, user_id), answers=answers, now=now(),
                    policy=load_policy(session=session), tz_name=ctx.settings.refbot_timezone,
                    fallback_owner_ids=admin_ids(settings=ctx.settings, session=session, client=client),
                )
            _refresh_home(ctx, client, user_id)

    @app.view(blocks.NOT_HAPPENED_MODAL)
    def on_not_happened_submit(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        values, meta = body["view"]["state"]["values"], _meta(body)
        choice = field(values, "choice") or blocks.CHOICE_RESCHEDULE
        new_time = _new_time(values, _zone(meta.get("tz"), ctx)) if choice == blocks.CHOICE_RESCHEDULE else None
        if new_time is not None:
            try:
                debriefs.check_new_time(new_time, now())
            except ValidationFailed as exc:
                ack(response_action="errors", errors=exc.field_errors)
                return
        ack()
        user_id = _user(body)
        with _privately(body, client, respond), ctx.db.unit_of_work() as session:
            debriefs.not_happened(
                session=session, request_id=int(meta.get("request_id") or 0), user_id=user_id,
                is_admin=admin(session, client, user_id), choice=choice, new_time=new_time,
                reason=field(values, "reason") or "", now=now(), tz_name=ctx.settings.refbot_timezone,
            )

    @app.view(blocks.RESCHEDULE_MODAL)
    def on_reschedule_submit(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        values, meta = body["view"]["state"]["values"], _meta(body)
        new_time = _new_time(values, _zone(meta.get("tz"), ctx))
        if new_time is None:
            ack(response_action="errors", errors={"date": "Pick the new date."})
            return
        try:
            debriefs.check_new_time(new_time, now())
        except ValidationFailed as exc:
            ack(response_action="errors", errors=exc.field_errors)
            return
        ack()
        user_id = _user(body)
        with _privately(body, client, respond), ctx.db.unit_of_work() as session:
            debriefs.reschedule(
                session=session, request_id=int(meta.get("request_id") or 0), user_id=user_id,
                is_admin=admin(session, client, user_id), new_time=new_time, now=now(),
                tz_name=ctx.settings.refbot_timezone,
            )

    # -- thank-you

    @app.action(blocks.THANK_YOU_ACTION)
    def on_thank_you_open(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        with _privately(body, client, respond):
            request_id, user_id = _button_id(body), _user(body)
            with ctx.db.unit_of_work() as session:
                me = get_user(session=session, client=client, slack_id=user_id)  # cached a day: usually no call
                draft = debriefs.thank_you_draft(
                    session=session, request_id=request_id, user_id=user_id,
                    is_admin=_quick_admin(ctx, session, user_id), sender_name=me.name,
                    tz_name=ctx.settings.refbot_timezone,
                )
            if draft.sent is not None:
                by = f"<@{draft.sent.thanked_by}>" if draft.sent.thanked_by else "someone"
                tell_user(body, client, respond,
                          f"The thank-you to {draft.card.contact_name} was already marked sent by {by}.")
                return
            view = blocks.thank_you_modal(draft.card, draft=draft.note,
                                          metadata=json.dumps({"request_id": request_id}))
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(blocks.THANK_YOU_MODAL)
    def on_thank_you_submit(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        note = field(body["view"]["state"]["values"], "note") or ""
        if not note:
            ack(response_action="errors", errors={"note": "Write a short note first."})
            return
        ack()
        user_id = _user(body)
        with _privately(body, client, respond):
            with ctx.db.unit_of_work() as session:
                debriefs.mark_thank_you_sent(
                    session=session, request_id=int(_meta(body).get("request_id") or 0), user_id=user_id,
                    is_admin=admin(session, client, user_id), note=note, now=now(),
                    tz_name=ctx.settings.refbot_timezone,
                )
            _refresh_home(ctx, client, user_id)

    # -- deal outcome

    @app.action(blocks.WON_ACTION)
    def on_won(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        with _privately(body, client, respond):
            opportunity_id, user_id = _button_id(body), _user(body)
            with ctx.db.unit_of_work() as session:
                deal = outcomes.open_deal(session=session, opportunity_id=opportunity_id, user_id=user_id,
                                          is_admin=_quick_admin(ctx, session, user_id))
            view = blocks.outcome_modal([deal], metadata=json.dumps({"opportunity_id": opportunity_id}),
                                        outcome=OpportunityOutcome.won, fixed=True)
            client.views_open(trigger_id=body["trigger_id"], view=view)

    def _record(body: dict[str, Any], client: WebClient, respond: Respond, *, opportunity_id: int,
                outcome: OpportunityOutcome, amount: int | None) -> None:
        user_id = _user(body)
        with ctx.db.unit_of_work() as session:
            result = outcomes.record_outcome(
                session=session, opportunity_id=opportunity_id, outcome=outcome, user_id=user_id,
                is_admin=admin(session, client, user_id), amount=amount, now=now(),
                tz_name=ctx.settings.refbot_timezone,
            )
        if not result.recorded and result.deal.outcome is not outcome:
            by = f" by <@{result.deal.outcome_by}>" if result.deal.outcome_by else ""
            tell_user(body, client, respond, f"{result.deal.prospect_company} was already recorded as "
                                             f"{result.deal.outcome.value}{by}.")
        elif result.recorded:
            _refresh_home(ctx, client, user_id)

    @app.action(blocks.LOST_ACTION)
    def on_lost(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        with _privately(body, client, respond):
            _record(body, client, respond, opportunity_id=_button_id(body), outcome=OpportunityOutcome.lost,
                    amount=None)

    @app.view(blocks.OUTCOME_MODAL)
    def on_outcome_submit(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        values, meta = body["view"]["state"]["values"], _meta(body)
        errors: dict[str, str] = {}
        raw_deal = meta.get("opportunity_id") or field(values, "deal")
        outcome = field(values, "outcome")
        if not raw_deal or not str(raw_deal).isdigit():
            errors["deal"] = "Pick a deal."
        if outcome not in (OpportunityOutcome.won.value, OpportunityOutcome.lost.value):
            errors["outcome"] = "Choose won or lost."
        amount = None
        raw_amount = field(values, "amount") or ""
        if raw_amount and outcome == OpportunityOutcome.won.value:
            try:
                amount = parse_quantity(raw_amount)
            except ValueError as exc:
                errors["amount"] = str(exc)
        if errors:
            ack(response_action="errors", errors=errors)
            return
        ack()
        with _privately(body, client, respond):
            _record(body, client, respond, opportunity_id=int(raw_deal), outcome=OpportunityOutcome(outcome),
                    amount=amount)
