# SPDX-License-Identifier: Apache-2.0
"""The gate: roles × action × purpose, own-record restriction, consent, break-the-glass, audit."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from oncoboard.errors import ConsentDenied, NotFound, PermissionDenied
from oncoboard.governance import gate, service
from oncoboard.governance.consent import ConsentIn
from oncoboard.governance.models import AuditRow
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.store.db import unit_of_work
from tests.support import import_file

HEADER = "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\tTumor_Sample_Barcode\n"


def actor(role: Role, name: str = "dr-who", patient: str | None = None) -> gate.Actor:
    return gate.Actor(
        username=name,
        display_name=name.title(),
        roles=frozenset({role}),
        patient_external_id=patient,
    )


@pytest.fixture
def patients(engine: Engine, tmp_path: Path) -> Engine:
    body = "".join(
        f"BRAF\tGRCh38\t7\t{140753336 + i}\tA\tT\t{pid}\n" for i, pid in enumerate(["PT-A", "PT-B"])
    )
    path = tmp_path / "two.maf"
    path.write_text(HEADER + body, encoding="utf-8")
    import_file(engine, path)
    return engine


def _audit(engine: Engine) -> list[AuditRow]:
    with unit_of_work(engine) as session:
        return list(session.scalars(select(AuditRow).order_by(AuditRow.id)))


def _authorize(
    engine: Engine,
    who: gate.Actor,
    action: Action,
    purpose: Purpose,
    patient: str | None,
    **extra: str,
) -> gate.Access:
    with unit_of_work(engine) as session:
        return gate.authorize(
            session,
            actor=who,
            action=action,
            purpose=purpose,
            obj="patient record",
            patient_id=patient,
            **extra,
        )


def _consent(engine: Engine, patient: str, purpose: Purpose, status: str) -> None:
    staff = actor(Role.NURSE, "nurse-joy")
    with unit_of_work(engine) as session:
        access = gate.authorize(
            session,
            actor=staff,
            action=Action.MANAGE_CONSENT,
            purpose=Purpose.TREATMENT,
            obj="consent",
            patient_id=patient,
        )
        service.change_consent(
            session,
            access=access,
            consent_in=ConsentIn(purpose=purpose, status=status, source="paper form 2026-11/17"),
        )  # type: ignore[arg-type]


def test_allowed_access_is_audited_in_the_same_unit_of_work(patients: Engine) -> None:
    _authorize(patients, actor(Role.CLINICIAN), Action.VIEW_RECORD, Purpose.TREATMENT, "PT-A")
    entry = _audit(patients)[-1]
    assert (entry.actor, entry.action, entry.purpose, entry.patient, entry.outcome) == (
        "dr-who",
        "view_record",
        "treatment",
        "PT-A",
        "allowed",
    )


def test_rolled_back_action_leaves_no_allowed_entry(patients: Engine) -> None:
    with pytest.raises(RuntimeError), unit_of_work(patients) as session:
        gate.authorize(
            session,
            actor=actor(Role.CLINICIAN),
            action=Action.VIEW_RECORD,
            purpose=Purpose.TREATMENT,
            obj="patient record",
            patient_id="PT-A",
        )
        raise RuntimeError("the read failed")
    assert _audit(patients) == []


DENIALS: dict[str, tuple[Callable[[], gate.Actor], Action, Purpose, type[Exception], str]] = {
    "nurse-may-not-decide": (
        lambda: actor(Role.NURSE),
        Action.DECIDE,
        Purpose.TREATMENT,
        PermissionDenied,
        "nurse may not decide",
    ),
    "researcher-not-for-treatment": (
        lambda: actor(Role.RESEARCHER),
        Action.VIEW_RECORD,
        Purpose.TREATMENT,
        PermissionDenied,
        "for purpose treatment",
    ),
    "researcher-needs-consent": (
        lambda: actor(Role.RESEARCHER),
        Action.VIEW_RECORD,
        Purpose.RESEARCH,
        ConsentDenied,
        "no consent for research on record",
    ),
    "patient-reads-other-patient": (
        lambda: actor(Role.PATIENT, "ana", patient="PT-B"),
        Action.VIEW_RECORD,
        Purpose.TREATMENT,
        NotFound,
        "'PT-A' not found",
    ),
    "quality-officer-no-records": (
        lambda: actor(Role.QUALITY_OFFICER),
        Action.VIEW_RECORD,
        Purpose.TREATMENT,
        PermissionDenied,
        "quality_officer",
    ),
}


@pytest.mark.parametrize("case", DENIALS, ids=list(DENIALS))
def test_denials_are_refused_with_reason_and_audited(patients: Engine, case: str) -> None:
    make, action, purpose, error, message = DENIALS[case]
    with pytest.raises(error, match=message):
        _authorize(patients, make(), action, purpose, "PT-A")
    entry = _audit(patients)[-1]
    assert entry.outcome == "denied" and entry.patient == "PT-A" and entry.reason


def test_patient_not_found_looks_the_same_whether_or_not_the_patient_exists(
    patients: Engine,
) -> None:
    who = actor(Role.PATIENT, "ana", patient="PT-B")
    with pytest.raises(NotFound) as existing:
        _authorize(patients, who, Action.VIEW_RECORD, Purpose.TREATMENT, "PT-A")
    with pytest.raises(NotFound) as missing:
        _authorize(patients, who, Action.VIEW_RECORD, Purpose.TREATMENT, "PT-NOPE")
    assert str(existing.value).replace("PT-A", "X") == str(missing.value).replace("PT-NOPE", "X")
    assert (
        _authorize(patients, who, Action.VIEW_RECORD, Purpose.TREATMENT, "PT-B").patient_id
        == "PT-B"
    )


def test_withdrawal_blocks_new_reads_and_names_purpose_and_date(patients: Engine) -> None:
    clinician = actor(Role.CLINICIAN)
    _authorize(patients, clinician, Action.VIEW_RECORD, Purpose.TREATMENT, "PT-A")
    _consent(patients, "PT-A", Purpose.TREATMENT, "withdrawn")
    with pytest.raises(
        ConsentDenied, match=r"consent for treatment was withdrawn on \d{4}-\d{2}-\d{2}"
    ):
        _authorize(patients, clinician, Action.VIEW_RECORD, Purpose.TREATMENT, "PT-A")
    # PT-B is unaffected, and the earlier allowed read is not rewritten
    _authorize(patients, clinician, Action.VIEW_RECORD, Purpose.TREATMENT, "PT-B")
    outcomes = [(e.patient, e.action, e.outcome) for e in _audit(patients)]
    assert outcomes[0] == ("PT-A", "view_record", "allowed")
    assert ("PT-A", "view_record", "denied") in outcomes


def test_research_consent_grant_then_withdraw(patients: Engine) -> None:
    researcher = actor(Role.RESEARCHER, "res")
    _consent(patients, "PT-A", Purpose.RESEARCH, "granted")
    assert _authorize(patients, researcher, Action.VIEW_RECORD, Purpose.RESEARCH, "PT-A")
    _consent(patients, "PT-A", Purpose.RESEARCH, "withdrawn")
    with pytest.raises(ConsentDenied, match="research was withdrawn"):
        _authorize(patients, researcher, Action.VIEW_RECORD, Purpose.RESEARCH, "PT-A")


def test_break_the_glass_needs_clinician_and_reason_and_is_flagged(patients: Engine) -> None:
    _consent(patients, "PT-A", Purpose.TREATMENT, "withdrawn")
    with pytest.raises(PermissionDenied, match="reason"):
        _authorize(
            patients,
            actor(Role.CLINICIAN),
            Action.VIEW_RECORD,
            Purpose.TREATMENT,
            "PT-A",
            break_glass_reason="urgent",
        )
    with pytest.raises(ConsentDenied):
        _authorize(
            patients,
            actor(Role.NURSE),
            Action.VIEW_RECORD,
            Purpose.TREATMENT,
            "PT-A",
            break_glass_reason="unconscious in the emergency department",
        )
    access = _authorize(
        patients,
        actor(Role.CLINICIAN),
        Action.VIEW_RECORD,
        Purpose.TREATMENT,
        "PT-A",
        break_glass_reason="unconscious in the emergency department",
    )
    assert access.break_glass
    entry = _audit(patients)[-1]
    assert (
        entry.break_glass
        and entry.outcome == "allowed"
        and "emergency department" in (entry.reason or "")
    )


def test_list_filter_hides_withdrawn_and_other_patients(patients: Engine) -> None:
    from oncoboard.record.models import PatientRow

    _consent(patients, "PT-A", Purpose.TREATMENT, "withdrawn")
    with unit_of_work(patients) as session:

        def visible(who: gate.Actor, purpose: Purpose) -> list[str]:
            condition = gate.visible_patients(who, purpose)
            return list(
                session.scalars(
                    select(PatientRow.external_id).where(condition).order_by(PatientRow.id)
                )
            )

        assert visible(actor(Role.CLINICIAN), Purpose.TREATMENT) == ["PT-B"]
        assert visible(actor(Role.PATIENT, "b", patient="PT-B"), Purpose.TREATMENT) == ["PT-B"]
        assert visible(actor(Role.RESEARCHER), Purpose.RESEARCH) == []
