"""Migrations run up and down cleanly (SQLite here; PostgreSQL when REFBOT_TEST_DATABASE_URL is set)."""

from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from refbot import db as dbmod
from refbot.models import Base


@pytest.fixture
def empty_url(tmp_path):
    pg = os.environ.get("REFBOT_TEST_DATABASE_URL", "").strip()
    if not pg:
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    server = sa.engine.make_url(pg.replace("postgresql://", "postgresql+psycopg://", 1))
    name = f"refbot_migrate_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _tables(url: str) -> set[str]:
    engine = dbmod.create_engine(url)
    try:
        return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_url):
    dbmod.upgrade(empty_url)
    assert _tables(empty_url) == set(Base.metadata.tables)
    assert not dbmod.pending_migrations(empty_url)
    dbmod.downgrade(empty_url, "base")
    assert _tables(empty_url) == set()
    assert dbmod.current_revision(empty_url) is None
    dbmod.upgrade(empty_url)
    assert _tables(empty_url) == set(Base.metadata.tables)


def test_models_and_migrations_agree(empty_url):
    dbmod.upgrade(empty_url)
    engine = dbmod.create_engine(empty_url)
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models differ from migrations: {diff}"


def test_constraints_keep_bad_data_out(empty_url):
    dbmod.upgrade(empty_url)
    engine = dbmod.create_engine(empty_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO accounts (external_id, name, products, use_cases, status, notes, created_at, updated_at)"
                    " VALUES ('A1', 'Globex', '[]', '[]', 'active', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                )
            )
        for bad in (
            # duplicate external id
            "INSERT INTO accounts (external_id, name, products, use_cases, status, notes, created_at, updated_at)"
            " VALUES ('A1', 'Again', '[]', '[]', 'active', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            # enum outside its values
            "INSERT INTO accounts (external_id, name, products, use_cases, status, notes, created_at, updated_at)"
            " VALUES ('A2', 'X', '[]', '[]', 'sleeping', '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
            # contact of an account that does not exist
            "INSERT INTO contacts (external_id, account_id, name, title, topics, activities, status, languages,"
            " created_at, updated_at) VALUES ('C1', 999, 'Dana', '', '[]', '[]', 'active', '[]',"
            " CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        ):
            with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:
                conn.execute(sa.text(bad))
    finally:
        engine.dispose()


def test_the_quick_head_check_agrees_with_alembic(empty_url):
    """Offline commands skip Alembic when the stored revision is the head the migration files declare, and
    `refbot db current` reads the revisions without Alembic: both agree with Alembic's own answers."""
    assert dbmod.declared_head() is not None
    assert dbmod.declared_head() == dbmod.head_revision(empty_url) == dbmod.alembic_head_revision(empty_url)
    assert not dbmod.at_declared_head(empty_url)  # empty: no alembic_version yet
    assert dbmod.current_revision(empty_url) is None
    dbmod.upgrade(empty_url, "0001")
    assert not dbmod.at_declared_head(empty_url)  # behind
    assert dbmod.pending_migrations(empty_url)
    engine = dbmod.create_engine(empty_url)
    try:
        with engine.connect() as conn:
            assert dbmod.current_revision(empty_url) == dbmod.alembic_current_revision(conn) == "0001"
        dbmod.upgrade(empty_url)
        assert dbmod.at_declared_head(empty_url)
        assert not dbmod.pending_migrations(empty_url)
        with engine.connect() as conn:
            assert dbmod.current_revision(empty_url) == dbmod.alembic_current_revision(conn) == dbmod.declared_head()
    finally:
        engine.dispose()
