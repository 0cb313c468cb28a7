"""Request workflow surface: `/reference request`, `/reference my`, the Request button on search results,
the approval DM buttons (approve / decline / suggest), Mark scheduled, Cancel and Search again.

Thin: reads payloads (refbot.handlers.payload), calls refbot.services.requests, renders with
refbot.blocks.requests. Work that must answer within Slack's 3 seconds (inline form errors, opening a
modal) uses only the database and cached profiles; Slack lookups and message delivery happen after ack().
Listeners are module-level functions taking the AppContext first; `register` binds and registers them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from refbot.blocks import requests as blocks
from refbot.blocks.kit import escape, unescape
from refbot.blocks.search import results_message
from refbot.context import AppContext
from refbot.db import DatabaseUnavailable
from refbot.domain import RequestStatus as S
from refbot.errors import InvalidTransition, NotAllowed, NotFound, RefBotError, ValidationFailed
from refbot.handlers import payload
from refbot.handlers.errors import TRY_AGAIN
from refbot.handlers.home_tab import refresh_home
from refbot.handlers.payload import Values
from refbot.handlers.reply import (
    Answered,
    listener,
    privately,
    reason_errors,
    register_listeners,
    tell_user,
    zone,
)
from refbot.handlers.router import CommandRequest, CommandRouter
from refbot.handlers.search import open_search_modal
from refbot.matching.criteria import Criteria
from refbot.services import lifecycle
from refbot.services import requests as svc
from refbot.services import search as search_service
from refbot.services.availability import contact_availability

log = logging.getLogger(__name__)

OUT_OF_DATE = "That button is out of date. Run `/reference my` to see your requests."
NOT_SENT = "Your reference request was *not* sent"
RESUBMIT = ": RefBot could not save it, so nothing was saved. Please submit it again (`/reference request`)."

# ------------------------------------------------------------------ payload helpers


def _quick_env(ctx: AppContext) -> svc.RequestEnv:
    """For work before ack(): cached profiles only, no Slack calls."""
    return svc.RequestEnv(settings=ctx.settings, client=None, now=ctx.clock.now())


def _env(ctx: AppContext) -> svc.RequestEnv:
    return svc.RequestEnv.from_ctx(ctx)


def input_from_view(values: Values, meta: dict[str, Any] | None = None) -> svc.RequestInput:
    """The request form's answers. The prospect's industry, employees and country are inputs only after *Edit
    deal details*; until then they are what the search said (kept in the form's metadata)."""
    facts = meta or {}

    def fact(name: str) -> str:
        return values.text(name) if name in values else payload.clean(facts.get(name))

    return svc.RequestInput(
        prospect_company=values.text("prospect"),
        crm_id=values.text("crm_id"),
        stage=values.option("stage"),
        amount=values.text("amount"),
        industry=fact("industry"),
        employees=fact("employees"),
        country=fact("country"),
        activity=values.option("activity"),
        needed_by=values.date("needed_by"),
        topics=values.text("topics"),
        note=values.text("note"),
        urgent=(blocks.URGENT_OPTION in values.options("urgent")) if "urgent" in values else None,
        urgent_reason=values.text("urgent_reason"),
        justification=values.text("justification") if "justification" in values else None,
        deal_id=values.option("deal", blocks.DEAL_ACTION) if "deal" in values else None,
    )


def _request_id(body: dict[str, Any]) -> int:
    return payload.action_id_value(body, OUT_OF_DATE)


def _form_metadata(form: blocks.RequestForm, *, contact_id: int, search_id: int | None) -> str:
    """The contact, the search, and the prospect facts the form shows as context (not as inputs)."""
    p = form.prefill
    facts = {k: v[:100] for k, v in (("industry", p.industry), ("employees", p.employees), ("country", p.country)) if v}
    return payload.dump(contact_id=contact_id, search_id=search_id, **facts)


# ------------------------------------------------------------------ opening the request form


def open_request_modal(
    ctx: AppContext, client: WebClient, *, trigger_id: str, user_id: str, contact_id: int,
    search_id: int | None = None,
) -> None:
    """Open the request form for a contact (prefilled from the search). Raises NotFound/NotAllowed."""
    with ctx.db.unit_of_work() as session:
        form = svc.request_form(session=session, env=_quick_env(ctx), requester_id=user_id, contact_id=contact_id,
                                search_id=search_id)
    view = blocks.request_modal(form, metadata=_form_metadata(form, contact_id=contact_id, search_id=search_id))
    client.views_open(trigger_id=trigger_id, view=view)


def open_request_picker(ctx: AppContext, client: WebClient, *, trigger_id: str, user_id: str, query: str = "") -> None:
    """`/reference request [query]` (and a Home "Request" button): the form directly when `query` names exactly
    one contact, else a contact picker that leads to the form."""
    with ctx.db.unit_of_work(read_only=True) as session:
        choices, total = svc.contact_choices(session=session, query=query, limit=1) if query else ([], 0)
    if total == 1:
        open_request_modal(ctx, client, trigger_id=trigger_id, user_id=user_id, contact_id=int(choices[0][1][0][1]))
        return
    client.views_open(trigger_id=trigger_id, view=blocks.pick_contact_modal(query=query, matches=total, metadata="{}"))


def on_contact_suggest(ctx: AppContext, ack: Ack, body: dict[str, Any]) -> None:
    """The contact picker's type-ahead (block_suggestion): answered within Slack's 3 s, reading only."""
    typed = payload.text(payload.obj(body).get("value"))
    with ctx.db.unit_of_work(read_only=True) as session:  # answers the keystroke: never wait for a writer
        env = _quick_env(ctx)
        choices = svc.contact_options(session=session, query=typed,
                                      today=env.today(session, payload.maybe_user_id(body)))
    ack(options=blocks.contact_option_list(choices))


def _request_command(req: CommandRequest) -> None:
    if req.trigger_id:
        open_request_picker(req.ctx, req.client, trigger_id=req.trigger_id, user_id=req.user_id,
                            query=req.text.strip())


def _my_command(req: CommandRequest) -> None:
    text, blks = _my_list(req.ctx, req.user_id)
    req.respond(response_type="ephemeral", text=text, blocks=blks)


def _my_list(ctx: AppContext, user_id: str, notice: str = "") -> tuple[str, list[dict[str, Any]]]:
    env = _env(ctx)
    with ctx.db.unit_of_work() as session:
        open_cards, closed = svc.my_requests(session=session, user_id=user_id)
        tz = env.tz(session, user_id)
    return blocks.my_requests_message(open_cards, closed, reader_tz=tz, notice=notice)


# ------------------------------------------------------------------ search again


def _search_again(ctx: AppContext, client: WebClient, body: dict[str, Any], request_id: int) -> None:
    user_id = payload.user_id(body)
    with ctx.db.unit_of_work() as session:
        request = svc.get_request(session=session, request_id=request_id)
        if user_id != request.requester_id and not _quick_env(ctx).is_admin(session, user_id):
            raise NotAllowed(f"Only <@{request.requester_id}>, who asked, can search again from request #{request_id}.")
        criteria = dict(request.criteria or {})
    today = ctx.clock.today(ctx.settings.tz)
    try:
        parsed = Criteria.model_validate(criteria)
    except ValidationError:  # criteria saved by an older version: let the seller adjust them
        open_search_modal(client, payload.trigger_id(body), ctx)
        return
    with ctx.db.unit_of_work() as session:
        outcome = search_service.run_search(session=session, criteria=parsed, today=today, limit=5,
                                            user_id=user_id, source="search_again", now=ctx.clock.now())
    text, blks = results_message(criteria=outcome.criteria, result=outcome.result, search_id=outcome.search_id,
                                 today=today, notes=[], query_text="")
    client.chat_postMessage(channel=user_id, text=text, blocks=blks)


# ------------------------------------------------------------------ the seller's form


def on_request_from_search(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient,
                           respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        search_part, _, contact_part = payload.action_value(body).partition(":")
        contact_id, search_id = payload.to_int(contact_part), payload.to_int(search_part)
        if contact_id is None or (search_part and search_id is None):
            raise NotFound("That search result is out of date. Run `/reference search` again.")
        open_request_modal(ctx, client, trigger_id=payload.trigger_id(body), user_id=payload.user_id(body),
                           contact_id=contact_id, search_id=search_id)


def on_pick(ctx: AppContext, ack: Ack, body: dict[str, Any]) -> None:
    values = Values(body)
    contact_id = payload.to_int(values.option("contact", blocks.PICK_ACTION) or values.option("contact"))
    if contact_id is None:
        ack(response_action="errors", errors={"contact": "Pick a contact: type a name, title or company."})
        return
    try:
        with ctx.db.unit_of_work(read_only=True) as session:  # before ack: never wait for a writer
            form = svc.request_form(session=session, env=_quick_env(ctx), requester_id=payload.user_id(body),
                                    contact_id=contact_id)
    except (NotFound, NotAllowed) as exc:
        ack(response_action="errors", errors={"contact": unescape(exc.message)[:150]})
        return
    ack(response_action="update",
        view=blocks.request_modal(form, metadata=_form_metadata(form, contact_id=contact_id, search_id=None)))


def _request_answer(ctx: AppContext, body: dict[str, Any], data: svc.RequestInput) -> dict[str, Any] | None:
    """The inline answer to a request form (errors, the form again, a notice, {} for a resubmission), or
    None when it may be created. Decided in a read-only unit of work, which never waits for a writer."""
    values, user_id, token = Values(body), payload.user_id(body), payload.view_id(body)
    contact_id = payload.required(payload.meta_int(body, "contact_id"))
    with ctx.db.unit_of_work(read_only=True) as session:
        try:
            if token and svc.find_by_token(session=session, client_token=token) is not None:
                return {}  # the same submission again: it was sent already
            svc.validate_request(session=session, env=_quick_env(ctx), requester_id=user_id,
                                 contact_id=contact_id, data=data)
        except ValidationFailed as exc:
            missing = {"justification", "urgent_reason"} & set(exc.field_errors) - set(values.values)
            if not missing:
                errors = {k: v[:1000] for k, v in exc.field_errors.items() if k in values}
                return {"response_action": "errors", "errors": errors or {"prospect": exc.message}}
            # A question the form didn't show (the contact became busy; the date is inside the lead time):
            # show the form again with it, keeping what the seller typed.
            notice = ("This contact just became busy or is resting; say why you need them."
                      if "justification" in missing else exc.field_errors["urgent_reason"])
            form = svc.request_form(session=session, env=_quick_env(ctx), requester_id=user_id,
                                    contact_id=contact_id, prefill=svc.prefill_from_input(data),
                                    notice=notice, show_details="industry" in values)
            return {"response_action": "update",
                    "view": blocks.request_modal(form, metadata=payload.raw_metadata(body))}
        except (NotFound, NotAllowed) as exc:
            return {"response_action": "update", "view": blocks.notice_modal("Request a reference", exc.message)}
    return None


def on_request_submit(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    data = input_from_view(Values(body), payload.metadata(body))
    answer = _request_answer(ctx, body, data)  # ack() after it: ack() waits for a work slot, holding no connection
    if answer is not None:
        ack(**answer)
        return
    ack()
    with privately(body, client, respond):
        _create_request(ctx, body, data)


def _create_request(ctx: AppContext, body: dict[str, Any], data: svc.RequestInput) -> None:
    """After ack(): create the request. When the write fails, the seller learns privately that it was not
    sent (the unit of work rolled back: nothing was saved) and can submit again."""
    try:
        with ctx.db.unit_of_work() as session:
            svc.create_request(session=session, env=_env(ctx), requester_id=payload.user_id(body),
                               contact_id=payload.meta_int(body, "contact_id") or 0, data=data,
                               client_token=payload.view_id(body), search_id=payload.meta_int(body, "search_id"))
    except ValidationFailed as exc:  # changed in the last second (e.g. a timezone boundary)
        problems = escape("; ".join(exc.field_errors.values()) or exc.message)  # plain text in a modal, mrkdwn here
        raise ValidationFailed(f"Your request wasn't sent: {problems}") from exc
    except DatabaseUnavailable as exc:  # locked or unreachable: the unit of work rolled back
        raise ValidationFailed(f"{NOT_SENT}. {TRY_AGAIN}") from exc
    except RefBotError:
        raise
    except Exception as exc:  # noqa: BLE001 - disk full, a failed write: rolled back, so nothing was saved
        log.error("could not save a reference request: %s", exc, exc_info=exc)
        raise ValidationFailed(NOT_SENT + RESUBMIT) from exc


def _redraw_form(ctx: AppContext, body: dict[str, Any], client: WebClient, *, show_details: bool) -> None:
    """Draw the open request form again from what the seller typed (Edit deal details; a new date)."""
    view, values = payload.view(body), Values(body)
    contact_id = payload.required(payload.meta_int(body, "contact_id"))
    data = input_from_view(values, payload.metadata(body))
    with ctx.db.unit_of_work(read_only=True) as session:
        form = svc.request_form(session=session, env=_quick_env(ctx), requester_id=payload.user_id(body),
                                contact_id=contact_id, prefill=svc.prefill_from_input(data),
                                show_details=show_details)
    client.views_update(view_id=payload.text(view.get("id")), hash=payload.text(view.get("hash")) or None,
                        view=blocks.request_modal(form, metadata=payload.raw_metadata(body)))


def on_deal_details(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        _redraw_form(ctx, body, client, show_details=True)


def on_needed_by_changed(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient,
                         respond: Respond) -> None:
    """A new date: the urgency question appears when it is inside the lead time (and goes when it isn't)."""
    ack()
    with privately(body, client, respond):
        shown = {b.get("block_id") for b in payload.view(body).get("blocks") or () if isinstance(b, dict)}
        _redraw_form(ctx, body, client, show_details="industry" in shown)


def on_deal_options(ctx: AppContext, ack: Ack, body: dict[str, Any]) -> None:
    """The deal picker's type-ahead (block_suggestion, answered within 3 s): the seller's own open CRM deals."""
    query = str(body.get("value") or "")[:100]
    with ctx.db.unit_of_work(read_only=True) as session:
        deals = svc.my_open_deals(session=session, seller_id=payload.user_id(body), query=query)
    ack(options=blocks.deal_options(deals))


# ------------------------------------------------------------------ the account owner's buttons


def already_decided(ctx: AppContext, request_id: int, user_id: str) -> str:
    """Who decided request `request_id` and when, in the reader's timezone ("you" to the one who did): the one
    answer to a button or a form on a request that is no longer waiting."""
    with ctx.db.unit_of_work(read_only=True) as session:
        request = svc.get_request(session=session, request_id=request_id)
        card = svc.card_of(session=session, request=request)
        tz = _quick_env(ctx).tz(session, user_id)
    return blocks.already_decided(card, reader_id=user_id, reader_tz=tz)


@contextmanager
def _decided_meanwhile(ctx: AppContext, body: dict[str, Any], client: WebClient, request_id: int) -> Iterator[None]:
    """A click on a request that is no longer waiting: the private answer says who decided it and when. On the
    Home tab that answer is a modal, opened first (its trigger lives 3 s), and then the Home is republished
    so the stale row goes."""
    try:
        yield
    except InvalidTransition:
        user_id = payload.user_id(body)
        text = already_decided(ctx, request_id, user_id)
        if not payload.from_home(body):
            raise InvalidTransition(text) from None
        tell_user(body, client, None, text, title="Already decided")
        refresh_home(ctx, client, user_id)
        raise Answered(text) from None


def on_approve(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        request_id, user_id = _request_id(body), payload.user_id(body)
        with _decided_meanwhile(ctx, body, client, request_id), ctx.db.unit_of_work() as session:
            svc.approve(session=session, env=_env(ctx), request_id=request_id, actor_id=user_id)


def _decidable(ctx: AppContext, body: dict[str, Any], client: WebClient, to: S) -> tuple[int, blocks.RequestCard]:
    request_id, user_id = _request_id(body), payload.user_id(body)
    with _decided_meanwhile(ctx, body, client, request_id), ctx.db.unit_of_work() as session:
        request = svc.get_request(session=session, request_id=request_id)
        svc.require_decider(session=session, env=_quick_env(ctx), request=request, user_id=user_id)
        svc.require_pending(request, to)
        return request_id, svc.card_of(session=session, request=request)


def on_decline(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        request_id, card = _decidable(ctx, body, client, S.declined)
        client.views_open(trigger_id=payload.trigger_id(body),
                          view=blocks.decline_modal(card, metadata=payload.dump(request_id=request_id)))


def _alternatives(ctx: AppContext, request_id: int) -> list[tuple[str, str]]:
    """Other active contacts of the request's account, as (label, contact id) options."""
    with ctx.db.unit_of_work() as session:
        request = svc.get_request(session=session, request_id=request_id)
        today = _quick_env(ctx).today(session)
        options = []
        for contact in svc.alternative_contacts(session=session, request=request):
            label = f"{contact.name} · {contact.title}" if contact.title else contact.name
            avail = contact_availability(session=session, contact_id=contact.id, today=today)
            options.append((label + ("" if avail.available else " · resting"), str(contact.id)))
    return options


def on_suggest(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        request_id, card = _decidable(ctx, body, client, S.declined)
        options = _alternatives(ctx, request_id)
        if not options:
            respond(response_type="ephemeral", replace_original=False,
                    text=f"{escape(card.account_name)} has no other active contact to suggest. Decline instead and say "
                         "who could help.")
            return
        client.views_open(trigger_id=payload.trigger_id(body),
                          view=blocks.suggest_modal(card, options, metadata=payload.dump(request_id=request_id)))


def _ack_if_pending(ctx: AppContext, ack: Ack, body: dict[str, Any], request_id: int) -> bool:
    """Ack a decline or suggest form; one whose request was decided meanwhile is answered (False) with a short
    view saying who decided it and when: the same words as a button's answer (`already_decided`)."""
    with ctx.db.unit_of_work(read_only=True) as session:
        status = S(svc.get_request(session=session, request_id=request_id).status)
    if status is not S.pending_approval:
        ack(response_action="update",
            view=blocks.notice_modal("Already decided", already_decided(ctx, request_id, payload.user_id(body))))
        return False
    ack()
    return True


def on_decline_submit(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    request_id = payload.required(payload.meta_int(body, "request_id"))
    reason = Values(body).text("reason")
    errors = reason_errors(reason, limit=svc.LIMITS["reason"], reader="seller")
    if errors:
        ack(response_action="errors", errors=errors)
    elif _ack_if_pending(ctx, ack, body, request_id):
        with privately(body, client, respond), ctx.db.unit_of_work() as session:
            svc.decline(session=session, env=_env(ctx), request_id=request_id, actor_id=payload.user_id(body),
                        reason=reason)


def on_suggest_submit(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    request_id = payload.required(payload.meta_int(body, "request_id"))
    values = Values(body)
    contact_id = payload.to_int(values.option("contact"))
    if contact_id is None:
        ack(response_action="errors", errors={"contact": "Pick a contact."})
    elif _ack_if_pending(ctx, ack, body, request_id):
        with privately(body, client, respond), ctx.db.unit_of_work() as session:
            svc.suggest(session=session, env=_env(ctx), request_id=request_id, actor_id=payload.user_id(body),
                        contact_id=contact_id, reason=values.text("reason"))


# ------------------------------------------------------------------ the seller's buttons


def _schedule_form(ctx: AppContext, body: dict[str, Any]) -> dict[str, Any]:
    """The Mark scheduled modal, for the requester (or a program manager) of an approved request."""
    request_id, user_id = _request_id(body), payload.user_id(body)
    with ctx.db.unit_of_work() as session:
        env = _quick_env(ctx)
        request = svc.get_request(session=session, request_id=request_id)
        if not svc.can_schedule(session=session, env=env, request=request, user_id=user_id):
            raise NotAllowed(f"Only <@{request.requester_id}>, who asked, can schedule request #{request_id}.")
        status = S(request.status)
        if status not in (S.approved, S.scheduled):
            raise InvalidTransition(lifecycle.refusal(request_id, status, S.scheduled))
        tz = env.tz(session, user_id)
        card = svc.card_of(session=session, request=request)
    # Where the click came from, so the confirmation is that surface changed in place (one message per event):
    # a bot message is edited, an ephemeral `/reference my` list is redrawn by its response_url, the Home tab
    # is republished.
    clicked = payload.clicked_message(body)
    where: dict[str, Any] = {"home": True} if payload.from_home(body) else (
        {"channel": clicked[0], "ts": clicked[1]} if clicked else {"url": payload.response_url(body)[:1000]})
    return blocks.schedule_modal(card, metadata=payload.dump(request_id=request_id, tz=tz, **where), reader_tz=tz,
                                 initial=card.scheduled_at)


def on_mark_scheduled(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        client.views_open(trigger_id=payload.trigger_id(body), view=_schedule_form(ctx, body))


def on_schedule_submit(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    values = Values(body)
    day, time = values.date("date"), values.time("time")
    if day is None or time is None:
        ack(response_action="errors", errors={"date" if day is None else "time": "Pick the date and time."})
        return
    when = dt.datetime.combine(day, time, tzinfo=zone(payload.meta_str(body, "tz"), ctx))
    try:
        svc.check_schedule_time(now=ctx.clock.now(), scheduled_at=when)
    except ValidationFailed as exc:
        ack(response_action="errors", errors=exc.field_errors)
        return
    request_id, user_id = payload.required(payload.meta_int(body, "request_id")), payload.user_id(body)
    channel, ts, url = (payload.meta_str(body, k) for k in ("channel", "ts", "url"))
    ack()
    with privately(body, client, respond):
        with ctx.db.unit_of_work() as session:
            svc.mark_scheduled(session=session, env=_env(ctx), request_id=request_id, actor_id=user_id,
                               scheduled_at=when, clicked=(channel, ts) if channel and ts else None,
                               answered=bool(payload.metadata(body).get("home")) or bool(url))
        if url:  # clicked in `/reference my`: the list, redrawn with the new time, is the confirmation
            text, blks = _my_list(ctx, user_id, notice=f":calendar: Request #{request_id} scheduled. I'll ask for "
                                  "your debrief after the call.")
            try:
                WebhookClient(url).send(text=text, blocks=blks, replace_original=True, response_type="ephemeral")
            except Exception:  # noqa: BLE001 - saved already; the list shows it next time
                log.info("could not redraw the seller's request list", exc_info=True)


def on_cancel(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        request_id, user_id = _request_id(body), payload.user_id(body)
        with ctx.db.unit_of_work() as session:
            svc.cancel(session=session, env=_env(ctx), request_id=request_id, actor_id=user_id)
        text, blks = _my_list(ctx, user_id, notice=f":no_entry_sign: Request #{request_id} cancelled; the account "
                              "owner was told.")
        respond(replace_original=True, text=text, blocks=blks)


def _answer_suggestion(ctx: AppContext, body: dict[str, Any], *, take: bool) -> None:
    with ctx.db.unit_of_work() as session:
        svc.answer_suggestion(session=session, env=_env(ctx), request_id=_request_id(body),
                              actor_id=payload.user_id(body), take=take)


def on_take_suggestion(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient,
                       respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        _answer_suggestion(ctx, body, take=True)


def on_pass_suggestion(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient,
                       respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        _answer_suggestion(ctx, body, take=False)


def on_search_again(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        _search_again(ctx, client, body, _request_id(body))


# ------------------------------------------------------------------ register


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    commands.add("request", _request_command, opens_modal=True, summary="Request a reference customer (the form asks who and for which deal)",
                 usage="/reference request [contact or company]")
    commands.add("my", _my_command, summary="Your reference requests: status, next step, cancel",
                 usage="/reference my", aliases=("requests", "mine"))
    register_listeners(
        app, ctx,
        actions={blocks.FROM_SEARCH_ACTION: on_request_from_search, blocks.APPROVE_ACTION: on_approve,
                 blocks.DECLINE_ACTION: on_decline, blocks.SUGGEST_ACTION: on_suggest,
                 blocks.MARK_SCHEDULED_ACTION: on_mark_scheduled, blocks.CANCEL_ACTION: on_cancel,
                 blocks.SEARCH_AGAIN_ACTION: on_search_again,
                 blocks.DETAILS_ACTION: on_deal_details, blocks.TAKE_SUGGESTION_ACTION: on_take_suggestion,
                 blocks.PASS_SUGGESTION_ACTION: on_pass_suggestion},
        views={blocks.PICK_MODAL: on_pick, blocks.REQUEST_MODAL: on_request_submit,
               blocks.DECLINE_MODAL: on_decline_submit, blocks.SUGGEST_MODAL: on_suggest_submit,
               blocks.SCHEDULE_MODAL: on_schedule_submit},
        options={blocks.PICK_ACTION: on_contact_suggest, blocks.DEAL_ACTION: on_deal_options},
    )
    app.action({"block_id": blocks.NEEDED_BY_BLOCK, "action_id": blocks.VALUE})(listener(on_needed_by_changed, ctx))
