# SPDX-License-Identifier: Apache-2.0
"""Request-scoped dependencies: settings and one unit of work per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from oncoboard.settings import Settings
from oncoboard.store.db import unit_of_work


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    with unit_of_work(request.app.state.engine) as session:
        yield session


# scope="function": commit before the response is sent, so a client that got 201 can read
# what it wrote, and a failed commit becomes an error answer instead of a lost write.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
SettingsDep = Annotated[Settings, Depends(get_settings)]
