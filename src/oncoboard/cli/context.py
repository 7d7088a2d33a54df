# SPDX-License-Identifier: Apache-2.0
"""What every CLI command receives: settings and the engine, built once from options."""

from __future__ import annotations

from dataclasses import dataclass, field

import typer
from sqlalchemy import Engine

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
        return self._engine


def cli_context(ctx: typer.Context) -> CliContext:
    obj = ctx.find_root().obj
    assert isinstance(obj, CliContext)
    return obj
