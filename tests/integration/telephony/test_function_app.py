"""The Function app without the Functions host: index it like the host does (`app.get_functions()`), check the
HTTP function and every Durable function with their bindings, and drive real `func.HttpRequest` objects
through the Functions ASGI adapter to show the same responses as calling the FastAPI app directly."""
from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import azure.functions as func
import httpx
import pytest
from psycopg import AsyncConnection
from psycopg_pool import AsyncConnectionPool

from tests.fakes.twilio_fake import Callback, TwilioFake
from tests.integration.telephony.conftest import FROM_NUMBER, MARIA, PUBLIC_BASE
from tests.support.servers import repo_root


@pytest.fixture
async def function_app_module(twilio_env: None, pool: AsyncConnectionPool,
                              conn: AsyncConnection) -> AsyncIterator[Any]:
    import function_app

    asgi = function_app.app.middleware._app
    asgi.state.pool = pool
    yield function_app
    asgi.state.pool = None  # the session pool is not the Function app's to close


def _index(module: Any) -> dict[str, Any]:
    """app.get_functions() may run once per app (the host indexes once): keep its result on the module."""
    if not hasattr(module, "_test_index"):
        module._test_index = {fn.get_function_name(): fn for fn in module.app.get_functions()}
    return dict(module._test_index)


def _bindings(fn: Any) -> list[dict[str, Any]]:
    """The bindings as the host reads them (the function.json the worker reports when indexing)."""
    document = json.loads(fn.get_function_json())
    assert document["scriptFile"] == "function_app.py"
    bindings: list[dict[str, Any]] = document["bindings"]
    return bindings


def test_index_has_one_anonymous_catch_all_http_function_and_durable_functions(function_app_module: Any) -> None:
    functions = _index(function_app_module)
    http = functions.pop("http_app_func")
    client, output, trigger = sorted(_bindings(http), key=lambda b: b["type"])
    assert client == {"type": "durableClient", "direction": "IN", "name": "client"}  # routes' Durable client
    assert output == {"type": "http", "direction": "OUT", "name": "$return"}
    assert trigger["type"] == "httpTrigger" and trigger["direction"] == "IN" and trigger["name"] == "req"
    assert trigger["authLevel"] == "ANONYMOUS" and trigger["route"] == "/{*route}"
    assert {"GET", "POST", "PUT", "PATCH", "DELETE"} <= set(trigger["methods"])
    from functions.workflows import names

    expected = {value: ("orchestrationTrigger" if key.endswith("ORCHESTRATOR") else "activityTrigger")
                for key, value in vars(names).items() if key.endswith("ORCHESTRATOR") or key.startswith("ACT_")}
    for name in ("workflow_callback_start", "workflow_callback_cancel"):   # the voice service's way in, key-protected
        trigger = next(b for b in _bindings(functions.pop(name)) if b["type"] == "httpTrigger")
        assert trigger["authLevel"] == "FUNCTION" and trigger["route"].startswith("api/workflows/callbacks/")
    timer = next(b for b in _bindings(functions.pop("retention_purge")) if b["type"] == "timerTrigger")
    assert timer["schedule"] == "%RETENTION_PURGE_SCHEDULE%"
    rearm = {b["type"] for b in _bindings(functions.pop("callback_rearm"))}
    assert rearm == {"timerTrigger", "durableClient"}
    assert set(functions) == set(expected)  # the workflows' blueprint: every orchestrator and activity, no more
    for name, fn in functions.items():
        [binding] = _bindings(fn)
        assert binding["type"] == expected[name] and binding["direction"] == "IN", (name, binding)


def test_host_json_serves_paths_exactly_as_api() -> None:
    host = json.loads((repo_root() / "host.json").read_text())
    assert host["version"] == "2.0"
    assert host["extensionBundle"]["id"] == "Microsoft.Azure.Functions.ExtensionBundle"
    assert host["extensions"]["http"]["routePrefix"] == ""  # FastAPI's routes already carry /api
    assert host["extensions"]["durableTask"]["hubName"] == "%DURABLE_TASK_HUB%"
    assert host["logging"]["logLevel"]["default"]


def test_host_and_worker_export_one_opentelemetry_trace() -> None:
    """The worker exports OpenTelemetry (configure_azure_monitor); the host must too, or the host's request and
    the function's spans land in two formats with no shared trace. Both halves: host.json and the app setting."""
    host = json.loads((repo_root() / "host.json").read_text())
    assert host["telemetryMode"] == "OpenTelemetry"
    bicep = (repo_root() / "infra" / "main.bicep").read_text()
    api = bicep[bicep.index("OTEL_SERVICE_NAME: 'archer-api'"):]
    assert "PYTHON_ENABLE_OPENTELEMETRY: 'true'" in api[:api.index("})")]


async def _through_functions(module: Any, method: str, path: str, headers: dict[str, str],
                             body: bytes) -> func.HttpResponse:
    http = _index(module)["http_app_func"]
    request = func.HttpRequest(method, f"{PUBLIC_BASE}{path}", headers=headers, body=body)
    binding = json.dumps({"taskHubName": "archertest", "creationUrls": {}, "managementUrls": {},
                          "rpcBaseUrl": "http://127.0.0.1:9/durabletask/"})   # what the host passes per invocation
    response: func.HttpResponse = await http.get_user_function()(req=request, context=None, client=binding)
    return response


async def _direct(module: Any, method: str, path: str, headers: dict[str, str], body: bytes) -> httpx.Response:
    transport = httpx.ASGITransport(app=module.app.middleware._app)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_BASE) as client:
        return await client.request(method, path, headers=headers, content=body)


async def _same(module: Any, method: str, path: str, headers: dict[str, str] | None = None,
                body: bytes = b"") -> func.HttpResponse:
    via_functions = await _through_functions(module, method, path, headers or {}, body)
    direct = await _direct(module, method, path, headers or {}, body)
    assert via_functions.status_code == direct.status_code
    assert via_functions.get_body() == direct.content
    assert via_functions.mimetype == direct.headers.get("content-type")
    return via_functions


def _sms(fake: TwilioFake, body: str) -> Callback:
    return fake.inbound_sms(from_=MARIA, to=FROM_NUMBER, body=body, url=f"{PUBLIC_BASE}/api/twilio/sms",
                            message_sid="SM" + "2" * 32)


async def test_adapter_and_app_answer_alike(function_app_module: Any, twilio_fake: TwilioFake,
                                            seeded: AsyncConnection) -> None:
    help_sms = _sms(twilio_fake, "HELP")
    reply = await _same(function_app_module, "POST", help_sms.path_qs, help_sms.headers, help_sms.body.encode())
    assert reply.status_code == 200 and b"<Message>" in reply.get_body()
    forged = help_sms.resigned(signature="bm90IGEgc2lnbmF0dXJl")
    assert (await _same(function_app_module, "POST", forged.path_qs, forged.headers,
                        forged.body.encode())).status_code == 403
    assert (await _same(function_app_module, "GET", "/api/v1/calls")).status_code == 401
    assert (await _same(function_app_module, "GET", "/api/nowhere")).status_code == 404
    voice = twilio_fake.sign(f"{PUBLIC_BASE}/api/twilio/voice", {"CallSid": "CA" + "d" * 32, "From": MARIA,
                                                                 "To": FROM_NUMBER, "Direction": "outbound-api"})
    goodbye = await _same(function_app_module, "POST", voice.path_qs, voice.headers, voice.body.encode())
    assert goodbye.status_code == 200 and b"<Hangup" in goodbye.get_body()
