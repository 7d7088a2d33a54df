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

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from oncoboard.governance.models import AuditHeadRow, AuditRow

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


def append(session: Session, event: AuditEvent) -> AuditRow:
    """Chain one entry in the caller's transaction; the head row lock serialises writers."""
    head = session.get(AuditHeadRow, 1, with_for_update=True)
    if head is None:
        head = AuditHeadRow(id=1, last_seq=0, last_hash=GENESIS)
        session.add(head)
    values = {
        "id": head.last_seq + 1,
        "at": utc_timestamp(),
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
        "prev_hash": head.last_hash,
    }
    digest = entry_hash([values[name] for name in CHAINED_FIELDS])
    row = AuditRow(**values, entry_hash=digest)
    session.add(row)
    head.last_seq, head.last_hash = row.id, digest
    session.flush()
    return row


@dataclass(frozen=True)
class ChainReport:
    """Result of walking the chain: how many entries checked and the first break, if any."""

    checked: int
    ok: bool
    first_bad_entry: int | None = None
    problem: str | None = None


def verify(connection: Connection, *, batch: int = 20_000) -> ChainReport:
    """Walk the whole chain and name the first entry that was modified, deleted or inserted."""
    expected_seq, expected_prev, checked = 1, GENESIS, 0
    for row in _rows(connection, batch):
        seq, prev, stored = int(row[0]), row[-2], row[-1]  # type: ignore[call-overload]
        if seq != expected_seq:
            kind = "deleted" if seq > expected_seq else "inserted or reordered"
            return ChainReport(
                checked,
                False,
                expected_seq,
                f"entry {expected_seq} {kind} (found entry {seq} in its place)",
            )
        if prev != expected_prev:
            return ChainReport(
                checked,
                False,
                seq,
                f"entry {seq}: prev_hash does not match entry {seq - 1} "
                "(an entry before it was modified, inserted or removed)",
            )
        if entry_hash(row[:-1]) != stored:
            return ChainReport(
                checked, False, seq, f"entry {seq} was modified after it was written"
            )
        expected_seq, expected_prev, checked = seq + 1, stored, checked + 1
    head = connection.execute(select(AuditHeadRow.last_seq, AuditHeadRow.last_hash)).first()
    if head is not None and (head[0], head[1]) != (expected_seq - 1, expected_prev):
        return ChainReport(
            checked,
            False,
            expected_seq,
            f"entries after {expected_seq - 1} were deleted "
            f"(the chain head records entry {head[0]})",
        )
    return ChainReport(checked, True)


def _rows(connection: Connection, batch: int) -> Iterator[tuple[object, ...]]:
    """Plain DB-API tuples: a million SQLAlchemy ``Row`` objects cost, mostly in Python's cyclic
    garbage collector, about as much as hashing them (governance benchmark). SQLite stores the
    flag as 0/1; hash it as a bool, as ``append`` did and SQLAlchemy's ``Boolean`` would."""
    columns = ", ".join([*CHAINED_FIELDS, "entry_hash"])
    if not connection.in_transaction():
        # as SQLAlchemy's first statement would: one transaction for the walk and the head check
        connection.begin()
    cursor = connection.connection.cursor()
    last = 0
    try:
        while True:
            # integers only in the SQL text: the same statement for every driver's paramstyle
            cursor.execute(
                f"SELECT {columns} FROM {AuditRow.__tablename__} "
                f"WHERE id > {int(last)} ORDER BY id LIMIT {int(batch)}"
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
