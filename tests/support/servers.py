"""Finds or starts the real servers tests use: PostgreSQL (env → loopback → embedded pgserver), Redis
(env → loopback → a redis-server from PATH). Every run gets its own database, dropped at the end."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

LOOPBACK_PG = "postgresql://postgres@127.0.0.1:5432/postgres"
LOOPBACK_REDIS = "redis://127.0.0.1:6379/0"


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PostgresServer:
    """An admin URL on a real server; `create_database()` makes a fresh one for this run."""

    def __init__(self) -> None:
        self._embedded: Any = None
        url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
        if not url and _port_open("127.0.0.1", 5432):
            try:
                psycopg.connect(LOOPBACK_PG, connect_timeout=2).close()
                url = LOOPBACK_PG
            except psycopg.Error:
                url = None
        if not url:
            import pgserver

            self._tmp = tempfile.mkdtemp(prefix="archer-pg-")
            self._embedded = pgserver.get_server(self._tmp, cleanup_mode="stop")
            url = self._embedded.get_uri()
        self.admin_url: str = url
        self.kind = "embedded" if self._embedded else "server"

    def create_database(self, prefix: str = "archer_test") -> str:
        name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self._url_for(name)

    def drop_database(self, url: str) -> None:
        name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(str(name))))

    def _url_for(self, name: str) -> str:
        if self._embedded is not None:
            return str(self._embedded.get_uri(name))
        params = psycopg.conninfo.conninfo_to_dict(self.admin_url)
        params["dbname"] = name
        return _to_url(params)

    def stop(self) -> None:
        if self._embedded is not None:
            self._embedded.cleanup()
            shutil.rmtree(self._tmp, ignore_errors=True)


def _to_url(params: dict[str, Any]) -> str:
    """A postgresql:// URL from conninfo params (Alembic/SQLAlchemy need the URL form)."""
    from urllib.parse import quote

    user = quote(str(params.get("user", "postgres")))
    password = f":{quote(str(params['password']))}" if params.get("password") else ""
    host = params.get("host", "127.0.0.1")
    port = params.get("port", "5432")
    extra = "&".join(f"{k}={quote(str(v))}" for k, v in params.items()
                     if k not in {"user", "password", "host", "port", "dbname"})
    query = f"?{extra}" if extra else ""
    if str(host).startswith("/"):
        return f"postgresql://{user}{password}@/{params['dbname']}?host={quote(str(host))}&port={port}"
    return f"postgresql://{user}{password}@{host}:{port}/{params['dbname']}{query}"


class RedisServer:
    """A real Redis: REDIS_URL, else the loopback one, else a private redis-server from PATH."""

    def __init__(self) -> None:
        self._proc: subprocess.Popen[bytes] | None = None
        url = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL")
        if not url and _port_open("127.0.0.1", 6379):
            url = LOOPBACK_REDIS
        if not url:
            binary = shutil.which("redis-server")
            if binary is None:
                raise RuntimeError("tests need Redis: set REDIS_URL or install redis-server (.ci/run does)")
            port = free_port()
            self._dir = tempfile.mkdtemp(prefix="archer-redis-")
            self._proc = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                           "--appendonly", "no", "--dir", self._dir],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while not _port_open("127.0.0.1", port):
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start")
                time.sleep(0.05)
            url = f"redis://127.0.0.1:{port}/0"
        self.url: str = url

    def stop(self) -> None:
        if self._proc is not None:
            self._proc.terminate()
            self._proc.wait(timeout=10)
            shutil.rmtree(self._dir, ignore_errors=True)


def repo_root() -> Path:
    return Path(__file__).resolve().parents[2]
