"""Alembic migrations of the server store's database (loaders/store/postgres.py runs them on
first use; `alembic -c loaders/migrations/alembic.ini` works too, with -x url=…)."""
