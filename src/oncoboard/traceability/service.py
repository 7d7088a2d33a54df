# SPDX-License-Identifier: Apache-2.0
"""Chain-of-identity use cases behind API, CLI and pages: open a case, record a hand-over
(scan-and-match), acknowledge alerts. Every path passes the governance gate; services never
commit. A blocked hand-over is not an error: it is written to the batch record with its alert
and returned, so the unit of work commits it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oncoboard.errors import Conflict, InputError, NotFound, PermissionDenied, Problem
from oncoboard.governance import audit, gate
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.traceability import engine, isbt128, records, signing
from oncoboard.traceability.config import SiteConfig
from oncoboard.traceability.models import (
    CellTherapyAlertRow,
    CellTherapyCaseRow,
    CellTherapyIdentifierRow,
)
from oncoboard.traceability.scan import Scan, ScanKind, read_scan
from oncoboard.traceability.schemas import (
    AlertKind,
    CaseIn,
    CaseSummary,
    CustodyStep,
    StepIn,
    StepOutcome,
)
from oncoboard.traceability.state import CaseState, replay

# who may record hand-overs and sign (21 CFR 11.10(g) authority checks, (i) trained staff):
# the site grants this role to its trained cell-therapy staff (coordinators, QA, infusion nurses)
CUSTODY_ROLE = Role.CELL_THERAPY_COORDINATOR


def authorize_case(session: Session, actor: Actor, coi: str, action: Action, what: str) -> Access:
    """The gate for one case: ``action`` for treatment on the case's patient. An unknown case
    passes the role check first, so a caller without the role learns nothing about it."""
    case = session.scalar(select(CellTherapyCaseRow).where(CellTherapyCaseRow.coi == coi))
    patient = records.patient_external_id(session, case) if case is not None else None
    access = gate.authorize(session, actor=actor, action=action, purpose=Purpose.TREATMENT,
                            obj=f"celltherapy {coi}: {what}", patient_id=patient)  # fmt: skip
    if case is None:
        raise NotFound(f"cell-therapy case {coi!r} not found")
    return access


def require_custody_role(access: Access, what: str) -> None:
    """Only the site's trained cell-therapy staff record hand-overs and sign."""
    actor = access.actor
    if CUSTODY_ROLE in actor.roles:
        return
    reason = f"{what} needs the {CUSTODY_ROLE.value} role (has: {actor.roles_text or 'none'})"
    raise PermissionDenied(
        reason,
        audit_event=audit.AuditEvent(
            actor=actor.username, roles=actor.roles_text, action=Action.EDIT_RECORD.value,
            purpose=Purpose.TREATMENT.value, object=f"celltherapy: {what}", outcome="denied",
            patient=access.patient_id, reason=reason, request_id=actor.request_id,
        ),
    )  # fmt: skip


def open_case(
    session: Session,
    *,
    access: Access,
    case_in: CaseIn,
    config: SiteConfig,
    now: datetime | None = None,
) -> CaseSummary:
    """Open the chain of identity of one patient's product (entry 1 of its batch record)."""
    gate.require(access, Action.EDIT_RECORD)
    require_custody_role(access, "opening a chain of identity")
    patient_pk = gate.record_key(session, access)
    coi = _coi(session, case_in)
    if session.scalar(select(CellTherapyCaseRow.id).where(CellTherapyCaseRow.coi == coi)):
        raise Conflict(f"a case with chain of identity {coi} already exists")
    wristband = case_in.wristband_id or access.patient_id or ""
    if read_scan(wristband).kind != ScanKind.WRISTBAND:
        raise InputError(f"wristband identifier {wristband!r} looks like a label identifier")
    limits = case_in.limits or config.limits
    case = CellTherapyCaseRow(coi=coi, patient_id=patient_pk, product=case_in.product,
                              status="open", last_seq=0, last_hash=engine_genesis(),
                              opened_by=access.actor.username)  # fmt: skip
    session.add(case)
    session.flush()
    now = now or records.utc_now()
    registers = {"patient_id": access.patient_id, "wristband_id": wristband,
                 "product": case_in.product,
                 "limits": limits.model_dump(mode="json") if limits else None}  # fmt: skip
    records.append(session, case, {**_who(access), "kind": "opened", "step": None,
                                   "outcome": "opened", "occurred_at": now.isoformat(),
                                   "registers": registers}, now=now)  # fmt: skip
    session.add(CellTherapyIdentifierRow(value=coi, case_id=case.id, kind="coi"))
    session.flush()
    return summary(session, case)


def engine_genesis() -> str:
    from oncoboard.traceability.chain import GENESIS

    return GENESIS


