"""ASGI middleware: authentication before bodies, request body limits, one log line per request.

* :class:`AllowOptions` answers ``OPTIONS`` on every API path with 204 and the ``Allow``
  header listing the methods the path accepts;
* :class:`AuthFirst` answers 401 (or 403) to a request that must be signed in *before*
  anything reads its body: an anonymous client cannot make the server buffer megabytes it
  will refuse anyway.
* :class:`BodyLimit` reads a request body up to its limit before the app sees it, and answers
  413 (JSON) past the limit — whether the client declared a ``Content-Length`` or streamed
  chunks. Catalog uploads get a larger limit than every other route.
* :class:`RequestLog` writes one line per request on the ``pathways.api`` logger: client,
  method, path, status, time, account and the catalog version served, and adds a
  ``Pathways-Catalog-Version`` header to replies that read the catalog.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Collection
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "CATALOG_VERSION_HEADER",
    "AllowOptions",
    "AuthFirst",
    "BodyLimit",
    "RequestLog",
    "TokenCheck",
]

logger = logging.getLogger("pathways.api")

CATALOG_VERSION_HEADER = "Pathways-Catalog-Version"
"""Reply header naming the content hash of the catalog a request was answered from."""


async def _reply(
    send: Send, status: int, detail: str, headers: tuple[tuple[bytes, bytes], ...] = ()
) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class AllowOptions:
    """Answer ``OPTIONS`` on an API path: 204, ``Allow: GET, POST, …, OPTIONS``, no body.

    ``allowed(path)`` gives the methods the path's operations accept; a path with none is
    not the API's and passes through (the app answers it as it would otherwise).
    """

    def __init__(self, app: ASGIApp, *, allowed: Callable[[str], frozenset[str]]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "OPTIONS":
            methods = self.allowed(scope["path"])
            if methods:
                allow = ", ".join(sorted(methods | {"OPTIONS"}))
                await send(
                    {
                        "type": "http.response.start",
                        "status": 204,
                        "headers": [(b"allow", allow.encode())],
                    }
                )
                await send({"type": "http.response.body", "body": b""})
                return
        await self.app(scope, receive, send)


TokenCheck = Callable[[str], "str | None"]
"""A bearer token → the role of its account, or None for an unknown or revoked token."""

_ASK_TOKEN = ((b"www-authenticate", b"Bearer"),)


class AuthFirst:
    """Check the bearer token of requests that must be signed in before their body is read.

    ``gated(scope)`` says whether a request must be signed in (the app passes the routes
    that take a body and refuse anonymous callers); ``registrar(scope)`` whether it also
    needs a registrar. A missing, malformed, unknown or revoked token answers 401, the wrong
    role 403, with the routes' own messages, and the body is never read. Everything else
    passes through untouched; the routes still check the account themselves.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        check: TokenCheck,
        gated: Callable[[Scope], bool],
        registrar: Callable[[Scope], bool],
    ) -> None:
        self.app = app
        self.check = check
        self.gated = gated
        self.registrar = registrar

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.gated(scope):
            await self.app(scope, receive, send)
            return
        header = next((v for k, v in scope["headers"] if k == b"authorization"), None)
        if header is None:
            await _reply(send, 401, "sign in: send Authorization: Bearer TOKEN", _ASK_TOKEN)
            return
        scheme, _, token = header.decode("latin-1").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            await _reply(send, 401, "the Authorization header must be: Bearer TOKEN", _ASK_TOKEN)
            return
        role = await run_in_threadpool(self.check, token)
        if role is None:
            await _reply(send, 401, "invalid or revoked bearer token", _ASK_TOKEN)
            return
        if role != "registrar" and self.registrar(scope):
            await _reply(send, 403, f"only a registrar may do this (signed in as {role})")
            return
        await self.app(scope, receive, send)


class BodyLimit:
    """Refuse request bodies over ``limit`` bytes (``upload_limit`` on ``upload_paths``)."""

    def __init__(
        self, app: ASGIApp, *, limit: int, upload_limit: int, upload_paths: Collection[str]
    ) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit
        self.upload_paths = frozenset(upload_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_limit if scope["path"] in self.upload_paths else self.limit
        too_big = f"request body over the {limit} byte limit"
        for name, value in scope["headers"]:
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await _reply(send, 400, "Content-Length is not a number")
                    return
                if declared > limit:
                    await _reply(send, 413, too_big)
                    return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > limit:
                await _reply(send, 413, too_big)
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False
        whole = b"".join(chunks)

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


class RequestLog:
    """Log one line per request; name the served catalog version in a reply header."""

    def __init__(self, app: ASGIApp, *, enabled: bool = True) -> None:
        self.app = app
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        state: dict[str, Any] = scope.setdefault("state", {})
        status = 500

        async def send_with_header(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                version = state.get("catalog_version")
                if version:
                    headers = list(message.get("headers", []))
                    headers.append((CATALOG_VERSION_HEADER.lower().encode(), version.encode()))
                    message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_header)
        finally:
            if self.enabled:
                self._log(scope, state, status, time.perf_counter() - started)

    @staticmethod
    def _log(scope: Scope, state: dict[str, Any], status: int, seconds: float) -> None:
        client = scope.get("client")
        where = f"{client[0]}:{client[1]}" if client else "-"
        path = scope.get("path", "")
        query = scope.get("query_string", b"")
        if query:
            path += "?" + query.decode("latin-1")[:200]
        logger.info(
            '%s "%s %s" %d %.1fms user=%s catalog=%s',
            where,
            scope.get("method", "-"),
            path[:300],
            status,
            seconds * 1000,
            state.get("user", "-"),
            state.get("catalog_version", "-"),
        )
