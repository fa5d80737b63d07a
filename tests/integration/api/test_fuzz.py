"""Schemathesis against the whole live OpenAPI of a real server (uvicorn on a free port, real database), with an
admin token: bounded examples per operation, zero 5xx and zero responses that break the documented schema. The
Twilio webhooks are in it too: unsigned fuzz requests must get their documented 403."""
from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
import requests
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from psycopg import AsyncConnection
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fakes.workflow_starter import RecordingStarter
from tests.support.servers import free_port

MAX_EXAMPLES = 12
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]


@pytest.fixture
def live_api(api_env: None) -> Iterator[str]:
    from functions.app import create_app

    app = create_app()
    app.state.workflow_starter = RecordingStarter()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=15)


@pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning")
def test_fuzzing_the_live_openapi_finds_no_5xx_and_no_schema_violation(
        live_api: str, tokens: dict[str, str], seeded: AsyncConnection) -> None:
    schema = schemathesis.openapi.from_url(f"{live_api}/api/openapi.json")
    headers = {"Authorization": f"Bearer {tokens['admin']}"}
    session = requests.Session()
    failures: list[str] = []
    statuses: dict[int, int] = {}
    operations = 0
    webhooks = 0
    webhook_statuses: dict[int, int] = {}
    started = time.monotonic()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        webhooks += operation.path.startswith("/api/twilio/")

        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def run(case: schemathesis.Case) -> None:
            counts = webhook_statuses if case.operation.path.startswith("/api/twilio/") else statuses
            response = case.call_and_validate(base_url=live_api, session=session, headers=headers, checks=CHECKS)
            counts[response.status_code] = counts.get(response.status_code, 0) + 1

        try:
            run()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # schemathesis reports through (Base)ExceptionGroup subclasses
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:1500]}")
    elapsed = time.monotonic() - started
    print(f"\nschemathesis: {operations} operations × ≤{MAX_EXAMPLES} examples in {elapsed:.1f} s")
    assert operations >= 40 and webhooks >= 6
    print(f"responses by status: {dict(sorted(statuses.items()))}; webhooks: {webhook_statuses}")
    assert statuses.get(200, 0) + statuses.get(201, 0) > 50  # the token works: many requests got through
    # Fuzzed forms and signature headers: the admin token opens nothing on a webhook without Twilio's signature.
    assert set(webhook_statuses) == {403} and webhook_statuses[403] > 2 * webhooks
    assert not failures, "\n\n".join(failures)
