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

import itertools
import time

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send


class AdmissionState:
    """What the health check reads: requests being worked on, and how long the oldest of
    those waiting for a slot has waited (a stuck server shows here before anywhere else)."""

    def __init__(self) -> None:
        self.active = 0
        self.waiting: dict[int, float] = {}
        self.served = 0

    def oldest_wait_s(self) -> float:
        return time.monotonic() - min(self.waiting.values()) if self.waiting else 0.0


class AdmissionLimit:
    """ASGI middleware; ``limit`` 0 admits everything. ``exempt`` paths (the health check)
    never wait, so a probe can say how long the others wait. Bodies are read before a request
    gets here (``api/bodies.py``): a slot is held for work, not for a client still sending."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        limit: int,
        exempt: tuple[str, ...] = (),
        state: AdmissionState | None = None,
    ) -> None:
        self.app, self.limit, self.exempt = app, limit, exempt
        self.state = state or AdmissionState()
        self._slots: anyio.Semaphore | None = None
        self._tickets = itertools.count()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in self.exempt:
            await self.app(scope, receive, send)
            return
        if self.limit <= 0:
            await self._work(scope, receive, send)
            return
        if self._slots is None:  # created on the running loop, at the first request
            self._slots = anyio.Semaphore(self.limit)
        ticket = next(self._tickets)
        self.state.waiting[ticket] = time.monotonic()
        try:
            await self._slots.acquire()
        finally:
            del self.state.waiting[ticket]
        try:
            await self._work(scope, receive, send)
        finally:
            self._slots.release()

    async def _work(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.state.active += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.state.active -= 1
            self.state.served += 1
