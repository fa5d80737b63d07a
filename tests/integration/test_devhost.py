"""`make dev`'s host on a machine with no DATABASE_URL: embedded PostgreSQL, migrate, seed, serve, stop cleanly."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.servers import free_port, repo_root


def test_devhost_serves_health_on_embedded_postgres_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update(ARCHER_LOCAL_DIR=str(tmp_path), PORT=str(port), ARCHER_ENV="local")
    proc = subprocess.Popen([sys.executable, "-m", "devhost"], cwd=repo_root(), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        body = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                r = httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
                body = r.json()
                if r.status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        assert body is not None, "dev host never answered"
        assert body["database"]["status"] == "ok"
        assert (tmp_path / "pgdata" / "PG_VERSION").exists()
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert "embedded PostgreSQL started" in out
    assert "embedded PostgreSQL stopped" in out
    assert proc.returncode == 0
