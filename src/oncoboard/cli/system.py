# SPDX-License-Identifier: Apache-2.0
"""System commands: serve, db upgrade, version, doctor, demo."""

from __future__ import annotations

import platform
import re
import shutil
from importlib import metadata
from typing import TYPE_CHECKING, Annotated

import typer

from oncoboard import __version__
from oncoboard.edge.cli_context import cli_context
from oncoboard.edge.cli_output import console, emit_json, err_console
from oncoboard.errors import FeatureUnavailable

if TYPE_CHECKING:
    from sqlalchemy import Engine

db = typer.Typer(help="Database schema.", no_args_is_help=True)

DEPENDENCIES = (
    "fastapi",
    "sqlalchemy",
    "alembic",
    "pydantic",
    "typer",
    "cyvcf2",
    "fhir.resources",
    "phenopackets",
    "protobuf",
    "pandas",
    "psycopg",
    "uvicorn",
)


@db.command("upgrade")
def db_upgrade(ctx: typer.Context) -> None:
    """Create or upgrade the database schema to the newest revision."""
    from oncoboard.governance.users import ensure_site_admin
    from oncoboard.store.db import unit_of_work
    from oncoboard.store.migrate import upgrade

    context = cli_context(ctx)
    revision = upgrade(context.engine)
    from oncoboard.trials.reread import reread_stale

    with unit_of_work(context.engine) as session:
        ensure_site_admin(session)
        reread = reread_stale(session)
    console.print(
        f"database at revision {revision} ({_safe_url(context.settings.database_url)})",
        markup=False,
    )
    if reread:
        console.print(f"{reread} stored trial(s) read again by the current criterion readers")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def version(
    ctx: typer.Context,
    full: Annotated[bool, typer.Option("--full", help="Python, database and dependencies")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Print the OncoBoard version (with --full: everything a bug report needs)."""
    if not full:
        console.print(f"oncoboard {__version__}", markup=False)
        return
    info = version_info(ctx)
    if as_json:
        emit_json(info)
        return
    for key, value in info.items():
        if isinstance(value, dict):
            console.print(f"{key}:", markup=False)
            for name, ver in value.items():
                console.print(f"  {name}: {ver}", markup=False)
        else:
            console.print(f"{key}: {value}", markup=False)


def version_info(ctx: typer.Context) -> dict[str, object]:
    from oncoboard.store.migrate import current_revision, head_revision

    context = cli_context(ctx)
    deps: dict[str, str] = {}
    for name in DEPENDENCIES:
        try:
            deps[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            deps[name] = "not installed"
    try:
        with context.engine.connect() as connection:
            server = connection.dialect.server_version_info
        revision = current_revision(context.engine)
        database = f"{context.engine.dialect.name} {'.'.join(map(str, server or ()))}"
    except Exception as error:  # report, don't fail: version must work on a broken install
        database, revision = f"unreachable ({type(error).__name__})", None
    return {
        "oncoboard": __version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "database": database,
        "database_url": _safe_url(context.settings.database_url),
        "schema_revision": revision or "none",
        "schema_head": head_revision(),
        "dependencies": deps,
    }


def doctor(
    ctx: typer.Context,
    postgres_url: Annotated[
        str | None,
        typer.Option(
            "--postgres-url", callback=_checked_url, help="Also check this PostgreSQL server"
        ),
    ] = None,
) -> None:
    """Check required and optional parts and say what is missing and how to get it."""
    context = cli_context(ctx)
    checks = [
        _database_check(context.engine),
        _postgres_check(postgres_url, context.engine.dialect.name),
        _weasyprint_check(),
        _chromium_check(),
    ]
    for name, ok, detail in checks:
        mark = "ok " if ok else "-- "
        console.print(f"{mark} {name}: {detail}", markup=False)
    if not checks[0][1] or not checks[2][1]:
        raise typer.Exit(1)


Check = tuple[str, bool, str]


def _database_check(engine: Engine) -> Check:
    from oncoboard.store.migrate import current_revision, head_revision

    try:
        revision = current_revision(engine)
    except Exception as error:
        return ("database", False, f"cannot connect: {type(error).__name__}: {error}")
    head = head_revision()
    if revision == head:
        return ("database", True, f"{engine.dialect.name}, revision {revision}")
    found = "no schema" if revision is None else f"revision {revision}, newest {head}"
    return ("database", False, f"{found}: run `oncoboard db upgrade`")


def _postgres_check(url: str | None, dialect: str) -> Check:
    if not url:
        if dialect == "postgresql":
            return ("postgresql", True, "the configured database (checked above)")
        return (
            "postgresql",
            False,
            "not checked (optional; production runs on PostgreSQL): pass --postgres-url URL",
        )
    from sqlalchemy import text

    from oncoboard.store.db import make_engine

    try:
        engine = make_engine(url)
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as error:
        return (
            "postgresql",
            False,
            f"unreachable ({type(error).__name__}); apt-get install postgresql and start it",
        )
    return ("postgresql", True, "reachable")


def _weasyprint_check() -> Check:
    """PDF reports need WeasyPrint and the Pango library it loads: render one tiny page."""
    try:
        from weasyprint import HTML

        pdf = HTML(string="<p>OncoBoard</p>").write_pdf()
    except Exception as error:  # a missing system library surfaces as OSError at import
        return (
            "weasyprint",
            False,
            f"cannot render PDF reports ({type(error).__name__}: {str(error)[:100]}); on Debian: "
            "apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0",
        )
    ok = bool(pdf and pdf.startswith(b"%PDF"))
    return ("weasyprint", ok, f"{metadata.version('weasyprint')} (PDF reports)")


def _chromium_check() -> Check:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    return (
        "chromium",
        bool(chromium),
        chromium or "not found (optional, for the browser tests): apt-get install chromium",
    )


_HOST = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,252})$|^[0-9A-Fa-f:.]+$")


def _checked_host(value: str | None) -> str | None:
    """An IP address or a host name (letters, digits, dots, hyphens), before the server starts."""
    if value is not None and not _HOST.match(value):
        raise typer.BadParameter(f"{value!r} is not an IP address or host name")
    return value


def _checked_url(value: str | None) -> str | None:
    if value is None:
        return None
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(value)
    except ArgumentError:
        raise typer.BadParameter(
            f"{value!r} is not a database URL (postgresql+psycopg://user:pass@host/db)"
        ) from None
    return value


def serve(
    ctx: typer.Context,
    demo: Annotated[
        bool, typer.Option("--demo", help="Upgrade the DB and load the demo cohort")
    ] = False,
    host: Annotated[
        str | None, typer.Option("--host", callback=_checked_host, help="Address to listen on")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", min=1, max=65535)] = None,
) -> None:
    """Start the web app and API."""
    import uvicorn

    from oncoboard.api.app import create_app
    from oncoboard.governance.users import ensure_site_admin
    from oncoboard.store.db import unit_of_work
    from oncoboard.store.migrate import upgrade

    context = cli_context(ctx)
    settings = context.settings
    if not demo:
        _require_schema(context.engine)
    if demo:
        from oncoboard.demo.loader import load_demo

        upgrade(context.engine)
        with unit_of_work(context.engine) as session:
            ensure_site_admin(session)
        for line in load_demo(engine=context.engine, settings=settings):
            console.print(line, markup=False)
    application = create_app(settings, engine=context.engine)
    bind_host, bind_port = host or settings.host, port or settings.port
    if settings.env != "prod" and not _loopback(bind_host):
        err_console.print(
            f"warning: serving on {bind_host} with ONCOBOARD_ENV={settings.env}: other machines "
            "can reach this server, its cookies are not Secure and demo accounts may be "
            "enabled. Use ONCOBOARD_ENV=prod with a real ONCOBOARD_SECRET_KEY behind HTTPS, "
            "or --host 127.0.0.1.",
            markup=False,
            soft_wrap=True,
        )
    console.print(
        f"OncoBoard {__version__} on http://{bind_host}:{bind_port}/ (API docs: /api/v1/docs)",
        markup=False,
    )
    uvicorn.run(application, host=bind_host, port=bind_port, log_level="info")


def _loopback(host: str) -> bool:
    """True for addresses only this machine can reach (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _require_schema(engine: Engine) -> None:
    """Refuse to serve a database that was never upgraded (every page would fail)."""
    from oncoboard.store.migrate import current_revision, head_revision

    try:
        revision = current_revision(engine)
    except Exception as error:
        raise FeatureUnavailable(
            f"cannot reach the database: {type(error).__name__}: {error}"
        ) from None
    if revision != head_revision():
        found = "no OncoBoard schema" if revision is None else f"schema revision {revision}"
        raise FeatureUnavailable(
            f"the database has {found} (newest {head_revision()}): run `oncoboard db upgrade`"
        )


def register(app: typer.Typer) -> None:
    app.add_typer(db, name="db")
    app.command("version")(version)
    app.command("doctor")(doctor)
    app.command("serve")(serve)
