"""`/reference search …`, `/reference` (the search modal), Refine."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from slack_bolt import Ack, App
from slack_sdk import WebClient

from refbot.blocks.search import GROUP_PREFIX, REFINE_ACTION, SEARCH_MODAL, results_message, search_modal
from refbot.context import AppContext
from refbot.domain import parse_quantity
from refbot.geo import place_groups, resolve_country
from refbot.handlers import payload
from refbot.handlers.payload import Values
from refbot.handlers.reply import register_listeners, tell_user
from refbot.handlers.router import CommandRequest, CommandRouter
from refbot.matching.criteria import Criteria
from refbot.matching.parser import Vocabulary, parse_query
from refbot.services import search as search_service

log = logging.getLogger(__name__)


def open_search_modal(
    client: WebClient,
    trigger_id: str,
    ctx: AppContext,
    *,
    criteria: Criteria | None = None,
    channel_id: str | None = None,
) -> None:
    """Open the structured search form (prefilled when `criteria` is given)."""
    with ctx.db.unit_of_work() as session:
        vocab = search_service.vocabulary(session=session, today=ctx.clock.today(ctx.settings.tz))
        view = search_modal(
            criteria=criteria,
            industries=list(vocab.industries),
            products=list(vocab.products),
            use_cases=list(vocab.use_cases),
            countries=list(vocab.countries),
            topics=list(vocab.topics),
            metadata={"channel": channel_id} if channel_id else {},
        )
    client.views_open(trigger_id=trigger_id, view=view)


def _search_and_render(
    ctx: AppContext, *, user_id: str, text: str | None, criteria: Criteria | None
) -> tuple[str, list[dict[str, Any]]]:
    today = ctx.clock.today(ctx.settings.tz)
    with ctx.db.unit_of_work() as session:
        if criteria is None:
            outcome = search_service.search_text(
                session=session, text=text or "", today=today, user_id=user_id, now=ctx.clock.now()
            )
            notes = list(outcome.parsed.notes) if outcome.parsed else []
        else:
            outcome = search_service.run_search(
                session=session, criteria=criteria, today=today, user_id=user_id, now=ctx.clock.now()
            )
            notes = []
    return results_message(
        criteria=outcome.criteria,
        result=outcome.result,
        search_id=outcome.search_id,
        today=today,
        notes=notes,
        query_text=text or "",
    )


def _command(req: CommandRequest) -> None:
    if not req.text.strip():
        if req.trigger_id:
            open_search_modal(req.client, req.trigger_id, req.ctx, channel_id=req.channel_id)
        return
    text, blocks = _search_and_render(req.ctx, user_id=req.user_id, text=req.text, criteria=None)
    req.respond(response_type="ephemeral", text=text, blocks=blocks)


_SIZE_FIELDS = {
    "employees": ("employees", "employees_min", "employees_max"),
    "revenue": ("annual_revenue", "revenue_min", "revenue_max"),
}


def _size_text(raw: str, block: str) -> dict[str, Any]:
    """Sizes the form accepts beyond a plain number, read as the search box reads them."""
    unit = " employees" if block == "employees" else " revenue"
    c = parse_query(raw + unit, Vocabulary()).criteria
    found = {f: getattr(c, f) for f in _SIZE_FIELDS[block] if getattr(c, f)}
    return found


def criteria_from_view(values: Values) -> tuple[Criteria | None, dict[str, str]]:
    """Read the search modal's state into Criteria, or return inline errors by block id."""
    value = values.any
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    for block in ("industry", "region", "use_case", "seniority", "persona", "activity"):
        if value(block):
            data[block] = value(block)
    country = value("country")
    if isinstance(country, str) and country.startswith(GROUP_PREFIX):
        group = next((g for g in place_groups() if g.name == country[len(GROUP_PREFIX):]), None)
        if group is None:
            errors["country"] = "That group of countries is no longer offered: pick another."
        else:
            data.update(countries=sorted(group.countries), place=group.name)
            if group.region is not None:
                data.setdefault("region", group.region)
    elif isinstance(country, str):
        iso = resolve_country(country)
        if iso:
            data["country"] = iso
        else:
            errors["country"] = f"I don't know the country '{country[:40]}'."
    for block, key in (("employees", "employees"), ("revenue", "annual_revenue")):
        raw = value(block)
        if isinstance(raw, str):
            try:
                data[key] = parse_quantity(raw)
            except ValueError as exc:
                size = _size_text(raw, block)  # "2,000+", "under 500", "1k-5k", "mid-market"
                if size:
                    data.update(size)
                else:
                    errors[block] = str(exc)
    for block in ("products", "topics"):
        if value(block):
            data[block] = value(block)
    if value("competitor"):
        data["competitor"] = value("competitor")
    if value("language"):
        data["language"] = value("language")
    keywords = value("keywords")
    if isinstance(keywords, str):
        data["keywords"] = keywords.split()
    if errors:
        return None, errors
    try:
        return Criteria.model_validate(data), {}
    except ValidationError as exc:
        first = exc.errors()[0]
        block = str(first["loc"][0]) if first.get("loc") else "keywords"
        return None, {block: first.get("msg", "Invalid value")}


def on_submit(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    criteria, errors = criteria_from_view(Values(body))
    if errors:
        ack(response_action="errors", errors=errors)
        return
    ack()
    user_id = payload.user_id(body)
    text, blocks = _search_and_render(ctx, user_id=user_id, text=None, criteria=criteria)
    channel = payload.meta_str(body, "channel")
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user_id, text=text, blocks=blocks)
            return
        except Exception:  # e.g. a channel RefBot is not in: fall back to the DM
            log.info("ephemeral search results failed in %s; sending a DM", channel)
    client.chat_postMessage(channel=user_id, text=text, blocks=blocks)


def on_refine(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient) -> None:
    ack()
    search_id = payload.to_int(payload.action_value(body))
    if search_id is None:
        tell_user(body, client, None, "That search has expired. Run `/reference search` again.")
        return
    with ctx.db.unit_of_work() as session:
        criteria = search_service.criteria_of_search(session=session, search_id=search_id)
    open_search_modal(client, payload.trigger_id(body), ctx, criteria=criteria, channel_id=payload.channel_id(body) or None)


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    commands.add(
        "search",
        _command,
        summary="Find the best-fit reference customers (`/reference` alone opens the form)",
        usage="/reference search healthcare 5k employees Germany VP integration",
        aliases=("find",),
    )
    commands.default = "search"
    commands.fallback = "search"
    register_listeners(app, ctx, views={SEARCH_MODAL: on_submit}, actions={REFINE_ACTION: on_refine})
