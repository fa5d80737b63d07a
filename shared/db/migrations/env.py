"""Alembic environment: runs the raw-SQL migrations over a psycopg 3 connection."""
from alembic import context
from sqlalchemy import create_engine, pool

from shared.db.migrate import sqlalchemy_url

config = context.config
url = config.get_main_option("sqlalchemy.url") or sqlalchemy_url(None)

engine = create_engine(url, poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()
