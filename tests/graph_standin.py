"""A local stand-in for Microsoft Entra's token endpoint and Microsoft Graph, over HTTPS.

It speaks the documented shapes (microsoftgraph/microsoft-graph-docs-contrib, api-reference/
v1.0/api: callrecords-callrecord-getpstncalls.md, callrecords-callrecord-getdirectroutingcalls.md,
user-get.md, subscribedsku-list.md, user-assignlicense.md; and the identity platform's
client-credentials flow): `GET /{tenant}/v2.0/.well-known/openid-configuration`,
`POST /{tenant}/oauth2/v2.0/token`, the two call-log functions with `@odata.nextLink` paging and
the 90-day rule (400 for a longer range), `GET /users/{upn}`, `GET /users?$filter=
assignedLicenses/any(...)`, `GET /subscribedSkus` and `POST /users/{id}/assignLicense`.

msal insists on an https authority, so the server uses a self-signed certificate made for the
test (`ca_file` is what the bot is told to trust, MS_CA_BUNDLE). Time is an injected clock:
a record is visible only from its `available_at`, and tokens expire by the clock.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import re
import secrets
import ssl
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

TENANT = "00000000-0000-4000-8000-00000000aaaa"
CLIENT_ID = "11111111-1111-4111-8111-111111111111"
CLIENT_SECRET = "stand-in-secret"
PAGE_SIZE = 1000
MAX_DAYS = 90
CALL_LOG = re.compile(r"^/v1\.0/communications/callRecords/(getPstnCalls|getDirectRoutingCalls)"
                      r"\(fromDateTime=([^,]+),toDateTime=([^)]+)\)$")
SKU_FILTER = re.compile(r"assignedLicenses/any\(\w+:\w+/skuId eq ([0-9a-f-]+)\)")
MCOPSTNC_SKU_ID = "47794cd0-f0e5-45c5-9033-2eb6b5fc84e0"


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "graph stand-in")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = directory / "standin.pem", directory / "standin.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


def _parse_time(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(unquote(text))
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


@dataclass
class Failure:
    """A scripted answer for the next request whose path contains `path`."""

    path: str
    status: int
    body: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    method: str
    path: str
    status: int
    token: str | None


class GraphStandIn:
    """The server and its state; start() it, point MS_GRAPH_URL and MS_AUTHORITY_URL at it."""

    def __init__(self, now: Callable[[], dt.datetime], directory: Path, *,
                 page_size: int = PAGE_SIZE) -> None:
        self.now = now
        self.page_size = page_size
        self.cert_file, self.key_file = make_certificate(directory)
        self.lock = threading.Lock()
        self.calls: dict[str, list[tuple[dt.datetime, dict[str, Any]]]] = {
            "getPstnCalls": [], "getDirectRoutingCalls": []}
        self.tokens: dict[str, dt.datetime] = {}
        self.failures: list[Failure] = []
        self.seen: list[Seen] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.licensed: dict[str, set[str]] = {}
        self.sku_units = 10
        self.deny_call_records: str | None = None  # an error message: 403 for call logs
        self.gate: threading.Event | None = None  # call-log pages after the first wait on it
        self.waiting = threading.Event()  # set when a request waits on the gate
        self._server: ThreadingHTTPServer | None = None
        self._cache: tuple[tuple[Any, ...], list[dict[str, Any]]] | None = None

    # -- set-up ---------------------------------------------------------------------------------
    def start(self) -> GraphStandIn:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                standin._handle(self, "GET")

            def do_POST(self) -> None:
                standin._handle(self, "POST")

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        self._server = server
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.gate is not None:
            self.gate.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base(self) -> str:
        assert self._server is not None
        return f"https://127.0.0.1:{self._server.server_address[1]}"

    @property
    def graph_url(self) -> str:
        return self.base + "/v1.0"

    def settings(self) -> dict[str, str]:
        """The bot's settings (environment names) that point it here."""
        return {"MS_TENANT_ID": TENANT, "MS_CLIENT_ID": CLIENT_ID,
                "MS_CLIENT_SECRET": CLIENT_SECRET, "MS_GRAPH_URL": self.graph_url,
                "MS_AUTHORITY_URL": self.base, "MS_CA_BUNDLE": str(self.cert_file)}

    def add_calls(self, function: str, records: list[dict[str, Any]], *,
                  available_at: dt.datetime | None = None) -> None:
        """Records that Graph shows from `available_at` (default: now) on."""
        when = available_at or self.now()
        with self.lock:
            self.calls[function] += [(when, record) for record in records]

    def add_user(self, upn: str) -> str:
        user_id = str(uuid.uuid4())
        self.users[upn.lower()] = {"id": user_id, "userPrincipalName": upn,
                                   "displayName": upn.split("@")[0]}
        self.licensed[user_id] = set()
        return user_id

    def fail_next(self, failure: Failure) -> None:
        with self.lock:
            self.failures.append(failure)

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens = {token: self.now() for token in self.tokens}

    def requests_to(self, fragment: str) -> list[Seen]:
        with self.lock:
            return [seen for seen in self.seen if fragment in seen.path]

    def licensed_upns(self) -> set[str]:
        return {user["userPrincipalName"].lower() for user in self.users.values()
                if MCOPSTNC_SKU_ID in self.licensed[user["id"]]}

    # -- requests -------------------------------------------------------------------------------
    def _handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        url = urlparse(request.path)
        path = unquote(url.path)
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ") or None
        status, payload, headers = self._answer(method, path, url.query, body, token,
                                                unquote(request.path))
        with self.lock:
            self.seen.append(Seen(method, request.path, status, token))
        data = json.dumps(payload).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            request.send_header(name, value)
        request.end_headers()
        request.wfile.write(data)

    def _answer(self, method: str, path: str, query: str, body: bytes, token: str | None,
                full: str) -> tuple[int, Any, dict[str, str]]:
        with self.lock:
            for failure in self.failures:
                if failure.path in full:
                    self.failures.remove(failure)
                    return failure.status, failure.body, failure.headers
        if path == f"/{TENANT}/v2.0/.well-known/openid-configuration":
            return 200, self._openid(), {}
        if path == f"/{TENANT}/oauth2/v2.0/token" and method == "POST":
            return self._token(parse_qs(body.decode()))
        if not path.startswith("/v1.0/"):
            return 404, _error("NotFound", "no such endpoint"), {}
        if not self._valid(token):
            return 401, _error("InvalidAuthenticationToken",
                               "Access token has expired or is not yet valid."), {}
        if (match := CALL_LOG.match(path)) and method == "GET":
            return self._call_log(match[1], match[2], match[3], parse_qs(query))
        if path == "/v1.0/subscribedSkus":
            return 200, {"value": [self._sku()]}, {}
        if path == "/v1.0/users" and method == "GET":
            return self._licensed_users(parse_qs(query))
        if (match := re.match(r"^/v1\.0/users/([^/]+)/assignLicense$", path)) and \
                method == "POST":
            return self._assign(match[1], json.loads(body or b"{}"))
        if (match := re.match(r"^/v1\.0/users/([^/]+)$", path)) and method == "GET":
            user = self.users.get(match[1].lower())
            if user is None:
                return 404, _error("Request_ResourceNotFound",
                                   f"Resource '{match[1]}' does not exist."), {}
            return 200, user, {}
        return 404, _error("NotFound", "no such endpoint"), {}

    def _openid(self) -> dict[str, Any]:
        root = f"{self.base}/{TENANT}"
        return {"token_endpoint": f"{root}/oauth2/v2.0/token",
                "authorization_endpoint": f"{root}/oauth2/v2.0/authorize",
                "issuer": f"{root}/v2.0", "jwks_uri": f"{root}/discovery/v2.0/keys",
                "token_endpoint_auth_methods_supported": ["client_secret_post",
                                                          "private_key_jwt"]}

    def _token(self, form: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        value = {name: values[0] for name, values in form.items()}
        if value.get("grant_type") != "client_credentials" or \
                value.get("client_id") != CLIENT_ID:
            return 400, {"error": "unauthorized_client",
                         "error_description": "AADSTS700016: Application not found."}, {}
        if value.get("client_secret") != CLIENT_SECRET and not _signed_assertion(value):
            return 401, {"error": "invalid_client",
                         "error_description": "AADSTS7000215: Invalid client secret."}, {}
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = self.now() + dt.timedelta(seconds=3599)
        return 200, {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599,
                     "access_token": token}, {}

    def _valid(self, token: str | None) -> bool:
        with self.lock:
            expires = self.tokens.get(token or "")
        return expires is not None and expires > self.now()

    def _call_log(self, function: str, start_text: str, end_text: str,
                  query: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        if self.deny_call_records:
            return 403, _error("Forbidden", self.deny_call_records), {}
        start, end = _parse_time(start_text), _parse_time(end_text)
        if end - start > dt.timedelta(days=MAX_DAYS):
            return 400, _error("BadRequest", "The time range cannot exceed 90 days."), {}
        skip = int(query.get("$skip", ["0"])[0])
        if skip and self.gate is not None:
            self.waiting.set()
            self.gate.wait(60)
        rows = self._visible(function, start, end)
        page = rows[skip:skip + self.page_size]
        kind = ("pstnCallLogRow" if function == "getPstnCalls" else "directRoutingLogRow")
        answer: dict[str, Any] = {
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection("
                              f"microsoft.graph.callRecords.{kind})",
            "@odata.count": len(page), "value": page}
        if skip + self.page_size < len(rows):
            answer["@odata.nextLink"] = (f"{self.graph_url}/communications/callRecords/"
                                         f"{function}(fromDateTime={start_text},toDateTime="
                                         f"{end_text})?$skip={skip + self.page_size}")
        return 200, answer, {}

    def _visible(self, function: str, start: dt.datetime,
                 end: dt.datetime) -> list[dict[str, Any]]:
        """The window's records visible now, in a stable order (kept while nothing changes, so
        paging through 100,000 records does not sort them once per page)."""
        now = self.now()
        with self.lock:
            key = (function, start, end, now, len(self.calls[function]))
            if self._cache is not None and self._cache[0] == key:
                return self._cache[1]
            rows = [record for shown, record in self.calls[function]
                    if shown <= now and start <= _parse_time(record["startDateTime"]) < end]
            rows.sort(key=lambda record: (record["startDateTime"], record["id"]))
            self._cache = (key, rows)
            return rows

    def _sku(self) -> dict[str, Any]:
        consumed = sum(MCOPSTNC_SKU_ID in skus for skus in self.licensed.values())
        return {"capabilityStatus": "Enabled", "consumedUnits": consumed,
                "id": f"{TENANT}_{MCOPSTNC_SKU_ID}", "appliesTo": "User",
                "prepaidUnits": {"enabled": self.sku_units, "suspended": 0, "warning": 0,
                                 "lockedOut": 0},
                "servicePlans": [{"servicePlanId": "505e180f-f7e0-4b65-91d4-00d670bbd18c",
                                  "servicePlanName": "MCOPSTNPP", "provisioningStatus":
                                  "Success", "appliesTo": "User"}],
                "skuId": MCOPSTNC_SKU_ID, "skuPartNumber": "MCOPSTNC"}

    def _licensed_users(self, query: dict[str, list[str]]) -> tuple[int, Any, dict[str, str]]:
        match = SKU_FILTER.search(query.get("$filter", [""])[0])
        sku = match[1] if match else None
        users = [{"id": user["id"], "userPrincipalName": user["userPrincipalName"]}
                 for user in self.users.values()
                 if sku is None or sku in self.licensed[user["id"]]]
        return 200, {"value": users}, {}

    def _assign(self, user_id: str, body: dict[str, Any]) -> tuple[int, Any, dict[str, str]]:
        if user_id not in self.licensed:
            return 404, _error("Request_ResourceNotFound",
                               f"Resource '{user_id}' does not exist."), {}
        add = [item["skuId"] for item in body.get("addLicenses", [])]
        remove = list(body.get("removeLicenses", []))
        with self.lock:
            consumed = sum(MCOPSTNC_SKU_ID in skus for skus in self.licensed.values())
            new = [sku for sku in add if sku not in self.licensed[user_id]]
            if new and consumed + len(new) > self.sku_units:
                return 400, _error("Request_BadRequest",
                                   f"License assignment failed because subscription with SKU "
                                   f"{MCOPSTNC_SKU_ID} does not have any available licenses."), {}
            self.licensed[user_id] |= set(add)
            self.licensed[user_id] -= set(remove)
        user = next(u for u in self.users.values() if u["id"] == user_id)
        return 200, user, {}


def _signed_assertion(form: dict[str, str]) -> bool:
    """A certificate credential: a JWT bearer assertion that names its certificate (x5t)."""
    import base64

    if form.get("client_assertion_type") != \
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
        return False
    header = form.get("client_assertion", "").split(".")[0]
    try:
        decoded = json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))
    except ValueError:
        return False
    return decoded.get("alg") in ("RS256", "PS256") and bool(decoded.get("x5t")
                                                           or decoded.get("x5t#S256"))


def _error(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message,
                      "innerError": {"date": "2026-11-02T09:00:00", "request-id":
                                     str(uuid.uuid4())}}}


