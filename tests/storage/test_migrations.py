"""The migrations build exactly the tables the models declare, on both engines."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlmodel import SQLModel

from storage.migrate import current_revision, head_revision, upgrade


def test_migrations_match_models(engine):
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_upgrade_is_idempotent_and_reaches_head(engine):
    upgrade(engine)
    assert current_revision(engine) == head_revision()
