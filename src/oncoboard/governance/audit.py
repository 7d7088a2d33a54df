# SPDX-License-Identifier: Apache-2.0
"""Append-only, hash-chained audit trail (21 CFR 11.10(e); EU AI Act Art. 12 logging).

Each entry holds the SHA-256 of the previous entry over a canonical serialisation, and its own
sequence number, so a modified, deleted, inserted or reordered entry breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import pairwise

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy import event as orm_events
from sqlalchemy.orm import Session, SessionTransaction

from oncoboard.governance import anchor
from oncoboard.governance.models import AuditHeadRow, AuditRow
from oncoboard.store.base import Base
from oncoboard.store.db import core, insert_or_skip, on_unit_failure

GENESIS = "0" * 64
# order matters: it is the canonical serialisation that the hash covers
CHAINED_FIELDS = (
    "id", "at", "actor", "roles", "action", "purpose", "patient", "object", "outcome",
    "reason", "break_glass", "request_id", "prev_hash",
)  # fmt: skip
_BREAK_GLASS = CHAINED_FIELDS.index("break_glass")
# what json.dumps(..., separators=(",", ":"), ensure_ascii=False) builds on every call, built once
_CANONICAL = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


@dataclass(frozen=True)
class AuditEvent:
    """What happened, as the gate or a service describes it (before it is chained)."""

    actor: str
    roles: str
    action: str
    purpose: str
    object: str
    outcome: str
    patient: str | None = None
    reason: str | None = None
    break_glass: bool = False
    request_id: str | None = None


def entry_hash(values: Sequence[object]) -> str:
    """SHA-256 over the JSON array of the chained fields (compact, UTF-8, no key order issues)."""
    canonical = _CANONICAL.encode(list(values))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def utc_timestamp() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def append(session: Session, event: AuditEvent) -> None:
    """Record one entry in the caller's transaction; it is chained when that transaction commits.

    The access time is taken now; the sequence number and hash at commit, so the chain head's row
    lock is held only for the few statements that write the chain, not for the whole request (an
    audited request that held it from its gate check on serialised every other audited request).
    Entries recorded in a savepoint that rolls back are dropped with it, as its rows are.
    """
    pending = session.info.setdefault(_PENDING, [])
    scope = session.get_nested_transaction() or session.get_transaction()
    pending.append(_Pending(event, utc_timestamp(), scope))


@dataclass(frozen=True)
class _Pending:
    """An entry waiting for its transaction to commit, with the transaction it belongs to."""

    event: AuditEvent
    at: str
    scope: SessionTransaction | None


@on_unit_failure
def _record_refusal(session: Session, error: BaseException) -> None:
    """A refused access rolls back, then its audit entry is committed on its own."""
    event = getattr(error, "audit_event", None)
    if isinstance(event, AuditEvent):
        append(session, event)
        session.commit()


_PENDING = "oncoboard_audit_pending"


def pending_count(session: Session) -> int:
    """Entries recorded in this session's open transaction and not yet chained."""
    return len(session.info.get(_PENDING, ()))


@orm_events.listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    """Write the transaction's entries to the chain just before it commits (not on a savepoint's
    release: its entries wait for the outer commit, which the savepoint's rows also wait for)."""
    if session.in_nested_transaction() or not session.info.get(_PENDING):
        return
    session.flush()  # the request's own rows first: the head lock then covers only the chain
    pending: list[_Pending] = session.info.pop(_PENDING)
    chain = core(session)  # flushed above: the head lock is held for Core statements only
    head = chain.execute(_LOCK_HEAD).first()
    if head is None:
        _create_head(session)
        head = chain.execute(_LOCK_HEAD).first()
        assert head is not None  # created above, or by a concurrent first writer
    seq, prev = head.last_seq, head.last_hash
    rows = []
    for item in pending:
        seq += 1
        values = _chained_values(item.event, seq, item.at, prev)
        prev = entry_hash([values[name] for name in CHAINED_FIELDS])
        rows.append({**values, "entry_hash": prev})
    chain.execute(_INSERT_ENTRIES, rows)
    chain.execute(_MOVE_HEAD, {"seq": seq, "hash": prev})
    # written to the anchor file once the commit succeeds (governance/anchor.py)
    session.info[anchor.NEW_HEAD] = (seq, prev, rows[-1]["at"])


# every audited transaction runs these three: built once
_LOCK_HEAD = (
    select(AuditHeadRow.last_seq, AuditHeadRow.last_hash)
    .where(AuditHeadRow.id == 1)
    .with_for_update()
)
_INSERT_ENTRIES = insert(Base.metadata.tables[AuditRow.__tablename__])
_HEAD = Base.metadata.tables[AuditHeadRow.__tablename__]
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(last_seq=bindparam("seq"), last_hash=bindparam("hash"))
)