def pstn_row(number: int, start: dt.datetime, *, charge: str = "0.25",
             upn: str = "bob@contoso.example", seconds: int = 120) -> dict[str, Any]:
    """A pstnCallLogRow as getPstnCalls documents it."""
    end = start + dt.timedelta(seconds=seconds)
    return {"id": f"9c4984c7-6c3c-427d-a30c-{number:012d}", "callId": f"1835317186_{number}",
            "userId": "db03c14b-06eb-4189-939b-7cbf3a20ba27", "userPrincipalName": upn,
            "userDisplayName": upn.split("@")[0], "startDateTime": start.isoformat(),
            "endDateTime": end.isoformat(), "duration": seconds, "charge": charge,
            "callType": "user_out", "currency": "USD", "calleeNumber": "+12345678900",
            "usageCountryCode": "US", "tenantCountryCode": "US", "connectionCharge": "0",
            "callerNumber": "+15550100", "destinationContext": "Domestic",
            "destinationName": "United States", "conferenceId": None,
            "licenseCapability": "MCOPSTNC", "inventoryType": "Subscriber"}


def direct_routing_row(number: int, start: dt.datetime, *,
                       upn: str = "bob@contoso.example") -> dict[str, Any]:
    """A directRoutingLogRow as getDirectRoutingCalls documents it."""
    return {"id": f"9e8bba57-dc14-533a-a7dd-{number:012d}",
            "correlationId": f"c98e1515-a937-4b81-b8a8-{number:012d}",
            "userId": "db03c14b-06eb-4189-939b-7cbf3a20ba27", "userPrincipalName": upn,
            "userDisplayName": upn.split("@")[0], "startDateTime": start.isoformat(),
            "inviteDateTime": start.isoformat(), "failureDateTime": "0001-01-01T00:00:00Z",
            "endDateTime": (start + dt.timedelta(seconds=5)).isoformat(), "duration": 5,
            "callType": "ByotIn", "successfulCall": True, "callerNumber": "+12345678***",
            "calleeNumber": "+01234567***", "mediaPathLocation": "USWE",
            "signalingLocation": "EUNO", "finalSipCode": 0, "callEndSubReason": 540000,
            "finalSipCodePhrase": "BYE",
            "trunkFullyQualifiedDomainName": "tll-audiocodes01.adatum.biz",
            "mediaBypassEnabled": False}
