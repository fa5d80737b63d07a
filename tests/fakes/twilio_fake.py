"""A local Twilio: a real HTTP server speaking the REST shapes Archer uses (Calls create/update/fetch/list,
Messages create, call Recordings create, recording media), plus webhook requests signed exactly as Twilio signs them.

Runs in a daemon thread on 127.0.0.1:free_port(), so sync and async tests use it alike. Point the real SDK at it
with TWILIO_API_BASE=fake.base_url (see shared/telephony/twilio_client.py). Everything received is recorded;
`fail_next` injects Twilio errors, including ambiguous ones (the call is created, the response is lost).
"""
from __future__ import annotations

import base64
import itertools
import json
import re
import secrets
import threading
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from twilio.request_validator import RequestValidator

from tests.support.servers import free_port

TEST_ACCOUNT_SID = "AC" + "0" * 28 + "fa4e"
TEST_AUTH_TOKEN = "test-auth-token-obviously-fake"
API_VERSION = "2010-04-01"
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/(?P<kind>Calls|Messages)"
                   r"(?:/(?P<sid>(?:CA|SM)\w+))?(?P<recordings>/Recordings)?\.json$")
_RECORDING_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/Recordings/(?P<sid>RE\w+)\.json$")
_MEDIA = re.compile(r"^/2010-04-01/Accounts/(?P<account>AC\w+)/Recordings/(?P<sid>RE\w+)\.wav$")
TERMINAL = {"completed", "busy", "failed", "no-answer", "canceled"}


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _rfc2822(dt: datetime | None) -> str | None:
    return format_datetime(dt) if dt else None


@dataclass
class Failure:
    """An injected error for the next matching operation. `apply=True` performs the operation first and then
    fails (the ambiguous case); `drop=True` closes the connection without any response."""
    status: int = 500
    code: int = 20500
    message: str = "An internal server error has occurred"
    apply: bool = False
    drop: bool = False


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, list[str]]
    authorized: bool


@dataclass
class FakeCall:
    sid: str
    to: str
    from_: str
    direction: str
    status: str = "queued"
    url: str | None = None
    twiml: str | None = None
    status_callback: str | None = None
    status_callback_events: list[str] = field(default_factory=list)
    machine_detection: str | None = None
    async_amd: str | None = None
    async_amd_status_callback: str | None = None
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    answered_by: str | None = None
    duration: int | None = None
    seq: itertools.count = field(default_factory=itertools.count)  # type: ignore[type-arg]
    updates: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        uri = f"/{API_VERSION}/Accounts/{TEST_ACCOUNT_SID}/Calls/{self.sid}.json"
        return {
            "sid": self.sid, "account_sid": TEST_ACCOUNT_SID, "api_version": API_VERSION,
            "date_created": _rfc2822(self.created_at), "date_updated": _rfc2822(self.updated_at),
            "parent_call_sid": None, "to": self.to, "to_formatted": self.to, "from": self.from_,
            "from_formatted": self.from_, "phone_number_sid": None, "status": self.status,
            "start_time": _rfc2822(self.created_at) if self.status != "queued" else None,
            "end_time": _rfc2822(self.updated_at) if self.status in TERMINAL else None,
            "duration": str(self.duration) if self.duration is not None else None, "price": None,
            "price_unit": "USD", "direction": self.direction, "answered_by": self.answered_by,
            "forwarded_from": None, "group_sid": None, "caller_name": None, "queue_time": "0", "trunk_sid": None,
            "uri": uri, "subresource_uris": {"recordings": uri.replace(".json", "/Recordings.json"),
                                             "notifications": uri.replace(".json", "/Notifications.json")},
        }


@dataclass(frozen=True)
class Callback:
    """A webhook request as Twilio would send it: the public URL it signs, the form params, the signature."""
    url: str
    params: dict[str, str]
    signature: str

    @property
    def headers(self) -> dict[str, str]:
        return {"X-Twilio-Signature": self.signature, "Content-Type": "application/x-www-form-urlencoded",
                "User-Agent": "TwilioProxy/1.1"}

    @property
    def path_qs(self) -> str:
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def body(self) -> str:
        return urlencode(self.params)

    def resigned(self, *, url: str | None = None, signature: str | None = None,
                 params: dict[str, str] | None = None) -> Callback:
        """The same request with one part swapped (the signature kept unless given): for forgery tests."""
        return Callback(url or self.url, params if params is not None else self.params,
                        signature if signature is not None else self.signature)


