"""`/reference leaderboard [week|month|quarter]` (privately, on demand) and, for program managers,
`/reference leaderboard channel #sales` (where the weekly post goes)."""

from __future__ import annotations

import logging

from slack_bolt import App
from slack_sdk import WebClient

from refbot.blocks.leaderboard import leaderboard_message
from refbot.context import AppContext
from refbot.errors import NotAllowed
from refbot.handlers.home_tab import refresh_home
from refbot.handlers.router import CommandRequest, CommandRouter
from refbot.services import channels, leaderboard
from refbot.services.policy import load_policy
from refbot.services.users import is_admin

log = logging.getLogger(__name__)

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CHANNEL_USAGE = "/reference leaderboard channel #sales"


def _schedule(ctx: AppContext, weekday: int, time: str) -> str:
    return f"{WEEKDAYS[weekday]}s at {time} ({ctx.settings.refbot_timezone})"


def check_channel(client: WebClient, channel: str) -> str:
    """The channel's id, once it passed the checks (a `#name` is looked up once, here, so the weekly post
    and the outbox's look-up before re-posting work with the id); ValidationFailed otherwise."""
    return channels.resolve(client, channel)


def _channel_command(req: CommandRequest, arg: str) -> None:
    ctx = req.ctx
    with ctx.db.unit_of_work() as session:
        if not is_admin(settings=ctx.settings, session=session, client=req.client, slack_id=req.user_id):
            raise NotAllowed("Only program managers can change where the weekly leaderboard is posted.")
        policy = load_policy(session=session)
    when = _schedule(ctx, policy.leaderboard_weekday, policy.leaderboard_time)
    if not arg.strip():
        current = policy.leaderboard_channel or ctx.settings.refbot_leaderboard_channel
        where = leaderboard.channel_mention(current) if current else "no channel yet"
        req.respond(response_type="ephemeral",
                    text=f"The weekly leaderboard goes to {where}, {when}. Change it: `{CHANNEL_USAGE}`")
        return
    channel = check_channel(req.client, leaderboard.parse_channel(arg))
    with ctx.db.unit_of_work() as session:
        leaderboard.set_weekly_channel(session=session, channel=channel, actor_id=req.user_id)
    req.respond(response_type="ephemeral",
                text=f":white_check_mark: The weekly leaderboard now goes to {leaderboard.channel_mention(channel)}, "
                     f"{when}.")
    refresh_home(ctx, req.client, req.user_id)


def _command(req: CommandRequest) -> None:
    first, _, rest = req.text.strip().partition(" ")
    if first.lower() == "channel":
        _channel_command(req, rest)
        return
    period = leaderboard.parse_period(req.text)
    ctx = req.ctx
    with ctx.db.unit_of_work() as session:
        board = leaderboard.board_for(session=session, period=period, now=ctx.clock.now(), tz=ctx.settings.tz)
    text, blocks = leaderboard_message(board)
    req.respond(response_type="ephemeral", text=text, blocks=blocks)


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    commands.add("leaderboard", _command,
                 summary="Top nominators and debriefers, customers who helped, deals won (program managers: "
                         f"`{CHANNEL_USAGE}` sets the weekly post's channel)",
                 usage=leaderboard.USAGE, aliases=("board", "points"))
