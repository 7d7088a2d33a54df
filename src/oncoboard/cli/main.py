# SPDX-License-Identifier: Apache-2.0
"""The ``oncoboard`` command: mounts every capability's sub-app; maps errors to exit codes once.

Sub-apps load when their command is asked for, not with every command: importing all of them
(numpy, the trial index, every capability's schemas) cost ~0.5 s of CPU before ``oncoboard
import`` could start (``python -X importtime``; ``benchmarks/vcf_import.py``).
"""

from __future__ import annotations

import atexit
import gc
import importlib
import sys
from collections.abc import Iterator, MutableMapping
from typing import TYPE_CHECKING, Annotated, Any

import typer
from pydantic import ValidationError
from rich.text import Text
from typer.core import TyperCommand, TyperGroup

from oncoboard.edge.cli_context import CliContext, ConfigurationError
from oncoboard.edge.cli_output import err_console, exit_code_for
from oncoboard.errors import OncoBoardError

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from oncoboard.governance.gate import Actor
    from oncoboard.settings import Settings

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
    ("oncoboard.pharmacogenomics.cli", ("pgx",)),
    ("oncoboard.traceability.cli", ("celltherapy",)),
    ("oncoboard.federation.cli", ("federation",)),
)


# The root's help lists every command with its one-line help: written here so that ``oncoboard
# --help`` lists them without importing every capability (a test keeps it equal to the real help).
COMMAND_HELP: dict[str, str] = {
    "import": "Import files, each all-or-nothing; re-importing the same file changes nothing.",
    "validate": "Check files without importing; list every problem; exit non-zero when any.",
    "patients": "Browse patient records.",
    "version": "Print the OncoBoard version (with --full: everything a bug report needs).",
    "doctor": "Check required and optional parts and say what is missing and how to get it.",
    "serve": "Start the web app and API.",
    "db": "Database schema.",
    "users": "Accounts, roles and API tokens (admin).",
    "audit": "The tamper-evident audit trail.",
    "consent": "Consent per purpose, with history.",
    "kb": "Knowledge-base releases: import, list, show, diff.",
    "report": "Write the tumour-board report as <patient>.oncoboard.<build>.<kind>.<ext>.",
    "actionability": "Actionability across patients: cohort screening (research use).",
    "pro": "Patient-reported symptoms (PRO-CTCAE).",
    "alerts": "The symptom-alert queue.",
    "trials": "Clinical-trial registry: import, show, match a patient, feasibility.",
    "dose": "Label-based dose-modification proposals (a clinician decides).",
    "pgx": "Pharmacogenomics: import germline results, show phenotypes and dosing advice.",
    "celltherapy": "Cell-therapy chain of identity: cases, scanned hand-overs, signed batch record.",
    "federation": "Federated research: Beacon site node, coordinator, training.",
    "models": "Learned models: registry, cards, change control, drift.",
}


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

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The root's help from ``COMMAND_HELP``: listing commands loads no sub-app."""
        lazy = self.commands
        stubs: dict[str, Command] = {
            name: TyperCommand(name=name, help=COMMAND_HELP[name], callback=None)
            for _, names in SUB_APPS
            for name in names
        }
        self.commands = stubs
        try:
            super().format_help(ctx, formatter)
        finally:
            self.commands = lazy


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
    ctx.obj = CliContext(
        overrides=overrides,
        resolve_actor=_acting_user,
        on_engine=_anchor_audit_trail,
        on_command_start=_resume_collector,
    )
    _RUN["context"] = ctx.obj
    ctx.call_on_close(ctx.obj.dispose)


def _acting_user(session: Session, user: str, request_id: str) -> Actor:
    """The named user a command acts as (governance), resolved only when a command needs one."""
    from oncoboard.governance.users import actor_for

    return actor_for(session, user, request_id=request_id)


def _anchor_audit_trail(engine: Engine, settings: Settings) -> None:
    """Anchor the audit chain outside the database as soon as a command opens it."""
    from oncoboard.governance.anchor import anchor_audit

    anchor_audit(engine, settings)


