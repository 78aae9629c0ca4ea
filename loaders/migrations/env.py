"""Alembic's environment: the connection the store passes (config.attributes["connection"],
already in a transaction holding the migration lock), or one made from `-x url=…` by hand."""
from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool

from loaders.migrations import VERSION_TABLE
from loaders.store.pg_schema import metadata


def run(connection) -> None:
    context.configure(connection=connection, target_metadata=metadata,
                      version_table=VERSION_TABLE, transaction_per_migration=False)
    with context.begin_transaction():
        context.run_migrations()


connection = context.config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    url = context.get_x_argument(as_dictionary=True).get("url")
    if not url:
        raise SystemExit("alembic: give the database with -x url=postgresql+psycopg://…")
    with create_engine(url, poolclass=pool.NullPool).begin() as conn:
        run(conn)
