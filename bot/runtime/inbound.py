"""What arrives on /slack/events, checked before Bolt sees it (DESIGN §9, "Request limits").

In this order, each step cheap and bounded: the body is read up to MAX_BODY_BYTES (a
Content-Length above it is refused before a byte is read, and a chunked body is counted while
it streams); the Slack signature is checked on those raw bytes (as UTF-8 text, which is what
Slack signs); only then is the body parsed. So an outsider who does not know the signing secret
costs at most 1 MB of memory and one HMAC, and nothing an outsider sends reaches a JSON or form
parser. A signed body that still cannot be read (Slack would never send one) is a 400, never a
traceback.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass

from slack_bolt import BoltRequest
from slack_sdk.signature import Clock, SignatureVerifier

MAX_BODY_BYTES = 1 << 20  # 1 MB: Slack's largest payloads (a full modal view) are far smaller
# Slack signs with a Unix time in seconds: ten digits until the year 2286.
_MAX_TIMESTAMP_DIGITS = 12


class Refused(Exception):
    """A request answered with `status` and a short plain-text reason, never with a traceback."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_body(headers: Mapping[str, str], chunks: AsyncIterator[bytes], *,
                    limit: int = MAX_BODY_BYTES) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed `limit` bytes."""
    declared = headers.get("content-length")
    if declared is not None:
        if not declared.isascii() or not declared.strip().isdigit() or len(declared) > 20:
            raise Refused(400, "bad Content-Length")
        if int(declared) > limit:
            raise Refused(413, f"request body over {limit} bytes")
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:  # chunked, or a Content-Length that lied
            raise Refused(413, f"request body over {limit} bytes")
    return bytes(body)


@dataclass(frozen=True)
class SlackSignature:
    """Checks `X-Slack-Signature` over the raw bytes, with Slack's 5-minute replay window."""

    signing_secret: str
    now: Callable[[], float] = time.time

    def check(self, body: bytes, headers: Mapping[str, str]) -> str:
        """The body as text when Slack signed exactly these bytes, recently; else Refused
        (401, or 400 for bytes that are not UTF-8: Slack signs and sends only UTF-8)."""
        timestamp = headers.get("x-slack-request-timestamp") or ""
        signature = headers.get("x-slack-signature") or ""
        # slack_sdk's verifier calls int() on the timestamp: anything but a short run of digits
        # would raise there (or cost a huge int conversion) instead of being refused.
        if not (timestamp.isascii() and timestamp.isdigit()
                and len(timestamp) <= _MAX_TIMESTAMP_DIGITS) or not signature:
            raise Refused(401, "missing or malformed Slack signature headers")
        try:
            # The verifier would decode the bytes itself, and raise on invalid UTF-8.
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused(400, "the body is not UTF-8") from None
        verifier = SignatureVerifier(self.signing_secret, clock=_Clock(self.now))
        if not verifier.is_valid(body=text, timestamp=timestamp, signature=signature):
            raise Refused(401, "invalid Slack signature")
        return text


class _Clock(Clock):
    def __init__(self, now: Callable[[], float]) -> None:
        self._now = now

    def now(self) -> float:
        return self._now()


def to_bolt_request(text: str, *, headers: Mapping[str, str], query: str) -> BoltRequest:
    """The Bolt request for a signed body; Refused(400) when it is not a JSON object or form."""
    try:
        request = BoltRequest(body=text, query=query, headers=dict(headers))
    # Bolt parses JSON (also a form's `payload=` field) and reads fields off the result: a
    # malformed or deeply nested body, or one that is not an object, fails in there.
    except (ValueError, TypeError, AttributeError, KeyError, IndexError, RecursionError):
        raise Refused(400, "the body is neither a JSON object nor a Slack form") from None
    if not isinstance(request.body, dict):
        raise Refused(400, "the body is neither a JSON object nor a Slack form")
    return request