def invalid_input_text(error: ValidationError) -> str:
    """A pydantic refusal of a command's input as one line per field: where, what, given."""
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item.get("loc", ())) or "value"
        given = item.get("input")
        shown = "" if isinstance(given, dict | list) else f" (given {str(given)[:80]!r})"
        parts.append(f"{where}: {item.get('msg', 'invalid')}{shown}")
    return "invalid input: " + "; ".join(parts)


USAGE_EXIT = 3  # a bad option value is invalid input, like a bad file (README, exit codes)
# this run's context, for the database URL in the one-line "run `oncoboard db upgrade`" message
_RUN: dict[str, CliContext] = {}


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


def _database_error(error: Exception) -> int:
    context = _RUN.get("context")
    url = context.database_url if context is not None else None
    line = schema_hint(error, url)
    if line is None:
        first = str(getattr(error, "orig", None) or error).strip().splitlines()
        where = f" at {_safe(url)}" if url else ""
        line = f"database error{where}: {type(error).__name__}: {first[0] if first else ''}"
    err_console.print(Text.assemble(("error: ", "bold red"), line), soft_wrap=True)
    return 1


def run() -> None:
    """Console entry point: every error is one located line and an exit code, no traceback."""
    _skip_collection_at_exit()
    _pause_collector()
    try:
        code = app(standalone_mode=False)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        sys.exit(130)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except Exception as error:
        sys.exit(exit_code_after(error))
    finally:
        _resume_collector()
    sys.exit(code if isinstance(code, int) else 0)


# whether ``run`` paused the cyclic collector for the start-up (and so must resume it)
_START_UP = {"collector_paused": False}


def _pause_collector() -> None:
    """Pause the cyclic collector while the command starts: importing its modules builds a few
    hundred thousand long-lived objects and no garbage, and the collector's walks over them cost
    ~10 % of a database read's start-up (docs/benchmarks.md, CLI start-up)."""
    if gc.isenabled():
        gc.disable()
        _START_UP["collector_paused"] = True


def _resume_collector() -> None:
    """The collector runs again once the command asks for its context (its imports are done
    by then) and in any case when ``run`` returns: the command's own work is collected as usual."""
    if _START_UP["collector_paused"]:
        _START_UP["collector_paused"] = False
        gc.enable()


def _skip_collection_at_exit() -> None:
    """Freeze every object as the process ends, after the other exit handlers ran.

    At exit Python's cyclic collector walks and frees every module, class and function one by one
    (0.1-0.2 s of CPU for a database read, longer than the read itself; docs/benchmarks.md, CLI
    start-up); the operating system reclaims the memory anyway. Frozen objects are left to it.
    Nothing depends on that walk: files and connections are closed by the code that opened them.
    Registered first, so it runs last; registering again (tests call ``run`` in-process) keeps one.
    """
    atexit.unregister(gc.freeze)
    atexit.register(gc.freeze)


def _say(prefix: str, line: str) -> None:
    err_console.print(Text.assemble((prefix, "bold red"), line), soft_wrap=True)


def exit_code_after(error: Exception) -> int:
    """Say what went wrong in one located line (click prints its usage) and pick the exit code;
    an error none of these explains is re-raised with its traceback (a bug to report)."""
    usage_errors, click_errors = _click_errors()
    if isinstance(error, OncoBoardError):
        _say("error: ", str(error))
        return exit_code_for(error)
    if isinstance(error, ConfigurationError):
        _say("configuration error: ", str(error))
        return 2
    if isinstance(error, ValidationError):  # a command's input refused by its schema
        _say("error: ", invalid_input_text(error))
        return USAGE_EXIT
    if isinstance(error, usage_errors + click_errors):
        getattr(error, "show")()  # noqa: B009 - click's exceptions print themselves
        return USAGE_EXIT if isinstance(error, usage_errors) else getattr(error, "exit_code", 1)
    if "sqlalchemy" in sys.modules:  # only a command that opened the database can fail on it
        from sqlalchemy.exc import DBAPIError

        if isinstance(error, DBAPIError):
            return _database_error(error)
    raise error
