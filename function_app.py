"""The one Azure Functions entry point (Python v2 model): the HTTP app (FastAPI behind a Durable-client-bound ASGI
function), the Durable blueprint, the callback-start endpoint and the scheduled jobs."""
from shared.settings import get_settings
from shared.telemetry.otel import configure_telemetry

# Before the FastAPI app exists: the FastAPI instrumentation patches the class.
configure_telemetry("archer-api", get_settings(), instrument=("psycopg", "aiohttp", "redis"))

from functions.app import create_app  # noqa: E402
from functions.workflows.blueprint import bp as workflows  # noqa: E402
from functions.workflows.callback_endpoint import bp as callback_endpoint  # noqa: E402
from functions.workflows.durable_client import durable_asgi_app  # noqa: E402
from functions.workflows.durable_starter import DurableWorkflowStarter, pool_connect  # noqa: E402
from functions.workflows.scheduled import bp as scheduled  # noqa: E402

http_app = create_app()
http_app.state.workflow_starter = DurableWorkflowStarter(pool_connect(http_app))
app = durable_asgi_app(http_app)
app.register_functions(workflows)
app.register_functions(callback_endpoint)
app.register_functions(scheduled)
