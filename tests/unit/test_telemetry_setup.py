"""configure_telemetry as production runs it (configure_azure_monitor with a connection string): the service name,
the redaction on the exporter's handler and processor, the instrumentations. In a subprocess: the OpenTelemetry
providers are process-wide."""
from __future__ import annotations

import json
import subprocess
import sys

from tests.support.servers import repo_root

SCRIPT = r'''
import json, logging, os
from opentelemetry._logs import get_logger_provider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from shared.settings import load_settings
from shared.telemetry.logging import configure_logging, _FILTER
from shared.telemetry.otel import configure_telemetry

configure_logging("INFO")
settings = load_settings(applicationinsights_connection_string=
    "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/")
assert configure_telemetry("archer-voice", settings, instrument=("starlette", "psycopg", "aiohttp", "redis"))
exporter = InMemoryLogRecordExporter()
get_logger_provider().add_log_record_processor(SimpleLogRecordProcessor(exporter))
logging.getLogger("archer.test").warning("dialing +12125550101 with Bearer abcdefghijkl",
                                          extra={"transcript": "my secret words"})
root = logging.getLogger()
from opentelemetry.instrumentation.logging.handler import LoggingHandler
otel = [h for h in root.handlers if isinstance(h, LoggingHandler)]
from opentelemetry.instrumentation.starlette import StarletteInstrumentor
item = exporter.get_finished_logs()[-1]
record = getattr(item, "log_record", item)
print(json.dumps({"service": item.resource.attributes.get("service.name") if item.resource else
                  getattr(record, "resource").attributes.get("service.name"),
                  "body": str(record.body), "attributes": {k: str(v) for k, v in (record.attributes or {}).items()},
                  "otel_handler_filtered": bool(otel) and all(_FILTER in h.filters for h in otel),
                  "starlette": StarletteInstrumentor().is_instrumented_by_opentelemetry}), flush=True)
os._exit(0)
'''


def test_azure_monitor_exports_as_the_service_with_redaction_and_instrumentation() -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "ARCHER_ENV": "local"}
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=repo_root(), env=env, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["service"] == "archer-voice"
    assert report["otel_handler_filtered"] and report["starlette"]
    exported = report["body"] + json.dumps(report["attributes"])
    assert "+1******0101" in report["body"]
    for secret in ("2125550101", "abcdefghijkl", "my secret words"):
        assert secret not in exported


VOICE_SCRIPT = r'''
import json, os
from shared.settings import load_settings
from voice.services import build_voice_app

settings = load_settings(applicationinsights_connection_string=
    "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/")
app = build_voice_app(settings)
print(json.dumps({"middleware": [getattr(m.cls, "__name__", str(m.cls)) for m in app.user_middleware],
                  "service": os.environ.get("OTEL_SERVICE_NAME")}), flush=True)
os._exit(0)
'''


def test_the_assembled_voice_app_is_traced_as_archer_voice() -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "ARCHER_ENV": "local"}
    proc = subprocess.run([sys.executable, "-c", VOICE_SCRIPT], cwd=repo_root(), env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["service"] == "archer-voice"
    assert any("OpenTelemetry" in name for name in report["middleware"]), report
