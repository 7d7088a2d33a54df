# SPDX-License-Identifier: Apache-2.0
"""The one gate every path to patient data passes: (actor, patient, purpose, action).

It checks role permissions, a patient's restriction to their own record and consent for the
purpose, then writes the audit entry in the caller's unit of work. A denial raises with its
audit entry attached; ``store.db.unit_of_work`` records it after rolling the action back.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, SQLColumnExpression, and_, case, func, select, true
from sqlalchemy.orm import Session

from oncoboard.errors import ConsentDenied, NotFound, PermissionDenied
from oncoboard.governance import audit, consent
from oncoboard.governance.models import ConsentEventRow
from oncoboard.governance.vocabulary import (
    BREAK_GLASS_ROLES,
    OPT_OUT_PURPOSES,
    Action,
    Purpose,
    Role,
    allowed_purposes,
)
from oncoboard.record.ids import check_patient_id
from oncoboard.record.models import PatientRow

MIN_BREAK_GLASS_REASON = 10


@dataclass(frozen=True)
class Actor:
    """Who acts: a named user with roles; a patient user is linked to their own record."""

    username: str
    display_name: str
    roles: frozenset[Role]
    patient_external_id: str | None = None
    request_id: str | None = None

    @property
    def roles_text(self) -> str:
        return ",".join(sorted(self.roles))

    @property
    def is_patient_only(self) -> bool:
        return self.roles == frozenset({Role.PATIENT})


@dataclass(frozen=True)
class Access:
    """Proof that the gate allowed an access; services take it instead of re-checking."""

    actor: Actor
    action: Action
    purpose: Purpose
    patient_id: str | None
    break_glass: bool
    # the record's key as the gate found it (None: no patient, or not looked up)
    patient_pk: int | None = None


def authorize(
    session: Session,
    *,
    actor: Actor,
    action: Action,
    purpose: Purpose,
    obj: str,
    patient_id: str | None = None,
    break_glass_reason: str | None = None,
) -> Access:
    """Allow or refuse one access and audit it either way. A patient id that no patient can
    have (record/ids.py) is bad input, refused before anything is looked up."""
    if patient_id is not None:
        check_patient_id(patient_id)
    event = audit.AuditEvent(
        actor=actor.username,
        roles=actor.roles_text,
        action=action.value,
        purpose=purpose.value,
        object=obj,
        outcome="allowed",
        patient=patient_id,
        request_id=actor.request_id,
    )
    if purpose not in allowed_purposes(actor.roles, action):
        reason = (
            f"role(s) {actor.roles_text or 'none'} may not {action.value} "
            f"for purpose {purpose.value}"
        )
        raise PermissionDenied(reason, audit_event=_denied(event, reason))
    if patient_id is not None and actor.is_patient_only and patient_id != actor.patient_external_id:
        # never confirm that another patient exists
        raise NotFound(
            f"patient {patient_id!r} not found",
            audit_event=_denied(event, "patient may only access their own record"),
        )
    glass, patient_pk = False, None
    if patient_id is not None and action != Action.MANAGE_CONSENT:
        patient_pk, glass = _check_consent(
            session, actor, action, purpose, patient_id, event, break_glass_reason
        )
    if glass:
        event = _replace(event, break_glass=True, reason=f"break-the-glass: {break_glass_reason}")
    audit.append(session, event)
    return Access(
        actor=actor,
        action=action,
        purpose=purpose,
        patient_id=patient_id,
        break_glass=glass,
        patient_pk=patient_pk,
    )


def authorize_export(session: Session, *, actor: Actor, patient_id: str, obj: str) -> Access:
    """Taking a patient's data out of OncoBoard (a report file, its JSON or FHIR form) is
    ``export``, not just ``view_record``: a nurse or board member may read the report on the
    page but not download it (docs/security.md, permission matrix)."""
    return authorize(
        session,
        actor=actor,
        action=Action.EXPORT,
        purpose=Purpose.TREATMENT,
        obj=f"{obj}: export"[:256],
        patient_id=patient_id,
    )


def require(access: Access, action: Action, *, patient_scoped: bool = True) -> None:
    """Services take the gate's proof and check it covers what they are about to do."""
    if access.action != action or (patient_scoped and access.patient_id is None):
        raise PermissionDenied(
            f"access was granted for {access.action.value} on {access.patient_id or 'no patient'}, "
            f"not {action.value}"
        )


