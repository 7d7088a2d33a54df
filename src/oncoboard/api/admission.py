# SPDX-License-Identifier: Apache-2.0
"""Admission control: at most N requests of one server process are worked on at once.

The others wait their turn on the event loop, where waiting costs nothing, instead of in the
thread pool, where every admitted request competes for the process's GIL, and a request holding
the audit chain's head waits for the GIL with the head locked. On two cores, 24 clients sending
symptom surveys to two server processes: no limit 132/s; limit 6: 143-154/s; limit 3: 165-197/s;
10,000 surveys in 54-65 s instead of 83-94 s (``benchmarks/monitoring_load.py``,
docs/benchmarks.md).
"""

from __future__ import annotations

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send


class AdmissionLimit:
    """ASGI middleware; ``limit`` 0 admits everything. ``exempt`` paths (the health check)
    never wait, so a probe sees a busy server as up."""

    def __init__(self, app: ASGIApp, *, limit: int, exempt: tuple[str, ...] = ()) -> None:
        self.app, self.limit, self.exempt = app, limit, exempt
        self._slots: anyio.Semaphore | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.limit <= 0 or scope.get("path") in self.exempt:
            await self.app(scope, receive, send)
            return
        if self._slots is None:  # created on the running loop, at the first request
            self._slots = anyio.Semaphore(self.limit)
        async with self._slots:
            await self.app(scope, receive, send)
