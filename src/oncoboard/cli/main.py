# SPDX-License-Identifier: Apache-2.0
"""The ``oncoboard`` command: mounts every capability's sub-app; maps errors to exit codes once.

Sub-apps load when their command is asked for, not with every command: importing all of them
(numpy, the trial index, every capability's schemas) cost ~0.5 s of CPU before ``oncoboard
import`` could start (``python -X importtime``; ``benchmarks/vcf_import.py``).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, MutableMapping
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.text import Text
from typer.core import TyperGroup

from oncoboard.cli.context import CliContext
from oncoboard.cli.output import err_console
from oncoboard.errors import (
    Conflict,
    ConsentDenied,
    FeatureUnavailable,
    InputError,
    KnowledgeUnavailable,
    NotAuthenticated,
    NotFound,
    OncoBoardError,
    PermissionDenied,
    RateLimited,
)
from oncoboard.settings import Settings

EXIT_CODES: list[tuple[type[OncoBoardError], int]] = [
    (InputError, 3),
    (NotFound, 4),
    (Conflict, 5),
    (NotAuthenticated, 6),
    (PermissionDenied, 6),
    (ConsentDenied, 7),
    (RateLimited, 6),
    (KnowledgeUnavailable, 8),
    (FeatureUnavailable, 8),
    (OncoBoardError, 1),
]

# A click command as the installed Typer builds it (typer 0.29 carries its own copy of click).
Command = Any

# Each module's ``register(app)`` and the top-level names it adds, in help order. The names only
# say which module to load first: a name missing here is still found by loading them all.
SUB_APPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("oncoboard.ingest.cli", ("import", "validate")),
    ("oncoboard.record.cli", ("patients",)),
    ("oncoboard.cli.system", ("version", "doctor", "serve", "db")),
    ("oncoboard.governance.cli", ("users", "audit", "consent")),
    ("oncoboard.knowledge.cli", ("kb",)),
    ("oncoboard.report.cli", ("report",)),
    ("oncoboard.actionability.cohort.cli", ("actionability",)),
    ("oncoboard.monitoring.cli", ("pro", "alerts")),
    ("oncoboard.trials.cli", ("trials",)),
    ("oncoboard.dosing.cli", ("dose",)),
    ("oncoboard.prediction.cli", ("models",)),
)


def _sub_app_commands(module: str) -> dict[str, Command]:
    """The click commands one module's ``register`` adds, built as Typer builds the root's."""
    holder = typer.Typer()
    importlib.import_module(module).register(holder)
    return dict(typer.main.get_group(holder).commands)


class _LazyCommands(MutableMapping[str, Command]):
    """The root's commands: looking one up loads its module; listing them loads every module."""

    def __init__(self, eager: MutableMapping[str, Command]) -> None:
        self._eager = dict(eager)
        self._loaded: dict[str, dict[str, Command]] = {}

    def _load(self, module: str) -> dict[str, Command]:
        if module not in self._loaded:
            self._loaded[module] = _sub_app_commands(module)
        return self._loaded[module]

    def _all(self) -> dict[str, Command]:
        merged = dict(self._eager)
        for module, _ in SUB_APPS:
            merged.update(self._load(module))
        return merged

    def __getitem__(self, name: str) -> Command:
        if name in self._eager:
            return self._eager[name]
        for module, names in SUB_APPS:
            if name in names and name in self._load(module):
                return self._loaded[module][name]
        return self._all()[name]

    def __setitem__(self, name: str, command: Command) -> None:
        self._eager[name] = command

    def __delitem__(self, name: str) -> None:
        del self._eager[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


class _LazyGroup(TyperGroup):
    """The root group, with :class:`_LazyCommands` in place of a plain dict."""

    def __init__(self, **attrs: object) -> None:
        super().__init__(**attrs)  # type: ignore[arg-type]
        self.commands = _LazyCommands(self.commands)


app = typer.Typer(
    name="oncoboard",
    cls=_LazyGroup,
    help="OncoBoard: precision-oncology patient record, ingest and decision support.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


@app.callback()
def main(
    ctx: typer.Context,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="SQLAlchemy URL (ONCOBOARD_DATABASE_URL)")
    ] = None,
    user: Annotated[
        str | None, typer.Option("--user", help="Act as this named user (ONCOBOARD_USER)")
    ] = None,
) -> None:
    """Choose the database and the acting user; the rest comes from ONCOBOARD_* settings."""
    overrides = {"database_url": database_url} if database_url else {}
    if user:
        overrides["user"] = user
    ctx.obj = CliContext(settings=Settings(**overrides))  # type: ignore[arg-type]
    ctx.call_on_close(ctx.obj.dispose)


def exit_code_for(error: OncoBoardError) -> int:
    return next(code for kind, code in EXIT_CODES if isinstance(error, kind))


def run() -> None:
    """Console entry point."""
    try:
        code = app(standalone_mode=False)
    except OncoBoardError as error:
        err_console.print(Text.assemble(("error: ", "bold red"), str(error)), soft_wrap=True)
        sys.exit(exit_code_for(error))
    except ValidationError as error:
        err_console.print(Text.assemble(("configuration error: ", "bold red"), str(error)))
        sys.exit(2)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        sys.exit(130)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except Exception as error:  # click usage errors arrive here in non-standalone mode
        from click.exceptions import ClickException

        if isinstance(error, ClickException):
            error.show()
            sys.exit(error.exit_code)
        raise
    sys.exit(code if isinstance(code, int) else 0)
