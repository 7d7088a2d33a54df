# SPDX-License-Identifier: Apache-2.0
"""Request-scoped dependencies: settings and one unit of work per request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from anyio import CancelScope
from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from oncoboard.settings import Settings
from oncoboard.store.db import begin_unit, end_unit


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's unit of work. Opening it does no I/O, so it runs on the event loop; the
    commit or rollback runs in the thread pool, shielded so a client that hangs up cannot
    leave the transaction open (every hop to the pool costs CPU on each request)."""
    session = begin_unit(request.app.state.engine)
    try:
        yield session
    except BaseException as error:
        with CancelScope(shield=True):
            await run_in_threadpool(end_unit, session, error)
        raise
    with CancelScope(shield=True):
        await run_in_threadpool(end_unit, session, None)


# scope="function": commit before the response is sent, so a client that got 201 can read
# what it wrote, and a failed commit becomes an error answer instead of a lost write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
