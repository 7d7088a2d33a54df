# SPDX-License-Identifier: Apache-2.0
"""Security headers on every response, and no caching of anything but static files.

The Content-Security-Policy allows scripts only from this server's own files: **no inline
script, no ``on*=`` attributes, no ``javascript:`` URLs** — put JavaScript in
``web/static/*.js`` and load it with ``<script src="/static/….js" defer>``. Inline styles are
allowed (several pages draw with ``<style>`` blocks and ``style=`` attributes; CSS cannot run
code). The API docs page loads Swagger UI from its CDN and gets a policy of its own.
See docs/security.md, "Security headers".
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# Swagger UI (FastAPI's docs page) comes from cdn.jsdelivr.net; its start-up script is ours.
DOCS_POLICY = (
    "default-src 'self'; script-src 'self' https://cdn.jsdelivr.net; "
    "style-src 'self' https://cdn.jsdelivr.net 'unsafe-inline'; "
    "img-src 'self' data: https://fastapi.tiangolo.com; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/api/v1/docs",)
HSTS = "max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """ASGI middleware: adds the headers unless the response already set them."""

    def __init__(self, app: ASGIApp, *, https_only: bool) -> None:
        self.app = app
        self.https_only = https_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        policy = DOCS_POLICY if path in DOCS_PATHS else PAGE_POLICY
        static = path.startswith("/static/")

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in self._headers(policy, static):
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, with_headers)

    def _headers(self, policy: str, static: bool) -> list[tuple[str, str]]:
        found = [
            ("content-security-policy", policy),
            ("x-content-type-options", "nosniff"),
            ("x-frame-options", "DENY"),
            ("referrer-policy", "no-referrer"),
            ("cross-origin-opener-policy", "same-origin"),
            ("permissions-policy", "camera=(), microphone=(), geolocation=()"),
        ]
        if not static:  # pages and API answers carry patient data: never stored by a cache
            found.append(("cache-control", "no-store"))
        if self.https_only:
            found.append(("strict-transport-security", HSTS))
        return found
