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
from typing import Annotated, Any, NoReturn

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
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as error:
        raise ConfigurationError(str(error)) from None
    ctx.obj = CliContext(settings=settings)
    _RUN["database_url"] = ctx.obj.settings.database_url
    ctx.call_on_close(ctx.obj.dispose)


class ConfigurationError(Exception):
    """The ONCOBOARD_* settings (or the root options) are invalid: nothing can run."""


def invalid_input_text(error: ValidationError) -> str:
    """A pydantic refusal of a command's input as one line per field: where, what, given."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ())) or "value"
        given = item.get("input")
        shown = "" if isinstance(given, dict | list) else f" (given {str(given)[:80]!r})"
        parts.append(f"{where}: {item.get('msg', 'invalid')}{shown}")
    return "invalid input: " + "; ".join(parts)


def exit_code_for(error: OncoBoardError) -> int:
    return next(code for kind, code in EXIT_CODES if isinstance(error, kind))


USAGE_EXIT = 3  # a bad option value is invalid input, like a bad file (README, exit codes)
# the database URL of this run, for the one-line "run `oncoboard db upgrade`" message
_RUN: dict[str, str] = {}


def _click_errors() -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """(usage errors, other click errors) of click and of the copy typer carries."""
    import click

    usage: list[type[Exception]] = [click.UsageError]
    other: list[type[Exception]] = [click.ClickException]
    try:
        from typer._click import exceptions as vendored  # typer >= 0.25 carries its own click
    except ImportError:  # pragma: no cover - older typer uses click itself
        pass
    else:
        usage.append(vendored.UsageError)
        other.append(vendored.ClickException)
    return tuple(usage), tuple(other)


def schema_hint(error: Exception, database_url: str | None) -> str | None:
    """One line for a database that was never upgraded (or is older than this OncoBoard)."""
    text = str(getattr(error, "orig", None) or error).lower()
    missing = ("no such table", "no such column", "does not exist", "undefinedtable")
    if not any(word in text for word in missing):
        return None
    where = f" at {_safe(database_url)}" if database_url else ""
    return (
        f"the database{where} has no OncoBoard schema or an older one "
        f"({text.splitlines()[0][:120]}): run `oncoboard db upgrade`"
    )


def _safe(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "(unparsable URL)"


def _database_error(error: Exception) -> NoReturn:
    url = _RUN.get("database_url")
    line = schema_hint(error, url)
    if line is None:
        first = str(getattr(error, "orig", None) or error).strip().splitlines()
        where = f" at {_safe(url)}" if url else ""
        line = f"database error{where}: {type(error).__name__}: {first[0] if first else ''}"
    err_console.print(Text.assemble(("error: ", "bold red"), line), soft_wrap=True)
    sys.exit(1)


def run() -> None:
    """Console entry point: every error is one located line and an exit code, no traceback."""
    from sqlalchemy.exc import DBAPIError

    usage_errors, click_errors = _click_errors()
    try:
        code = app(standalone_mode=False)
    except OncoBoardError as error:
        err_console.print(Text.assemble(("error: ", "bold red"), str(error)), soft_wrap=True)
        sys.exit(exit_code_for(error))
    except ConfigurationError as error:
        err_console.print(Text.assemble(("configuration error: ", "bold red"), str(error)))
        sys.exit(2)
    except ValidationError as error:  # a command's input refused by its schema
        line = invalid_input_text(error)
        err_console.print(Text.assemble(("error: ", "bold red"), line), soft_wrap=True)
        sys.exit(USAGE_EXIT)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        sys.exit(130)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except usage_errors as error:
        error.show()  # type: ignore[attr-defined]
        sys.exit(USAGE_EXIT)
    except click_errors as error:
        error.show()  # type: ignore[attr-defined]
        sys.exit(getattr(error, "exit_code", 1))
    except DBAPIError as error:
        _database_error(error)
    sys.exit(code if isinstance(code, int) else 0)
