# SPDX-License-Identifier: Apache-2.0
"""Engine construction and the one unit of work that commits or rolls back."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Executable, create_engine, event
from sqlalchemy.orm import Session

from oncoboard.errors import InputError


class RawJSON(str):
    """JSON text already serialised (pydantic's ``model_dump_json``): stored as it is, so a
    100k-fact import does not build every payload as a dict only to serialise it again."""

    __slots__ = ()


def _json_serializer(value: object) -> str:
    return value if isinstance(value, RawJSON) else json.dumps(value)


def accepts_raw_json(engine: Engine) -> bool:
    """True when ``engine`` came from :func:`make_engine`; any other engine would store a
    ``RawJSON`` payload as a JSON string, so writers hand it dicts instead."""
    return getattr(engine.dialect, "_json_serializer", None) is _json_serializer


def make_engine(database_url: str) -> Engine:
    """Create an engine; SQLite gets foreign keys, WAL and its folder created."""
    if database_url.startswith("sqlite"):
        path = database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            database_url,
            connect_args={"check_same_thread": False, "timeout": 30},
            json_serializer=_json_serializer,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
    else:
        engine = create_engine(database_url, pool_pre_ping=True, json_serializer=_json_serializer)
    event.listen(engine, "before_cursor_execute", _integers_in_range)
    return engine


INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _integers_in_range(
    _connection: Any,
    _cursor: Any,
    _statement: str,
    parameters: Any,
    _context: Any,
    executemany: bool,
) -> None:
    """An id or offset of 2^63 or more reached the driver as a 500 (``OverflowError`` on
    SQLite, "out of range" on PostgreSQL): refuse it as bad input (422, exit 3), for every
    route and command at once. Bulk inserts (executemany) carry only values we built."""
    if executemany or not parameters:
        return
    values = parameters.values() if isinstance(parameters, dict) else parameters
    for value in values:
        if type(value) is int and not INT64_MIN <= value <= INT64_MAX:
            raise InputError(
                f"the number {value} is out of range: ids, offsets and counts must lie "
                f"between {INT64_MIN} and {INT64_MAX}"
            )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # let SQLAlchemy emit BEGIN itself (see _sqlite_begin_immediate)
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


READ_ONLY = "oncoboard_read_only"


def _sqlite_begin_immediate(connection: Any) -> None:
    """Every unit of work writes (the audit trail records reads too), so take SQLite's write
    lock at BEGIN: a deferred transaction that reads first could fail with SQLITE_BUSY.

    A connection marked ``read_only(...)`` (long reads such as ``audit verify``) begins a
    deferred transaction instead, so writers are not held up while it runs (WAL mode).
    """
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def read_only(engine: Engine) -> Connection:
    """A connection for long reads that must not take SQLite's write lock."""
    return engine.connect().execution_options(**{READ_ONLY: True})


def core(session: Session) -> Connection:
    """The unit's connection, for prebuilt Core statements on the hottest paths (a submission
    runs a dozen): it skips the session's execute machinery (30-40 µs of CPU a statement) and
    its autoflush, so use it only where nothing pending in the session can change the result."""
    return session.connection()


def insert_or_skip(
    session: Session, model: type[Any], conflict: tuple[str, ...], returning: tuple[str, ...] = ()
) -> Executable:
    """INSERT … ON CONFLICT (``conflict``) DO NOTHING on either backend: the unique constraint
    decides a race, without a savepoint or a read before. Run it with the row's values as
    parameters; the statement is built once per backend and table."""
    dialect = session.get_bind().dialect.name
    key = (dialect, model.__tablename__, conflict, returning)
    statement = _SKIPPING_INSERTS.get(key)
    if statement is None:
        # imported here: loading both dialects cost every CLI command start-up time (#17)
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        table = model.__table__
        insert = (sqlite_insert if dialect == "sqlite" else postgresql_insert)(table)
        insert = insert.on_conflict_do_nothing(index_elements=list(conflict))
        statement = insert.returning(*(table.c[n] for n in returning)) if returning else insert
        _SKIPPING_INSERTS[key] = statement
    return statement


_SKIPPING_INSERTS: dict[tuple[str, str, tuple[str, ...], tuple[str, ...]], Executable] = {}


@contextmanager
def unit_of_work(engine: Engine) -> Iterator[Session]:
    """One transaction per request, command or import: commit on success, roll back on error.

    Services never commit; this is the only place that does (``end_unit``).
    """
    session = begin_unit(engine)
    try:
        yield session
    except BaseException as error:
        end_unit(session, error)
        raise
    end_unit(session, None)


def begin_unit(engine: Engine) -> Session:
    """A unit of work's session (no I/O: the connection is taken at the first statement)."""
    return Session(bind=engine, expire_on_commit=False)


def end_unit(session: Session, error: BaseException | None) -> None:
    """Commit (``error`` None) or roll back and record a refused access; always close.

    Blocks on the database: the HTTP layer runs it off the event loop."""
    try:
        if error is None:
            try:
                session.commit()
            except BaseException as failure:
                session.rollback()
                _record_denial(session, failure)
                raise
        else:
            session.rollback()
            _record_denial(session, error)
    finally:
        session.close()


# What a failed unit of work records after its rollback, registered by a higher layer: governance
# commits a refused access's audit entry on its own (the store never imports governance).
FailureRecorder = Callable[[Session, BaseException], None]
_failure_recorders: list[FailureRecorder] = []


def on_unit_failure(recorder: FailureRecorder) -> FailureRecorder:
    """Register ``recorder`` to run after every rolled-back unit of work (decorator)."""
    _failure_recorders.append(recorder)
    return recorder


def _record_denial(session: Session, error: BaseException) -> None:
    for recorder in _failure_recorders:
        recorder(session, error)
