"""Quality tests reuse the telephony fixtures: the Twilio fake, process settings pointing at it, the API over ASGI."""
from tests.integration.telephony.conftest import api, twilio_env, twilio_fake  # noqa: F401
