# SPDX-License-Identifier: Apache-2.0
"""Submissions, alerts, the queue, SLA escalation, the cascade and missed reports, on both DBs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import IntegrityError

from oncoboard.errors import Conflict, InputError, NotFound, PermissionDenied
from oncoboard.governance import decisions
from oncoboard.governance.models import AuditRow, RecommendationRow
from oncoboard.governance.vocabulary import Action, Role
from oncoboard.monitoring import queue, service
from oncoboard.monitoring.config import MonitoringConfig
from oncoboard.monitoring.models import AlertEventRow, AlertRow
from oncoboard.monitoring.schemas import AlertActionIn, EnrolmentIn, SubmissionIn
from oncoboard.store.db import unit_of_work
from tests.monitoring.conftest import PHONE, T0, access, make, pro_counts

CAPE = {"hand_foot_syndrome.severity": 1, "diarrhea.frequency": 0, "nausea.frequency": 0,
        "mouth_or_throat_sores.severity": 0}  # fmt: skip


def _submit(engine: Engine, config: MonitoringConfig, key: str, answers: dict[str, object],
            user: str = "nurse", patient: str = "PT-A", days: int = 0, **extra: object):  # fmt: skip
    body = SubmissionIn.model_validate(
        {
            "questionnaire_id": "capecitabine",
            "idempotency_key": key,
            "answers": answers,
            "authored_at": (T0 + timedelta(days=days)).isoformat(),
            **extra,
        }
    )
    with unit_of_work(engine) as session:
        granted = access(session, user, Action.REPORT_SYMPTOMS, patient)
        return service.submit(
            session, access=granted, config=config, submission=body,
            now=T0 + timedelta(days=days, hours=1),
        )  # fmt: skip


@pytest.fixture
def nurse(engine: Engine, patients: list[str]) -> str:
    make(engine, "nurse", [Role.NURSE])
    return "nurse"


def test_submission_stores_three_layers_and_one_alert_per_symptom(
    engine: Engine, config: MonitoringConfig, nurse: str
) -> None:
    out = _submit(engine, config, "k1", {**CAPE, "nausea.frequency": 3, "nausea.severity": 4})
    assert not out.replayed
    assert out.grades["nausea"] == 3  # frq 3 + sev 4 -> 3 (Basch 2021 frq+sev table)
    assert out.grades["diarrhea"] == 0
    [alert] = out.alerts  # one queue item for nausea, listing both reasons
    assert alert.symptom == "nausea"
    assert [r.rule_id for r in alert.reasons] == ["severe-answer", "composite-grade"]
    assert alert.priority == "high" and alert.due_at - alert.created_at == timedelta(hours=24)
    assert alert.summary == (
        "Nausea — severe or frequent answer: frequency 'frequently' (3 of 4), severity "
        "'very severe' (4 of 4); PRO-CTCAE composite grade: 3 of 3"
    )
    assert alert.patient_summary == "Nausea (how often: frequently; how severe: very severe)"
    with unit_of_work(engine) as session:
        rec = session.get(RecommendationRow, alert.recommendation_id)
        assert rec is not None and rec.kind == "alert"
        basis = rec.payload["basis"]
        assert [b["label"].split(" (patient-reported")[0] for b in basis] == [
            "Nausea, frequency: 'frequently' (3 of 4)",
            "Nausea, severity: 'very severe' (4 of 4)",
            "Nausea: PRO-CTCAE composite grade 3",
        ]
        assert basis[0]["provenance"]["import_id"] == out.submission_id
        cited = [e["knowledge_version"] for e in rec.payload["evidence"]]
        assert any("rule severe-answer v1" in c for c in cited)
        assert any("rule composite-grade v1" in c for c in cited)
        assert "SYMPATHY" in rec.payload["evidence"][0]["source"]
        assert "hand_foot" not in rec.payload["statement"] and "=" not in rec.payload["statement"]
        # the engine proposed through the gate as a named system actor
        assert session.scalar(
            select(AuditRow.id).where(
                AuditRow.actor == "system:pro-alerts", AuditRow.patient == "PT-A"
            )
        )


def test_retry_with_same_key_returns_the_same_submission_and_one_alert(
    engine: Engine, config: MonitoringConfig, nurse: str
) -> None:
    answers = {**CAPE, "hand_foot_syndrome.severity": 3}
    first = _submit(engine, config, "same", answers)
    again = _submit(engine, config, "same", answers)
    assert again.replayed and again.submission_id == first.submission_id
    counts = pro_counts(engine)
    assert counts["pro_submissions"] == 1
    assert counts["pro_alerts"] == 1  # hand-foot syndrome: severe answer + composite, once
    with pytest.raises(Conflict, match=r"already used .* for different content"):
        _submit(engine, config, "same", {**answers, "hand_foot_syndrome.severity": 2})
    assert pro_counts(engine) == counts


def test_the_database_refuses_a_second_alert_for_the_same_submission_and_symptom(
    engine: Engine, config: MonitoringConfig, nurse: str
) -> None:
    out = _submit(engine, config, "k", {**CAPE, "hand_foot_syndrome.severity": 3})
    copy = (
        "INSERT INTO pro_alerts (id, patient_id, submission_id, rule_id, rule_version, ruleset,"
        " rule_type, audience, priority, status, summary, triggers, trigger_key, created_at,"
        " due_at, symptom) SELECT :id, patient_id, submission_id, rule_id, 2, ruleset, rule_type,"
        " audience, priority, status, summary, triggers, :key, created_at, due_at,"
        " 'nausea' FROM pro_alerts WHERE id = :source"
    )
    source = {"source": out.alerts[0].alert_id}
    with engine.begin() as connection:
        connection.execute(text(copy), {**source, "id": "x1", "key": "key-1"})
    with pytest.raises(IntegrityError, match=r"(?i)unique|duplicate"), engine.begin() as connection:
        connection.execute(text(copy), {**source, "id": "x2", "key": "key-2"})


def test_branching_violation_writes_nothing(
    engine: Engine, config: MonitoringConfig, nurse: str
) -> None:
    with pytest.raises(InputError, match=r"nausea\.severity: expected no answer") as caught:
        _submit(engine, config, "bad", {**CAPE, "nausea.severity": 2, "diarrhea.frequency": 9})
    assert len(caught.value.problems) == 2
    assert set(pro_counts(engine).values()) == {0}


def test_worsening_basis_carries_the_previous_answer(
    engine: Engine, config: MonitoringConfig, nurse: str
) -> None:
    first = _submit(engine, config, "w1", CAPE)
    second = _submit(engine, config, "w2", {**CAPE, "diarrhea.frequency": 2}, days=7)
    assert [a.rule_id for a in second.alerts] == ["worsening"]
    trigger = second.alerts[0].triggers[0]
    assert (trigger.item, trigger.value, trigger.previous) == ("diarrhea.frequency", 2, 0)
    assert trigger.previous_submission_id == first.submission_id
    with unit_of_work(engine) as session:
        rec = session.get(RecommendationRow, second.alerts[0].recommendation_id)
        assert rec is not None
        previous = [b for b in rec.payload["basis"] if b["kind"].endswith("_previous")]
        assert previous[0]["provenance"]["import_id"] == first.submission_id


def test_patient_submits_only_own_report(
    engine: Engine, config: MonitoringConfig, patients: list[str]
) -> None:
    make(engine, "pat-a", [Role.PATIENT], patient="PT-A")
    assert not _submit(engine, config, "p1", CAPE, user="pat-a").replayed
    with pytest.raises(NotFound):
        _submit(engine, config, "p2", CAPE, user="pat-a", patient="PT-B")
    with unit_of_work(engine) as session, pytest.raises(PermissionDenied):
        queue.authorize_queue(session, users_actor(session, "pat-a"))


def users_actor(session: object, name: str):  # type: ignore[no-untyped-def]
    from oncoboard.governance import users

    return users.actor_for(session, name)  # type: ignore[arg-type]


def test_nurse_triages_and_researcher_cannot(
    engine: Engine, config: MonitoringConfig, nurse: str
) -> None:
    make(engine, "res", [Role.RESEARCHER])
    out = _submit(engine, config, "t1", {**CAPE, "hand_foot_syndrome.severity": 3})
    alert_id = out.alerts[0].alert_id
    with unit_of_work(engine) as session, pytest.raises(PermissionDenied):
        queue.authorize_alert(session, users_actor(session, "res"), alert_id)
    with unit_of_work(engine) as session:
        granted = queue.authorize_alert(session, users_actor(session, "nurse"), alert_id)
        done = queue.act(session, access=granted, config=config, alert_id=alert_id,
                         action=AlertActionIn(action="acknowledge"), now=T0 + timedelta(hours=2))  # fmt: skip
        queue.act(session, access=granted, config=config, alert_id=alert_id,
                  action=AlertActionIn(action="call", note="advised emollient"), now=T0 + timedelta(hours=3))  # fmt: skip
        done = queue.act(session, access=granted, config=config, alert_id=alert_id,
                         action=AlertActionIn(action="resolve", outcome="advice_given"), now=T0 + timedelta(hours=4))  # fmt: skip
    assert done.status == "resolved" and done.outcome == "advice_given"
    assert [e.kind for e in done.events] == ["created", "acknowledged", "call_logged", "resolved"]
    with unit_of_work(engine) as session, pytest.raises(Conflict, match="resolved"):
        granted = queue.authorize_alert(session, users_actor(session, "nurse"), alert_id)
        queue.act(session, access=granted, config=config, alert_id=alert_id,
                  action=AlertActionIn(action="note", note="late"))  # fmt: skip


def test_queue_orders_by_priority_then_age(
    engine: Engine, config: MonitoringConfig, nurse: str
) -> None:
    _submit(engine, config, "o1", {**CAPE, "hand_foot_syndrome.severity": 3})  # normal, oldest
    _submit(engine, config, "o2", {**CAPE, "hand_foot_syndrome.severity": 4}, days=1)  # high
    with unit_of_work(engine) as session:
        granted = queue.authorize_queue(session, users_actor(session, "nurse"))
        page = queue.list_queue(
            session, access=granted, config=config, now=T0 + timedelta(days=1, hours=2)
        )
    order = [(a.priority, a.rule_id) for a in page.items]
    assert order[0] == ("high", "severe-answer")
    normals = [a for a in page.items if a.priority == "normal"]
    assert normals == sorted(normals, key=lambda a: a.created_at)


def test_sla_breach_escalates_then_the_patient_is_told_to_call(
    engine: Engine, config: MonitoringConfig, nurse: str
) -> None:
    out = _submit(engine, config, "s1", {**CAPE, "hand_foot_syndrome.severity": 3})
    created = out.alerts[0].created_at
    with unit_of_work(engine) as session:
        granted = queue.authorize_queue(session, users_actor(session, "nurse"))
        before = queue.escalate_overdue(
            session, access=granted, config=config, now=created + timedelta(hours=71)
        )
        assert before.escalated == 0
        after = queue.escalate_overdue(
            session, access=granted, config=config, now=created + timedelta(hours=72)
        )
        assert after.escalated == 1  # the one hand-foot syndrome item of the submission
        status = queue.patient_status(
            session, access=access(session, "nurse", Action.VIEW_RECORD, "PT-A"), config=config,
            now=created + timedelta(hours=95),
        )  # fmt: skip
        assert not status.contact_care_team_now
        lapsed = queue.escalate_overdue(
            session, access=granted, config=config, now=created + timedelta(hours=96)
        )
        assert lapsed.patients_told == 1
        status = queue.patient_status(
            session, access=access(session, "nurse", Action.VIEW_RECORD, "PT-A"), config=config,
            now=created + timedelta(hours=96),
        )  # fmt: skip
    assert (
        status.contact_care_team_now and status.message == f"Contact your care team now on {PHONE}."
    )
    with unit_of_work(engine) as session:
        kinds = [
            e.kind
            for e in queue.alert_detail(
                session, session.get(AlertRow, out.alerts[0].alert_id)
            ).events
        ]
    assert kinds == ["created", "auto_escalated", "patient_told"]


def test_acting_before_the_sla_prevents_escalation(
    engine: Engine, config: MonitoringConfig, nurse: str
) -> None:
    out = _submit(engine, config, "s2", {**CAPE, "hand_foot_syndrome.severity": 3})
    with unit_of_work(engine) as session:
        for alert in out.alerts:
            granted = queue.authorize_alert(session, users_actor(session, "nurse"), alert.alert_id)
            queue.act(session, access=granted, config=config, alert_id=alert.alert_id,
                      action=AlertActionIn(action="acknowledge"), now=alert.created_at + timedelta(hours=1))  # fmt: skip
        swept = queue.escalate_overdue(session, access=queue.authorize_queue(session, users_actor(session, "nurse")),
                                       config=config, now=alert.created_at + timedelta(days=30))  # fmt: skip
    assert (swept.escalated, swept.patients_told) == (0, 0)


def test_missed_report_reminds_the_patient_then_tasks_staff_once(
    engine: Engine, config: MonitoringConfig, nurse: str
) -> None:
    make(engine, "admin", [Role.ADMIN])
    with unit_of_work(engine) as session:
        service.enrol(session, access=access(session, "nurse", Action.EDIT_RECORD, "PT-A"), config=config,
                      enrolment=EnrolmentIn(questionnaire_id="capecitabine", starts_at=T0))  # fmt: skip
    _submit(engine, config, "m1", CAPE)  # authored T0: next due T0 + 7 days

    def run(hours: int):  # type: ignore[no-untyped-def]
        with unit_of_work(engine) as session:
            from oncoboard.governance import gate
            from oncoboard.governance.vocabulary import Purpose

            granted = gate.authorize(session, actor=users_actor(session, "admin"), action=Action.ADMINISTER,
                                     purpose=Purpose.OPERATIONS, obj="sweep")  # fmt: skip
            return queue.sweep(
                session, access=granted, config=config, now=T0 + timedelta(days=7, hours=hours)
            )

    assert run(23).reminders == 0
    assert (run(24).reminders, run(25).reminders) == (1, 0)
    tasks = run(72)
    assert (tasks.reminders, tasks.staff_tasks) == (0, 1)
    assert run(80).staff_tasks == 0
    with unit_of_work(engine) as session:
        status = queue.patient_status(session, access=access(session, "nurse", Action.VIEW_RECORD, "PT-A"),
                                      config=config)  # fmt: skip
        assert len(status.reminders) == 1
        assert decisions.list_for_patient(
            session, access=access(session, "nurse", Action.VIEW_RECORD, "PT-A")
        )
    _submit(engine, config, "m2", CAPE, days=10)
    with unit_of_work(engine) as session:
        missed = session.scalars(
            select(AlertRow).where(AlertRow.rule_type == "missed_report")
        ).all()
        closing = session.execute(
            select(AlertEventRow.alert_id, AlertEventRow.actor).where(
                AlertEventRow.kind == "resolved", AlertEventRow.outcome == "report_received"
            )
        ).all()
    # the reminder and the staff task are both closed by the report, each with its event
    assert len(missed) == 2
    assert {(a.status, a.outcome) for a in missed} == {("resolved", "report_received")}
    assert all(a.resolved_at is not None for a in missed)
    assert sorted(alert_id for alert_id, _ in closing) == sorted(a.id for a in missed)
    assert {actor for _, actor in closing} == {"nurse"}  # who sent the report


def test_trajectory_gives_grade_over_time(
    engine: Engine, config: MonitoringConfig, nurse: str
) -> None:
    _submit(engine, config, "h1", CAPE)
    _submit(engine, config, "h2", {**CAPE, "nausea.frequency": 2, "nausea.severity": 2}, days=7)
    with unit_of_work(engine) as session:
        data = service.trajectory(
            session, access=access(session, "nurse", Action.VIEW_RECORD, "PT-A"), config=config
        )
    nausea = next(s for s in data.symptoms if s.symptom == "nausea")
    # frq 0 -> 0; frq 2 + sev 2 -> 2 (Basch 2021 frq+sev table, row frq 2, column 2)
    assert [p.grade for p in nausea.points] == [0, 2]
    assert nausea.points[1].scores == {"frequency": 2, "severity": 2}
