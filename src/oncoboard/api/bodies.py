# SPDX-License-Identifier: Apache-2.0
"""Request bodies: authenticated first, bounded in size and time, read before admission.

Three anonymous clients sending a body at one byte a second used to hold every admission slot
(``GET /login`` waited 37 s), and a 400 MiB JSON body was read into memory before its 401.
Here, for every request that carries a body:

1. the caller is authenticated from the headers alone (token or session cookie) before one
   byte of the body is read; only the login routes take anonymous bodies, and small ones;
2. the body must fit the route's limit (uploads have their own) — ``Content-Length`` is
   checked before reading, a chunked body as it arrives — and arrive in time (no gap longer
   than ``idle_s``, all of it within ``timeout_s``, plus what ``min_rate`` allows uploads);
3. it is spooled (memory, then a temporary file) *before* the request asks for an admission
   slot, so slots go to work, never to a client that is still sending.
"""

from __future__ import annotations

import json
import re
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import IO
from urllib.parse import urlencode

import anyio
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from oncoboard.edge.problems import MACHINE_PATHS
from oncoboard.errors import OncoBoardError

# Room for the multipart boundaries and form fields around an uploaded file.
MULTIPART_OVERHEAD = 64 * 1024
# How much of an oversized body is read and dropped so the client sees the 413 answer
# instead of a reset connection; past this the connection is simply closed.
DRAIN_LIMIT = 64 * 1024 * 1024
_SPOOL_IN_MEMORY = 1 << 20

# Returns None when the caller may send a body, else the error to answer with.
Authenticate = Callable[[Request], Awaitable[OncoBoardError | None]]


@dataclass(frozen=True)
class BodyLimits:
    """Sizes in bytes, times in seconds; see ``Settings`` for the defaults and why."""

    max_bytes: int
    upload_bytes: int
    public_bytes: int
    timeout_s: float
    idle_s: float
    min_upload_rate: int


class TooSlow(Exception):
    """The body did not arrive in time."""


class TooLarge(Exception):
    def __init__(self, size: int) -> None:
        super().__init__(size)
        self.size = size


class RequestBodyGuard:
    """ASGI middleware in front of admission control (see the module docstring)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: BodyLimits,
        authenticate: Authenticate,
        public_paths: frozenset[str],
        upload_routes: tuple[tuple[str, re.Pattern[str]], ...],
    ) -> None:
        self.app = app
        self.limits = limits
        self.authenticate = authenticate
        self.public_paths = public_paths
        self.upload_routes = upload_routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _has_body(scope):
            await self.app(scope, receive, send)
            return
        path, method = str(scope["path"]), str(scope["method"])
        public = path in self.public_paths
        upload = any(m == method and p.match(path) for m, p in self.upload_routes)
        limit, shown = self._limit(public, upload)
        if not public:
            refused = await self.authenticate(Request(scope))
            if refused is not None:
                await _refuse(scope, send, refused)
                return
        declared = _content_length(scope)
        if declared > limit:
            if not public:  # drained for callers we know only, so they can read the answer
                await _drain(receive, min(declared, limit + DRAIN_LIMIT), self.limits.idle_s)
            await _problem(
                send, 413, "Payload too large", _too_large(path, declared, shown, upload)
            )
            return
        deadline = self.limits.timeout_s + (
            declared / self.limits.min_upload_rate if upload and declared > 0 else 0
        )
        with tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY) as spool:
            try:
                size = await _read(receive, spool, limit, deadline, self.limits.idle_s)
            except TooLarge as error:
                await _problem(
                    send, 413, "Payload too large", _too_large(path, error.size, shown, upload)
                )
                return
            except TooSlow:
                detail = (
                    f"the request body did not arrive within {deadline:.0f} s "
                    f"(or paused for more than {self.limits.idle_s:.0f} s)"
                )
                await _problem(send, 408, "Request timeout", detail)
                return
            if size is None:  # the client hung up
                return
            spool.seek(0)
            await self.app(scope, _replay(spool, size, receive), send)

    def _limit(self, public: bool, upload: bool) -> tuple[int, int]:
        """(bytes accepted, bytes named in the message)."""
        if public:
            return self.limits.public_bytes, self.limits.public_bytes
        if upload:
            return self.limits.upload_bytes + MULTIPART_OVERHEAD, self.limits.upload_bytes
        return self.limits.max_bytes, self.limits.max_bytes


def _has_body(scope: Scope) -> bool:
    headers = dict(scope["headers"])
    if b"chunked" in headers.get(b"transfer-encoding", b"").lower():
        return True
    return _content_length(scope) > 0


def _content_length(scope: Scope) -> int:
    for key, value in scope["headers"]:
        if key == b"content-length":
            try:
                return max(int(value), 0)
            except ValueError:
                return 0
    return 0


async def _read(
    receive: Receive, spool: IO[bytes], limit: int, deadline: float, idle: float
) -> int | None:
    """Spool the body; its size, or None when the client hung up."""
    size, end = 0, time.monotonic() + deadline
    while True:
        wait = min(idle, end - time.monotonic())
        message: Message | None = None
        if wait > 0:
            with anyio.move_on_after(wait):
                message = await receive()
        if message is None:
            raise TooSlow
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise TooLarge(size)
        spool.write(chunk)
        if not message.get("more_body", False):
            return size


async def _drain(receive: Receive, upto: int, idle: float) -> None:
    """Read and drop what the client already sends, so it can read our 413 answer."""
    size = 0
    while size < upto:
        message: Message | None = None
        with anyio.move_on_after(idle):
            message = await receive()
        if message is None or message["type"] == "http.disconnect":
            return
        size += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


def _replay(spool: IO[bytes], size: int, receive: Receive) -> Receive:
    """Hand the spooled body to the app, then pass on whatever the client sends next."""
    done = False

    async def replay() -> Message:
        nonlocal done
        if done:
            return await receive()
        chunk = spool.read(1 << 16)
        done = spool.tell() >= size
        return {"type": "http.request", "body": chunk, "more_body": not done}

    return replay


def _too_large(path: str, size: int, limit: int, upload: bool) -> str:
    what = "upload" if upload else "request body"
    setting = "ONCOBOARD_MAX_UPLOAD_BYTES" if upload else "ONCOBOARD_MAX_REQUEST_BYTES"
    return f"{what} is {size} bytes, larger than the limit of {limit} bytes ({setting})"


async def _problem(
    send: Send, status: int, title: str, detail: str, headers: dict[str, str] | None = None
) -> None:
    body = json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}
    ).encode()
    raw = [
        (b"content-type", b"application/problem+json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _refuse(scope: Scope, send: Send, error: OncoBoardError) -> None:
    """401 as problem+json for the API; pages send the browser to the login page."""
    path = str(scope["path"])
    if not path.startswith(MACHINE_PATHS):
        target = "/login?" + urlencode({"next": path})
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [(b"location", target.encode()), (b"content-length", b"0")],
            }
        )
        await send({"type": "http.response.body", "body": b""})
        return
    await _problem(
        send, 401, error.title, str(error.args[0]) if error.args else error.title,
        {"WWW-Authenticate": "Bearer"},
    )  # fmt: skip
