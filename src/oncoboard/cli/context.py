# SPDX-License-Identifier: Apache-2.0
"""What every CLI command receives: settings and the engine, built once from options."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

import typer
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from oncoboard.governance.anchor import anchor_audit
from oncoboard.governance.gate import Actor
from oncoboard.governance.users import actor_for
from oncoboard.settings import Settings
from oncoboard.store.db import make_engine


@dataclass
class CliContext:
    settings: Settings
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.database_url)
            anchor_audit(self._engine, self.settings)
        return self._engine

    def dispose(self) -> None:
        """Close pooled connections when the command ends."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def actor(self, session: Session) -> Actor:
        """The named user this command acts as; passes the same gate and audit as the API."""
        return actor_for(session, self.settings.user, request_id=self.request_id)

    @property
    def request_id(self) -> str:
        return f"cli-{self._run_id}"

    _run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12], repr=False)


def cli_context(ctx: typer.Context) -> CliContext:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliContext)
    return obj