def _coi(session: Session, case_in: CaseIn) -> str:
    if case_in.coi:
        return isbt128.parse_coi(case_in.coi).value
    if not case_in.issuing_fin:
        raise InputError(
            "give the case's CoI identifier or the issuing FIN to assign one",
            problems=[Problem("case", "request", "coi", "", "&/CHαppppyynnnnnn or issuing_fin")],
        )
    year = datetime.now(UTC).year % 100
    prefix = f"CH{case_in.issuing_fin}{year:02d}"
    issued = session.scalar(
        select(func.count()).where(CellTherapyCaseRow.coi.startswith(prefix, autoescape=True))
    )
    return isbt128.make_coi(case_in.issuing_fin, year, int(issued or 0) + 1).value


def record_step(
    session: Session,
    *,
    access: Access,
    coi: str,
    step_in: StepIn,
    now: datetime | None = None,
) -> StepOutcome:
    """Scan-and-match one hand-over: recorded when every scan matches, blocked (recorded, with
    an alert) on any mismatch; ``commit=False`` only checks unless something is blocked."""
    gate.require(access, Action.EDIT_RECORD)
    require_custody_role(access, f"recording {step_in.step.value}")
    moment = now or records.utc_now()
    case = records.case_row(session, coi, lock=True)
    state = _verified_state(session, case)
    scans = _read_scans(step_in.scans)
    request = engine.StepRequest(
        step=step_in.step, scans=scans, occurred_at=_aware(step_in.occurred_at) or moment,
        now=moment, temperature_min_c=step_in.temperature_min_c,
        temperature_max_c=step_in.temperature_max_c, operation=step_in.operation,
        batch_lot=step_in.batch_lot, expires_at=_aware(step_in.expires_at),
        owners=_owners(session, scans),
    )  # fmt: skip
    evaluation = engine.evaluate(state, request)
    if evaluation.outcome == "incomplete":
        if step_in.commit:
            raise InputError(
                f"{step_in.step.value} needs a scan of: {', '.join(evaluation.missing)}",
                problems=[Problem("hand-over", step_in.step.value, "scans",
                                  ", ".join(s.raw for s in scans), ", ".join(evaluation.missing))],
            )  # fmt: skip
        return _outcome(coi, step_in.step, "incomplete", evaluation)
    if evaluation.outcome == "matched" and not step_in.commit:
        return _outcome(coi, step_in.step, "ready", evaluation)
    signer = None
    if evaluation.outcome == "matched" and step_in.step in engine.SIGNED_STEPS:
        if step_in.password is None or not step_in.password.get_secret_value():
            raise InputError(
                f"{step_in.step.value} is an electronic signature: enter your password to sign",
                problems=[Problem("signature", step_in.step.value, "password", "", "your password")],
            )  # fmt: skip
        signer = signing.unlock(session, actor=access.actor,
                                password=step_in.password.get_secret_value())  # fmt: skip
    return _write(session, access, case, step_in, request, evaluation, signer, moment)


def _verified_state(session: Session, case: CellTherapyCaseRow) -> CaseState:
    rows = records.entries(session, case)
    verification = records.verify_case(session, case, rows)
    if not verification.ok:
        raise Conflict(
            f"batch record of {case.coi} failed verification ({'; '.join(verification.problems)}); "
            "no further hand-overs until QA has investigated"
        )
    return replay(records.bodies(rows))


def _read_scans(raws: Sequence[str]) -> list[Scan]:
    scans, problems = [], []
    for number, raw in enumerate(raws, start=1):
        try:
            scans.append(read_scan(raw))
        except InputError as error:
            problems += [Problem(p.source, f"scan {number}", p.field, p.value, p.expected)
                         for p in error.problems] or [Problem("scan", f"scan {number}", "scan",
                                                              raw, str(error))]  # fmt: skip
            first = str(error.args[0]) if error.args else str(error)
    if problems:
        raise InputError(f"bad scan: {first}", problems=problems)
    return scans


def _owners(session: Session, scans: Sequence[Scan]) -> dict[str, str]:
    values = [engine.final_label(s).display if s.kind == ScanKind.GS1 else s.value for s in scans]
    rows = session.execute(
        select(CellTherapyIdentifierRow.value, CellTherapyCaseRow.coi)
        .join(CellTherapyCaseRow, CellTherapyCaseRow.id == CellTherapyIdentifierRow.case_id)
        .where(CellTherapyIdentifierRow.value.in_(values))
    )
    return {value: coi for value, coi in rows}


