"""The one Azure Functions entry point (Python v2 model): the HTTP app over AsgiFunctionApp + the Durable blueprint."""
import azure.functions as func

from functions.app import create_app
from functions.workflows.blueprint import bp as workflows
from functions.workflows.durable_starter import DurableWorkflowStarter, pool_connect

http_app = create_app()
http_app.state.workflow_starter = DurableWorkflowStarter(pool_connect(http_app))
app = func.AsgiFunctionApp(app=http_app, http_auth_level=func.AuthLevel.ANONYMOUS)
app.register_functions(workflows)
