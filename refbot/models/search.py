"""Search log (unmatched searches are the recruiting signal) and black-market asks seen in channels."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from refbot.models.base import Base, utcnow

# Searches that are not a seller looking for a reference (the program report leaves them out).
NOT_SELLER_SOURCES: tuple[str, ...] = ("cli",)


class SearchLog(Base):
    __tablename__ = "search_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    source: Mapped[str] = mapped_column(sa.String(16), default="slack")
    query: Mapped[str] = mapped_column(sa.Text, default="")
    criteria: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), default=dict)
    result_count: Mapped[int] = mapped_column(default=0)
    best_score: Mapped[int | None] = mapped_column()
    unmatched: Mapped[bool] = mapped_column(default=False, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class ChannelAsk(Base):
    """A reference ask detected in a channel message ("anyone have a bank in DACH?")."""

    __tablename__ = "channel_asks"
    __table_args__ = (sa.UniqueConstraint("channel_id", "message_ts", name="uq_channel_asks_message"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str | None] = mapped_column(sa.String(32))
    channel_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    message_ts: Mapped[str] = mapped_column(sa.String(32))
    thread_ts: Mapped[str | None] = mapped_column(sa.String(32))
    user_id: Mapped[str | None] = mapped_column(sa.String(32))
    query: Mapped[str] = mapped_column(sa.Text, default="")
    criteria: Mapped[dict[str, Any]] = mapped_column(sa.JSON(), default=dict)
    replied: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)


class ChannelPref(Base):
    """Per-channel switches (nudges on/off) and the nudge cooldown clock."""

    __tablename__ = "channel_prefs"

    channel_id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    nudges_enabled: Mapped[bool] = mapped_column(default=True)
    last_nudge_at: Mapped[dt.datetime | None] = mapped_column()
    updated_by: Mapped[str | None] = mapped_column(sa.String(32))
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
