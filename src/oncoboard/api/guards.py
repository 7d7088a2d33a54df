# SPDX-License-Identifier: Apache-2.0
"""Refuse URLs carrying NUL or other control characters before any route sees them.

PostgreSQL rejects NUL in text and SQLite truncates at it; either way such a value is never a
legitimate patient id or search term, so it is a clear 422 instead of an error deep inside.
"""

from __future__ import annotations

import json
import re
from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class RejectControlCharacters:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope.get("path", "")
            query = unquote(scope.get("query_string", b"").decode("latin-1"))
            if _CONTROL.search(path) or _CONTROL.search(query):
                body = json.dumps(
                    {
                        "type": "about:blank",
                        "title": "Invalid request",
                        "status": 422,
                        "detail": "control characters (such as NUL) are not allowed in URLs",
                    }
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 422,
                        "headers": [
                            (b"content-type", b"application/problem+json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
