"""Deploy rehearsal: both deployables built the way the deploy builds them, from their hashed locks in clean venvs,
then started here. Fails when the deployed shape is wrong (a file .funcignore drops, a dependency missing from a lock,
a setting Bicep does not set, a log handler replaced, a migration that cannot run from what ships).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import infra_checks as checks
import pytest
import rehearsal

from shared.db import migrate
from shared.settings import PRODUCTION_REQUIRED
from tests.support.servers import PostgresServer, free_port

ROOT = Path(__file__).resolve().parents[2]
PHONE = "+12125550101"
PRODUCTION_ENV = {
    "ARCHER_ENV": "production",
    "PUBLIC_BASE_URL": "https://func-rehearsal.azurewebsites.net",
    "VOICE_WS_URL": "wss://ca-voice-rehearsal.example-env.eastus2.azurecontainerapps.io",
    "AUTH_ISSUER": "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/v2.0",
    "AUTH_AUDIENCE": "11111111-1111-1111-1111-111111111111",
    "AUTH_JWKS_URL": "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/discovery/v2.0/keys",
    "PAYMENT_PORTAL_URL_TEMPLATE": "https://pay.northwind-bank.com/arrangements/{arrangement_id}?amount={amount}",
    "DURABLE_TASK_HUB": "archerrehearsal",
    "RETENTION_PURGE_SCHEDULE": "0 30 3 * * *",
}

IMPORT_FUNCTION_APP = r'''
import json, logging, sys

class WorkerHandler(logging.Handler):
    """Stands in for the handler the Functions Python worker installs before it loads function_app.py."""
    def __init__(self):
        super().__init__()
        self.messages = []
    def emit(self, record):
        self.messages.append(record.getMessage())

worker = WorkerHandler()
root = logging.getLogger()
root.addHandler(worker)
root.setLevel(logging.INFO)

import function_app

logging.getLogger("archer.rehearsal").warning("after import: caller %s", sys.argv[1])
functions = [{"name": f.get_function_name(), **json.loads(f.get_function_json())}
             for f in function_app.app.get_functions()]
print(json.dumps({"functions": functions, "worker_installed": worker in root.handlers,
                  "worker_messages": worker.messages, "handlers": [type(h).__name__ for h in root.handlers],
                  "modules": sorted(m for m in sys.modules if m.split(".")[0] in ("voice", "devhost", "tests"))}))
'''


@pytest.fixture(scope="module")
def function_venv() -> Path:
    return rehearsal.locked_venv(ROOT, ROOT / "requirements.txt", "functionapp")


@pytest.fixture(scope="module")
def voice_venv() -> Path:
    return rehearsal.locked_venv(ROOT, ROOT / "voice" / "requirements.txt", "voice")


@pytest.fixture(scope="module")
def scratch_db() -> Any:
    server = PostgresServer()
    url = server.create_database()
    yield url
    server.drop_database(url)
    server.stop()


def _clean_env(**extra: str) -> dict[str, str]:
    """Only what the platform would give the process: no DATABASE_URL or keys leaking in from the test run."""
    keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "TMPDIR", "SYSTEMROOT")}
    return {**keep, "PYTHONDONTWRITEBYTECODE": "1", **extra}


def test_function_app_package_imports_indexes_and_migrates(tmp_path: Path, function_venv: Path,
                                                          scratch_db: str) -> None:
    package = tmp_path / "functionapp"
    files = rehearsal.build_function_package(ROOT, package)
    top = {f.split("/")[0] for f in files}
    assert {"function_app.py", "host.json", "requirements.txt", "functions", "shared"} <= top
    assert not top & {"tests", "web", "voice", "devhost", "bench", ".venv", ".local", "infra", ".git"}, top

    python = str(function_venv / "bin" / "python")
    env = _clean_env(**PRODUCTION_ENV, DATABASE_URL=scratch_db)
    proc = subprocess.run([python, "-c", IMPORT_FUNCTION_APP, PHONE], cwd=package, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])

    # The worker's handler is still there and still receives records (ours was added beside it), masked.
    assert report["worker_installed"], report["handlers"]
    assert "JsonHandler" in report["handlers"]
    after = [m for m in report["worker_messages"] if m.startswith("after import")]
    assert after and PHONE not in after[0] and "0101" in after[0]
    assert report["modules"] == []                     # nothing from the other deployables or the tests

    # The functions the host indexes, with the bindings it needs.
    by_name = {f["name"]: f for f in report["functions"]}
    expected = {"http_app_func", "workflow_callback_start", "workflow_callback_cancel", "retention_purge", "callback_rearm",
                "callback_orchestrator", "campaign_orchestrator", "campaign_target_orchestrator", "wf_callback_dial"}
    assert expected <= set(by_name), sorted(by_name)
    http_bindings = {b["type"]: b for b in by_name["http_app_func"]["bindings"]}
    assert {"httpTrigger", "durableClient"} <= set(http_bindings)
    assert http_bindings["httpTrigger"]["authLevel"].lower() == "anonymous"
    start = {b["type"]: b for b in by_name["workflow_callback_start"]["bindings"]}
    assert start["httpTrigger"]["authLevel"].lower() == "function" and "durableClient" in start
    assert start["httpTrigger"]["route"] == "api/workflows/callbacks/{callback_id}"
    timer = next(b for b in by_name["retention_purge"]["bindings"] if b["type"] == "timerTrigger")
    assert timer["schedule"] == "%RETENTION_PURGE_SCHEDULE%"

    # Every %NAME% the host resolves (host.json and the indexed bindings) and every setting production requires
    # is set by Bicep on the Function app.
    import re

    referenced = set(re.findall(r"%([A-Za-z_]\w*)%", json.dumps(report["functions"])))
    referenced |= set(re.findall(r"%([A-Za-z_]\w*)%", (package / "host.json").read_text()))
    deployed = checks.deployed_settings(ROOT)
    assert referenced, "no %…% references found: the scan is broken"
    assert referenced <= deployed["functionapp"], referenced - deployed["functionapp"]
    required = {n.upper() for n in PRODUCTION_REQUIRED}
    assert required <= deployed["functionapp"] and required <= deployed["containerapps"]

    # The migration entry point runs from what ships, idempotently, naming the revision.
    head = migrate.head_revision()
    first = subprocess.run([python, "-m", "shared.db.migrate"], cwd=package, env=env, capture_output=True,
                           text=True, timeout=300)
    assert first.returncode == 0, first.stderr[-3000:]
    assert f"revision {head} (empty -> {head})" in first.stdout
    again = subprocess.run([python, "-m", "shared.db.migrate"], cwd=package, env=env, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0 and f"revision {head} (no change)" in again.stdout


def test_production_refuses_to_start_without_its_settings(tmp_path: Path, function_venv: Path) -> None:
    package = tmp_path / "functionapp"
    rehearsal.build_function_package(ROOT, package)
    env = _clean_env(**{**PRODUCTION_ENV, "PAYMENT_PORTAL_URL_TEMPLATE":
                        "https://pay.example.com/arrangements/{arrangement_id}?amount={amount}"},
                     DATABASE_URL="postgresql://u@db.example/archer")
    del env["AUTH_JWKS_URL"]
    proc = subprocess.run([str(function_venv / "bin" / "python"), "-c",
                           "from shared.settings import load_settings; load_settings()"],
                          cwd=package, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert "invalid settings: production needs AUTH_JWKS_URL" in proc.stderr
    env["AUTH_JWKS_URL"] = PRODUCTION_ENV["AUTH_JWKS_URL"]
    proc = subprocess.run([str(function_venv / "bin" / "python"), "-c",
                           "from shared.settings import load_settings; load_settings()"],
                          cwd=package, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "pay.example.com" in proc.stderr


def test_voice_image_starts_serves_healthz_and_has_a_workflow_starter(tmp_path: Path, voice_venv: Path,
                                                                     scratch_db: str) -> None:
    context = tmp_path / "voice"
    files = rehearsal.build_voice_context(ROOT, context)
    assert "voice/__main__.py" in files and "voice/services.py" in files
    assert not [f for f in files if f.startswith(("functions/", "tests/", "devhost/"))]
    port = free_port()
    env = _clean_env(**PRODUCTION_ENV, DATABASE_URL=scratch_db, PORT=str(port), HOST="127.0.0.1",
                     OTEL_SERVICE_NAME="archer-voice")
    proc = subprocess.Popen([str(voice_venv / "bin" / "python"), "-m", "voice"], cwd=context, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        body = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz?probe=query-secret-value", timeout=2)
                body = response.json()
                break
            except httpx.HTTPError:
                time.sleep(0.3)
        assert body == {"status": "ok", "active_calls": 0}, body
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            _, err = proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
    assert proc.returncode == 0, err[-3000:]
    records = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert records, f"no JSON log lines: {err[-2000:]}"
    assembled = [r for r in records if r.get("msg") == "voice service assembled"]
    assert assembled and assembled[0]["workflow_starter"] == "FunctionAppWorkflowStarter", assembled
    assert assembled[0]["production"] is True
    access = [r for r in records if "/healthz" in r.get("msg", "")]
    assert access, "no access log line for /healthz"
    assert "query-secret-value" not in err


def test_locks_are_hashed_and_cover_what_the_code_imports() -> None:
    for lock in (ROOT / "requirements.txt", ROOT / "voice" / "requirements.txt"):
        text = lock.read_text()
        pins = [ln for ln in text.splitlines() if "==" in ln and not ln.startswith((" ", "#"))]
        assert pins and all(ln.rstrip(" \\").count("==") == 1 for ln in pins)
        assert text.count("--hash=sha256:") >= len(pins)
    runtime = (ROOT / "requirements.txt").read_text().lower()
    for needed in ("alembic==", "sqlalchemy==", "tenacity==", "azure-functions-durable==", "azure-monitor-opentelemetry=="):
        assert needed in runtime, needed
    voice = (ROOT / "voice" / "requirements.txt").read_text().lower()
    for needed in ("cartesia==", "uvicorn==", "opentelemetry-instrumentation-starlette==", "tenacity=="):
        assert needed in voice, needed


def test_voice_refuses_to_start_half_configured_with_one_line(tmp_path: Path, voice_venv: Path) -> None:
    context = tmp_path / "voice"
    rehearsal.build_voice_context(ROOT, context)
    env = _clean_env(**{k: v for k, v in PRODUCTION_ENV.items() if k not in ("AUTH_ISSUER", "VOICE_WS_URL")},
                     DATABASE_URL="postgresql://u@db.example/archer", PORT=str(free_port()))
    proc = subprocess.run([str(voice_venv / "bin" / "python"), "-m", "voice"], cwd=context, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "archer-voice: invalid settings: production needs VOICE_WS_URL, AUTH_ISSUER (see infra/DEPLOY.md)"]


def _names(spec: Path) -> set[str]:
    """Top-level requirement names of a lock input (following -r includes)."""
    import re

    names: set[str] = set()
    for line in spec.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line.startswith("-r "):
            names |= _names((spec.parent / line[3:].strip()).resolve())
        elif line:
            names.add(re.split(r"[\[~=<>! ]", line, maxsplit=1)[0].lower().replace("_", "-"))
    return names


def test_every_lock_input_is_pinned_in_its_lock() -> None:
    """A dependency added to requirements.in / voice/requirements.in without `make lock` (or pasted into a lock
    without hashes) is caught here, before a deploy installs the stale lock."""
    for spec, lock in ((ROOT / "requirements.in", ROOT / "requirements.txt"),
                       (ROOT / "voice" / "requirements.in", ROOT / "voice" / "requirements.txt")):
        pinned = {line.split("==", 1)[0].lower().replace("_", "-") for line in lock.read_text().splitlines()
                  if "==" in line and not line.startswith((" ", "#"))}
        missing = _names(spec) - pinned
        assert not missing, f"{lock.relative_to(ROOT)} lacks {sorted(missing)}: run make lock"
