# SPDX-License-Identifier: Apache-2.0
"""Storage of the batch record: append an entry to a case's chain, read and verify it back.

Internal to the traceability service (no gate here: callers hold an ``Access``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard.errors import NotFound
from oncoboard.record.models import PatientRow
from oncoboard.traceability import chain, signing
from oncoboard.traceability.engine import SIGNED_STEPS
from oncoboard.traceability.models import CellTherapyCaseRow, CellTherapyEntryRow
from oncoboard.traceability.schemas import (
    STEP_LABELS,
    CaseVerification,
    Check,
    CustodyStep,
    EntryOut,
    ScanOut,
    SignatureOut,
)
from oncoboard.traceability.signing import UnlockedKey


def utc_now() -> datetime:
    return datetime.now(UTC)


def case_row(session: Session, coi: str, *, lock: bool = False) -> CellTherapyCaseRow:
    """The case by its CoI identifier; ``lock`` holds its row so appends never fork the chain."""
    query = select(CellTherapyCaseRow).where(CellTherapyCaseRow.coi == coi)
    row = session.scalar(query.with_for_update() if lock else query)
    if row is None:
        raise NotFound(f"cell-therapy case {coi!r} not found")
    return row


def patient_external_id(session: Session, case: CellTherapyCaseRow) -> str:
    return str(
        session.scalar(select(PatientRow.external_id).where(PatientRow.id == case.patient_id))
    )


def append(
    session: Session,
    case: CellTherapyCaseRow,
    fields: Mapping[str, Any],
    *,
    signer: UnlockedKey | None = None,
    now: datetime | None = None,
) -> tuple[CellTherapyEntryRow, dict[str, Any]]:
    """Chain one entry onto the case; a signed entry's manifestation is part of its body."""
    moment = now or utc_now()
    body = {
        **fields,
        "v": chain.FORMAT_VERSION,
        "coi": case.coi,
        "seq": case.last_seq + 1,
        "recorded_at": moment.isoformat(),
        "prev_hash": case.last_hash,
    }
    text = chain.canonical(body)
    entry_hash = chain.digest(text)
    row = CellTherapyEntryRow(
        case_id=case.id,
        seq=body["seq"],
        kind=str(body["kind"]),
        step=body.get("step"),
        actor=str(body["actor"]),
        recorded_at=moment,
        body=text,
        prev_hash=case.last_hash,
        entry_hash=entry_hash,
        signature=signer.sign(entry_hash) if signer else None,
    )
    session.add(row)
    case.last_seq, case.last_hash = body["seq"], entry_hash
    session.flush()
    return row, body


def entries(session: Session, case: CellTherapyCaseRow) -> list[CellTherapyEntryRow]:
    return list(
        session.scalars(
            select(CellTherapyEntryRow)
            .where(CellTherapyEntryRow.case_id == case.id)
            .order_by(CellTherapyEntryRow.seq)
        )
    )


def stored(rows: Sequence[CellTherapyEntryRow]) -> list[chain.StoredEntry]:
    return [
        chain.StoredEntry(r.seq, r.kind, r.step, r.actor, r.body, r.prev_hash, r.entry_hash,
                          r.signature)
        for r in rows
    ]  # fmt: skip


def verify_case(
    session: Session,
    case: CellTherapyCaseRow,
    rows: Sequence[CellTherapyEntryRow],
    keys: Mapping[str, chain.SigningKey] | None = None,
) -> CaseVerification:
    found = chain.verify_entries(
        case.coi,
        stored(rows),
        head=(case.last_seq, case.last_hash),
        keys=keys if keys is not None else signing.public_keys(session),
        signed_steps=[s.value for s in SIGNED_STEPS],
    )
    return CaseVerification(
        coi=case.coi,
        ok=not found,
        entries=len(rows),
        signatures=sum(1 for r in rows if r.signature),
        head_hash=case.last_hash,
        problems=found,
    )


def bodies(rows: Sequence[CellTherapyEntryRow]) -> list[dict[str, Any]]:
    return [json.loads(r.body) for r in rows]


def entry_out(row: CellTherapyEntryRow, body: Mapping[str, Any]) -> EntryOut:
    step = body.get("step")
    manifest = body.get("signature")
    label = STEP_LABELS[CustodyStep(step)] if step else _KIND_LABELS.get(row.kind, row.kind)
    return EntryOut(
        seq=row.seq,
        kind=row.kind,
        step=step,
        step_label=label,
        outcome=str(body.get("outcome", "")),
        occurred_at=str(body.get("occurred_at", body.get("recorded_at", ""))),
        recorded_at=str(body.get("recorded_at", "")),
        actor=row.actor,
        actor_name=str(body.get("actor_name", row.actor)),
        location=body.get("location"),
        scans=[ScanOut(**s) for s in body.get("scans", [])],
        checks=[Check(**c) for c in body.get("checks", [])],
        flags=list(body.get("flags", [])),
        details={k: str(v) for k, v in (body.get("details") or {}).items()},
        reason=body.get("reason"),
        signature=SignatureOut(**manifest) if manifest else None,
        entry_hash=row.entry_hash,
    )


_KIND_LABELS = {"opened": "Chain of identity opened", "alert_ack": "Alert acknowledged"}