class TwilioFake:
    """The fake Twilio. Use as a context manager or call start()/stop()."""

    def __init__(self, *, account_sid: str = TEST_ACCOUNT_SID, auth_token: str = TEST_AUTH_TOKEN,
                 callback_target: str | None = None) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.validator = RequestValidator(auth_token)
        self.callback_target = callback_target
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.calls: dict[str, FakeCall] = {}
        self.requests: list[Recorded] = []
        self.call_creates: list[dict[str, list[str]]] = []
        self.call_updates: list[tuple[str, dict[str, str]]] = []
        self.messages: list[dict[str, Any]] = []
        self.recordings: list[dict[str, Any]] = []
        self.deleted_recordings: list[str] = []
        self.recording_media: dict[str, bytes] = {}   # RecordingSid -> WAV bytes served at …/Recordings/RE….wav
        self._failures: dict[str, deque[Failure]] = defaultdict(deque)
        self._lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ---- lifecycle -------------------------------------------------------------------------------------------
    def start(self) -> TwilioFake:
        handler = _make_handler(self)
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="twilio-fake", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> TwilioFake:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def env(self) -> dict[str, str]:
        """Environment variables that point Archer's settings at this fake."""
        return {"TWILIO_ACCOUNT_SID": self.account_sid, "TWILIO_AUTH_TOKEN": self.auth_token,
                "TWILIO_API_BASE": self.base_url}

    # ---- error injection -------------------------------------------------------------------------------------
    def fail_next(self, op: str, failure: Failure | None = None, **kwargs: Any) -> None:
        """Make the next `op` (calls.create, calls.update, calls.fetch, calls.list, messages.create,
        recordings.create, recordings.delete) fail as described."""
        with self._lock:
            self._failures[op].append(failure or Failure(**kwargs))

    def _take_failure(self, op: str) -> Failure | None:
        with self._lock:
            queue = self._failures.get(op)
            return queue.popleft() if queue else None

    # ---- state helpers for tests -----------------------------------------------------------------------------
    def add_inbound_call(self, *, from_: str, to: str) -> FakeCall:
        call = FakeCall(sid=_sid("CA"), to=to, from_=from_, direction="inbound", status="ringing")
        with self._lock:
            self.calls[call.sid] = call
        return call

    def add_recording_media(self, wav: bytes, recording_sid: str | None = None) -> str:
        """Serve `wav` as a recording's media (GET …/Recordings/{sid}.wav, basic auth); returns the RecordingSid."""
        sid = recording_sid or _sid("RE")
        with self._lock:
            self.recording_media[sid] = wav
        return sid

    def only_call(self) -> FakeCall:
        assert len(self.calls) == 1, f"expected one call, fake has {len(self.calls)}"
        return next(iter(self.calls.values()))

    # ---- signed webhook requests -----------------------------------------------------------------------------
    def sign(self, url: str, params: dict[str, str]) -> Callback:
        return Callback(url, dict(params), self.validator.compute_signature(url, params))

    def voice_request(self, call_sid: str, *, url: str | None = None, status: str = "in-progress") -> Callback:
        """Twilio fetching the call's voice URL (outbound: the `url` given to calls.create)."""
        call = self.calls[call_sid]
        target = url or call.url
        assert target, "no voice URL: pass url="
        return self.sign(target, {"AccountSid": self.account_sid, "ApiVersion": API_VERSION, "CallSid": call.sid,
                                  "CallStatus": status, "Called": call.to, "To": call.to, "Caller": call.from_,
                                  "From": call.from_, "Direction": call.direction})

    def status_callback(self, call_sid: str, status: str, *, duration: int | None = None,
                        answered_by: str | None = None, seq: int | None = None,
                        timestamp: datetime | None = None, url: str | None = None) -> Callback:
        call = self.calls[call_sid]
        target = url or call.status_callback
        assert target, "call has no status callback URL: pass url="
        number = next(call.seq) if seq is None else seq
        params = {"AccountSid": self.account_sid, "ApiVersion": API_VERSION, "CallSid": call.sid,
                  "CallStatus": status, "Direction": call.direction, "From": call.from_, "To": call.to,
                  "SequenceNumber": str(number), "Timestamp": format_datetime(timestamp or datetime.now(UTC)),
                  "CallbackSource": "call-progress-events"}
        if duration is not None:
            params["CallDuration"] = str(duration)
            params["Duration"] = str(max(1, (duration + 59) // 60))
        if answered_by is not None:
            params["AnsweredBy"] = answered_by
        with self._lock:
            call.status = status if call.status not in TERMINAL else call.status
            call.duration = duration if duration is not None else call.duration
        return self.sign(target, params)

    def amd_callback(self, call_sid: str, answered_by: str, *, url: str | None = None) -> Callback:
        call = self.calls[call_sid]
        target = url or call.async_amd_status_callback
        assert target, "call has no async AMD callback URL: pass url="
        call.answered_by = answered_by
        return self.sign(target, {"AccountSid": self.account_sid, "CallSid": call.sid, "AnsweredBy": answered_by,
                                  "MachineDetectionDuration": "2450"})

    def recording_callback(self, call_sid: str, url: str, *, recording_sid: str | None = None,
                           duration: int = 42, channels: int = 2, status: str = "completed") -> Callback:
        rec_sid = recording_sid or _sid("RE")
        media = f"https://api.twilio.com/{API_VERSION}/Accounts/{self.account_sid}/Recordings/{rec_sid}"
        return self.sign(url, {"AccountSid": self.account_sid, "CallSid": call_sid, "RecordingSid": rec_sid,
                               "RecordingUrl": media, "RecordingStatus": status,
                               "RecordingDuration": str(duration), "RecordingChannels": str(channels),
                               "RecordingSource": "StartCallRecordingTwiML", "RecordingTrack": "both",
                               "RecordingStartTime": format_datetime(datetime.now(UTC))})

    def inbound_sms(self, *, from_: str, to: str, body: str, url: str, message_sid: str | None = None) -> Callback:
        sid = message_sid or _sid("SM")
        return self.sign(url, {"AccountSid": self.account_sid, "ApiVersion": API_VERSION, "MessageSid": sid,
                               "SmsSid": sid, "SmsMessageSid": sid, "SmsStatus": "received", "From": from_,
                               "To": to, "Body": body, "NumMedia": "0", "NumSegments": "1"})

    # ---- delivery --------------------------------------------------------------------------------------------
    def deliver(self, cb: Callback, target_base: str | None = None, *, timeout: float = 10.0) -> httpx.Response:
        """POST the webhook to target_base (default: callback_target) + its path, signed for its public URL."""
        base = target_base or self.callback_target
        assert base, "no callback target: pass target_base= or set callback_target"
        return httpx.post(base.rstrip("/") + cb.path_qs, content=cb.body, headers=cb.headers, timeout=timeout)

    async def deliver_async(self, cb: Callback, client: httpx.AsyncClient) -> httpx.Response:
        """POST the webhook through an httpx client (e.g. one on ASGITransport(app))."""
        return await client.post(cb.path_qs, content=cb.body, headers=cb.headers)

    # ---- REST operations (called from the server thread) -----------------------------------------------------
    def _create_call(self, p: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        to, from_ = _one(p, "To"), _one(p, "From")
        if not to:
            return _error(400, 21201, "No 'To' number is specified")
        if not from_:
            return _error(400, 21213, "No 'From' number is specified")
        if not _E164.match(to):
            return _error(400, 21211, f"Invalid 'To' Phone Number: {to[:4]}XXXX")
        if not (_one(p, "Url") or _one(p, "Twiml") or _one(p, "ApplicationSid")):
            return _error(400, 21205, "Url parameter is required.")
        call = FakeCall(sid=_sid("CA"), to=to, from_=from_, direction="outbound-api", url=_one(p, "Url"),
                        twiml=_one(p, "Twiml"), status_callback=_one(p, "StatusCallback"),
                        status_callback_events=p.get("StatusCallbackEvent", []),
                        machine_detection=_one(p, "MachineDetection"), async_amd=_one(p, "AsyncAmd"),
                        async_amd_status_callback=_one(p, "AsyncAmdStatusCallback"))
        with self._lock:
            self.calls[call.sid] = call
            self.call_creates.append(p)
        return 201, call.to_json()

    def _list_calls(self, p: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        to, after = _one(p, "To"), _one(p, "StartTime>")
        since = _parse_time(after) if after else None
        with self._lock:
            found = [c.to_json() for c in self.calls.values()
                     if (not to or c.to == to) and (since is None or c.created_at >= since)]
        uri = f"/{API_VERSION}/Accounts/{self.account_sid}/Calls.json"
        return 200, {"calls": found, "first_page_uri": uri, "next_page_uri": None, "previous_page_uri": None,
                     "page": 0, "page_size": 50, "start": 0, "end": max(0, len(found) - 1), "uri": uri}

    def _update_call(self, sid: str, p: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        call = self.calls.get(sid)
        if call is None:
            return _error(404, 20404, f"The requested resource /Calls/{sid}.json was not found")
        flat = {k: v[0] for k, v in p.items() if v}
        if call.status in TERMINAL and ("Twiml" in flat or "Url" in flat):
            return _error(400, 21220, "Call is not in-progress. Cannot redirect.")
        with self._lock:
            call.updates.append(flat)
            self.call_updates.append((sid, flat))
            if flat.get("Status") in {"completed", "canceled"}:
                call.status = flat["Status"]
            if "Twiml" in flat:
                call.twiml = flat["Twiml"]
            call.updated_at = datetime.now(UTC)
        return 200, call.to_json()

    def _create_recording(self, sid: str, p: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        call = self.calls.get(sid)
        if call is None:
            return _error(404, 20404, f"The requested resource /Calls/{sid}/Recordings.json was not found")
        if call.status != "in-progress":
            return _error(400, 21220, "Requested resource is not eligible for recording")
        rec_sid = _sid("RE")
        now = datetime.now(UTC)
        rec = {"account_sid": self.account_sid, "api_version": API_VERSION, "call_sid": sid,
               "conference_sid": None, "date_created": _rfc2822(now), "date_updated": _rfc2822(now),
               "start_time": _rfc2822(now), "duration": "-1", "sid": rec_sid, "price": None, "price_unit": "USD",
               "status": "in-progress", "channels": 2 if _one(p, "RecordingChannels") == "dual" else 1,
               "source": "StartCallRecordingAPI", "error_code": None, "track": _one(p, "RecordingTrack") or "both",
               "encryption_details": None,
               "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Calls/{sid}/Recordings/{rec_sid}.json",
               "_params": {k: v[0] for k, v in p.items() if v}}
        with self._lock:
            self.recordings.append(rec)
        return 201, {k: v for k, v in rec.items() if not k.startswith("_")}

    def _create_message(self, p: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        to, from_, body = _one(p, "To"), _one(p, "From") or _one(p, "MessagingServiceSid"), _one(p, "Body")
        if not to or not _E164.match(to):
            return _error(400, 21211, "Invalid 'To' Phone Number")
        if not from_:
            return _error(400, 21603, "A 'From' phone number is required.")
        if not body and not _one(p, "MediaUrl"):
            return _error(400, 21602, "Message body is required.")
        sid = _sid("SM")
        now = datetime.now(UTC)
        msg = {"sid": sid, "account_sid": self.account_sid, "api_version": API_VERSION, "body": body, "to": to,
               "from": from_, "status": "queued", "direction": "outbound-api", "date_created": _rfc2822(now),
               "date_updated": _rfc2822(now), "date_sent": None, "error_code": None, "error_message": None,
               "messaging_service_sid": None, "num_media": "0", "num_segments": "1", "price": None,
               "price_unit": "USD", "status_callback": _one(p, "StatusCallback"),
               "uri": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}.json",
               "subresource_uris": {"media": f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{sid}/Media.json"}}
        with self._lock:
            self.messages.append(msg)
        return 201, {k: v for k, v in msg.items() if k != "status_callback"}

    def add_recording(self, sid: str | None = None) -> str:
        """A finished recording Twilio holds (its status callback came in long ago); returns its SID."""
        rec_sid = sid or _sid("RE")
        with self._lock:
            self.recordings.append({"sid": rec_sid, "account_sid": self.account_sid, "status": "completed"})
        return rec_sid

    def _delete_recording(self, sid: str) -> tuple[int, dict[str, Any]]:
        with self._lock:
            held = [r for r in self.recordings if r["sid"] == sid]
            if not held:
                return _error(404, 20404, f"The requested resource /Recordings/{sid}.json was not found")
            self.recordings = [r for r in self.recordings if r["sid"] != sid]
            self.deleted_recordings.append(sid)
        return 204, {}

    def _dispatch(self, method: str, path: str, params: dict[str, list[str]]) -> tuple[int, dict[str, Any]] | None:
        rec = _RECORDING_PATH.match(path)
        if rec is not None and rec["account"] == self.account_sid and method == "DELETE":
            failure = self._take_failure("recordings.delete")
            if failure is None:
                return self._delete_recording(rec["sid"])
            return _error(failure.status, failure.code, failure.message)
        m = _PATH.match(path)
        if m is None or m["account"] != self.account_sid:
            return _error(404, 20404, f"The requested resource {path} was not found")
        kind, sid, recordings = m["kind"], m["sid"], m["recordings"]
        if kind == "Messages" and method == "POST" and not sid:
            op, run = "messages.create", lambda: self._create_message(params)
        elif kind == "Calls" and recordings and method == "POST" and sid:
            op, run = "recordings.create", lambda: self._create_recording(sid, params)
        elif kind == "Calls" and not sid and method == "POST":
            op, run = "calls.create", lambda: self._create_call(params)
        elif kind == "Calls" and not sid and method == "GET":
            op, run = "calls.list", lambda: self._list_calls(params)
        elif kind == "Calls" and sid and method == "POST":
            op, run = "calls.update", lambda: self._update_call(sid, params)
        elif kind == "Calls" and sid and method == "GET" and sid in self.calls:
            op, run = "calls.fetch", lambda: (200, self.calls[sid].to_json())
        else:
            return _error(404, 20404, f"The requested resource {path} was not found")
        failure = self._take_failure(op)
        if failure is None:
            return run()
        if failure.apply:
            run()
        if failure.drop:
            return None
        return _error(failure.status, failure.code, failure.message)


def _one(p: dict[str, list[str]], key: str) -> str | None:
    values = p.get(key)
    return values[0] if values else None


def _parse_time(value: str) -> datetime:
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return parsedate_to_datetime(value)


def _error(status: int, code: int, message: str) -> tuple[int, dict[str, Any]]:
    return status, {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                    "status": status}


def _make_handler(fake: TwilioFake) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            return

        def _authorized(self) -> bool:
            header = self.headers.get("Authorization", "")
            if not header.startswith("Basic "):
                return False
            user, _, password = base64.b64decode(header[6:]).decode().partition(":")
            return user == fake.account_sid and password == fake.auth_token

        def _handle(self, method: str) -> None:
            parts = urlsplit(self.path)
            params: dict[str, list[str]] = defaultdict(list)
            for k, v in parse_qsl(parts.query, keep_blank_values=True):
                params[k].append(v)
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                for k, v in parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True):
                    params[k].append(v)
            authorized = self._authorized()
            with fake._lock:
                fake.requests.append(Recorded(method, parts.path, dict(params), authorized))
            media = _MEDIA.match(parts.path)
            if media is not None and authorized and method == "GET":
                wav = fake.recording_media.get(media["sid"]) if media["account"] == fake.account_sid else None
                if wav is not None:
                    self.send_response(200)
                    self.send_header("Content-Type", "audio/x-wav")
                    self.send_header("Content-Length", str(len(wav)))
                    self.end_headers()
                    self.wfile.write(wav)
                    return
            result = (_error(401, 20003, "Authenticate") if not authorized
                      else fake._dispatch(method, parts.path, dict(params)))
            if result is None:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            status, payload = result
            body = b"" if status == 204 else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            self._handle("GET")

        def do_POST(self) -> None:
            self._handle("POST")

        def do_DELETE(self) -> None:
            self._handle("DELETE")

    return Handler
