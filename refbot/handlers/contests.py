"""Contests and nomination targets (program managers): `/reference contest` (and Home's "Start a contest") open
the form; `/reference contest cancel` stops the running ones; `/reference target <n> [@seller …]` sets this
quarter's nomination target. Announcements come from the `contests` job (refbot.jobs.growth)."""

from __future__ import annotations

import re
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from refbot.blocks import contests as blocks
from refbot.blocks.format import plural
from refbot.context import AppContext
from refbot.errors import NotAllowed
from refbot.handlers import payload
from refbot.handlers.home_tab import refresh_home
from refbot.handlers.payload import Values
from refbot.handlers.reply import privately, refused_inline, register_listeners, tell_user
from refbot.handlers.router import CommandRequest, CommandRouter
from refbot.services import contests as svc
from refbot.services.leaderboard import weekly_channel
from refbot.services.users import is_admin

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
TARGET_USAGE = "/reference target <number> [@seller …]"


def _is_admin(ctx: AppContext, client: WebClient | None, user_id: str) -> bool:
    with ctx.db.unit_of_work(read_only=True) as session:
        return is_admin(settings=ctx.settings, session=session, client=client, slack_id=user_id)


def _open(ctx: AppContext, client: WebClient, trigger_id: str) -> None:
    client.views_open(trigger_id=trigger_id, view=blocks.contest_modal(today=ctx.clock.today(ctx.settings.tz)))


def _contest_command(req: CommandRequest) -> None:
    if req.text.strip().lower() == "cancel":
        today = req.ctx.clock.today(req.ctx.settings.tz)
        with req.ctx.db.unit_of_work() as session:
            running = [c for c in svc.current(session=session, today=today) if c.ends_on >= today]
            for c in running:
                svc.cancel(session=session, contest_id=c.id, is_admin=True, now=req.ctx.clock.now())
        req.respond(response_type="ephemeral", text="No contest is running." if not running else
                    f"Cancelled {plural(len(running), 'running contest')}: no results will be announced.")
        return
    if req.text.strip():
        req.respond(response_type="ephemeral",
                    text="Usage: `/reference contest` opens the form; `/reference contest cancel` stops the running ones.")
        return
    if req.trigger_id:
        _open(req.ctx, req.client, req.trigger_id)


def _target_command(req: CommandRequest) -> None:
    users = _MENTION.findall(req.text)
    rest = _MENTION.sub(" ", req.text).split()
    if len(rest) != 1 or not rest[0].isdigit():
        req.respond(response_type="ephemeral", text=f"Usage: `{TARGET_USAGE}` (no seller: everyone; 0 clears it).")
        return
    target = int(rest[0])
    with req.ctx.db.unit_of_work() as session:
        quarter = svc.set_target(session=session, target=target, user_ids=users, actor_id=req.user_id,
                                 is_admin=True, now=req.ctx.clock.now(), tz=req.ctx.settings.tz)
    who = ", ".join(f"<@{u}>" for u in users) if users else "every seller"
    what = "cleared" if target == 0 else f"set to {plural(target, 'accepted nomination')}"
    req.respond(response_type="ephemeral", text=f"Nomination target for {who} in {quarter}: {what}. "
                "Sellers see their progress on RefBot's Home tab.")


def on_open(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    ack()
    with privately(body, client, respond):
        if not _is_admin(ctx, None, payload.user_id(body)):
            raise NotAllowed("Only program managers can start contests.")
        _open(ctx, client, payload.trigger_id(body))


def _input(values: Values) -> svc.ContestInput:
    return svc.ContestInput(metric=values.option("metric"), starts_on=values.date("starts_on"),
                            ends_on=values.date("ends_on"), prize=values.text("prize"),
                            sponsor_id=values.user("sponsor"))


def on_submit(ctx: AppContext, ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
    data, user_id = _input(Values(body)), payload.user_id(body)
    today = ctx.clock.today(ctx.settings.tz)
    if refused_inline(ack, ctx, lambda session: svc.validate(session=session, data=data, today=today)):
        return
    ack()
    with privately(body, client, respond):
        with ctx.db.unit_of_work() as session:
            admin = is_admin(settings=ctx.settings, session=session, client=client, slack_id=user_id)
            contest = svc.create(session=session, data=data, actor_id=user_id, is_admin=admin, now=ctx.clock.now(),
                                 today=today)
            channel = weekly_channel(session=session, default=ctx.settings.refbot_leaderboard_channel)
            if channel:  # starting today: announce at once rather than at the job's next run
                svc.announce_due(session=session, now=ctx.clock.now(), tz=ctx.settings.tz, channel=channel)
            text = blocks.created_text(contest) + ("" if channel else " Set a leaderboard channel first: "
                                                   "`/reference leaderboard channel #sales`.")
        tell_user(body, client, respond, text)
        refresh_home(ctx, client, user_id)


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    commands.add("contest", _contest_command, admin_only=True, opens_modal=True, usage="/reference contest [cancel]",
                 summary="Start a contest (accepted nominations, debriefs on time, references recruited for gaps)")
    commands.add("target", _target_command, admin_only=True, usage=TARGET_USAGE,
                 summary="Set this quarter's nomination target for every seller or some")
    register_listeners(app, ctx, actions={blocks.OPEN_ACTION: on_open}, views={blocks.CONTEST_MODAL: on_submit})