def _write(
    session: Session,
    access: Access,
    case: CellTherapyCaseRow,
    step_in: StepIn,
    request: engine.StepRequest,
    evaluation: engine.Evaluation,
    signer: signing.UnlockedKey | None,
    moment: datetime,
) -> StepOutcome:
    blocked = evaluation.outcome == "blocked"
    fields: dict[str, Any] = {
        **_who(access), "kind": "step", "step": step_in.step.value,
        "outcome": "blocked" if blocked else "recorded",
        "occurred_at": request.occurred_at.isoformat(), "location": step_in.location,
        "scans": [{"kind": s.kind.value, "value": s.value, "raw": s.raw} for s in request.scans],
        "checks": [c.model_dump() for c in evaluation.checks], "flags": list(evaluation.flags),
        "details": _details(step_in), "registers": dict(evaluation.registers),
        "reason": evaluation.message if blocked else None,
    }  # fmt: skip
    if signer is not None:
        fields["signature"] = {
            "meaning": engine.SIGNATURE_MEANINGS[step_in.step], "printed_name":
            access.actor.display_name, "username": access.actor.username,
            "signed_at": moment.isoformat(), "key_fingerprint": signer.fingerprint,
        }  # fmt: skip
    row, body = records.append(session, case, fields, signer=signer, now=moment)
    alert_ids = [
        _alert(session, case, row.seq, kind, text, access) for kind, text in evaluation.alerts
    ]
    if not blocked:
        _register(session, case, evaluation.registers)
        case.last_step = step_in.step.value
        case.status = "infused" if step_in.step == CustodyStep.INFUSION else "open"
    session.flush()
    return _outcome(case.coi, step_in.step, "blocked" if blocked else "recorded", evaluation,
                    alert_ids, records.entry_out(row, body))  # fmt: skip


def _details(step_in: StepIn) -> dict[str, str]:
    values = {"temperature_min_c": step_in.temperature_min_c,
              "temperature_max_c": step_in.temperature_max_c, "operation": step_in.operation,
              "batch_lot": step_in.batch_lot, "note": step_in.note,
              "expires_at": step_in.expires_at.isoformat() if step_in.expires_at else None}  # fmt: skip
    return {k: str(v) for k, v in values.items() if v is not None}


def _register(session: Session, case: CellTherapyCaseRow, registers: Mapping[str, Any]) -> None:
    found = []
    if "collection_din" in registers:
        found.append((registers["collection_din"], "collection_din"))
    if "final_label" in registers:
        label = registers["final_label"]
        found.append((label["display"], "final_label"))
        if label.get("din"):
            found.append((label["din"], "final_din"))
    for value, kind in found:
        if session.get(CellTherapyIdentifierRow, value) is None:
            session.add(CellTherapyIdentifierRow(value=value, case_id=case.id, kind=kind))


def _alert(session: Session, case: CellTherapyCaseRow, seq: int, kind: AlertKind, message: str,
           access: Access) -> int:  # fmt: skip
    row = CellTherapyAlertRow(case_id=case.id, entry_seq=seq, kind=kind.value, message=message,
                              raised_by=access.actor.username, status="open")  # fmt: skip
    session.add(row)
    session.flush()
    return row.id


def _outcome(
    coi: str,
    step: CustodyStep,
    kind: str,
    evaluation: engine.Evaluation,
    alert_ids: Sequence[int] = (),
    entry: Any = None,
) -> StepOutcome:
    return StepOutcome(coi=coi, step=step, outcome=kind, message=evaluation.message,
                       checks=list(evaluation.checks), missing=list(evaluation.missing),
                       flags=list(evaluation.flags), alert_ids=list(alert_ids), entry=entry)  # fmt: skip


def _who(access: Access) -> dict[str, Any]:
    actor = access.actor
    return {"actor": actor.username, "actor_name": actor.display_name, "roles": actor.roles_text}


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def summary(session: Session, case: CellTherapyCaseRow) -> CaseSummary:
    from oncoboard.traceability.schemas import STEP_LABELS

    open_alerts = session.scalar(
        select(func.count()).where(CellTherapyAlertRow.case_id == case.id,
                                   CellTherapyAlertRow.status == "open")
    )  # fmt: skip
    last = CustodyStep(case.last_step) if case.last_step else None
    return CaseSummary(
        coi=case.coi, patient_id=records.patient_external_id(session, case), product=case.product,
        status=case.status, last_step=case.last_step,
        last_step_label=STEP_LABELS[last] if last else "opened, no hand-over yet",
        open_alerts=int(open_alerts or 0), opened_at=case.opened_at,
    )  # fmt: skip
