"""The Function app's surface: the FastAPI app (Twilio webhooks, admin API) and the Durable workflows.

Handlers here parse, authorize, call shared/, and shape the response; domain logic lives in shared/.
"""
