"""Request workflow surface: `/reference request`, `/reference my`, the Request button on search results,
the approval DM buttons (approve / decline / suggest), Mark scheduled, Cancel and Search again.

Thin: reads payloads, calls refbot.services.requests, renders with refbot.blocks.requests. Work that must
answer within Slack's 3 seconds (inline form errors, opening a modal) uses only the database and cached
profiles; Slack lookups and message delivery happen after ack().
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from refbot.blocks import requests as blocks
from refbot.context import AppContext
from refbot.domain import RequestStatus as S
from refbot.errors import InvalidTransition, NotAllowed, NotFound, RefBotError, ValidationFailed
from refbot.handlers.errors import tell_user
from refbot.handlers.router import CommandRequest, CommandRouter
from refbot.services import lifecycle
from refbot.services import requests as svc
from refbot.services.availability import contact_availability

log = logging.getLogger(__name__)

# ------------------------------------------------------------------ payload helpers


def _quick_env(ctx: AppContext) -> svc.RequestEnv:
    """For work before ack(): cached profiles only, no Slack calls."""
    return svc.RequestEnv(settings=ctx.settings, client=None, now=ctx.clock.now())


def _env(ctx: AppContext) -> svc.RequestEnv:
    return svc.RequestEnv.from_ctx(ctx)


def field(values: dict[str, Any], block_id: str) -> Any:
    """The value of a modal input (our inputs all use action id "value")."""
    v = (values.get(block_id) or {}).get(blocks.VALUE) or {}
    kind = v.get("type")
    if kind in ("static_select", "external_select"):
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


def input_from_view(values: dict[str, Any]) -> svc.RequestInput:
    return svc.RequestInput(
        prospect_company=field(values, "prospect") or "",
        crm_id=field(values, "crm_id") or "",
        stage=field(values, "stage"),
        amount=field(values, "amount") or "",
        industry=field(values, "industry") or "",
        employees=field(values, "employees") or "",
        country=field(values, "country") or "",
        activity=field(values, "activity"),
        needed_by=field(values, "needed_by"),
        topics=field(values, "topics") or "",
        note=field(values, "note") or "",
        urgent=blocks.URGENT_OPTION in (field(values, "urgent") or []),
        urgent_reason=field(values, "urgent_reason") or "",
        justification=(field(values, "justification") or "") if "justification" in values else None,
    )


def _meta(body: dict[str, Any]) -> dict[str, Any]:
    try:
        meta = json.loads(body["view"].get("private_metadata") or "{}")
    except (KeyError, json.JSONDecodeError):
        return {}
    return meta if isinstance(meta, dict) else {}


def _action_value(body: dict[str, Any]) -> str:
    actions = body.get("actions") or [{}]
    return str(actions[0].get("value") or "")


def _request_id(body: dict[str, Any]) -> int:
    try:
        return int(_action_value(body))
    except ValueError:
        raise NotFound("That button is out of date. Run `/reference my` to see your requests.") from None


def _user(body: dict[str, Any]) -> str:
    return (body.get("user") or {}).get("id") or body.get("user_id") or ""


def _form_metadata(*, contact_id: int, search_id: int | None) -> str:
    return json.dumps({"contact_id": contact_id, "search_id": search_id})


@contextmanager
def _privately(body: dict[str, Any], client: WebClient, respond: Respond) -> Iterator[None]:
    """Expected refusals (not yours, already decided, out of date) are answered privately to the person who
    clicked; the listener still ends normally (unexpected errors go to the app-wide handler)."""
    try:
        yield
    except RefBotError as exc:
        log.info("refused: %s", exc.message)
        tell_user(body, client, respond, exc.message)


# ------------------------------------------------------------------ opening the request form


def open_request_modal(
    ctx: AppContext, client: WebClient, *, trigger_id: str, user_id: str, contact_id: int,
    search_id: int | None = None,
) -> None:
    """Open the request form for a contact (prefilled from the search). Raises NotFound/NotAllowed."""
    with ctx.db.unit_of_work() as session:
        form = svc.request_form(session=session, env=_quick_env(ctx), requester_id=user_id, contact_id=contact_id,
                                search_id=search_id)
    view = blocks.request_modal(form, metadata=_form_metadata(contact_id=contact_id, search_id=search_id))
    client.views_open(trigger_id=trigger_id, view=view)


def open_request_picker(ctx: AppContext, client: WebClient, *, trigger_id: str, user_id: str, query: str = "") -> None:
    """`/reference request [query]` (and a Home "Request" button): the form directly when `query` names exactly
    one contact, else a contact picker that leads to the form."""
    with ctx.db.unit_of_work() as session:
        choices, total = svc.contact_choices(session=session, query=query)
    if total == 1:
        open_request_modal(ctx, client, trigger_id=trigger_id, user_id=user_id, contact_id=int(choices[0][1][0][1]))
        return
    client.views_open(trigger_id=trigger_id,
                      view=blocks.pick_contact_modal(choices, total=total, query=query, metadata="{}"))


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
    user_id = _user(body)
    with ctx.db.unit_of_work() as session:
        request = svc.get_request(session=session, request_id=request_id)
        if user_id != request.requester_id and not _quick_env(ctx).is_admin(session, user_id):
            raise NotAllowed(f"Only <@{request.requester_id}>, who asked, can search again from request #{request_id}.")
        criteria = dict(request.criteria or {})
    try:
        from refbot.blocks.search import results_message
        from refbot.matching.criteria import Criteria
        from refbot.services import search as search_service
    except ImportError:  # search not installed in this build: fall back to the form
        log.info("search service unavailable; opening the search form")
        _open_search_form(ctx, client, body)
        return
    today = ctx.clock.today(ctx.settings.tz)
    try:
        parsed = Criteria.model_validate(criteria)
    except ValidationError:  # criteria saved by an older version: let the seller adjust them
        _open_search_form(ctx, client, body)
        return
    with ctx.db.unit_of_work() as session:
        outcome = search_service.run_search(session=session, criteria=parsed, today=today, limit=5,
                                            user_id=user_id, source="search_again", now=ctx.clock.now())
    text, blks = results_message(criteria=outcome.criteria, result=outcome.result, search_id=outcome.search_id,
                                 today=today, notes=[], query_text="")
    client.chat_postMessage(channel=user_id, text=text, blocks=blks)


def _open_search_form(ctx: AppContext, client: WebClient, body: dict[str, Any]) -> None:
    try:
        from refbot.handlers.search import open_search_modal
    except ImportError:
        raise NotFound("Search isn't available right now. Try `/reference search` in a minute.") from None
    open_search_modal(client, body["trigger_id"], ctx)


# ------------------------------------------------------------------ register


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    commands.add("request", _request_command, opens_modal=True, summary="Request a reference customer (the form asks who and for which deal)",
                 usage="/reference request [contact or company]")
    commands.add("my", _my_command, summary="Your reference requests: status, next step, cancel",
                 usage="/reference my", aliases=("requests", "mine"))

    @app.action(blocks.FROM_SEARCH_ACTION)
    def on_request_from_search(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        with _privately(body, client, respond):
            search_part, _, contact_part = _action_value(body).partition(":")
            try:
                contact_id = int(contact_part)
                search_id = int(search_part) if search_part else None
            except ValueError:
                raise NotFound("That search result is out of date. Run `/reference search` again.") from None
            open_request_modal(ctx, client, trigger_id=body["trigger_id"], user_id=_user(body), contact_id=contact_id,
                               search_id=search_id)

    @app.view(blocks.PICK_MODAL)
    def on_pick(ack: Ack, body: dict[str, Any]) -> None:
        values = body["view"]["state"]["values"]
        try:
            contact_id = int(field(values, "contact") or "")
        except ValueError:
            ack(response_action="errors", errors={"contact": "Pick a contact."})
            return
        try:
            with ctx.db.unit_of_work(read_only=True) as session:  # before ack: never wait for a writer
                form = svc.request_form(session=session, env=_quick_env(ctx), requester_id=_user(body),
                                        contact_id=contact_id)
        except (NotFound, NotAllowed) as exc:
            ack(response_action="errors", errors={"contact": exc.message[:150]})
            return
        ack(response_action="update",
            view=blocks.request_modal(form, metadata=_form_metadata(contact_id=contact_id, search_id=None)))

    @app.view(blocks.REQUEST_MODAL)
    def on_request_submit(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        view = body["view"]
        values = view["state"]["values"]
        meta = _meta(body)
        user_id = _user(body)
        token = view.get("id") or None
        contact_id = int(meta.get("contact_id") or 0)
        search_id = meta.get("search_id")
        data = input_from_view(values)
        # Decide in a read-only unit of work (never waiting for a writer), answer Slack after it: ack()
        # then waits for a work slot, which must not hold a database connection.
        answer: dict[str, Any] | None = None
        with ctx.db.unit_of_work(read_only=True) as session:
            try:
                if token and svc.find_by_token(session=session, client_token=token) is not None:
                    answer = {}  # the same submission again: it was sent already
                else:
                    svc.validate_request(session=session, env=_quick_env(ctx), requester_id=user_id,
                                         contact_id=contact_id, data=data)
            except ValidationFailed as exc:
                errors = {k: v[:1000] for k, v in exc.field_errors.items() if k in values}
                if "justification" in exc.field_errors and "justification" not in values:
                    # The contact became busy while the form was open: show it again, now with the question.
                    form = svc.request_form(session=session, env=_quick_env(ctx), requester_id=user_id,
                                            contact_id=contact_id, prefill=svc.prefill_from_input(data),
                                            notice="This contact just became busy or is resting; say why you need them.")
                    answer = {"response_action": "update",
                              "view": blocks.request_modal(form, metadata=view["private_metadata"])}
                else:
                    answer = {"response_action": "errors", "errors": errors or {"prospect": exc.message}}
            except (NotFound, NotAllowed) as exc:
                answer = {"response_action": "update", "view": blocks.notice_modal("Request a reference", exc.message)}
        if answer is not None:
            ack(**answer)
            return
        ack()
        with _privately(body, client, respond):
            try:
                with ctx.db.unit_of_work() as session:
                    svc.create_request(session=session, env=_env(ctx), requester_id=user_id, contact_id=contact_id,
                                       data=data, client_token=token, search_id=search_id)
            except ValidationFailed as exc:  # changed in the last second (e.g. a timezone boundary)
                problems = "; ".join(exc.field_errors.values()) or exc.message
                raise ValidationFailed(f"Your request wasn't sent: {problems}") from exc

    # -- the account owner's buttons

    @app.action(blocks.APPROVE_ACTION)
    def on_approve(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        with _privately(body, client, respond):
            request_id = _request_id(body)
            with ctx.db.unit_of_work() as session:
                svc.approve(session=session, env=_env(ctx), request_id=request_id, actor_id=_user(body))

    def _decidable(body: dict[str, Any], to: S) -> tuple[int, blocks.RequestCard]:
        request_id = _request_id(body)
        with ctx.db.unit_of_work() as session:
            env = _quick_env(ctx)
            request = svc.get_request(session=session, request_id=request_id)
            svc.require_decider(session=session, env=env, request=request, user_id=_user(body))
            svc.require_pending(request, to)
            return request_id, svc.card_of(session=session, request=request)

    @app.action(blocks.DECLINE_ACTION)
    def on_decline(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        with _privately(body, client, respond):
            request_id, card = _decidable(body, S.declined)
            client.views_open(trigger_id=body["trigger_id"],
                              view=blocks.decline_modal(card, metadata=json.dumps({"request_id": request_id})))

    @app.action(blocks.SUGGEST_ACTION)
    def on_suggest(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        with _privately(body, client, respond):
            request_id, card = _decidable(body, S.declined)
            with ctx.db.unit_of_work() as session:
                request = svc.get_request(session=session, request_id=request_id)
                today = _quick_env(ctx).today(session)
                options = []
                for contact in svc.alternative_contacts(session=session, request=request):
                    label = f"{contact.name} · {contact.title}" if contact.title else contact.name
                    avail = contact_availability(session=session, contact_id=contact.id, today=today)
                    options.append((label + ("" if avail.available else " · resting"), str(contact.id)))
            if not options:
                respond(response_type="ephemeral", replace_original=False,
                        text=f"{card.account_name} has no other active contact to suggest. Decline instead and say "
                             "who could help.")
                return
            client.views_open(trigger_id=body["trigger_id"],
                              view=blocks.suggest_modal(card, options, metadata=json.dumps({"request_id": request_id})))

    def _still_pending(ack: Ack, request_id: int, to: S, title: str) -> bool:
        """Answer a decision form whose request was decided meanwhile with a notice instead."""
        with ctx.db.unit_of_work() as session:
            request = svc.get_request(session=session, request_id=request_id)
            status = S(request.status)
        if status is S.pending_approval:
            return True
        ack(response_action="update", view=blocks.notice_modal(title, lifecycle.refusal(request_id, status, to)))
        return False

    @app.view(blocks.DECLINE_MODAL)
    def on_decline_submit(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        request_id = int(_meta(body).get("request_id") or 0)
        reason = field(body["view"]["state"]["values"], "reason") or ""
        if not reason:
            ack(response_action="errors", errors={"reason": "Say why, briefly: the seller sees it."})
            return
        if len(reason) > svc.LIMITS["reason"]:
            ack(response_action="errors", errors={"reason": f"Keep it under {svc.LIMITS['reason']} characters."})
            return
        if not _still_pending(ack, request_id, S.declined, "Decline request"):
            return
        ack()
        with _privately(body, client, respond), ctx.db.unit_of_work() as session:
            svc.decline(session=session, env=_env(ctx), request_id=request_id, actor_id=_user(body), reason=reason)

    @app.view(blocks.SUGGEST_MODAL)
    def on_suggest_submit(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        request_id = int(_meta(body).get("request_id") or 0)
        values = body["view"]["state"]["values"]
        try:
            contact_id = int(field(values, "contact") or "")
        except ValueError:
            ack(response_action="errors", errors={"contact": "Pick a contact."})
            return
        if not _still_pending(ack, request_id, S.declined, "Suggest a contact"):
            return
        ack()
        with _privately(body, client, respond), ctx.db.unit_of_work() as session:
            svc.suggest(session=session, env=_env(ctx), request_id=request_id, actor_id=_user(body),
                        contact_id=contact_id, reason=field(values, "reason") or "")

    # -- the seller's buttons

    @app.action(blocks.MARK_SCHEDULED_ACTION)
    def on_mark_scheduled(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        with _privately(body, client, respond):
            request_id = _request_id(body)
            user_id = _user(body)
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
            view = blocks.schedule_modal(card, metadata=json.dumps({"request_id": request_id, "tz": tz}), reader_tz=tz,
                                         initial=card.scheduled_at)
            client.views_open(trigger_id=body["trigger_id"], view=view)

    @app.view(blocks.SCHEDULE_MODAL)
    def on_schedule_submit(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        meta = _meta(body)
        values = body["view"]["state"]["values"]
        day, time = field(values, "date"), field(values, "time")
        if day is None or not time:
            ack(response_action="errors", errors={"date" if day is None else "time": "Pick the date and time."})
            return
        try:
            tz = zoneinfo.ZoneInfo(str(meta.get("tz") or ctx.settings.refbot_timezone))
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            tz = ctx.settings.tz
        hour, _, minute = str(time).partition(":")
        when = dt.datetime.combine(day, dt.time(int(hour), int(minute or 0)), tzinfo=tz)
        try:
            svc.check_schedule_time(now=ctx.clock.now(), scheduled_at=when)
        except ValidationFailed as exc:
            ack(response_action="errors", errors=exc.field_errors)
            return
        ack()
        with _privately(body, client, respond), ctx.db.unit_of_work() as session:
            svc.mark_scheduled(session=session, env=_env(ctx), request_id=int(meta.get("request_id") or 0),
                               actor_id=_user(body), scheduled_at=when)

    @app.action(blocks.CANCEL_ACTION)
    def on_cancel(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        with _privately(body, client, respond):
            request_id = _request_id(body)
            user_id = _user(body)
            with ctx.db.unit_of_work() as session:
                svc.cancel(session=session, env=_env(ctx), request_id=request_id, actor_id=user_id)
            text, blks = _my_list(ctx, user_id, notice=f":no_entry_sign: Request #{request_id} cancelled; the account "
                                  "owner was told.")
            respond(replace_original=True, text=text, blocks=blks)

    @app.action(blocks.SEARCH_AGAIN_ACTION)
    def on_search_again(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        with _privately(body, client, respond):
            _search_again(ctx, client, body, _request_id(body))

