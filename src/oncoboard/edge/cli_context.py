# SPDX-License-Identifier: Apache-2.0
"""What every CLI command receives: settings and the engine, built once from options.

SQLAlchemy and the governance tables are imported when a command first needs the database, not
when the CLI starts: ``oncoboard --help`` and ``oncoboard version`` never touch them (start-up
times in docs/benchmarks.md, CLI start-up).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from oncoboard.governance.gate import Actor
    from oncoboard.settings import Settings


class ConfigurationError(Exception):
    """The ONCOBOARD_* settings (or the root options) are invalid: nothing can run."""


@dataclass
class CliContext:
    """Settings are built on first use (pydantic-settings costs start-up time that ``--help``
    and ``version`` do not need)."""

    overrides: dict[str, str] = field(default_factory=dict)
    # registered by the assembly (cli/main.py): governance resolves the acting user and anchors
    # the audit trail; this ground module never imports it
    resolve_actor: Callable[[Session, str, str], Actor] | None = None
    on_engine: Callable[[Engine, Settings], None] | None = None
    # called once, when the command first asks for its context (its imports are done by then)
    on_command_start: Callable[[], None] | None = None
    _settings: Settings | None = field(default=None, repr=False)
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            from pydantic import ValidationError

            from oncoboard.settings import Settings

            try:
                self._settings = Settings(**self.overrides)
            except ValidationError as error:
                raise ConfigurationError(str(error)) from None
        return self._settings

    @property
    def database_url(self) -> str | None:
        """The database URL if settings were built (for error messages; never builds them)."""
        return self._settings.database_url if self._settings is not None else None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from oncoboard.store.db import make_engine

            self._engine = make_engine(self.settings.database_url)
            if self.on_engine is not None:
                self.on_engine(self._engine, self.settings)
        return self._engine

    def dispose(self) -> None:
        """Close pooled connections when the command ends."""
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    def actor(self, session: Session) -> Actor:
        """The named user this command acts as; passes the same gate and audit as the API."""
        if self.resolve_actor is None:
            raise RuntimeError(
                "no acting-user resolver registered (cli/main.py builds the context)"
            )
        return self.resolve_actor(session, self.settings.user, self.request_id)

    @property
    def request_id(self) -> str:
        return f"cli-{self._run_id}"

    _run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12], repr=False)


def cli_context(ctx: typer.Context) -> CliContext:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliContext)
    if obj.on_command_start is not None:
        started, obj.on_command_start = obj.on_command_start, None
        started()
    return obj