@orm_events.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, rolled_back: SessionTransaction) -> None:
    """Entries of a rolled-back transaction, or of a savepoint inside it, never happened."""
    pending: list[_Pending] | None = session.info.get(_PENDING)
    if not pending:
        return
    kept = [item for item in pending if not _within(item.scope, rolled_back)]
    if kept:
        session.info[_PENDING] = kept
    else:
        session.info.pop(_PENDING)


def _within(scope: SessionTransaction | None, rolled_back: SessionTransaction) -> bool:
    if scope is None:  # recorded before the transaction began: it belongs to the outermost one
        return rolled_back.parent is None
    transaction: SessionTransaction | None = scope
    while transaction is not None:
        if transaction is rolled_back:
            return True
        transaction = transaction.parent
    return False


def _chained_values(event: AuditEvent, seq: int, at: str, prev_hash: str) -> dict[str, object]:
    return {
        "id": seq,
        "at": at,
        "actor": event.actor,
        "roles": event.roles,
        "action": event.action,
        "purpose": event.purpose,
        "patient": event.patient,
        "object": event.object[:256],
        "outcome": event.outcome,
        "reason": event.reason,
        "break_glass": event.break_glass,
        "request_id": event.request_id,
        "prev_hash": prev_hash,
    }


def _create_head(session: Session) -> None:
    """The genesis head of a fresh database. Two first writers may race here: INSERT … ON
    CONFLICT DO NOTHING lets the loser wait for the winner's row instead of failing."""
    statement = insert_or_skip(session, AuditHeadRow, ("id",))
    session.execute(statement, {"id": 1, "last_seq": 0, "last_hash": GENESIS})


@dataclass(frozen=True)
class ChainReport:
    """Result of walking the chain: how many entries checked and the first break, if any."""

    checked: int
    ok: bool
    first_bad_entry: int | None = None
    problem: str | None = None


@dataclass(frozen=True)
class _Walk:
    """One stretch of the chain: what it starts from, ends with, and its first problem."""

    checked: int
    first_prev: str | None
    last_seq: int
    last_hash: str | None
    bad_entry: int | None = None
    problem: str | None = None


def _walk(rows: Iterator[tuple[object, ...]], start: int, prev: str | None) -> _Walk:
    """Check contiguity, links and hashes from entry ``start`` on (``prev`` None: not known)."""
    expected_seq, expected_prev, checked, first_prev = start, prev, 0, None
    for row in rows:
        seq, row_prev, stored = int(row[0]), str(row[-2]), str(row[-1])  # type: ignore[call-overload]
        first_prev = row_prev if first_prev is None else first_prev
        if seq != expected_seq:
            kind = "deleted" if seq > expected_seq else "inserted or reordered"
            return _Walk(
                checked,
                first_prev,
                expected_seq - 1,
                expected_prev,
                expected_seq,
                f"entry {expected_seq} {kind} (found entry {seq} in its place)",
            )
        if expected_prev is not None and row_prev != expected_prev:
            return _Walk(
                checked,
                first_prev,
                seq - 1,
                expected_prev,
                seq,
                f"entry {seq}: prev_hash does not match entry {seq - 1} "
                "(an entry before it was modified, inserted or removed)",
            )
        if entry_hash(row[:-1]) != stored:
            return _Walk(
                checked,
                first_prev,
                seq - 1,
                expected_prev,
                seq,
                f"entry {seq} was modified after it was written",
            )
        expected_seq, expected_prev, checked = seq + 1, stored, checked + 1
    return _Walk(checked, first_prev, expected_seq - 1, expected_prev)


def verify(connection: Connection, *, batch: int = 20_000) -> ChainReport:
    """Walk the whole chain and name the first entry that was modified, deleted or inserted."""
    walk = _walk(_rows(connection, batch), 1, GENESIS)
    if walk.bad_entry is not None:
        return ChainReport(walk.checked, False, walk.bad_entry, walk.problem)
    return _check_head(connection, walk.checked, walk.last_seq, walk.last_hash or GENESIS)


def _check_head(connection: Connection, checked: int, last_seq: int, last_hash: str) -> ChainReport:
    head = connection.execute(select(AuditHeadRow.last_seq, AuditHeadRow.last_hash)).first()
    if head is not None and (head[0], head[1]) != (last_seq, last_hash):
        return ChainReport(
            checked,
            False,
            last_seq + 1,
            f"entries after {last_seq} were deleted (the chain head records entry {head[0]})",
        )
    return ChainReport(checked, True)


