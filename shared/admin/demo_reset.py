"""`make reset`: empty the local database's tables and load the demo data again (nothing outside the database
is touched). Refused in production."""
from __future__ import annotations

import asyncio
import importlib
import sys

from psycopg import AsyncConnection, sql

from shared.db import seed
from shared.settings import SettingsError, get_settings

KEEP = ("alembic_version",)


async def reset_demo(conn: AsyncConnection) -> dict[str, int]:
    """Truncate every table of the schema except the migration marker, then seed; returns the seed counts."""
    cur = await conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() "
                             "AND NOT (tablename = ANY(%s)) ORDER BY tablename", (list(KEEP),))
    tables = [row[0] for row in await cur.fetchall()]
    if tables:
        await conn.execute(sql.SQL("TRUNCATE {} RESTART IDENTITY CASCADE").format(
            sql.SQL(", ").join(sql.Identifier(t) for t in tables)))
    return await seed.seed(conn)


async def _main() -> int:
    settings = get_settings()
    if settings.is_production:
        raise SettingsError("invalid setting ARCHER_ENV: `make reset` deletes data and is refused in production")
    url = settings.database_url
    server = None
    if not url:
        # The `make dev` database; looked up by name so `shared/` keeps no import of the dev-only host.
        embedded = importlib.import_module("devhost.embedded_pg")
        server, url = embedded.start_embedded_postgres()
    try:
        from shared.db import migrate

        migrate.upgrade(url)
        async with await AsyncConnection.connect(url) as conn:
            counts = await reset_demo(conn)
        print(f"archer: demo data reset {counts}")
    finally:
        if server is not None:
            server.cleanup()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(asyncio.run(_main()))
    except SettingsError as exc:
        print(f"archer: {exc}", file=sys.stderr)
        sys.exit(2)
