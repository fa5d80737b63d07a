"""`python -m devhost`: embedded Postgres when DATABASE_URL is unset, migrate, seed, then serve on :8000."""
from __future__ import annotations

import asyncio
import logging
import os
import sys

from shared.settings import SettingsError, get_settings, load_settings

log = logging.getLogger("archer.devhost")


def _prepare_database() -> object | None:
    """Point DATABASE_URL at a ready, migrated, seeded database; return the embedded server if one was started."""
    server = None
    if not load_settings().database_url:
        from devhost.embedded_pg import LOCAL_DIR, start_embedded_postgres

        server, url = start_embedded_postgres()
        os.environ["DATABASE_URL"] = url
        get_settings.cache_clear()
        print(f"archer: embedded PostgreSQL started (data in {LOCAL_DIR / 'pgdata'})", flush=True)
    from psycopg import AsyncConnection

    from shared.db import migrate, seed

    migrate.upgrade()

    async def _seed() -> dict[str, int]:
        async with await AsyncConnection.connect(get_settings().database_url or "") as conn:
            return await seed.seed(conn)

    print(f"archer: migrated; seed {asyncio.run(_seed())}", flush=True)
    return server


def main() -> int:
    try:
        load_settings()
        server = _prepare_database()
        import uvicorn

        from devhost.app import build_app

        host = os.environ.get("HOST", "127.0.0.1")
        port = int(os.environ.get("PORT", "8000"))
        print(f"archer: serving on http://{host}:{port}  (UI /, API /api/docs, health /api/v1/health)", flush=True)
        uvicorn.run(build_app(), host=host, port=port, log_level="warning", ws="websockets-sansio")
    except SettingsError as exc:
        print(f"archer: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        pass
    finally:
        if "server" in locals() and server is not None:
            server.cleanup()  # type: ignore[attr-defined]
            print("archer: embedded PostgreSQL stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
