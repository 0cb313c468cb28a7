"""`/reference <subcommand> …`: one slash command, many subcommands, each registered by its surface module."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import process
from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from refbot.blocks.help import help_message
from refbot.blocks.kit import escape
from refbot.context import AppContext
from refbot.errors import RefBotError
from refbot.handlers import payload
from refbot.handlers.reply import listener
from refbot.services.users import is_admin

log = logging.getLogger(__name__)

COMMAND = "/reference"


@dataclass
class CommandRequest:
    """What a subcommand handler gets. `ack()` was already called: open modals first, then do slow work."""

    ctx: AppContext
    body: dict[str, Any]
    user_id: str
    channel_id: str | None
    text: str
    trigger_id: str | None
    respond: Respond
    client: WebClient
    subcommand: str


Handler = Callable[[CommandRequest], None]
# Runs before every subcommand (keep it to a quick read); what it returns runs after the subcommand.
Greeter = Callable[[CommandRequest], Callable[[], None] | None]


@dataclass(frozen=True)
class Subcommand:
    name: str
    handler: Handler
    summary: str
    usage: str
    admin_only: bool = False
    aliases: tuple[str, ...] = ()
    opens_modal: bool = False  # needs the command's trigger_id (valid 3 s)


@dataclass
class CommandRouter:
    subcommands: dict[str, Subcommand] = field(default_factory=dict)
    default: str | None = None  # run for `/reference` with no text
    fallback: str | None = None  # run with the whole text when the first word is not a subcommand
    greeters: list[Greeter] = field(default_factory=list)  # e.g. the first-run welcome (refbot.handlers.welcome)

    def add(
        self,
        name: str,
        handler: Handler,
        *,
        summary: str,
        usage: str | None = None,
        admin_only: bool = False,
        aliases: tuple[str, ...] = (),
        opens_modal: bool = False,
    ) -> None:
        sub = Subcommand(name, handler, summary, usage or f"{COMMAND} {name}", admin_only, aliases, opens_modal)
        self.subcommands[name] = sub
        for alias in aliases:
            self.subcommands.setdefault(alias, sub)

    def listed(self, *, admin: bool) -> list[Subcommand]:
        seen: dict[str, Subcommand] = {}
        for sub in self.subcommands.values():
            if (admin or not sub.admin_only) and sub.name not in seen:
                seen[sub.name] = sub
        return list(seen.values())

    def resolve(self, text: str) -> tuple[Subcommand | None, str, str | None]:
        """(subcommand, remaining text, suggestion) for the text after `/reference`."""
        text = (text or "").strip()
        if not text:
            name = self.default or "help"
            return self.subcommands.get(name), "", None
        first, _, rest = text.partition(" ")
        sub = self.subcommands.get(first.lower())
        if sub is not None:
            return sub, rest.strip(), None
        best = process.extractOne(first.lower(), list(self.subcommands), score_cutoff=80)
        if best is not None and len(first) >= 3:
            return None, text, best[0]
        if self.fallback and self.fallback in self.subcommands:
            return self.subcommands[self.fallback], text, None
        return None, text, None

    def opens_modal(self, text: str) -> bool:
        """Does `/reference <text>` open a modal? (`/reference` alone opens the search form.)"""
        if not (text or "").strip():
            return True
        sub, rest, _ = self.resolve(text)
        if sub is not None and not rest and sub.name == self.default:
            return True  # `/reference search` with nothing to search for opens the form too
        return sub is not None and sub.opens_modal


def _refuse(ctx: AppContext, body: dict[str, Any], client: WebClient,
            sub: Subcommand | None, suggestion: str | None) -> str | None:
    """Why `/reference …` can't run (unknown subcommand, program managers only), or None when it can."""
    if sub is None:
        first = payload.text(body.get("text")).split(" ")[0]
        hint = f" Did you mean `{COMMAND} {suggestion}`?" if suggestion else ""
        return f"I don't know `{escape(first[:40])}`.{hint} Try `{COMMAND} help` to see what I can do."
    if sub.admin_only:
        with ctx.db.unit_of_work() as session:
            allowed = is_admin(settings=ctx.settings, session=session, client=client, slack_id=payload.maybe_user_id(body))
        if not allowed:
            return f"`{COMMAND} {sub.name}` is for program managers. Ask one of them if you need it."
    return None


def on_command(ctx: AppContext, router: CommandRouter, ack: Ack, body: dict[str, Any], respond: Respond,
               client: WebClient) -> None:
    ack()
    sub, rest, suggestion = router.resolve(payload.text(body.get("text")))
    refusal = _refuse(ctx, body, client, sub, suggestion)
    if refusal is not None or sub is None:
        respond(response_type="ephemeral", text=refusal or "")
        return
    request = CommandRequest(
        ctx=ctx, body=body, user_id=payload.maybe_user_id(body), channel_id=payload.channel_id(body) or None, text=rest,
        trigger_id=payload.text(body.get("trigger_id")) or None, respond=respond, client=client, subcommand=sub.name,
    )
    after = [g(request) for g in router.greeters]
    try:
        sub.handler(request)
    except RefBotError as exc:
        respond(response_type="ephemeral", text=exc.message)
    for then in after:
        if then is not None:
            then()


def register(app: App, ctx: AppContext, router: CommandRouter) -> None:
    router.add("help", functools.partial(_help, router), summary="What RefBot does and how to use it", aliases=("?",))
    app.command(COMMAND)(listener(on_command, ctx, router))


def _help(router: CommandRouter, req: CommandRequest) -> None:
    with req.ctx.db.unit_of_work() as session:
        admin = is_admin(settings=req.ctx.settings, session=session, client=req.client, slack_id=req.user_id)
    usages = [(s.usage, s.summary) for s in router.listed(admin=admin)]
    text, blocks = help_message(usages, admin=admin)
    req.respond(response_type="ephemeral", text=text, blocks=blocks)
