# SPDX-License-Identifier: Apache-2.0
"""Reading the chain of identity through the gate: case list and timeline, alerts (and their
acknowledgement, itself an entry in the batch record), verification of chains and signatures."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from oncoboard.errors import Conflict, NotFound, PermissionDenied
from oncoboard.governance import gate
from oncoboard.governance.gate import Access
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.record.models import PatientRow
from oncoboard.traceability import engine, records, service, signing
from oncoboard.traceability.models import CellTherapyAlertRow, CellTherapyCaseRow
from oncoboard.traceability.schemas import (
    AlertKind,
    AlertOut,
    CaseDetail,
    CaseSummary,
    CaseVerification,
    CustodyStep,
)
from oncoboard.traceability.state import replay


def list_cases(session: Session, *, access: Access) -> list[CaseSummary]:
    """Cases of patients whose treatment data the caller may see, newest first."""
    gate.require(access, Action.VIEW_RECORD, patient_scoped=False)
    rows = session.scalars(
        select(CellTherapyCaseRow)
        .join(PatientRow, PatientRow.id == CellTherapyCaseRow.patient_id)
        .where(gate.visible_patients(access.actor, Purpose.TREATMENT))
        .order_by(CellTherapyCaseRow.opened_at.desc(), CellTherapyCaseRow.id.desc())
    )
    return [service.summary(session, row) for row in rows]


def case_detail(session: Session, *, access: Access, coi: str) -> CaseDetail:
    """The timeline of every entry, what comes next, open and past alerts, and verification."""
    # the scan station shows the timeline after an edit; an export includes it
    if access.action not in (Action.VIEW_RECORD, Action.EDIT_RECORD, Action.EXPORT):
        gate.require(access, Action.VIEW_RECORD)
    if access.patient_id is None:
        raise PermissionDenied("a case timeline needs access granted for its patient")
    case = records.case_row(session, coi)
    rows = records.entries(session, case)
    verification = records.verify_case(session, case, rows)
    bodies = records.bodies(rows)
    state = replay(bodies)
    return CaseDetail(
        summary=service.summary(session, case),
        wristband_id=state.wristband_id,
        limits=state.limits,
        collection_dins=list(state.collection_dins),
        batch_lot=state.batch_lot,
        final_label=state.final.as_dict() if state.final else None,
        expires_at=state.expires_at.isoformat() if state.expires_at else None,
        next_steps=[
            s.value for s in next_steps(state.last_step, infused=state.infusion is not None)
        ],
        entries=[records.entry_out(row, body) for row, body in zip(rows, bodies, strict=True)],
        alerts=alerts_for(session, case_ids=[case.id]),
        verification=verification,
    )


def next_steps(last: CustodyStep | None, *, infused: bool) -> list[CustodyStep]:
    if infused:
        return []
    return [step for step, before in engine.PREVIOUS.items() if last in before]


def list_alerts(session: Session, *, access: Access, status: str | None = "open") -> list[AlertOut]:
    """Alerts across the cases the caller may see (the coordinator's queue)."""
    gate.require(access, Action.VIEW_RECORD, patient_scoped=False)
    visible = (
        select(CellTherapyCaseRow.id)
        .join(PatientRow, PatientRow.id == CellTherapyCaseRow.patient_id)
        .where(gate.visible_patients(access.actor, Purpose.TREATMENT))
    )
    return alerts_for(session, case_ids=list(session.scalars(visible)), status=status)


def alerts_for(
    session: Session, *, case_ids: list[int], status: str | None = None
) -> list[AlertOut]:
    query = (
        select(CellTherapyAlertRow, CellTherapyCaseRow.coi, PatientRow.external_id)
        .join(CellTherapyCaseRow, CellTherapyCaseRow.id == CellTherapyAlertRow.case_id)
        .join(PatientRow, PatientRow.id == CellTherapyCaseRow.patient_id)
        .where(CellTherapyAlertRow.case_id.in_(case_ids))
        .order_by(CellTherapyAlertRow.raised_at.desc(), CellTherapyAlertRow.id.desc())
    )
    if status:
        query = query.where(CellTherapyAlertRow.status == status)
    return [_alert_out(row, coi, patient) for row, coi, patient in session.execute(query)]


def alert_case(session: Session, alert_id: int) -> str | None:
    """The CoI of an alert's case (for the gate), None when there is no such alert."""
    return session.scalar(
        select(CellTherapyCaseRow.coi)
        .join(CellTherapyAlertRow, CellTherapyAlertRow.case_id == CellTherapyCaseRow.id)
        .where(CellTherapyAlertRow.id == alert_id)
    )


def acknowledge_alert(session: Session, *, access: Access, alert_id: int, note: str) -> AlertOut:
    """The coordinator acknowledges an alert with what was done; the note joins the record."""
    gate.require(access, Action.EDIT_RECORD)
    service.require_custody_role(access, "acknowledging a cell-therapy alert")
    row = session.get(CellTherapyAlertRow, alert_id)
    case = session.get(CellTherapyCaseRow, row.case_id) if row else None
    if (
        row is None
        or case is None
        or records.patient_external_id(session, case) != access.patient_id
    ):
        raise NotFound(f"cell-therapy alert {alert_id} not found")
    if row.status != "open":
        raise Conflict(f"alert {alert_id} was already acknowledged by {row.acknowledged_by}")
    case = records.case_row(session, case.coi, lock=True)
    now = records.utc_now()
    actor = access.actor
    records.append(session, case, {
        "actor": actor.username, "actor_name": actor.display_name, "roles": actor.roles_text,
        "kind": "alert_ack", "step": None, "outcome": "acknowledged", "occurred_at": now.isoformat(),
        "details": {"alert": str(alert_id), "alert_kind": row.kind, "entry": str(row.entry_seq),
                    "note": note},
    }, now=now)  # fmt: skip
    row.status, row.acknowledged_by, row.acknowledged_at, row.note = (
        "acknowledged", actor.username, now, note)  # fmt: skip
    session.flush()
    return _alert_out(row, case.coi, access.patient_id or "")


def verify(session: Session, *, access: Access, coi: str | None = None) -> list[CaseVerification]:
    """Re-check every case's chain (or one case's) and every signature against its key."""
    if access.action not in (Action.READ_AUDIT, Action.VIEW_RECORD, Action.EXPORT):
        raise ValueError("verify needs access granted for read_audit, view_record or export")
    query = select(CellTherapyCaseRow).order_by(CellTherapyCaseRow.id)
    if coi is not None:
        query = query.where(CellTherapyCaseRow.coi == coi)
    keys = signing.public_keys(session)
    found = [records.verify_case(session, case, records.entries(session, case), keys)
             for case in session.scalars(query)]  # fmt: skip
    if coi is not None and not found:
        raise NotFound(f"cell-therapy case {coi!r} not found")
    return found


def _alert_out(row: CellTherapyAlertRow, coi: str, patient: str) -> AlertOut:
    return AlertOut(
        id=row.id, coi=coi, patient_id=patient, kind=AlertKind(row.kind), message=row.message,
        entry_seq=row.entry_seq, raised_at=_utc(row.raised_at), raised_by=row.raised_by,
        status=row.status, acknowledged_by=row.acknowledged_by,
        acknowledged_at=_utc(row.acknowledged_at) if row.acknowledged_at else None, note=row.note,
    )  # fmt: skip


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
