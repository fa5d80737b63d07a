"""Telephony errors raised by shared/telephony; adapters map them to HTTP codes or spoken fallbacks once.

Twilio's own error code (e.g. 21211 invalid number) is kept so it can be stored with the call.
"""
from __future__ import annotations


class TelephonyError(Exception):
    """Twilio refused or failed a request. `ambiguous` means it may have taken effect anyway (timeout, 5xx)."""

    def __init__(self, operation: str, message: str, *, code: int | None = None, status: int | None = None,
                 ambiguous: bool = False) -> None:
        super().__init__(f"{operation} failed: {message}")
        self.operation = operation
        self.code = code
        self.status = status
        self.ambiguous = ambiguous

    @property
    def error_code(self) -> str:
        """What is stored in calls.error_code: Twilio's numeric code, else a short token."""
        if self.code is not None:
            return str(self.code)
        return "timeout" if self.ambiguous else "unknown"


def from_twilio_exception(operation: str, exc: BaseException) -> TelephonyError:
    """Translate an SDK or transport exception; 5xx and transport failures are ambiguous, 4xx are not."""
    from twilio.base.exceptions import TwilioRestException

    if isinstance(exc, TelephonyError):
        return exc
    if isinstance(exc, TwilioRestException):
        status = int(exc.status)
        code = int(exc.code) if exc.code is not None else None
        return TelephonyError(operation, str(exc.msg), code=code, status=status, ambiguous=status >= 500)
    return TelephonyError(operation, type(exc).__name__, ambiguous=True)
