# SPDX-License-Identifier: Apache-2.0
"""Demo activity beyond the imported files: three fictitious trials in the registry, and three
weeks of symptom reports from the demo patient on capecitabine, so the queue, the symptom plot
and a dose proposal can be tried at once. Every write goes through the product's services."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from oncoboard.governance import gate
from oncoboard.governance.gate import Actor
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.monitoring import service as monitoring
from oncoboard.monitoring.config import MonitoringConfig
from oncoboard.monitoring.models import ProSubmissionRow
from oncoboard.monitoring.schemas import EnrolmentIn, SubmissionIn
from oncoboard.record.models import PatientRow
from oncoboard.trials import service as trials

TRIALS_FILE = "trials/demo-trials.ctgov.json"
SYMPTOM_PATIENT = "demo-001"
# Three weekly capecitabine reports: hand-foot syndrome worsening to severe (PRO-CTCAE severity 3)
# in the last one, which the default rules turn into an alert for the care team.
WEEKS: tuple[tuple[int, dict[str, int | str]], ...] = (
    (15, {"hand_foot_syndrome.severity": 1, "diarrhea.frequency": 0, "nausea.frequency": 1,
          "nausea.severity": 1, "mouth_or_throat_sores.severity": 0}),
    (8, {"hand_foot_syndrome.severity": 2, "diarrhea.frequency": 1, "nausea.frequency": 0,
         "mouth_or_throat_sores.severity": 1, "mouth_or_throat_sores.interference": 0}),
    (1, {"hand_foot_syndrome.severity": 3, "diarrhea.frequency": 1, "nausea.frequency": 0,
         "mouth_or_throat_sores.severity": 1, "mouth_or_throat_sores.interference": 1}),
)  # fmt: skip


def seed_trials(session: Session, admin: Actor, folder: Path) -> str:
    path = folder / TRIALS_FILE
    access = trials.authorize_import(session, admin, path.name)
    report = trials.import_trials(
        session=session, access=access, data=path.read_bytes(), source_name=path.name
    )
    changed = sum(item.outcome != "unchanged" for item in report.items)
    return f"demo: trial registry: {len(report.items)} demo trials, {changed} new or updated"


def seed_symptoms(
    session: Session, *, admin: Actor, patient: Actor, config: MonitoringConfig
) -> Iterator[str]:
    """Enrol the demo patient and submit three weekly reports, once (dated relative to today)."""
    pk = session.scalar(select(PatientRow.id).where(PatientRow.external_id == SYMPTOM_PATIENT))
    reported = session.scalar(
        select(func.count()).where(ProSubmissionRow.patient_id == pk)
    )  # fmt: skip
    if pk is None or reported:
        return
    now = datetime.now(UTC)
    enrol = gate.authorize(session, actor=admin, action=Action.EDIT_RECORD,
                           purpose=Purpose.TREATMENT, obj="demo: symptom monitoring enrolment",
                           patient_id=SYMPTOM_PATIENT)  # fmt: skip
    monitoring.enrol(session, access=enrol, config=config, enrolment=EnrolmentIn(
        questionnaire_id="capecitabine", starts_at=now - timedelta(days=16)))  # fmt: skip
    report = gate.authorize(session, actor=patient, action=Action.REPORT_SYMPTOMS,
                            purpose=Purpose.TREATMENT, obj="demo: weekly symptom report",
                            patient_id=SYMPTOM_PATIENT)  # fmt: skip
    for number, (days_ago, answers) in enumerate(WEEKS, start=1):
        authored = now - timedelta(days=days_ago)
        monitoring.submit(session, access=report, config=config, now=authored,
                          submission=SubmissionIn(questionnaire_id="capecitabine",
                                                  idempotency_key=f"demo-001-week-{number}",
                                                  authored_at=authored, answers=answers,
                                                  urgent=False))  # fmt: skip
    yield f"demo: {len(WEEKS)} weekly symptom reports for {SYMPTOM_PATIENT} (see Alerts)"
