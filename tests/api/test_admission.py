# SPDX-License-Identifier: Apache-2.0
"""Admission control: no more requests in progress than the limit; the health check never waits."""

from __future__ import annotations

import anyio
import pytest
from starlette.types import Receive, Scope, Send

from oncoboard.api.admission import AdmissionLimit
from oncoboard.api.app import create_app
from oncoboard.settings import Settings


class SlowApp:
    """An ASGI app that notes how many requests it is working on at once."""

    def __init__(self) -> None:
        self.active = self.peak = self.done = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.active += 1
        self.peak = max(self.peak, self.active)
        await anyio.sleep(0.02)
        self.active -= 1
        self.done += 1


def _run(limit: int, paths: list[str], *, exempt: tuple[str, ...] = ()) -> SlowApp:
    inner = SlowApp()
    limited = AdmissionLimit(inner, limit=limit, exempt=exempt)

    async def burst() -> None:
        async with anyio.create_task_group() as group:
            for path in paths:
                group.start_soon(limited, {"type": "http", "path": path}, None, None)

    anyio.run(burst)
    return inner


@pytest.mark.parametrize("limit", [1, 3])
def test_no_more_requests_in_progress_than_the_limit(limit: int) -> None:
    app = _run(limit, ["/api/v1/x"] * 12)
    assert (app.peak, app.done) == (limit, 12)


def test_zero_admits_everything_at_once() -> None:
    app = _run(0, ["/api/v1/x"] * 12)
    assert (app.peak, app.done) == (12, 12)


def test_exempt_paths_do_not_wait_for_a_slot() -> None:
    # one slot, held by the first request: the five health checks run beside it
    app = _run(1, ["/api/v1/x"] + ["/api/v1/health"] * 5, exempt=("/api/v1/health",))
    assert (app.peak, app.done) == (6, 6)


def test_the_app_takes_its_limit_from_the_settings() -> None:
    app = create_app(Settings(database_url="sqlite://", max_active_requests=2))
    found = [m for m in app.user_middleware if m.cls is AdmissionLimit]
    assert len(found) == 1 and found[0].kwargs["limit"] == 2
