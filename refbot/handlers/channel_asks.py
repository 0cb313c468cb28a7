"""Listen to channel messages; answer reference asks in their thread (or hint privately); `/reference nudges on|off`."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from refbot.asks import detect_ask
from refbot.blocks.channel_asks import ask_hint, ask_reply
from refbot.context import AppContext
from refbot.gate import take_slot
from refbot.handlers import payload
from refbot.handlers.reply import listener
from refbot.handlers.router import CommandRequest, CommandRouter
from refbot.services import channel_asks as service
from refbot.services.outbox import enqueue

log = logging.getLogger(__name__)

IGNORED_SUBTYPES = {
    "bot_message",
    "message_changed",
    "message_deleted",
    "channel_join",
    "channel_leave",
    "channel_topic",
    "channel_purpose",
    "channel_name",
    "file_share",
    "thread_broadcast",
}


def is_ext_shared(client: WebClient, channel_id: str) -> bool:
    """True when the channel is shared with another organisation — or when we can't tell (fail closed)."""
    try:
        info = client.conversations_info(channel=channel_id).get("channel") or {}
    except SlackApiError:
        return True
    except Exception:
        return True
    return bool(info.get("is_ext_shared") or info.get("is_shared") or info.get("is_pending_ext_shared"))


def handle_message(ctx: AppContext, client: WebClient, event: dict[str, Any], *, team_id: str | None) -> bool:
    """Returns True when RefBot replied in the thread."""
    if event.get("subtype") in IGNORED_SUBTYPES or event.get("bot_id") or event.get("bot_profile"):
        return False
    if event.get("channel_type") not in ("channel", "group"):
        return False
    if not all(payload.text(event.get(key)) for key in ("user", "channel", "ts")):
        return False
    text = payload.text(event.get("text"))
    detection = detect_ask(text)
    if not detection.worth_a_hint:
        return False
    take_slot()  # maybe an ask: now wait for a work slot (most messages never get here, and never wait)
    if detection.unsure:
        _hint_if_unsure(ctx, client, event, query=detection.query or text)
        return False
    return _answer_ask(ctx, client, event, query=detection.query or text, team_id=team_id)


def _hint_if_unsure(ctx: AppContext, client: WebClient, event: dict[str, Any], *, query: str) -> None:
    """Not sure it is an ask: nothing public, nothing counted; the asker alone gets a hint."""
    channel = str(event["channel"])
    if is_ext_shared(client, channel):
        return
    with ctx.db.unit_of_work() as session:
        if service.nudges_enabled(session=session, channel_id=channel):
            _hint(session, event, query=query, why="unsure")


def _hint(session: Session, event: dict[str, Any], *, query: str, why: str) -> None:
    """A private hint with a prefilled `/reference search`, shown to the asker only (once per message)."""
    channel, ts = str(event["channel"]), str(event["ts"])
    text, blocks = ask_hint(query=query, why=why)
    extra: dict[str, Any] = {"user": str(event["user"])}
    thread_ts = payload.text(event.get("thread_ts"))
    if thread_ts:
        extra["thread_ts"] = thread_ts
    enqueue(session=session, key=f"ask-hint:{channel}:{ts}", channel=channel, text=text, blocks=blocks,
            method="chat.postEphemeral", extra=extra)


def _answer_ask(ctx: AppContext, client: WebClient, event: dict[str, Any], *, query: str, team_id: str | None) -> bool:
    """Record the ask and, when the channel's rules allow, queue the reply in its thread."""
    channel, ts, user = str(event["channel"]), str(event["ts"]), str(event["user"])
    ext_shared = is_ext_shared(client, channel)
    today = ctx.clock.today(ctx.settings.tz)
    with ctx.db.unit_of_work() as session:
        decision = service.record_ask(
            session=session, team_id=team_id, channel_id=channel, message_ts=ts, thread_ts=payload.text(event.get("thread_ts")) or None,
            user_id=user, query=query, now=ctx.clock.now(), ext_shared=ext_shared, today=today,
        )
        if not decision.reply or decision.outcome is None:
            log.info("reference ask in %s not answered: %s", channel, decision.why_not)
            if decision.why_not == "cooldown":  # a second ask so soon: not silence, a private hint
                _hint(session, event, query=query, why="cooldown")
            return False
        text, blocks = ask_reply(asker_id=user, criteria=decision.outcome.criteria, result=decision.outcome.result,
                                 search_id=decision.outcome.search_id, today=today)
        enqueue(session=session, key=f"ask:{channel}:{ts}", channel=channel, text=text, blocks=blocks,
                extra={"thread_ts": decision.thread_ts, "unfurl_links": False})
    return True


def _nudges(req: CommandRequest) -> None:
    arg = req.text.strip().lower()
    if arg not in ("on", "off"):
        req.respond(response_type="ephemeral", text="Use `/reference nudges off` or `/reference nudges on` in the channel.")
        return
    if not req.channel_id or req.channel_id.startswith("D"):
        req.respond(response_type="ephemeral", text="Run `/reference nudges on|off` in the channel you want to change.")
        return
    with req.ctx.db.unit_of_work() as session:
        service.set_nudges(
            session=session, channel_id=req.channel_id, enabled=arg == "on", by=req.user_id, now=req.ctx.clock.now()
        )
    if arg == "on":
        text = "RefBot will answer reference asks in this channel again (at most one reply per thread)."
    else:
        text = "RefBot won't answer reference asks in this channel anymore. It still counts them for the program report."
    req.respond(response_type="ephemeral", text=text)


def on_message(ctx: AppContext, event: dict[str, Any], client: WebClient, body: dict[str, Any]) -> None:
    handle_message(ctx, client, payload.obj(event), team_id=payload.team_id(body))


def register(app: App, ctx: AppContext, commands: CommandRouter) -> None:
    commands.add(
        "nudges",
        _nudges,
        summary="Turn RefBot's replies to reference asks in this channel on or off",
        usage="/reference nudges on|off",
        admin_only=True,
    )

    app.event("message")(listener(on_message, ctx))
