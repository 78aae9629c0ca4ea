"""Alembic migrations of the server store's database (loaders/store/postgres.py runs them on
first use; `alembic -c loaders/migrations/alembic.ini` works too, with -x url=…)."""

# The newest migration and Alembic's version table (env.py): the store's reads check a database
# against them with one query (loaders/store/pg_read.py) instead of importing Alembic. A test
# checks HEAD is Alembic's head, so a new migration without it here fails.
HEAD = "0002"
VERSION_TABLE = "dashboard_alembic_version"