def with_anchor(connection: Connection, report: ChainReport) -> ChainReport:
    """``report``, failed when the chain lost entries its anchor file signed (a deleted tail
    with the head moved back verifies as a shorter, intact chain otherwise)."""
    found = anchor.configured(connection.engine)
    if not report.ok or found is None:
        return report
    problem = anchor.check(connection, found, report.checked)
    if problem is None:
        return report
    return ChainReport(report.checked, False, problem[0], problem[1])


def verify_parallel(
    database_url: str, *, workers: int = 2, batch: int = 20_000, min_entries: int = 50_000
) -> ChainReport:
    """The same verdict as ``verify``, with the chain split into ``workers`` stretches.

    Each stretch checks itself in its own process; the joins between stretches (the first
    entry's prev_hash against the previous stretch's last hash) and the head are checked here.
    """
    from multiprocessing import get_context

    from oncoboard.store.db import make_engine, read_only

    engine = make_engine(database_url)
    with read_only(engine) as connection:
        top = int(connection.execute(select(func.max(AuditRow.id))).scalar() or 0)
    engine.dispose()
    if workers < 2 or top < min_entries:
        engine = make_engine(database_url)
        with read_only(engine) as connection:
            report = verify(connection, batch=batch)
        engine.dispose()
        return report
    edges = [1 + top * k // workers for k in range(workers)] + [top + 1]
    spans = [(database_url, lo, hi - 1, batch) for lo, hi in pairwise(edges)]
    with get_context("fork").Pool(workers) as pool:
        walks = pool.starmap(_walk_span, spans)
    return _join(database_url, walks)


def _walk_span(database_url: str, lo: int, hi: int, batch: int) -> _Walk:
    from oncoboard.store.db import make_engine, read_only

    engine = make_engine(database_url)
    try:
        with read_only(engine) as connection:
            return _walk(
                _rows(connection, batch, after=lo - 1, upto=hi), lo, GENESIS if lo == 1 else None
            )
    finally:
        engine.dispose()


def _join(database_url: str, walks: list[_Walk]) -> ChainReport:
    from oncoboard.store.db import make_engine, read_only

    checked, last_hash = 0, GENESIS
    for walk in walks:
        found = []
        if walk.first_prev is not None and checked and walk.first_prev != last_hash:
            seq = walk.last_seq - walk.checked + 1 if walk.bad_entry is None else walk.bad_entry
            seq = min(seq, checked + 1)
            found.append(
                (
                    seq,
                    1,
                    f"entry {seq}: prev_hash does not match entry {seq - 1} "
                    "(an entry before it was modified, inserted or removed)",
                )
            )
        if walk.bad_entry is not None:
            found.append((walk.bad_entry, 0, walk.problem or ""))
        if found:  # the earliest problem; at a tie the stretch's own finding is more precise
            seq, _, problem = min(found)
            return ChainReport(
                checked + (walk.checked if seq == walk.bad_entry else 0), False, seq, problem
            )
        checked += walk.checked
        last_hash = walk.last_hash or last_hash
    engine = make_engine(database_url)
    try:
        with read_only(engine) as connection:
            return _check_head(connection, checked, walks[-1].last_seq, last_hash)
    finally:
        engine.dispose()


def _rows(
    connection: Connection, batch: int, *, after: int = 0, upto: int | None = None
) -> Iterator[tuple[object, ...]]:
    """Plain DB-API tuples: a million SQLAlchemy ``Row`` objects cost, mostly in Python's cyclic
    garbage collector, about as much as hashing them (governance benchmark). SQLite stores the
    flag as 0/1; hash it as a bool, as ``append`` did and SQLAlchemy's ``Boolean`` would."""
    columns = ", ".join([*CHAINED_FIELDS, "entry_hash"])
    if not connection.in_transaction():
        # as SQLAlchemy's first statement would: one transaction for the walk and the head check
        connection.begin()
    cursor = connection.connection.cursor()
    last = after
    bound = f" AND id <= {int(upto)}" if upto is not None else ""
    try:
        while True:
            # integers only in the SQL text: the same statement for every driver's paramstyle
            cursor.execute(
                f"SELECT {columns} FROM {AuditRow.__tablename__} "
                f"WHERE id > {int(last)}{bound} ORDER BY id LIMIT {int(batch)}"
            )
            chunk = cursor.fetchall()
            if not chunk:
                return
            for row in chunk:
                flag = row[_BREAK_GLASS]
                if flag is None or isinstance(flag, bool):
                    yield tuple(row)
                else:
                    yield (*row[:_BREAK_GLASS], bool(flag), *row[_BREAK_GLASS + 1 :])
            last = int(chunk[-1][0])
    finally:
        cursor.close()
