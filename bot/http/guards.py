"""What stands before the engine: a cap on the request body, the optional bearer token, a per-client rate limit."""

from __future__ import annotations

import hmac

from fastapi import Request

from bot.http.errors import ApiError, error_response


class BodyLimit:
    """ASGI middleware: a body over `max_bytes` gets 413, whether it says its length up front or streams it."""

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            return await self._too_large(scope, receive, send)
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise ApiError(413, "body_too_large", self._message())
            return message

        await self.app(scope, limited_receive, send)

    def _message(self) -> str:
        return f"the request body is over {self.max_bytes} bytes"

    async def _too_large(self, scope, receive, send):
        await error_response(413, "body_too_large", self._message())(scope, receive, send)


def check_token(request: Request) -> None:
    """With XUNDA_API_TOKEN set, the request must carry `Authorization: Bearer <that token>`."""
    service = request.app.state.service
    expected = service.settings.api_token
    if not expected:
        return
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise ApiError(
            401, "invalid_api_key", "missing or wrong bearer token", headers={"WWW-Authenticate": "Bearer"}
        )


def check_rate(request: Request) -> None:
    """At most XUNDA_HTTP_RATE_LIMIT questions a minute from one client address."""
    service = request.app.state.service
    client = request.client.host if request.client else "unknown"
    wait = service.rate_limit.wait(client)
    if wait > 0:
        seconds = max(1, round(wait))
        raise ApiError(
            429,
            "rate_limited",
            f"too many questions from {client}: try again in {seconds} s",
            headers={"Retry-After": str(seconds)},
        )
