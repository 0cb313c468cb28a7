"""Alembic environment: the URL comes from refbot's settings (or the caller's Config)."""

from __future__ import annotations

import logging

from alembic import context

from refbot.db import create_engine
from refbot.models import Base

config = context.config
if config.attributes.get("configure_logger", True) and config.config_file_name:
    from logging.config import fileConfig

    fileConfig(config.config_file_name)
log = logging.getLogger("alembic.env")

target_metadata = Base.metadata


def _url() -> str:
    url = config.get_main_option("sqlalchemy.url")
    if url:
        return url
    from refbot.config import Settings

    return Settings.model_construct().database_url


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(_url())
    try:
        with engine.connect() as conn:
            context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
