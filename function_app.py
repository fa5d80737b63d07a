"""The one Azure Functions entry point (Python v2 model): the HTTP app over AsgiFunctionApp."""
import azure.functions as func

from functions.app import create_app

app = func.AsgiFunctionApp(app=create_app(), http_auth_level=func.AuthLevel.ANONYMOUS)
