"""An embedded PostgreSQL (PyPI `pgserver`) for machines with no database server and DATABASE_URL unset."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

LOCAL_DIR = Path(os.environ.get("ARCHER_LOCAL_DIR") or Path(__file__).resolve().parent.parent / ".local")


def start_embedded_postgres(data_dir: Path | None = None, database: str = "archer") -> tuple[Any, str]:
    """Start (or reuse) the embedded server; return (server, URL of `database`, created if missing).

    The server stops when the process exits (pgserver's cleanup_mode='stop').
    """
    import pgserver  # dev-only dependency, imported lazily

    pgdata = data_dir or LOCAL_DIR / "pgdata"
    pgdata.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(str(pgdata), cleanup_mode="stop")  # type: ignore[attr-defined]
    admin_url = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
    return server, server.get_uri(database)
