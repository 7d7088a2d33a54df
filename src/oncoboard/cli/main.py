# SPDX-License-Identifier: Apache-2.0
"""The ``oncoboard`` command: mounts every capability's sub-app; maps errors to exit codes once."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.text import Text

from oncoboard.actionability.cohort import cli as screening_cli
from oncoboard.cli import system
from oncoboard.cli.context import CliContext
from oncoboard.cli.output import err_console
from oncoboard.dosing import cli as dosing_cli
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
from oncoboard.governance import cli as governance_cli
from oncoboard.ingest import cli as ingest_cli
from oncoboard.knowledge import cli as knowledge_cli
from oncoboard.monitoring import cli as monitoring_cli
from oncoboard.record import cli as record_cli
from oncoboard.report import cli as report_cli
from oncoboard.settings import Settings
from oncoboard.trials import cli as trials_cli

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

app = typer.Typer(
    name="oncoboard",
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


ingest_cli.register(app)
record_cli.register(app)
system.register(app)
governance_cli.register(app)
knowledge_cli.register(app)
report_cli.register(app)
screening_cli.register(app)
monitoring_cli.register(app)
trials_cli.register(app)
dosing_cli.register(app)


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
