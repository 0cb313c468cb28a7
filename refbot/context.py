"""Everything a handler or job needs, built once by a factory (never at import time)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field

from slack_sdk import WebClient

from refbot.clock import Clock
from refbot.config import Settings
from refbot.db import Database
from refbot.services.outbox import OutboxDeliverer
from refbot.slack import delivery_client, interactive_client


@dataclass
class AppContext:
    settings: Settings
    db: Database
    client: WebClient
    deliverer: OutboxDeliverer
    clock: Clock = field(default_factory=Clock)
    instance: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")

    def close(self) -> None:
        self.db.dispose()


def build_context(
    settings: Settings, *, clock: Clock | None = None, db: Database | None = None, deliver_on_commit: bool = True
) -> AppContext:
    clock = clock or Clock()
    db = db or Database(settings.database_url, clock=clock)
    db.clock = clock  # a database handed in (tests, a second instance) runs on the context's clock too
    instance = f"{socket.gethostname()}:{os.getpid()}:{id(db):x}"
    deliverer = OutboxDeliverer(db=db, client=delivery_client(settings), clock=clock, instance=instance)
    if deliver_on_commit:
        db.on_outbox_commit(lambda ids: deliverer.deliver(ids))
    return AppContext(
        settings=settings,
        db=db,
        client=interactive_client(settings),
        deliverer=deliverer,
        clock=clock,
        instance=instance,
    )