def record_key(session: Session, access: Access) -> int:
    """The database key of the record the access is for (the gate's look-up when it made one)."""
    if access.patient_pk is not None:
        return access.patient_pk
    pk = session.scalar(select(PatientRow.id).where(PatientRow.external_id == access.patient_id))
    if pk is None:
        raise NotFound(f"patient {access.patient_id!r} not found")
    return pk


def _check_consent(
    session: Session,
    actor: Actor,
    action: Action,
    purpose: Purpose,
    patient_id: str,
    event: audit.AuditEvent,
    break_glass_reason: str | None,
) -> tuple[int | None, bool]:
    """The record's key, and True when access proceeds only by break-the-glass."""
    patient_pk, current = consent.state_of(session, patient_id, purpose)
    if current.allows_access:
        return patient_pk, False
    if current.in_force == "withdrawn" and current.since is not None:
        reason = f"consent for {purpose.value} was withdrawn on {current.since.date().isoformat()}"
    else:
        reason = f"no consent for {purpose.value} on record"
    if break_glass_reason is not None and _may_break_glass(actor, action, purpose):
        if len(break_glass_reason.strip()) < MIN_BREAK_GLASS_REASON:
            raise PermissionDenied(
                f"break-the-glass needs a reason of at least {MIN_BREAK_GLASS_REASON} characters",
                audit_event=_denied(event, "break-the-glass without a reason"),
            )
        return patient_pk, True
    raise ConsentDenied(f"patient {patient_id}: {reason}", audit_event=_denied(event, reason))


def _may_break_glass(actor: Actor, action: Action, purpose: Purpose) -> bool:
    return (
        bool(actor.roles & BREAK_GLASS_ROLES)
        and purpose == Purpose.TREATMENT
        and action in (Action.VIEW_RECORD, Action.EDIT_RECORD)
    )


def _denied(event: audit.AuditEvent, reason: str) -> audit.AuditEvent:
    return _replace(event, outcome="denied", reason=reason)


def _replace(event: audit.AuditEvent, **changes: object) -> audit.AuditEvent:
    return replace(event, **changes)  # type: ignore[arg-type]


def visible_patients(actor: Actor, purpose: Purpose) -> ColumnElement[bool]:
    """SQL condition on ``PatientRow`` for lists: own record for patients, consent for purpose."""
    # the patient's latest event for the purpose, found on the (patient, purpose, id) index
    status_of_latest = (
        select(ConsentEventRow.status)
        .where(
            ConsentEventRow.patient_id == PatientRow.id, ConsentEventRow.purpose == purpose.value
        )
        .order_by(ConsentEventRow.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    if purpose in OPT_OUT_PURPOSES:
        condition: ColumnElement[bool] = func.coalesce(status_of_latest, "none") != "withdrawn"
    else:
        condition = status_of_latest == "granted"
    if actor.is_patient_only:
        return and_(condition, PatientRow.external_id == (actor.patient_external_id or ""))
    return and_(condition, true())


def consented_patients(
    actor: Actor, purpose: Purpose, key: SQLColumnExpression[int] | None = None
) -> ColumnElement[bool]:
    """The same condition as :func:`visible_patients`, set-based for whole-cohort counts: the
    patients whose latest event for ``purpose`` is a grant, found in one ordered pass over the
    consent events (grouped by patient: the newest event is the newest grant) instead of one
    look-up per patient (federated counts over 100k patients). ``key`` is the patient key
    column the condition applies to (``PatientRow.id`` unless given), so callers whose rows
    already carry the key need not join the patients table."""
    if purpose in OPT_OUT_PURPOSES:
        return visible_patients(actor, purpose)
    column = PatientRow.id if key is None else key
    events = ConsentEventRow
    granted = (
        select(events.patient_id)
        .where(events.purpose == purpose.value)
        .group_by(events.patient_id)
        .having(func.max(events.id) == func.max(case((events.status == "granted", events.id))))
    )
    condition: ColumnElement[bool] = column.in_(granted)
    if actor.is_patient_only:
        own = select(PatientRow.id).where(
            PatientRow.external_id == (actor.patient_external_id or "")
        )
        return and_(condition, column.in_(own))
    return condition
